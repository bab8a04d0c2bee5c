package rest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTasksConfigRemoved: GET /connectors/{c}/tasks-config is gone since Kafka Connect 4.0
// (KAFKA-15387): an unknown route's 404, for a connector that exists too (spec §0.1).
func TestTasksConfigRemoved(t *testing.T) {
	srv, f := newTestServer(t)
	c := f.name("c")
	mustCreate(t, srv, c, f.sourceConfig(1))
	f.waitTasks(c, 1)
	assertError(t, call(t, srv, "GET", path(c, "/tasks-config"), ""), 404, msgNotFound)
}

// TestFrameworkAnswers: HEAD answers every GET route as JAX-RS does, with the GET's headers
// and no body; unknown routes and methods keep the JSON error body with Jersey's codes; every
// response names the server (spec §0.1: Apache names its Jetty; connectd names itself).
func TestFrameworkAnswers(t *testing.T) {
	srv, _ := newTestServer(t, WithServerHeader("connectd/test"))
	for _, tt := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"HEAD", "/connectors", 200, ""},
		{"HEAD", "/", 200, ""},
		{"HEAD", "/connector-plugins/", 200, ""},
		{"HEAD", "/nope", 404, ""},
		{"GET", "/nope", 404, `{"error_code":404,"message":"HTTP 404 Not Found"}`},
		{"PUT", "/connectors", 405, `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}`},
		{"DELETE", "/health", 405, `{"error_code":405,"message":"HTTP 405 Method Not Allowed"}`},
		{"GET", "/connectors/a/tasks/x/status", 404, `{"error_code":404,"message":"HTTP 404 Not Found"}`},
	} {
		r := callWith(t, srv, tt.method, tt.path, "", nil)
		if r.status != tt.status || r.body != tt.body || r.header.Get("Server") != "connectd/test" {
			t.Errorf("%s %s: %d %q, Server %q; want %d %q", tt.method, tt.path, r.status, r.body, r.header.Get("Server"), tt.status, tt.body)
		}
		if tt.method == "HEAD" && tt.status == 200 && r.header.Get("Content-Length") == "" {
			t.Errorf("HEAD %s: no Content-Length", tt.path)
		}
	}
}

// TestConfigOrder: the answer to a create and to a PUT lists the config in the order the
// client sent it, "name" last when the client left it out, as Kafka Connect answers (spec §0.1).
func TestConfigOrder(t *testing.T) {
	srv, f := newTestServer(t)
	c := f.name("c")
	r := call(t, srv, "POST", "/connectors", f.fill(`{"name":"{{c}}","config":{"topic":"t","file":"{{file}}","zz":"1","connector.class":"FileStreamSource","aa":"2"}}`))
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if got, want := configKeys(t, r.body), "topic,file,zz,connector.class,aa,name"; got != want {
		t.Errorf("create answered config keys %s, want %s", got, want)
	}
	r = call(t, srv, "PUT", path(c, "/config"), f.fill(`{"zz":"1","name":"{{c}}","file":"{{file}}","connector.class":"FileStreamSource","topic":"t","bb":"3"}`))
	if r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	if got, want := configKeys(t, r.body), "zz,name,file,connector.class,topic,bb"; got != want {
		t.Errorf("PUT answered config keys %s, want %s", got, want)
	}
}

// configKeys returns the keys of a ConnectorInfo body's config, in the order written.
func configKeys(t *testing.T, body string) string {
	t.Helper()
	var raw struct {
		Config json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	return strings.Join(keyOrder(raw.Config), ",")
}

// TestNames: a name that is not valid UTF-8, or holds a lone surrogate, is a 400 and never a
// connector named with U+FFFD; a name too long for the groups and ids made from it is a 400 at
// create; no error message repeats a huge name.
func TestNames(t *testing.T) {
	srv, f := newTestServer(t)
	long := f.name(strings.Repeat("n", maxNameBytes))
	for _, tt := range []struct {
		what, method, path, body string
		status                   int
	}{
		{"invalid UTF-8", "POST", "/connectors", "{\"name\":\"bad\xff\",\"config\":{" + validSource + "}}", 400},
		{"lone high surrogate", "POST", "/connectors", `{"name":"bad\ud800","config":{` + validSource + `}}`, 400},
		{"lone low surrogate", "POST", "/connectors", `{"name":"bad\udc00x","config":{` + validSource + `}}`, 400},
		{"surrogate in config name", "POST", "/connectors", `{"config":{"name":"x\ud800",` + validSource + `}}`, 400},
		{"invalid UTF-8 in the path", "PUT", "/connectors/bad%FF/config", `{` + validSource + `}`, 400},
		{"too long", "POST", "/connectors", `{"name":"` + long + `","config":{` + validSource + `}}`, 400},
		{"too long in the path", "PUT", path(long, "/config"), `{` + validSource + `}`, 400},
		{"a surrogate pair", "POST", "/connectors", `{"name":"{{c}}\ud83d\ude00","config":{` + validSource + `}}`, 201},
	} {
		r := call(t, srv, tt.method, f.fill(tt.path), f.fill(tt.body))
		if r.status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.what, r.status, r.body, tt.status)
		}
		if len(r.body) > 1024 {
			t.Errorf("%s: an error body of %d bytes", tt.what, len(r.body))
		}
	}
	if names := f.names(t); len(names) != 1 || names[0] != f.name("c")+"😀" {
		t.Errorf("connectors %q, want only the one with a surrogate pair", names)
	}
	huge := strings.Repeat("h", 1<<19)
	for _, p := range []string{"/status", "", "/config", "/tasks/0/status"} {
		r := call(t, srv, "GET", path(huge, p), "")
		if r.status != 404 || len(r.body) > 1024 || !strings.Contains(r.body, "more bytes") {
			t.Errorf("GET %s of a huge name: %d, %d bytes: %.300s", p, r.status, len(r.body), r.body)
		}
	}
	r := call(t, srv, "POST", "/connectors", `{"name":"a","config":{"name":"`+huge+`"}}`)
	if r.status != 400 || len(r.body) > 2048 {
		t.Errorf("mismatched huge config name: %d, %d bytes", r.status, len(r.body))
	}
}

// TestSlowClients: with the connection cap taken by clients that trickle their headers or
// their body, a client that sends its request at once is still answered, the connections
// held never exceed the cap, and the server's read deadlines apply (a slowloris attack).
func TestSlowClients(t *testing.T) {
	s, err := New(realBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	const limit = 8
	limiter := NewConnLimiter(limit)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(s.Handler())
	go func() { _ = hs.Serve(limiter.Listener(ln)) }()
	t.Cleanup(func() { _ = hs.Close() })
	addr := ln.Addr().String()

	// 4×limit slow clients: half stop inside their headers, half inside a body they promised.
	var slow []net.Conn
	t.Cleanup(func() {
		for _, c := range slow {
			_ = c.Close()
		}
	})
	for i := range 4 * limit {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
		if i%2 == 0 {
			fmt.Fprintf(c, "GET /connectors HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		} else {
			fmt.Fprintf(c, "POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		}
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/connectors", nil)
		resp, err := client.Do(req)
		if err != nil {
			cancel()
			t.Fatalf("request %d among slow clients: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		cancel()
		if resp.StatusCode != 200 {
			t.Errorf("request %d: %d", i, resp.StatusCode)
		}
	}
	if n := limiter.Open(); n > limit {
		t.Errorf("%d connections open, cap %d", n, limit)
	}
	// The slow clients that were not evicted are cut by the server's read deadlines; each
	// evicted one was closed: all of them see their connection end.
	for i, c := range slow {
		_ = c.SetReadDeadline(time.Now().Add(RequestTimeout + 15*time.Second))
		_, err := bufio.NewReader(c).ReadString('\n')
		for err == nil {
			_, err = bufio.NewReader(c).ReadString('\n')
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("slow client %d still connected after the read deadlines", i)
		}
	}
}

// TestStatusOnlyWhatWasStored: before a connector has a status, its status, its task's status
// and expand=status answer as Kafka Connect does (404 "No status found …", left out), never an
// invented UNASSIGNED or an empty worker_id; once it runs, status and task status carry the
// plugin's version and GET …/tasks each task's task.class (spec §0.1).
func TestStatusOnlyWhatWasStored(t *testing.T) {
	srv, f := newTestServer(t)
	c := f.name("gated")
	open := newGate(c)
	defer open()
	r := call(t, srv, "POST", "/connectors", `{"name":"`+c+`","config":{"connector.class":"`+gatedClass+`","gate":"`+c+`"}}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	assertError(t, call(t, srv, "GET", path(c, "/status"), ""), 404, "No status found for connector "+c)
	assertError(t, call(t, srv, "GET", path(c, "/tasks/0/status"), ""), 404, "No status found for task "+c+"-0")
	if r := call(t, srv, "GET", "/connectors?expand=status", ""); strings.Contains(r.body, `"`+c+`"`) {
		t.Errorf("expand=status lists a connector with no status: %s", r.body)
	}
	open()
	st := f.waitRunning(c, 1)
	if st.Connector.Version != gatedVersion || st.Tasks[0].Version != gatedVersion || st.Connector.WorkerID == "" || st.Tasks[0].WorkerID == "" {
		t.Errorf("status %+v: want version %s and a worker id for the connector and its task", st, gatedVersion)
	}
	var task TaskState
	if err := json.Unmarshal([]byte(call(t, srv, "GET", path(c, "/tasks/0/status"), "").body), &task); err != nil || task.Version != gatedVersion {
		t.Errorf("task status %+v, %v: want version %s", task, err, gatedVersion)
	}
	var tasks []TaskInfo
	if err := json.Unmarshal([]byte(call(t, srv, "GET", path(c, "/tasks"), "").body), &tasks); err != nil || len(tasks) != 1 || tasks[0].Config["task.class"] != gatedTaskClass {
		t.Errorf("tasks %+v, %v: want task.class %s", tasks, err, gatedTaskClass)
	}
}

// TestRestartTaskRightAfterCreate: a task restart that arrives while the connector is about to
// write its task configs waits for them and answers 204, as Kafka Connect queues it (issue 11:
// go-kafka-connect's TestRestartTask); a task the configs do not have is then 404.
func TestRestartTaskRightAfterCreate(t *testing.T) {
	srv, f := newTestServer(t)
	c := f.name("gated")
	open := newGate(c)
	defer open()
	r := call(t, srv, "POST", "/connectors", `{"name":"`+c+`","config":{"connector.class":"`+gatedClass+`","gate":"`+c+`"}}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := call(t, srv, "GET", path(c, ""), ""); r.status != 200 {
		t.Fatalf("GET the connector: %d %s", r.status, r.body)
	}
	// Each restart on a client of its own: call shares the server's client and may not run
	// off the test's goroutine.
	restarts := make(chan response, 2)
	for _, task := range []string{"0", "5"} {
		go func() {
			req, _ := http.NewRequest("POST", srv.URL+path(c, "/tasks/"+task+"/restart"), nil)
			resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
			if err != nil {
				restarts <- response{status: -1, body: err.Error()}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			restarts <- response{status: resp.StatusCode, body: string(b)}
		}()
	}
	// While the gate is closed no task config can be written: an answer now is a wrong one
	// (before queueing, a 404 "Unknown task" came at once). A correct worker never answers
	// here, so this wait can only give a wrong answer its chance to show.
	select {
	case r := <-restarts:
		t.Fatalf("a restart answered before the task configs were written: %d %s", r.status, r.body)
	case <-time.After(500 * time.Millisecond):
	}
	open()
	got := map[int]string{}
	for range 2 {
		r := <-restarts
		got[r.status] = r.body
	}
	if _, ok := got[204]; !ok {
		t.Errorf("restart of task 0 right after create: %v; want 204", got)
	}
	if body, ok := got[404]; !ok || !strings.Contains(body, "Unknown task: "+c+"-5") {
		t.Errorf("restart of task 5, which the connector does not make: %v; want 404 Unknown task", got)
	}
	f.waitRunning(c, 1)
}
