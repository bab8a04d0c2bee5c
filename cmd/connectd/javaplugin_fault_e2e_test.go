package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/pluginfixture"
	"github.com/connectd/connectd/internal/wait"
)

// Faults of Java plugins on a real worker: a test plugin (compiled by the test) that throws in
// its connector's start, its task's start, poll and put, one whose validate() hangs, and a
// plugin host killed with SIGKILL while Java tasks run. Each failure is FAILED with a trace
// naming the Java exception (or saying that the host died), and comes back RUNNING after a
// restart through REST; the worker and a Go connector never stop.

const (
	failingSourceClass = "com.example.failing.FailingSourceConnector"
	failingSinkClass   = "com.example.failing.FailingSinkConnector"
)

// failingPluginPath compiles connectors/javaplugin/testdata/failing against the Connect API and
// Kafka clients of the plugins' Kafka version (JARs from Maven Central, cached by
// pluginfixture) into a plugin.path entry holding it as a directory of classes.
func failingPluginPath(t *testing.T) string {
	t.Helper()
	v := pluginfixture.KafkaVersion
	api := pluginfixture.PluginPath(t, "connect-api-"+v, "org.apache.kafka:connect-api:"+v, "org.apache.kafka:kafka-clients:"+v)
	srcs, err := filepath.Glob(filepath.Join("..", "..", "connectors", "javaplugin", "testdata", "failing", "src", "com", "example", "failing", "*.java"))
	if err != nil || len(srcs) == 0 {
		t.Fatalf("test plugin sources: %v (%d files)", err, len(srcs))
	}
	dir := t.TempDir()
	args := append([]string{"--release", "17", "-cp", filepath.Join(api, "connect-api-"+v, "*"), "-d", filepath.Join(dir, "failing")}, srcs...)
	var out bytes.Buffer
	cmd := exec.Command("javac", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out.String())
	}
	return dir
}

// hostPID is the worker's plugin host: its one child process.
func hostPID(t *testing.T, w *worker) int {
	t.Helper()
	pids := workerChildren(t, w)
	if len(pids) != 1 {
		t.Fatalf("worker %d has children %v, want its one plugin host", w.cmd.Process.Pid, pids)
	}
	return pids[0]
}

// workerChildren lists the worker's child processes (each thread lists those it started).
func workerChildren(t *testing.T, w *worker) []int {
	t.Helper()
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", w.cmd.Process.Pid))
	if err != nil || len(files) == 0 {
		t.Skipf("cannot list the worker's children: %v", err)
	}
	var pids []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that ended meanwhile
		}
		for _, field := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(field); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// jvmOptions checks that the plugin host pid runs with the options of the worker's
// connectd.plugin.host.jvm.options in TestJavaPluginFaults.
func jvmOptions(t *testing.T, pid int) {
	t.Helper()
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmdline, []byte("-Xmx256m\x00-Dconnectd.test=faults\x00")) {
		t.Errorf("plugin host %d runs %q (%v), want the worker's connectd.plugin.host.jvm.options", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}), err)
	}
}

// restartAll restarts a connector and all of its tasks through REST, as an operator does after
// fixing what failed them.
func restartAll(t *testing.T, w *worker, name string) {
	t.Helper()
	code, _, body := w.do("POST", "/connectors/"+escape(name)+"/restart?includeTasks=true&onlyFailed=false", nil)
	if code != http.StatusAccepted && code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("restart %s: %d %s", name, code, body)
	}
}

// waitFailed waits until the connector (task < 0) or its task is FAILED and returns its trace.
func waitFailed(t *testing.T, w *worker, name string, task int) string {
	t.Helper()
	var trace string
	wait.For(t, 2*time.Minute, fmt.Sprintf("%s (task %d) FAILED", name, task), func() bool {
		st, ok := w.status(name)
		if !ok {
			return false
		}
		if task < 0 {
			trace = st.Connector.Trace
			return st.Connector.State == "FAILED"
		}
		for _, ts := range st.Tasks {
			if ts.ID == task && ts.State == "FAILED" {
				trace = ts.Trace
				return true
			}
		}
		return false
	})
	return trace
}

func TestJavaPluginFaults(t *testing.T) {
	w := startWorker(t, map[string]string{"plugin.path": failingPluginPath(t) + "," + pluginfixture.ConnectFile(t),
		"connectd.plugin.host.jvm.options": "-Xmx256m -Dconnectd.test=faults"}, withStartTimeout(javaStart))
	dir := t.TempDir()

	// A Go connector moves lines through everything below; the worker must never stop.
	goIn, goTopic := filepath.Join(dir, "go.txt"), w.topic("go")
	goLines := 100
	appendLines(t, goIn, "go", 0, goLines)
	w.mustDo("POST", "/connectors", map[string]any{"name": "gosrc", "config": sourceConfig(goIn, goTopic)}, 201, nil)
	w.waitState("gosrc", "RUNNING", 1)
	goOn := func(after string) {
		t.Helper()
		select {
		case <-w.done:
			t.Fatalf("the worker exited after %s", after)
		default:
		}
		appendLines(t, goIn, "go", goLines, goLines+100)
		goLines += 100
		if got := len(readTopic(t, w.broker, goTopic, goLines)); got < goLines {
			t.Fatalf("after %s the Go connector's topic holds %d of %d lines", after, got, goLines)
		}
		if st, _ := w.status("gosrc"); st.Connector.State != "RUNNING" || len(st.Tasks) != 1 || st.Tasks[0].State != "RUNNING" {
			t.Fatalf("after %s the Go connector is %+v", after, st)
		}
	}

	// A validate() that hangs: answered with Kafka Connect's "Request timed out" within the REST
	// timeout (90 s), while every request below is served. It runs beside the rest of the test.
	marker := filepath.Join(dir, "validate-hangs")
	type answer struct {
		code int
		body string
		err  error
	}
	hung := make(chan answer, 1)
	go func() {
		body, _ := json.Marshal(map[string]string{"connector.class": failingSourceClass, "name": "hangs", "fail": "validate-hang", "hang.marker": marker})
		req, _ := http.NewRequest("PUT", w.url+"/connector-plugins/FailingSourceConnector/config/validate", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: 3 * time.Minute}).Do(req)
		if err != nil {
			hung <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		hung <- answer{code: resp.StatusCode, body: string(b)}
	}()
	wait.For(t, time.Minute, "validate() to hang in the plugin", func() bool { _, err := os.Stat(marker); return err == nil })
	var infos struct {
		ErrorCount int `json:"error_count"`
	}
	w.mustDo("PUT", "/connector-plugins/FailingSourceConnector/config/validate", map[string]string{"connector.class": failingSourceClass, "name": "ok"}, 200, &infos)
	if infos.ErrorCount != 0 {
		t.Errorf("a validate beside a hanging one: %d errors", infos.ErrorCount)
	}
	select {
	case a := <-hung:
		t.Fatalf("the hanging validate was answered before its timeout: %+v", a)
	default: // still hanging, and the other validate was answered meanwhile
	}

	t.Run("plugin failures", func(t *testing.T) {
		for _, tc := range []struct {
			name, class, fail string
			task              int // -1: the connector fails
			trace             []string
		}{
			{"connector-start", failingSourceClass, "connector-start", -1, []string{
				"java.lang.IllegalStateException: connector start failed on purpose", "at com.example.failing.FailingSourceConnector.start("}},
			{"task-start", failingSourceClass, "task-start", 0, []string{
				"org.apache.kafka.connect.errors.ConnectException: task start failed on purpose", "at com.example.failing.FailingSourceTask.start("}},
			{"poll", failingSourceClass, "poll", 0, []string{
				"org.apache.kafka.connect.errors.ConnectException: poll failed on purpose", "at com.example.failing.FailingSourceTask.poll(",
				"Caused by: java.lang.IllegalArgumentException: the cause"}},
			{"put", failingSinkClass, "put", 0, []string{
				"org.apache.kafka.connect.errors.DataException: put of", "records failed on purpose", "at com.example.failing.FailingSinkTask.put("}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				armed := filepath.Join(dir, tc.name+".fail")
				if err := os.WriteFile(armed, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				config := map[string]string{"connector.class": tc.class, "tasks.max": "1", "fail": tc.fail, "fail.file": armed}
				if tc.class == failingSinkClass {
					config["topics"] = goTopic // a topic with records, so that put() is called with some
				}
				name := "fails-in-" + tc.name
				w.mustDo("POST", "/connectors", map[string]any{"name": name, "config": config}, 201, nil)
				trace := waitFailed(t, w, name, tc.task)
				// The trace is the Java exception's own, as Kafka Connect shows it: no Go
				// wrapping before it, no Go type repeating it.
				if !strings.HasPrefix(trace, tc.trace[0]) || strings.Contains(trace, "javaplugin.JavaError") {
					t.Errorf("trace of %s does not start with %q, or names a Go type:\n%s", name, tc.trace[0], trace)
				}
				for _, want := range tc.trace {
					if !strings.Contains(trace, want) {
						t.Errorf("trace of %s lacks %q:\n%s", name, want, trace)
					}
				}
				goOn(tc.name + " failed")
				// Fixed, and restarted through REST: back RUNNING, and it stays so.
				if err := os.Remove(armed); err != nil {
					t.Fatal(err)
				}
				restartAll(t, w, name)
				w.waitState(name, "RUNNING", 1)
				wait.Holds(t, 2*time.Second, name+" stays RUNNING after its restart", func() bool {
					st, ok := w.status(name)
					return ok && st.Connector.State == "RUNNING" && len(st.Tasks) == 1 && st.Tasks[0].State == "RUNNING"
				})
				goOn(tc.name + " restarted")
			})
		}
	})

	// The hanging validate is answered as Kafka Connect answers a request past its timeout
	// (before the host is killed below, which would end it sooner).
	select {
	case a := <-hung:
		if a.err != nil || a.code != http.StatusInternalServerError || !strings.Contains(a.body, "Request timed out") {
			t.Errorf("the hanging validate: %d %s %v; want 500 Request timed out", a.code, a.body, a.err)
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("the hanging validate was not answered within 3 minutes (REST timeout 90 s)")
	}
	goOn("the hanging validate was answered")

	t.Run("host killed", func(t *testing.T) {
		// Java tasks running: Apache's FileStream source moving lines, and an idle test source.
		in, topic := filepath.Join(dir, "java.txt"), w.topic("java")
		appendLines(t, in, "j", 0, 500)
		w.mustDo("POST", "/connectors", map[string]any{"name": "jsrc", "config": javaConfig(sourceConfig(in, topic))}, 201, nil)
		w.mustDo("POST", "/connectors", map[string]any{"name": "jidle", "config": map[string]string{"connector.class": failingSourceClass, "tasks.max": "1"}}, 201, nil)
		w.waitState("jsrc", "RUNNING", 1)
		w.waitState("jidle", "RUNNING", 1)
		if got := len(readTopic(t, w.broker, topic, 500)); got < 500 {
			t.Fatalf("the Java source wrote %d of 500 lines", got)
		}
		first := hostPID(t, w)
		jvmOptions(t, first)
		if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// Connectors and tasks alike: their instances died with the host.
		for _, name := range []string{"jsrc", "jidle"} {
			for _, task := range []int{-1, 0} {
				trace := waitFailed(t, w, name, task)
				if !strings.Contains(trace, "the Java plugin host is down") || !strings.Contains(trace, "signal: killed") {
					t.Errorf("trace of %s (task %d) after the host was killed:\n%s\nwant it to say the host is down, killed", name, task, trace)
				}
			}
		}
		goOn("the host was killed")
		for _, name := range []string{"jsrc", "jidle"} {
			restartAll(t, w, name)
		}
		for _, name := range []string{"jsrc", "jidle"} {
			w.waitState(name, "RUNNING", 1)
		}
		second := hostPID(t, w)
		if second == first {
			t.Fatalf("the plugin host %d is still the killed one", second)
		}
		jvmOptions(t, second) // the new host too
		// The restarted source carries on from its committed offset: every line reaches the
		// topic (a line sent before the kill but not yet committed may be sent twice).
		appendLines(t, in, "j", 500, 1000)
		wait.For(t, 2*time.Minute, "every line of the Java source's file in its topic", func() bool {
			seen := map[string]bool{}
			for _, r := range readRecords(t, rawClientOpts(t, w.broker), topic, 1000, 5*time.Second) {
				seen[string(r.Value)] = true
			}
			return len(seen) == 1000
		})
		goOn("the Java connectors restarted")
	})
}

// TestJavaTasksRestartAutomaticallyAfterTheHostDied: on a worker that restarts failed tasks
// (connectd.task.restart.failed.enable), the Java tasks a killed plugin host took down come back
// by themselves, in a new host, and carry on from their committed offsets; the connector, whose
// instance died too, stays FAILED until it is restarted, as a failed connector does.
func TestJavaTasksRestartAutomaticallyAfterTheHostDied(t *testing.T) {
	w := startJavaWorker(t, map[string]string{
		"connectd.task.restart.failed.enable": "true", "connectd.task.restart.failed.backoff.initial.ms": "200",
	})
	in, topic := filepath.Join(t.TempDir(), "in.txt"), w.topic("java")
	appendLines(t, in, "j", 0, 100)
	w.mustDo("POST", "/connectors", map[string]any{"name": "jsrc", "config": javaConfig(sourceConfig(in, topic))}, 201, nil)
	w.waitState("jsrc", "RUNNING", 1)
	if got := len(readTopic(t, w.broker, topic, 100)); got < 100 {
		t.Fatalf("the Java source wrote %d of 100 lines", got)
	}
	first := hostPID(t, w)
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if trace := waitFailed(t, w, "jsrc", -1); !strings.Contains(trace, "the Java plugin host is down") {
		t.Errorf("connector trace after the host was killed:\n%s", trace)
	}
	wait.For(t, 2*time.Minute, "the Java task RUNNING again in a new host", func() bool {
		st, ok := w.status("jsrc")
		pids := workerChildren(t, w)
		return ok && len(st.Tasks) == 1 && st.Tasks[0].State == "RUNNING" && len(pids) == 1 && pids[0] != first
	})
	appendLines(t, in, "j", 100, 200)
	wait.For(t, 2*time.Minute, "every line in the topic", func() bool {
		seen := map[string]bool{}
		for _, r := range readRecords(t, rawClientOpts(t, w.broker), topic, 200, 5*time.Second) {
			seen[string(r.Value)] = true
		}
		return len(seen) == 200
	})
	if st, _ := w.status("jsrc"); st.Connector.State != "FAILED" {
		t.Errorf("the connector is %s after its host died; want FAILED until restarted", st.Connector.State)
	}
	code, _, body := w.do("POST", "/connectors/jsrc/restart", nil)
	if code != http.StatusNoContent && code != http.StatusAccepted {
		t.Fatalf("restart: %d %s", code, body)
	}
	w.waitState("jsrc", "RUNNING", 1)
}

// TestJavaPluginHostStartRetried: a plugin host that cannot start when the worker starts (here a
// java that refuses to run it, as a host whose jars cannot be fetched yet would fail) leaves the
// worker running its Go connectors and refusing the Java ones with the reason; the worker keeps
// starting the host, with backoff, and once it starts the Java plugins are listed and run.
func TestJavaPluginHostStartRetried(t *testing.T) {
	dir := t.TempDir()
	allow, starts := filepath.Join(dir, "allow"), filepath.Join(dir, "starts")
	w := startJavaWorker(t, map[string]string{"connectd.plugin.host.java": pluginfixture.UnstartableJava(t, allow, starts)})
	in := filepath.Join(t.TempDir(), "in.txt")
	appendLines(t, in, "x", 0, 3)
	code, _, b := w.do("POST", "/connectors", map[string]any{"name": "java", "config": javaConfig(sourceConfig(in, w.topic("java")))})
	if code != 400 || !strings.Contains(string(b), "plugin host start refused by the test") || !strings.Contains(string(b), "keeps trying") {
		t.Errorf("create of a Java connector while its host cannot start: %d %s; want 400 naming the host's failure", code, b)
	}
	w.mustDo("POST", "/connectors", map[string]any{"name": "go", "config": sourceConfig(in, w.topic("go"))}, 201, nil)
	w.waitState("go", "RUNNING", 1)

	if err := os.WriteFile(allow, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 2*time.Minute, "the Java FileStream source listed once its host started", func() bool {
		var plugins []struct{ Class, Version string }
		w.mustDo("GET", "/connector-plugins", nil, 200, &plugins)
		return slices.Contains(plugins, struct{ Class, Version string }{javaFileSource, pluginfixture.KafkaVersion})
	})
	w.mustDo("POST", "/connectors", map[string]any{"name": "java", "config": javaConfig(sourceConfig(in, w.topic("java")))}, 201, nil)
	w.waitState("java", "RUNNING", 1)
	if got := len(readTopic(t, w.broker, w.topic("java"), 3)); got < 3 {
		t.Errorf("the Java source wrote %d of 3 lines", got)
	}
	b, _ = os.ReadFile(starts)
	if n := strings.Count(string(b), "start\n"); n < 2 {
		t.Errorf("the host was started %d times; want a refused start and a later one", n)
	}
	if log := workerLog(t, w); !strings.Contains(log, "Java plugins loaded after the plugin host started") {
		t.Errorf("the worker log does not say the Java plugins were loaded late")
	}
}
