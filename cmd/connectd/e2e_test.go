package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/wait"
)

func sourceConfig(file, topic string) map[string]string {
	return map[string]string{
		"connector.class": "FileStreamSource",
		"tasks.max":       "1",
		"file":            file,
		"topic":           topic,
	}
}

func sinkConfig(file, topic string) map[string]string {
	return map[string]string{
		"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
		"tasks.max":       "1",
		"file":            file,
		"topics":          topic,
	}
}

// TestFileRoundTrip moves thousands of lines file → topic → file and checks, with an
// independent client, what reached the topic.
func TestFileRoundTrip(t *testing.T) {
	w := startWorker(t, nil)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	const n = 5000
	appendLines(t, in, "line", 0, n)
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": sourceConfig(in, w.topic("lines"))}, 201, nil)
	w.mustDo("POST", "/connectors", map[string]any{"name": "sink", "config": sinkConfig(out, w.topic("lines"))}, 201, nil)
	w.waitState("src", "RUNNING", 1)
	w.waitState("sink", "RUNNING", 1)
	wait.For(t, 60*time.Second, "all lines in the sink file", func() bool { return len(lines(t, out)) >= n })
	got := lines(t, out)
	want := lines(t, in)
	if !slices.Equal(got, want) {
		t.Fatalf("sink file differs: %d lines, first %q, want %d lines", len(got), got[:min(3, len(got))], len(want))
	}
	recs := readTopic(t, w.broker, w.topic("lines"), n)
	if len(recs) != n {
		t.Fatalf("topic has %d records, want %d", len(recs), n)
	}
	// JsonConverter with schemas.enable (spec §10.3).
	if got, want := string(recs[0].Value), `{"schema":{"type":"string","optional":false},"payload":"line-000000"}`; got != want {
		t.Errorf("first record value %s, want %s", got, want)
	}
	if recs[0].Key != nil {
		t.Errorf("record key %q, want none", recs[0].Key)
	}
	// Source offsets are in the offsets topic with Kafka Connect's key and value shapes.
	offsets := readTopic(t, w.broker, w.props["offset.storage.topic"], 1)
	if len(offsets) == 0 {
		t.Fatal("no source offset committed")
	}
	wantKey := fmt.Sprintf(`["src",{"filename":%q}]`, in)
	if string(offsets[0].Key) != wantKey {
		t.Errorf("offset key %s, want %s", offsets[0].Key, wantKey)
	}
	var pos map[string]int64
	if err := json.Unmarshal(offsets[len(offsets)-1].Value, &pos); err != nil || pos["position"] <= 0 {
		t.Errorf("offset value %s: %v", offsets[len(offsets)-1].Value, err)
	}
}

// TestTopicsRegexSink: a topics.regex sink reads the topics two sources created after the
// worker started (the worker's admin client lists the cluster's topics afresh, keeping none of
// their metadata), and its offsets endpoint reports both.
func TestTopicsRegexSink(t *testing.T) {
	w := startWorker(t, nil)
	dir := t.TempDir()
	const n = 50
	for _, name := range []string{"a", "b"} {
		in := filepath.Join(dir, name+".txt")
		appendLines(t, in, name, 0, n)
		w.mustDo("POST", "/connectors", map[string]any{"name": "src-" + name, "config": sourceConfig(in, w.topic("regex-"+name))}, 201, nil)
		if got := len(readTopic(t, w.broker, w.topic("regex-"+name), n)); got != n {
			t.Fatalf("topic %s has %d records, want %d", w.topic("regex-"+name), got, n)
		}
	}
	out := filepath.Join(dir, "out.txt")
	sink := sinkConfig(out, "")
	delete(sink, "topics")
	sink["topics.regex"] = "regex-(a|b)-" + regexp.QuoteMeta(w.id)
	w.mustDo("POST", "/connectors", map[string]any{"name": "sink", "config": sink}, 201, nil)
	wait.For(t, 60*time.Second, "both topics' lines in the sink file", func() bool { return len(lines(t, out)) >= 2*n })
	wait.For(t, 30*time.Second, "the sink's offsets of both topics", func() bool {
		code, _, b := w.do("GET", "/connectors/sink/offsets", nil)
		return code == 200 && strings.Contains(string(b), w.topic("regex-a")) && strings.Contains(string(b), w.topic("regex-b"))
	})
}

// TestHeaderConverter sees header.converter on the wire: a header a transform adds is written
// by Kafka Connect's default SimpleHeaderConverter as its text, and by a connector's own
// header.converter (JsonConverter without schemas) as JSON, never by the value converter.
func TestHeaderConverter(t *testing.T) {
	w := startWorker(t, nil)
	in := filepath.Join(t.TempDir(), "in.txt")
	appendLines(t, in, "line", 0, 1)
	tests := []struct {
		name   string
		config map[string]string
		want   string
	}{
		{"default", nil, "hello"},
		{"json", map[string]string{"header.converter": "org.apache.kafka.connect.json.JsonConverter", "header.converter.schemas.enable": "false"}, `"hello"`},
	}
	for _, tt := range tests {
		config := sourceConfig(in, w.topic(tt.name))
		config["transforms"] = "h"
		config["transforms.h.type"] = "org.apache.kafka.connect.transforms.InsertHeader"
		config["transforms.h.header"] = "greeting"
		config["transforms.h.value.literal"] = "hello"
		maps.Copy(config, tt.config)
		w.mustDo("POST", "/connectors", map[string]any{"name": tt.name, "config": config}, 201, nil)
	}
	for _, tt := range tests {
		recs := readTopic(t, w.broker, w.topic(tt.name), 1)
		if len(recs) != 1 {
			t.Fatalf("%s: %d records on the topic, want 1", tt.name, len(recs))
		}
		if h := recs[0].Headers; len(h) != 1 || h[0].Key != "greeting" || string(h[0].Value) != tt.want {
			t.Errorf("%s: headers on the wire %q, want greeting=%s", tt.name, h, tt.want)
		}
	}
}

// TestPauseResume sees pause and resume in the data flow.
func TestPauseResume(t *testing.T) {
	w := startWorker(t, nil)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	appendLines(t, in, "a", 0, 100)
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": sourceConfig(in, w.topic("t"))}, 201, nil)
	w.mustDo("POST", "/connectors", map[string]any{"name": "sink", "config": sinkConfig(out, w.topic("t"))}, 201, nil)
	wait.For(t, 60*time.Second, "first lines through", func() bool { return len(lines(t, out)) == 100 })

	w.mustDo("PUT", "/connectors/src/pause", nil, 202, nil)
	w.mustDo("PUT", "/connectors/src/pause", nil, 202, nil) // idempotent (spec §3.15)
	w.waitState("src", "PAUSED", 1)
	appendLines(t, in, "b", 0, 50)
	// A paused source reads nothing: nothing new reaches the sink while paused. The window
	// is long compared with the 1 s FileStream poll, so a running source would be seen.
	wait.Holds(t, 3*time.Second, "paused source moves no data: the sink keeps 100 lines", func() bool { return len(lines(t, out)) == 100 })
	w.mustDo("PUT", "/connectors/src/resume", nil, 202, nil)
	w.waitState("src", "RUNNING", 1)
	wait.For(t, 60*time.Second, "lines after resume", func() bool { return len(lines(t, out)) == 150 })
}

// TestFailingTaskRestart: a source whose file disappears is FAILED with a trace, the worker
// keeps serving, and a task restart brings it back.
func TestFailingTaskRestart(t *testing.T) {
	w := startWorker(t, nil)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	appendLines(t, in, "x", 0, 10)
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": sourceConfig(in, w.topic("t"))}, 201, nil)
	w.waitState("src", "RUNNING", 1)
	// The task has opened the file once its lines are on the topic; then it disappears.
	if got := len(readTopic(t, w.broker, w.topic("t"), 10)); got != 10 {
		t.Fatalf("topic has %d records, want the file's 10", got)
	}
	if err := os.Remove(in); err != nil {
		t.Fatal(err)
	}
	var st connectorStatus
	wait.For(t, 30*time.Second, "task FAILED", func() bool {
		st, _ = w.status("src")
		return len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	})
	if !strings.Contains(st.Tasks[0].Trace, in) {
		t.Errorf("trace %q does not name the file", st.Tasks[0].Trace)
	}
	if st.Connector.State != "RUNNING" {
		t.Errorf("connector state %s, want RUNNING", st.Connector.State)
	}
	var task struct {
		ID    int    `json:"id"`
		State string `json:"state"`
		Trace string `json:"trace"`
	}
	w.mustDo("GET", "/connectors/src/tasks/0/status", nil, 200, &task)
	if task.State != "FAILED" || task.Trace == "" {
		t.Errorf("task status %+v, want FAILED with trace", task)
	}
	// Still FAILED after a config-less poke: failures are not retried by themselves.
	w.mustDo("PUT", "/connectors/src/resume", nil, 202, nil)
	if st, _ := w.status("src"); st.Tasks[0].State != "FAILED" {
		t.Errorf("task %s after resume, want FAILED (resume does not restart, spec §3.15)", st.Tasks[0].State)
	}
	appendLines(t, in, "y", 0, 5)
	w.mustDo("POST", "/connectors/src/tasks/0/restart", nil, 204, nil)
	st = w.waitState("src", "RUNNING", 1)
	if st.Tasks[0].Trace != "" {
		t.Errorf("trace kept after restart: %q", st.Tasks[0].Trace)
	}
}

// TestWorkerRestartKeepsEverything kills the worker and starts it again on the same data:
// every connector returns with its config and target state, and no line is lost.
func TestWorkerRestartKeepsEverything(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			w := startWorker(t, nil)
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
			appendLines(t, in, "a", 0, 1000)
			w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": sourceConfig(in, w.topic("t"))}, 201, nil)
			w.mustDo("POST", "/connectors", map[string]any{"name": "sink", "config": sinkConfig(out, w.topic("t"))}, 201, nil)
			w.mustDo("POST", "/connectors", map[string]any{"name": "idle", "config": sourceConfig(filepath.Join(dir, "none"), w.topic("u")), "initial_state": "PAUSED"}, 201, nil)
			wait.For(t, 60*time.Second, "first lines", func() bool { return len(lines(t, out)) >= 1000 })

			w.restart(sig)
			var names []string
			w.mustDo("GET", "/connectors", nil, 200, &names)
			slices.Sort(names)
			if !slices.Equal(names, []string{"idle", "sink", "src"}) {
				t.Fatalf("connectors after restart: %v", names)
			}
			var cfg map[string]string
			w.mustDo("GET", "/connectors/src/config", nil, 200, &cfg)
			if cfg["file"] != in || cfg["name"] != "src" {
				t.Errorf("config after restart: %v", cfg)
			}
			w.waitState("idle", "PAUSED", 0)
			w.waitState("src", "RUNNING", 1)
			appendLines(t, in, "b", 0, 1000)
			wait.For(t, 60*time.Second, "all lines after restart", func() bool {
				return covers(lines(t, out), lines(t, in))
			})
			if sig == syscall.SIGTERM {
				// A graceful stop commits every offset: nothing is read twice.
				if got, want := len(lines(t, out)), 2000; got != want {
					t.Errorf("sink has %d lines after a graceful restart, want %d", got, want)
				}
			}
		})
	}
}

// covers reports whether got contains every line of want, in want's order (duplicates from
// an at-least-once replay allowed).
func covers(got, want []string) bool {
	seen := map[string]bool{}
	for _, l := range got {
		seen[l] = true
	}
	for _, l := range want {
		if !seen[l] {
			return false
		}
	}
	return true
}

// TestRESTEndpoints walks every endpoint of the foundation over HTTP, with error cases.
func TestRESTEndpoints(t *testing.T) {
	w := startWorker(t, nil)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	appendLines(t, in, "l", 0, 3)

	var root map[string]string
	_, rootHdr, _ := w.do("GET", "/", nil)
	w.mustDo("GET", "/", nil, 200, &root)
	// spec §0.1: the Kafka Connect API version implemented, and the build's commit, 16 hex
	// digits as Kafka's AppInfoParser gives it; connectd's own version is in Server.
	if root["version"] != "4.4.0" || root["kafka_cluster_id"] == "" ||
		(headRevision != "" && root["commit"] != headRevision[:16]) || len(root["commit"]) != 16 {
		t.Errorf("GET / = %v; want version 4.4.0 and commit %.16s", root, headRevision)
	}
	if !strings.HasPrefix(rootHdr.Get("Server"), "connectd/") {
		t.Errorf("Server header %q, want connectd/<version>", rootHdr.Get("Server"))
	}

	// Create, duplicate, read back.
	code, hdr, body := w.do("POST", "/connectors", map[string]any{"name": "src", "config": sourceConfig(in, w.topic("t"))})
	if code != 201 || !strings.HasSuffix(hdr.Get("Location"), "/connectors/src") {
		t.Fatalf("create: %d %s location %q", code, body, hdr.Get("Location"))
	}
	var info struct {
		Name   string            `json:"name"`
		Config map[string]string `json:"config"`
		Tasks  []map[string]any  `json:"tasks"`
		Type   string            `json:"type"`
	}
	if err := json.Unmarshal(body, &info); err != nil || info.Name != "src" || info.Config["name"] != "src" || info.Type != "source" || info.Tasks == nil {
		t.Errorf("create body %s (%v)", body, err)
	}
	expectError(t, w, "POST", "/connectors", map[string]any{"name": "src", "config": sourceConfig(in, w.topic("t"))}, 409, "Connector src already exists")
	w.waitState("src", "RUNNING", 1)
	w.mustDo("GET", "/connectors/src", nil, 200, &info)
	if len(info.Tasks) != 1 || info.Tasks[0]["connector"] != "src" || info.Tasks[0]["task"] != float64(0) {
		t.Errorf("GET connector tasks %v", info.Tasks)
	}
	var cfg map[string]string
	w.mustDo("GET", "/connectors/src/config", nil, 200, &cfg)
	if cfg["topic"] != w.topic("t") {
		t.Errorf("config %v", cfg)
	}
	var tasks []struct {
		ID     map[string]any    `json:"id"`
		Config map[string]string `json:"config"`
	}
	w.mustDo("GET", "/connectors/src/tasks", nil, 200, &tasks)
	if len(tasks) != 1 || tasks[0].Config["file"] != in {
		t.Errorf("tasks %+v", tasks)
	}

	// PUT config: 201 for a new connector, 200 for an update (numbers become strings).
	newCfg := map[string]any{"connector.class": "FileStreamSink", "tasks.max": 2, "topics": w.topic("t"), "file": filepath.Join(dir, "o")}
	w.mustDo("PUT", "/connectors/put%20me/config", newCfg, 201, nil)
	newCfg["tasks.max"] = 3
	w.mustDo("PUT", "/connectors/put%20me/config", newCfg, 200, &info)
	if info.Config["tasks.max"] != "3" || info.Name != "put me" {
		t.Errorf("PUT update: %+v", info)
	}
	w.waitState("put me", "RUNNING", 3)

	var names []string
	w.mustDo("GET", "/connectors", nil, 200, &names)
	slices.Sort(names)
	if !slices.Equal(names, []string{"put me", "src"}) {
		t.Errorf("GET /connectors = %v", names)
	}
	w.mustDo("GET", "/connectors/", nil, 200, &names) // trailing slash, no redirect

	// Commands.
	w.mustDo("PUT", "/connectors/src/pause", nil, 202, nil)
	w.waitState("src", "PAUSED", 1)
	w.mustDo("PUT", "/connectors/src/resume", nil, 202, nil)
	w.waitState("src", "RUNNING", 1)
	w.mustDo("POST", "/connectors/src/restart", nil, 204, nil)
	var plan connectorStatus
	w.mustDo("POST", "/connectors/src/restart?includeTasks=true", nil, 202, &plan)
	if plan.Connector.State != "RESTARTING" || len(plan.Tasks) != 1 || plan.Tasks[0].State != "RESTARTING" {
		t.Errorf("restart plan %+v", plan)
	}
	w.mustDo("POST", "/connectors/src/restart?includeTasks=true&onlyFailed=true", nil, 202, &plan)
	w.waitState("src", "RUNNING", 1)
	w.mustDo("POST", "/connectors/src/tasks/0/restart", nil, 204, nil)
	var ts map[string]any
	w.mustDo("GET", "/connectors/src/tasks/0/status", nil, 200, &ts)
	if ts["id"] != float64(0) || ts["worker_id"] != strings.TrimPrefix(w.url, "http://") {
		t.Errorf("task status %v (worker %s)", ts, w.url)
	}

	// Plugins.
	var plugins []map[string]string
	w.mustDo("GET", "/connector-plugins", nil, 200, &plugins)
	classes := []string{}
	for _, p := range plugins {
		classes = append(classes, p["class"]+"/"+p["type"])
	}
	if !slices.Equal(classes, []string{"io.connectd.loadgen.DiscardSinkConnector/sink", "io.connectd.postgres.PostgresSinkConnector/sink", "org.apache.kafka.connect.file.FileStreamSinkConnector/sink", "io.connectd.loadgen.DataGenSourceConnector/source", "org.apache.kafka.connect.file.FileStreamSourceConnector/source"}) {
		t.Errorf("plugins %v", classes)
	}

	// Errors, each in Kafka Connect's shape.
	expectError(t, w, "GET", "/connectors/nope", nil, 404, "Connector nope not found")
	expectError(t, w, "GET", "/connectors/nope/config", nil, 404, "Connector nope not found")
	expectError(t, w, "GET", "/connectors/nope/status", nil, 404, "No status found for connector nope")
	expectError(t, w, "GET", "/connectors/src/tasks/7/status", nil, 404, "No status found for task src-7")
	expectError(t, w, "GET", "/connectors/src/tasks/x/status", nil, 404, "")
	expectError(t, w, "DELETE", "/connectors/nope", nil, 404, "Connector nope not found")
	expectError(t, w, "PUT", "/connectors/nope/pause", nil, 404, "Unknown connector nope")
	expectError(t, w, "POST", "/connectors/nope/restart", nil, 404, "Unknown connector: nope")
	expectError(t, w, "POST", "/connectors/src/tasks/9/restart", nil, 404, "Unknown task: src-9")
	expectError(t, w, "POST", "/connectors", `{"name": "bad",`, 400, "")
	expectError(t, w, "POST", "/connectors", `{"name": "bad", "config": "x"}`, 400, "")
	expectError(t, w, "POST", "/connectors", map[string]any{"name": "bad", "config": map[string]string{"file": "x"}}, 400, "contains no connector type")
	expectError(t, w, "POST", "/connectors", map[string]any{"name": "bad", "config": map[string]string{"connector.class": "NoSuchConnector"}}, 400, "Failed to find any class that implements Connector and which name matches NoSuchConnector")
	expectError(t, w, "POST", "/connectors", map[string]any{"name": "bad", "config": map[string]string{"connector.class": "FileStreamSink", "tasks.max": "0"}}, 400,
		"Connector configuration is invalid and contains the following 3 error(s):\nInvalid value 0 for configuration tasks.max: Value must be at least 1\nMust configure one of topics or topics.regex\nMust configure one of topics or topics.regex\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")
	expectError(t, w, "POST", "/connectors", map[string]any{"name": "bad", "config": map[string]string{"connector.class": "FileStreamSource", "name": "other", "topic": w.topic("t")}}, 400,
		"Connector name configuration (other) doesn't match connector name in the URL (bad)")
	expectError(t, w, "GET", "/no/such/route", nil, 404, "HTTP 404 Not Found")
	expectError(t, w, "DELETE", "/connector-plugins", nil, 405, "HTTP 405 Method Not Allowed")
	// A failed create stored nothing.
	expectError(t, w, "GET", "/connectors/bad", nil, 404, "Connector bad not found")

	// Names that need escaping work on every path.
	for _, name := range []string{"with space", "a/b", "ünï", "p+q%r"} {
		w.mustDo("POST", "/connectors", map[string]any{"name": name, "config": sourceConfig(in, w.topic("t"))}, 201, nil)
		w.waitState(name, "RUNNING", 1)
		w.mustDo("GET", "/connectors/"+escape(name)+"/config", nil, 200, &cfg)
		if cfg["name"] != name {
			t.Errorf("config of %q has name %q", name, cfg["name"])
		}
		w.mustDo("PUT", "/connectors/"+escape(name)+"/pause", nil, 202, nil)
		w.waitState(name, "PAUSED", 1)
		w.mustDo("DELETE", "/connectors/"+escape(name)+"/", nil, 204, nil) // trailing slash
		wait.For(t, 10*time.Second, name+" gone", func() bool {
			code, _, _ := w.do("GET", "/connectors/"+escape(name), nil)
			return code == 404
		})
	}

	// Delete: gone from the list, its status 404s.
	w.mustDo("DELETE", "/connectors/src", nil, 204, nil)
	w.mustDo("GET", "/connectors", nil, 200, &names)
	if slices.Contains(names, "src") {
		t.Errorf("deleted connector still listed: %v", names)
	}
	wait.For(t, 10*time.Second, "status 404 after delete", func() bool {
		code, _, _ := w.do("GET", "/connectors/src/status", nil)
		return code == 404
	})
}

// expectError checks status, the JSON error shape, and (if wantMsg is set) that the message
// contains it.
func expectError(t *testing.T, w *worker, method, path string, body any, wantCode int, wantMsg string) {
	t.Helper()
	code, hdr, b := w.do(method, path, body)
	if code != wantCode {
		t.Errorf("%s %s: status %d, want %d (%s)", method, path, code, wantCode, b)
		return
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: content type %q", method, path, ct)
	}
	var e struct {
		Code    *int    `json:"error_code"`
		Message *string `json:"message"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Code == nil || *e.Code != wantCode || e.Message == nil {
		t.Errorf("%s %s: error body %s", method, path, b)
		return
	}
	if wantMsg != "" && !strings.Contains(*e.Message, wantMsg) {
		t.Errorf("%s %s: message %q, want it to contain %q", method, path, *e.Message, wantMsg)
	}
}

var _ = http.StatusOK
