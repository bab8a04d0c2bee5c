package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/wait"
)

// binary is the connectd binary built once by TestMain.
var binary string

// headRevision is the commit the test binary was built from ("" when git is unavailable).
var headRevision string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "connectd-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "connectd")
	// go build stamps the VCS revision itself in a clone; in a git worktree, or with
	// GOFLAGS=-buildvcs=false, it cannot, and the revision is passed in (version.go).
	args := []string{"build", "-o", binary}
	if rev, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
		headRevision = strings.TrimSpace(string(rev))
		args = append(args, "-ldflags", "-X main.vcsRevision="+headRevision)
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build connectd:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// externalBootstrap is the broker the tests use instead of an embedded one, if set.
func externalBootstrap() string { return os.Getenv("CONNECTD_TEST_BOOTSTRAP") }

// externalKafkaProps are the client properties of the external broker: the file named by
// CONNECTD_TEST_KAFKA_PROPERTIES, as a managed-Kafka user writes it (bootstrap.servers,
// security.protocol, sasl.*, ssl.*); nil when unset. Every worker and raw client of the
// tests uses them, so the whole suite can run against a secured cluster.
func externalKafkaProps(t testing.TB) map[string]string {
	t.Helper()
	path := os.Getenv("CONNECTD_TEST_KAFKA_PROPERTIES")
	if path == "" || externalBootstrap() == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props, err := parseProperties(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return props
}

// freePort returns a free TCP port on 127.0.0.1.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// worker is one connectd process under test.
type worker struct {
	t       testing.TB
	id      string // unique per test run: names topics so tests sharing a broker never meet
	url     string // http://127.0.0.1:port
	broker  string // bootstrap address
	dataDir string
	props   map[string]string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}

	client   *http.Client // nil: a plain client (with https listeners: see withClient)
	user     string       // Basic auth credentials sent with every request when user is set
	password string
	env      []string // added to the process environment
	fdLimit  int      // when set, the worker runs under `ulimit -n fdLimit` (soft and hard)
	// startTimeout bounds the wait for GET / after a start; 0 means 30 s.
	startTimeout time.Duration
}

// workerOption adjusts a worker before it starts.
type workerOption func(*worker)

// withClient makes the worker's requests (the readiness check included) go through c.
func withClient(c *http.Client) workerOption { return func(w *worker) { w.client = c } }

// withBasicAuth sends user and password with every request of the fixture.
func withBasicAuth(user, password string) workerOption {
	return func(w *worker) { w.user, w.password = user, password }
}

// withFDLimit runs the worker with its file descriptor limit (soft and hard) set to n.
func withFDLimit(n int) workerOption { return func(w *worker) { w.fdLimit = n } }

// withStartTimeout waits up to d for the worker to serve GET / after each start: a worker with
// Java plugins may build its plugin host first (minutes, the first time on a machine).
func withStartTimeout(d time.Duration) workerOption { return func(w *worker) { w.startTimeout = d } }

// withEnv adds environment variables (KEY=value) to the worker process.
func withEnv(kv ...string) workerOption { return func(w *worker) { w.env = append(w.env, kv...) } }

func (w *worker) httpClient() *http.Client {
	if w.client != nil {
		return w.client
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func (w *worker) authorize(req *http.Request) {
	if w.user != "" {
		req.SetBasicAuth(w.user, w.password)
	}
}

// testCluster names the internal topics per test, so tests sharing an external broker do
// not see each other's connectors. id is made a legal Kafka topic name: Apache Kafka refuses
// the ',', '*' and spaces that subtest names hold (kfake accepts them).
func testCluster(t testing.TB, id string) map[string]string {
	id = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, id)
	return map[string]string{
		"group.id":             "connect-" + id,
		"config.storage.topic": "configs-" + id,
		"offset.storage.topic": "offsets-" + id,
		"status.storage.topic": "status-" + id,
	}
}

// startWorker starts connectd distributed with props (plus free ports and a fresh data dir)
// and waits until it serves GET /.
func startWorker(t testing.TB, props map[string]string, opts ...workerOption) *worker {
	t.Helper()
	w := &worker{t: t, props: map[string]string{}, dataDir: t.TempDir()}
	for _, o := range opts {
		o(w)
	}
	w.id = fmt.Sprintf("%s-%d", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano())
	for k, v := range testCluster(t, w.id) {
		w.props[k] = v
	}
	if b := externalBootstrap(); b != "" {
		w.props["bootstrap.servers"] = b
		for _, k := range []string{"config.storage.replication.factor", "offset.storage.replication.factor", "status.storage.replication.factor"} {
			w.props[k] = "1"
		}
		if _, own := props["security.protocol"]; !own { // a test of security settings brings its own
			maps.Copy(w.props, externalKafkaProps(t))
		}
		w.broker = b
	} else {
		w.broker = fmt.Sprintf("127.0.0.1:%d", freePort(t))
		w.props["embedded.broker.listener"] = w.broker
	}
	w.props["data.dir"] = w.dataDir
	w.props["listeners"] = fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	w.props["offset.flush.interval.ms"] = "500"
	for k, v := range props {
		w.props[k] = v
	}
	t.Cleanup(func() {
		// Graceful, so that its sink consumers leave their groups at once.
		w.kill(syscall.SIGTERM)
		if t.Failed() {
			w.dumpLog()
		}
	})
	w.start()
	return w
}

func (w *worker) start() {
	t := w.t
	t.Helper()
	w.url, _, _ = strings.Cut(w.props["listeners"], ",") // the first listener
	var buf bytes.Buffer
	keys := make([]string, 0, len(w.props))
	for k := range w.props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&buf, "%s=%s\n", k, w.props[k])
	}
	propsPath := filepath.Join(w.dataDir, "worker.properties")
	if err := os.WriteFile(propsPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	w.logPath = filepath.Join(w.dataDir, fmt.Sprintf("worker-%d.log", time.Now().UnixNano()))
	logFile, err := os.Create(w.logPath)
	if err != nil {
		t.Fatal(err)
	}
	w.cmd = exec.Command(binary, "distributed", propsPath)
	if w.fdLimit > 0 { // the shell execs the binary: the PID stays the worker's
		w.cmd = exec.Command("sh", "-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, w.fdLimit), binary, "distributed", propsPath)
	}
	w.cmd.Stdout, w.cmd.Stderr = logFile, logFile
	w.cmd.Env = append(append(os.Environ(), "CONNECTD_LOG_LEVEL=debug"), w.env...)
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.done = make(chan struct{})
	go func() { _ = w.cmd.Wait(); logFile.Close(); close(w.done) }()
	timeout := 30 * time.Second
	if w.startTimeout > 0 {
		timeout = w.startTimeout
	}
	wait.For(t, timeout, "worker to serve GET /", func() bool {
		select {
		case <-w.done:
			w.dumpLog()
			t.Fatalf("worker exited during start")
		default:
		}
		req, err := http.NewRequest(http.MethodGet, w.url+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		w.authorize(req)
		resp, err := w.httpClient().Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// topic names a data topic of this test: tests that share an external broker must not
// read each other's records.
func (w *worker) topic(name string) string { return name + "-" + w.id }

// kill sends sig and waits for the process to exit (at most 20 s, then SIGKILL).
func (w *worker) kill(sig syscall.Signal) {
	select {
	case <-w.done:
		return
	default:
	}
	_ = w.cmd.Process.Signal(sig)
	select {
	case <-w.done:
	case <-time.After(20 * time.Second):
		w.t.Errorf("worker %d did not exit after %v; killing", w.cmd.Process.Pid, sig)
		_ = w.cmd.Process.Kill()
		<-w.done
	}
}

// restart stops the worker with sig and starts it again on the same data and ports.
func (w *worker) restart(sig syscall.Signal) {
	w.t.Helper()
	w.kill(sig)
	w.start()
}

func (w *worker) dumpLog() {
	b, _ := os.ReadFile(w.logPath)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	w.t.Logf("worker log tail (%s):\n%s", w.logPath, b)
}

// do sends a request with an optional JSON body and returns status, headers and body.
func (w *worker) do(method, path string, body any) (int, http.Header, []byte) {
	w.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			w.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, w.url+path, r)
	if err != nil {
		w.t.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	w.authorize(req)
	client := *w.httpClient()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// mustDo is do that fails the test unless the status is want; it decodes JSON into out.
func (w *worker) mustDo(method, path string, body any, want int, out any) {
	w.t.Helper()
	status, _, b := w.do(method, path, body)
	if status != want {
		w.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			w.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// connectorStatus is GET /connectors/{c}/status as the tests read it.
type connectorStatus struct {
	Name      string `json:"name"`
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"connector"`
	Tasks []struct {
		ID       int    `json:"id"`
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"tasks"`
	Type string `json:"type"`
}

// status returns the connector's status, or ok=false while it answers 404.
func (w *worker) status(name string) (connectorStatus, bool) {
	w.t.Helper()
	code, _, b := w.do("GET", "/connectors/"+escape(name)+"/status", nil)
	var st connectorStatus
	if code != http.StatusOK {
		return st, false
	}
	if err := json.Unmarshal(b, &st); err != nil {
		w.t.Fatalf("status %s: %v", b, err)
	}
	return st, true
}

// waitState waits until the connector and all of its (at least minTasks) tasks are in state.
func (w *worker) waitState(name, state string, minTasks int) connectorStatus {
	w.t.Helper()
	var st connectorStatus
	wait.For(w.t, 30*time.Second, fmt.Sprintf("%s to be %s with %d+ tasks", name, state, minTasks), func() bool {
		var ok bool
		st, ok = w.status(name)
		if !ok || st.Connector.State != state || len(st.Tasks) < minTasks {
			return false
		}
		for _, task := range st.Tasks {
			if task.State != state {
				return false
			}
		}
		return true
	})
	return st
}

// escape path-escapes a connector name as a client would.
func escape(name string) string { return neturl.PathEscape(name) }

// readTopic reads every record of topic with an independent client (franz-go), until it has
// n records or the deadline passes.
func readTopic(t testing.TB, broker, topic string, n int) []*kgo.Record {
	t.Helper()
	return readRecords(t, rawClientOpts(t, broker), topic, n, 30*time.Second)
}

// readTopicToEnd reads topic from its start with an independent client until it has every
// record below the end offsets the topic had when the read began (or the deadline passes: then
// what was read). A caller that knows how many records of one kind it wants cannot count them
// with readTopic's n: a topic of change events also holds updates, deletes and, after a
// failover, at-least-once duplicates, and reading n records stops short of the newest ones.
func readTopicToEnd(t testing.TB, broker, topic string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(append(rawClientOpts(t, broker), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		return nil
	}
	left := map[int32]int64{} // partition → its end offset, while records below it are unread
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil && o.Offset > 0 {
			left[o.Partition] = o.Offset
		}
	})
	var recs []*kgo.Record
	for len(left) > 0 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			recs = append(recs, r)
			if end, ok := left[r.Partition]; ok && r.Offset+1 >= end {
				delete(left, r.Partition)
			}
		})
	}
	return recs
}

// readRecords reads topic from its start with a client made of opts until it holds n records
// or timeout passes.
func readRecords(t testing.TB, opts []kgo.Opt, topic string, n int, timeout time.Duration) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(append(opts, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < n && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	return recs
}

// lines reads a file's lines; a missing file has none.
func lines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// appendLines appends numbered lines [from, to) to path.
func appendLines(t testing.TB, path string, prefix string, from, to int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "%s-%06d\n", prefix, i)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
}
