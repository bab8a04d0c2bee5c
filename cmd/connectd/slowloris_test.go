package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/wait"
)

// TestSlowlorisKeepsWorkerServing: a worker whose file descriptor limit is 256 is attacked
// with thousands of connections that trickle their headers or bodies and never finish. REST
// keeps answering other clients, the running tasks keep moving data, and a connector created
// during the attack starts and runs: the REST listener holds at most a quarter of the
// descriptors and drops the slowest connections first (issue 11, hardening item 9).
func TestSlowlorisKeepsWorkerServing(t *testing.T) {
	w := startWorker(t, nil, withFDLimit(256))
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	appendLines(t, in, "before", 0, 10)
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": sourceConfig(in, w.topic("lines"))}, 201, nil)
	w.mustDo("POST", "/connectors", map[string]any{"name": "sink", "config": sinkConfig(out, w.topic("lines"))}, 201, nil)
	w.waitState("src", "RUNNING", 1)
	w.waitState("sink", "RUNNING", 1)
	wait.For(t, 60*time.Second, "the first lines in the sink file", func() bool { return len(lines(t, out)) >= 10 })

	// The attacker: about 500 new connections a second, each sending headers or a body one
	// byte every 2 s and never finishing, up to 1500 held at once; a connection the worker
	// drops is dialled again.
	u, _ := url.Parse(w.url)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	dialled := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		dial := time.NewTicker(2 * time.Millisecond)
		defer dial.Stop()
		trickle := time.NewTicker(2 * time.Second)
		defer trickle.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-trickle.C:
				alive := conns[:0]
				for _, c := range conns {
					_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
					if _, err := c.Write([]byte("x")); err != nil {
						_ = c.Close()
						continue
					}
					alive = append(alive, c)
				}
				conns = alive
			case <-dial.C:
				if len(conns) >= 1500 {
					continue
				}
				c, err := net.DialTimeout("tcp", u.Host, time.Second)
				if err != nil {
					continue
				}
				if i%2 == 0 {
					fmt.Fprintf(c, "GET /connectors HTTP/1.1\r\nHost: x\r\nX-Slow: ")
				} else {
					fmt.Fprintf(c, "POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
				}
				conns = append(conns, c)
				mu.Lock()
				dialled++
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { stop(); wg.Wait() })
	wait.For(t, 60*time.Second, "1000 attacking connections", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return dialled >= 1000
	})

	// Under attack: REST answers, data moves, and a new connector opens its files and clients.
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) int {
		resp, err := client.Get(w.url + path)
		if err != nil {
			t.Fatalf("GET %s under attack: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 5 {
		if code := get("/connectors/src/status"); code != 200 {
			t.Fatalf("status under attack: %d", code)
		}
	}
	appendLines(t, in, "during", 0, 10)
	wait.For(t, 60*time.Second, "lines written during the attack in the sink file", func() bool { return len(lines(t, out)) >= 20 })
	in2, out2 := filepath.Join(dir, "in2.txt"), filepath.Join(dir, "out2.txt")
	appendLines(t, in2, "new", 0, 5)
	w.mustDo("POST", "/connectors", map[string]any{"name": "src2", "config": sourceConfig(in2, w.topic("lines2"))}, 201, nil)
	w.mustDo("POST", "/connectors", map[string]any{"name": "sink2", "config": sinkConfig(out2, w.topic("lines2"))}, 201, nil)
	wait.For(t, 60*time.Second, "the new connector's lines in its sink file", func() bool { return len(lines(t, out2)) >= 5 })
	for _, name := range []string{"src", "sink", "src2", "sink2"} {
		st, ok := w.status(name)
		if !ok || st.Connector.State != "RUNNING" {
			t.Fatalf("%s under attack: %+v", name, st)
		}
		for _, task := range st.Tasks {
			if task.State != "RUNNING" {
				t.Errorf("%s task %d %s under attack: %.300s", name, task.ID, task.State, strings.TrimSpace(task.Trace))
			}
		}
	}
}
