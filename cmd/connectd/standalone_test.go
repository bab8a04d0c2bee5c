package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/wait"
	"github.com/connectd/connectd/messages"
)

// standaloneWorker is one `connectd standalone` process under test; worker's helpers (do,
// status, kill, dumpLog) work on it.
type standaloneWorker struct {
	*worker
	files []string // connector files, in command-line order
}

// standaloneProps are worker properties for a standalone test: free ports, a fresh data dir
// and offsets file, then props.
func standaloneProps(t testing.TB, props map[string]string) *worker {
	t.Helper()
	w := &worker{t: t, props: map[string]string{}, dataDir: t.TempDir()}
	w.id = fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano())
	if b := externalBootstrap(); b != "" {
		w.props["bootstrap.servers"] = b
		maps.Copy(w.props, externalKafkaProps(t))
		w.broker = b
	} else {
		w.broker = fmt.Sprintf("127.0.0.1:%d", freePort(t))
		w.props["embedded.broker.listener"] = w.broker
	}
	w.props["data.dir"] = w.dataDir
	w.props["listeners"] = fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	w.props["offset.flush.interval.ms"] = "500"
	w.props["offset.storage.file.filename"] = filepath.Join(w.dataDir, "connect.offsets")
	for k, v := range props {
		if v == "" {
			delete(w.props, k)
		} else {
			w.props[k] = v
		}
	}
	return w
}

// writeStandaloneProps writes w's properties file and returns its path.
func writeStandaloneProps(w *worker) string {
	w.t.Helper()
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(w.props)) {
		fmt.Fprintf(&b, "%s=%s\n", k, w.props[k])
	}
	path := filepath.Join(w.dataDir, "worker.properties")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		w.t.Fatal(err)
	}
	return path
}

// startStandalone starts `connectd standalone worker.properties files...` and waits until
// it serves GET /; the process is stopped (SIGTERM, by PID) on cleanup.
func startStandalone(t testing.TB, props map[string]string, files ...string) *standaloneWorker {
	t.Helper()
	s := &standaloneWorker{worker: standaloneProps(t, props), files: files}
	t.Cleanup(func() {
		s.kill(syscall.SIGTERM)
		if t.Failed() {
			s.dumpLog()
		}
	})
	s.start()
	return s
}

func (s *standaloneWorker) start() {
	t := s.t
	t.Helper()
	s.url = s.props["listeners"]
	s.logPath = filepath.Join(s.dataDir, fmt.Sprintf("worker-%d.log", time.Now().UnixNano()))
	logFile, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(binary, append([]string{"standalone", writeStandaloneProps(s.worker)}, s.files...)...)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.Env = append(os.Environ(), "CONNECTD_LOG_LEVEL=debug")
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); logFile.Close(); close(s.done) }()
	timeout := 30 * time.Second
	if s.startTimeout > 0 { // a Java plugin host may be built first
		timeout = s.startTimeout
	}
	wait.For(t, timeout, "standalone worker to serve GET /", func() bool {
		select {
		case <-s.done:
			s.dumpLog()
			t.Fatalf("standalone worker exited during start")
		default:
		}
		resp, err := http.Get(s.url + "/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// connectorNames lists the worker's connectors, sorted.
func connectorNames(w *worker) []string {
	w.t.Helper()
	var names []string
	w.mustDo("GET", "/connectors", nil, 200, &names)
	slices.Sort(names)
	return names
}

// TestStandaloneFileRoundTrip runs standalone with a source properties file and a sink JSON
// file (Kafka's sample shapes): lines flow file → topic → file; a graceful restart neither
// loses nor repeats a line (offsets file, sink consumer group); a connector created over
// REST is gone after the restart while the files' connectors come back (spec §5).
func TestStandaloneFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	topic := fmt.Sprintf("connect-test-%d", time.Now().UnixNano())
	source := writeFile(t, dir, "connect-file-source.properties", fmt.Sprintf(
		"name=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\nfile=%s\ntopic=%s\n", in, topic))
	sink := writeFile(t, dir, "connect-file-sink.json", fmt.Sprintf(
		`{"name": "local-file-sink", "config": {"connector.class": "FileStreamSink", "tasks.max": 1, "file": %q, "topics": %q}}`, out, topic))
	appendLines(t, in, "a", 0, 1000)

	w := startStandalone(t, nil, source, sink)
	// The files' connectors exist and run as soon as REST answers: they are created first.
	if got := connectorNames(w.worker); !slices.Equal(got, []string{"local-file-sink", "local-file-source"}) {
		t.Fatalf("connectors %v", got)
	}
	w.waitState("local-file-source", "RUNNING", 1)
	w.waitState("local-file-sink", "RUNNING", 1)
	var cfg map[string]string
	w.mustDo("GET", "/connectors/local-file-sink/config", nil, 200, &cfg)
	if cfg["name"] != "local-file-sink" || cfg["tasks.max"] != "1" || cfg["file"] != out {
		t.Errorf("sink config from the JSON file: %v", cfg)
	}
	wait.For(t, 60*time.Second, "the first lines in the sink file", func() bool { return len(lines(t, out)) >= 1000 })

	// Standalone answers a create once the connector runs, tasks included (spec §5).
	var info struct {
		Name  string `json:"name"`
		Tasks []struct {
			Connector string `json:"connector"`
			Task      int    `json:"task"`
		} `json:"tasks"`
		Type string `json:"type"`
	}
	w.mustDo("POST", "/connectors", map[string]any{"name": "rest-made", "config": sinkConfig(filepath.Join(dir, "rest.txt"), topic)}, 201, &info)
	if len(info.Tasks) != 1 || info.Tasks[0].Connector != "rest-made" || info.Type != "sink" {
		t.Errorf("POST response %+v, want its one task (standalone)", info)
	}
	w.waitState("rest-made", "RUNNING", 1)
	info.Tasks = nil
	w.mustDo("PUT", "/connectors/rest-put/config", sourceConfig(filepath.Join(dir, "none.txt"), topic), 201, &info)
	if len(info.Tasks) != 1 || info.Tasks[0].Connector != "rest-put" || info.Type != "source" {
		t.Errorf("PUT response %+v, want its one task (standalone)", info)
	}

	w.kill(syscall.SIGTERM)
	if b, err := os.ReadFile(w.props["offset.storage.file.filename"]); err != nil || !strings.Contains(string(b), "local-file-source") {
		t.Errorf("offsets file after stop: %q, %v", b, err)
	}
	appendLines(t, in, "b", 0, 1000)
	w.start()
	if got := connectorNames(w.worker); !slices.Equal(got, []string{"local-file-sink", "local-file-source"}) {
		t.Errorf("connectors after restart %v, want the files' only (REST-made ones live in memory)", got)
	}
	w.waitState("local-file-source", "RUNNING", 1)
	wait.For(t, 60*time.Second, "all lines after the restart", func() bool { return len(lines(t, out)) >= 2000 })
	if got, want := lines(t, out), lines(t, in); !slices.Equal(got, want) {
		t.Fatalf("sink file has %d lines, want the source's %d in order, none twice", len(got), len(want))
	}
}

// TestStandaloneConnectorFileForms: each of Kafka Connect's connector file forms (spec §8.4)
// creates its connector; a JSON request's initial_state is honoured.
func TestStandaloneConnectorFileForms(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	appendLines(t, in, "x", 0, 3)
	topic := fmt.Sprintf("forms-%d", time.Now().UnixNano())
	files := []struct {
		name, file, content string
		want                map[string]string // expected config
		state               string
		tasks               int
	}{
		{"props", "props.properties", fmt.Sprintf("# Kafka's shape\nname=props\nconnector.class=FileStreamSource\ntasks.max=1\nfile=%s\ntopic=%s\n", in, topic),
			map[string]string{"name": "props", "connector.class": "FileStreamSource", "tasks.max": "1", "file": in, "topic": topic}, "RUNNING", 1},
		{"flat", "flat.json", fmt.Sprintf(`{"name":"flat","connector.class":"FileStreamSink","tasks.max":2,"errors.tolerance":"none","topics":%q,"file":%q}`, topic, filepath.Join(dir, "flat.txt")),
			map[string]string{"name": "flat", "connector.class": "FileStreamSink", "tasks.max": "2", "errors.tolerance": "none", "topics": topic, "file": filepath.Join(dir, "flat.txt")}, "RUNNING", 2},
		{"request", "request.json", fmt.Sprintf(`{"name":"request","config":{"connector.class":"FileStreamSource","file":%q,"topic":%q},"initial_state":"PAUSED","ignored":true}`, in, topic),
			map[string]string{"name": "request", "connector.class": "FileStreamSource", "file": in, "topic": topic}, "PAUSED", 0},
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, writeFile(t, dir, f.file, f.content))
	}
	w := startStandalone(t, nil, paths...)
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			var cfg map[string]string
			w.mustDo("GET", "/connectors/"+f.name+"/config", nil, 200, &cfg)
			for k, v := range f.want {
				if cfg[k] != v {
					t.Errorf("config %s = %q, want %q (config %v)", k, cfg[k], v, cfg)
				}
			}
			st := w.waitState(f.name, f.state, f.tasks)
			if len(st.Tasks) != f.tasks {
				t.Errorf("%d tasks, want %d", len(st.Tasks), f.tasks)
			}
		})
	}
}

// TestStandaloneBadInput: every bad command line exits non-zero with a message naming the
// problem, Kafka Connect's text where it has one (spec §8.3, §8.4); connector errors exit 3
// as ConnectStandalone does.
func TestStandaloneBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.properties", "name=good\nconnector.class=FileStreamSource\nfile=/dev/null\ntopic=t\n")
	tests := []struct {
		name  string
		props map[string]string // worker properties over the defaults; "" deletes a key
		args  func(worker string) []string
		code  int
		want  []string
	}{
		{"no worker file", nil, func(string) []string { return nil }, 2,
			[]string{"a worker properties file is required"}},
		{"missing worker file", nil, func(string) []string { return []string{filepath.Join(dir, "nope.properties")} }, 1,
			[]string{"worker properties", "nope.properties"}},
		{"missing connector file", nil, func(w string) []string { return []string{w, filepath.Join(dir, "absent.json")} }, 3,
			[]string{"absent.json", "no such file"}},
		{"properties without name", nil, func(w string) []string {
			return []string{w, writeFile(t, dir, "noname.properties", "connector.class=FileStreamSource\n")}
		}, 3, []string{"Connector configuration at '" + filepath.Join(dir, "noname.properties") + "' is missing the mandatory 'name' configuration"}},
		{"invalid properties", nil, func(w string) []string {
			return []string{w, writeFile(t, dir, "bad.properties", "name=x\nfile=\\u12\n")}
		}, 3, []string{"bad.properties", "malformed \\uxxxx encoding"}},
		{"flat JSON without name", nil, func(w string) []string {
			return []string{w, writeFile(t, dir, "noname.json", `{"connector.class":"FileStreamSource"}`)}
		}, 3, []string{"noname.json' is missing the mandatory 'name' configuration"}},
		{"JSON request name mismatch", nil, func(w string) []string {
			return []string{w, writeFile(t, dir, "mismatch.json", `{"name":"a","config":{"name":"b","connector.class":"FileStreamSource"}}`)}
		}, 3, []string{"Connector name configuration in 'config' doesn't match the one specified in 'name' at '" + filepath.Join(dir, "mismatch.json") + "'"}},
		{"JSON request without config", nil, func(w string) []string {
			return []string{w, writeFile(t, dir, "noconfig.json", `{"name":"a","settings":{"x":{}}}`)}
		}, 3, []string{"noconfig.json", `"settings" is not a string, number or boolean`, `no "config" object`}},
		{"bad initial state", nil, func(w string) []string {
			return []string{w, writeFile(t, dir, "state.json", `{"name":"a","config":{},"initial_state":"SLEEPING"}`)}
		}, 3, []string{"state.json", `initial_state "SLEEPING"`}},
		{"invalid JSON", nil, func(w string) []string {
			return []string{w, writeFile(t, dir, "broken.json", `{"name": "a",`)}
		}, 3, []string{"broken.json", "invalid JSON"}},
		{"duplicate names", nil, func(w string) []string {
			return []string{w, good, writeFile(t, dir, "again.json", `{"name":"good","connector.class":"FileStreamSink","topics":"t"}`)}
		}, 3, []string{`connector "good" is defined twice`, "good.properties", "again.json"}},
		{"connector fails validation", nil, func(w string) []string {
			return []string{w, good, writeFile(t, dir, "notopics.properties", "name=no-topics\nconnector.class=FileStreamSink\ntasks.max=0\n")}
		}, 3, []string{`connector "no-topics" from ` + filepath.Join(dir, "notopics.properties"),
			"Connector configuration is invalid and contains the following", "Must configure one of topics or topics.regex",
			"Invalid value 0 for configuration tasks.max: Value must be at least 1"}},
		{"unknown connector class", nil, func(w string) []string {
			return []string{w, writeFile(t, dir, "unknown.properties", "name=mystery\nconnector.class=com.example.Nope\n")}
		}, 3, []string{`connector "mystery"`, "Failed to find any class that implements Connector and which name matches com.example.Nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := standaloneProps(t, tt.props)
			args := append([]string{"standalone"}, tt.args(writeStandaloneProps(w))...)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, args...)
			cmd.WaitDelay = 5 * time.Second
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("exit: %v (context %v); output:\n%s", err, ctx.Err(), out)
			}
			if ee.ExitCode() != tt.code {
				t.Errorf("exit code %d, want %d; output:\n%s", ee.ExitCode(), tt.code, out)
			}
			for _, want := range tt.want {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestReadConnectorFile: the three forms of spec §8.4, tried in Kafka Connect's order.
func TestReadConnectorFile(t *testing.T) {
	tests := []struct {
		name, content string
		want          map[string]string
		initial       messages.TargetState
		wantErr       string
	}{
		{"properties", "name=a\nconnector.class=FileStreamSource\n# comment\nfile = /tmp/x\n",
			map[string]string{"name": "a", "connector.class": "FileStreamSource", "file": "/tmp/x"}, 0, ""},
		{"flat JSON, numbers and booleans as text", `{"name":"a","tasks.max":2,"x":1.5,"errors.log.enable":true}`,
			map[string]string{"name": "a", "tasks.max": "2", "x": "1.5", "errors.log.enable": "true"}, 0, ""},
		{"request adds name", `{"name":"a","config":{"k":"v"}}`, map[string]string{"name": "a", "k": "v"}, 0, ""},
		{"request with equal name and state", `{"name":"a","config":{"name":"a"},"initial_state":"STOPPED"}`,
			map[string]string{"name": "a"}, messages.TargetState_TARGET_STATE_STOPPED, ""},
		{"request running", `{"name":"a","config":{},"initial_state":"RUNNING"}`,
			map[string]string{"name": "a"}, messages.TargetState_TARGET_STATE_STARTED, ""},
		{"request ignores unknown fields", `{"name":"a","config":{},"tasks":[{"x":1}]}`, map[string]string{"name": "a"}, 0, ""},
		{"empty properties", "", nil, 0, "is missing the mandatory 'name' configuration"},
		{"flat JSON with null", `{"name":"a","k":null}`, nil, 0, `"k" is not a string, number or boolean`},
		{"request without name", `{"config":{"k":"v"}}`, nil, 0, "is missing the mandatory 'name' configuration"},
		{"request with nested config", `{"name":"a","config":{"k":{"x":"y"}}}`, nil, 0, `"config": "k" is not a string, number or boolean`},
		{"request name mismatch", `{"name":"a","config":{"name":"b"}}`, nil, 0, "doesn't match the one specified in 'name'"},
		{"JSON array", `[1]`, nil, 0, "is missing the mandatory 'name' configuration"},
		{"truncated JSON", `{"name":`, nil, 0, "invalid JSON"},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, fmt.Sprintf("c%d", i), tt.content)
			c, err := readConnectorFile(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.name != tt.want["name"] || !maps.Equal(c.config, tt.want) || c.initial != tt.initial {
				t.Errorf("got name %q config %v initial %v, want %v %v", c.name, c.config, c.initial, tt.want, tt.initial)
			}
		})
	}
}

func FuzzReadConnectorFile(f *testing.F) {
	for _, s := range []string{"name=a\n", `{"name":"a"}`, `{"name":"a","config":{"k":1}}`, `{"name":"a","config":{},"initial_state":"PAUSED"}`, "{", ""} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(dir, "c")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := readConnectorFile(path)
		if err == nil && c.config["name"] != c.name {
			t.Errorf("name %q but config name %q", c.name, c.config["name"])
		}
	})
}
