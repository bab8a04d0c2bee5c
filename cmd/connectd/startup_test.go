package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/wait"
)

// TestStartingWorker: the REST API listens before the worker is ready, as Kafka Connect's
// does (spec §3.2). A worker whose Kafka accepts connections and never answers stays in its
// first stage: GET /health answers 503 "starting" with that stage after the 10 s health
// timeout, other requests wait, and SIGTERM still stops the worker, with exit status 0.
func TestStartingWorker(t *testing.T) {
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		held []net.Conn
	)
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // read by nobody: Kafka that never answers
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		hole.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})

	dir := t.TempDir()
	url := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	props := fmt.Sprintf("bootstrap.servers=%s\nlisteners=%s\ndata.dir=%s\ngroup.id=starting\n", hole.Addr(), url, dir)
	propsPath := filepath.Join(dir, "worker.properties")
	if err := os.WriteFile(propsPath, []byte(props), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "worker.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "distributed", propsPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logFile.Close() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("worker log:\n%s", b)
		}
	})

	client := &http.Client{Timeout: 30 * time.Second}
	wait.For(t, 10*time.Second, "the REST listener", func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	resp, err := client.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var st struct{ Status, Message string }
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("health: %d %s: %v", resp.StatusCode, body, err)
	}
	const want = "Worker is still starting up. The worker is currently connecting to Kafka, which began at "
	if resp.StatusCode != http.StatusServiceUnavailable || st.Status != "starting" || !strings.HasPrefix(st.Message, want) {
		t.Fatalf("health while starting: %d %s, want 503 starting %q…", resp.StatusCode, body, want)
	}

	short := &http.Client{Timeout: 300 * time.Millisecond}
	if resp, err := short.Get(url + "/connectors"); err == nil {
		resp.Body.Close()
		t.Fatalf("GET /connectors answered %d while the worker was starting", resp.StatusCode)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("worker stopped while starting: %v, want exit status 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("worker did not exit within 20 s of SIGTERM while starting")
	}
}
