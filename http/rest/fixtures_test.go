package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/actors"
	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/member"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/builtin"
	"github.com/connectd/connectd/internal/wait"
	"github.com/connectd/connectd/loglevel"
	"github.com/connectd/connectd/messages"
)

// fixtureWorkerID is the shared worker's worker_id, shown in every status.
const fixtureWorkerID = "127.0.0.1:8083"

// fixtureClusterID is the Kafka cluster id of the shared worker's broker.
const fixtureClusterID = "fixture-cluster-id"

// Connector classes of the built-in registry.
const (
	fileSource = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	fileSink   = "org.apache.kafka.connect.file.FileStreamSinkConnector"
)

// The shared worker's group and internal topics.
const (
	fixtureGroupID     = "connectd-rest-test"
	fixtureConfigTopic = "connect-configs"
	fixtureStatusTopic = "connect-status"
	fixtureOffsetTopic = "connect-offsets"
)

// waitTimeout bounds every wait for the actor stack to converge.
const waitTimeout = 30 * time.Second

// TestMain stops the shared worker, if a test started it, after every test ran; when a test
// failed it prints the worker's log tail.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stop the shared worker: %v\n", err)
			code = max(code, 1)
		}
		if code != 0 {
			fmt.Fprintf(os.Stderr, "--- shared worker log tail ---\n%s", shared.logs.String())
		}
	}
	os.Exit(code)
}

// testStack is the one real worker every test of this binary shares, wired as
// cmd/connectd's runWorker wires it: an in-process kfake broker, the three Kafka-backed
// stores, the actor runtime with the built-in plugins behind a real cluster member, and its
// Client. protoactor cannot run two members at once in one process and a member costs
// seconds to start and stop, so tests share it and keep apart by connector name (fixture).
type testStack struct {
	cluster  *kfake.Cluster
	configs  *store.ConfigStore
	statuses *store.StatusStore
	offsets  *store.OffsetStore
	admin    sarama.Client
	rt       *actors.Runtime
	client   *actors.Client
	registry *connectors.Registry // the built-in plugins and this package's test plugins
	dir      string               // holds every test's files; removed after the worker stopped
	logs     *logTail             // the worker's log, at its loggers' levels (root INFO)
	levels   *loglevel.Levels
}

var (
	sharedOnce sync.Once
	shared     *testStack
	sharedErr  error
)

// sharedStack returns the shared worker, starting it on first use.
func sharedStack(tb testing.TB) *testStack {
	tb.Helper()
	sharedOnce.Do(func() {
		s := &testStack{logs: &logTail{}}
		if sharedErr = s.start(); sharedErr != nil {
			_ = s.stop()
			return
		}
		shared = s
	})
	if sharedErr != nil {
		tb.Fatalf("start the shared worker: %v", sharedErr)
	}
	return shared
}

// fixtureLogger is the name of the shared worker's logger.
const fixtureLogger = "github.com/connectd/connectd/actors"

// start is runWorker's wiring (cmd/connectd/distributed.go) with the embedded broker's
// single replica, Kafka Connect's default partition counts and session timeouts.
func (s *testStack) start() error {
	levels, err := loglevel.New("INFO")
	if err != nil {
		return err
	}
	s.levels = levels
	log := levels.Logger(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.Level(math.MinInt32)}), fixtureLogger)
	dir, err := os.MkdirTemp("", "connectd-rest-")
	if err != nil {
		return err
	}
	s.dir = dir
	s.cluster, err = kfake.NewCluster(kfake.NumBrokers(1), kfake.ClusterID(fixtureClusterID), kfake.DefaultNumPartitions(1))
	if err != nil {
		return fmt.Errorf("kfake: %w", err)
	}
	bootstrap := s.cluster.ListenAddrs()
	kafka := store.Kafka{Addrs: bootstrap, Config: pipeline.BaseConfig("connectd-" + fixtureGroupID)}
	storeLog := store.WithLogger(log)
	if s.configs, err = store.NewConfigStore(kafka, store.Topic{Name: fixtureConfigTopic, Partitions: 1, ReplicationFactor: 1}, storeLog); err != nil {
		return err
	}
	if s.statuses, err = store.NewStatusStore(kafka, store.Topic{Name: fixtureStatusTopic, Partitions: 5, ReplicationFactor: 1}, storeLog); err != nil {
		return err
	}
	if s.offsets, err = store.NewOffsetStore(kafka, store.Topic{Name: fixtureOffsetTopic, Partitions: 25, ReplicationFactor: 1}, storeLog); err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, st := range []interface{ Start(context.Context) error }{s.configs, s.statuses, s.offsets} {
		if err := st.Start(startCtx); err != nil {
			return fmt.Errorf("start stores: %w", err)
		}
	}
	if s.admin, err = sarama.NewClient(bootstrap, pipeline.BaseConfig("connectd-admin")); err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	clients := &pipeline.Clients{Brokers: bootstrap, Admin: s.admin, Hash: store.PartitionFor}
	clusterID, err := clients.ClusterID()
	if err != nil {
		return err
	}
	registry := builtin.Registry()
	registerTestPlugins(registry) // gated_test.go
	registerTerseSink(registry)   // tersetask_test.go
	s.registry = registry
	rt, err := actors.New(actors.Config{
		WorkerID:       fixtureWorkerID,
		KafkaClusterID: clusterID,
		Member:         member.Config{},
		Logger:         log,
		Loggers:        levels,
	}, actors.Stores{Config: s.configs, Status: s.statuses, Offsets: s.offsets}, registry, clients)
	if err != nil {
		return err
	}
	if err := rt.Start(startCtx); err != nil {
		return err
	}
	s.rt, s.client = rt, rt.Client()
	return nil
}

// stop shuts the worker down in runWorker's reverse order and removes its files.
func (s *testStack) stop() error {
	var errs []error
	if s.rt != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		errs = append(errs, s.rt.Stop(ctx))
		cancel()
	}
	if s.admin != nil {
		errs = append(errs, s.admin.Close())
	}
	if s.offsets != nil {
		errs = append(errs, s.offsets.Close())
	}
	if s.statuses != nil {
		errs = append(errs, s.statuses.Close())
	}
	if s.configs != nil {
		errs = append(errs, s.configs.Close())
	}
	if s.cluster != nil {
		s.cluster.Close()
	}
	if s.dir != "" {
		errs = append(errs, os.RemoveAll(s.dir))
	}
	return errors.Join(errs...)
}

// rejectTaskConfigs makes the broker reject, with the non-retriable INVALID_RECORD, every
// write of connector's task configs to the config topic until the test ends.
func (s *testStack) rejectTaskConfigs(tb testing.TB, connector string) {
	var armed atomic.Bool
	armed.Store(true)
	tb.Cleanup(func() { armed.Store(false) })
	keys := [][]byte{[]byte("task-" + connector + "-"), []byte("commit-" + connector)}
	s.cluster.ControlKey(kmsg.Produce.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		if !armed.Load() {
			s.cluster.DropControl()
			return nil, nil, false
		}
		req := kreq.(*kmsg.ProduceRequest)
		hit := false
		for _, t := range req.Topics {
			for _, p := range t.Partitions {
				for _, k := range keys {
					hit = hit || t.Topic == fixtureConfigTopic && bytes.Contains(p.Records, k)
				}
			}
		}
		if !hit {
			return nil, nil, false
		}
		s.cluster.KeepControl()
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition = p.Partition
				rp.ErrorCode = kerr.InvalidRecord.Code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
}

// logTail keeps the last logTailBytes of the worker's log.
type logTail struct {
	mu  sync.Mutex
	buf []byte
}

const logTailBytes = 256 << 10

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if n := len(l.buf) - logTailBytes; n > 0 {
		l.buf = slices.Clone(l.buf[n:])
	}
	return len(p), nil
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}

// fixture is one test's view of the shared worker: an HTTP server over its Client, a
// connector name prefix of its own, and a directory for its files. At cleanup it deletes
// every connector it named.
type fixture struct {
	tb     testing.TB
	stack  *testStack
	srv    *httptest.Server
	prefix string          // every name of this test starts with it
	owned  map[string]bool // names without the prefix this test created
	dir    string
	file   string // an empty file: the file of every source connector of this test
	seq    int
}

var prefixSeq atomic.Int64

// newTestServer serves the shared worker over HTTP on 127.0.0.1, closed at cleanup, with a
// fixture whose connectors are deleted at cleanup.
func newTestServer(tb testing.TB, opts ...Option) (*httptest.Server, *fixture) {
	tb.Helper()
	s := sharedStack(tb)
	var b strings.Builder
	for _, r := range tb.Name() {
		switch {
		case r == '/':
			b.WriteByte('-')
		case r < 128 && (r == '_' || r == '-' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	f := &fixture{tb: tb, stack: s, owned: map[string]bool{}}
	f.prefix = fmt.Sprintf("%s-%d-", b.String(), prefixSeq.Add(1))
	dir, err := os.MkdirTemp(s.dir, f.prefix)
	if err != nil {
		tb.Fatal(err)
	}
	f.dir, f.file = dir, filepath.Join(dir, "in.txt")
	if err := os.WriteFile(f.file, nil, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(f.deleteConnectors)
	f.srv = serveBackend(tb, s.client, opts...)
	return f.srv, f
}

// realBackend is the shared worker's Client, for tests that wrap it.
func realBackend(tb testing.TB) Backend {
	tb.Helper()
	return sharedStack(tb).client
}

// serveBackend serves b over HTTP on 127.0.0.1, closed at cleanup.
func serveBackend(tb testing.TB, b Backend, opts ...Option) *httptest.Server {
	tb.Helper()
	s, err := New(b, opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(s.Handler())
	tb.Cleanup(srv.Close)
	return srv
}

// name is short prefixed with this test's prefix: a connector name no other test uses.
func (f *fixture) name(short string) string { return f.prefix + short }

// own marks a name without the prefix as this test's, to be deleted at cleanup and listed
// by names.
func (f *fixture) own(name string) { f.owned[name] = true }

func (f *fixture) mine(name string) bool { return strings.HasPrefix(name, f.prefix) || f.owned[name] }

// deleteConnectors deletes every connector of this test, so that the next test finds the
// worker as this one did.
func (f *fixture) deleteConnectors() {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	names, err := f.stack.client.ConnectorNames(ctx)
	if err != nil {
		f.tb.Errorf("cleanup: list connectors: %v", err)
		return
	}
	for _, n := range names {
		if !f.mine(n) {
			continue
		}
		if err := f.stack.client.DeleteConnector(ctx, n); err != nil && api.CodeOf(err) != messages.ErrorCode_ERROR_CODE_NOT_FOUND {
			f.tb.Errorf("cleanup: delete connector %q: %v", n, err)
		}
	}
}

// placeholder is {{word}} in a fill template.
var placeholder = regexp.MustCompile(`\{\{([a-z0-9]+)\}\}`)

// fill expands a template: {{file}} becomes this test's source file, and any other
// {{word}} the connector name f.name(word). Nothing else in JSON or in a message has that form.
func (f *fixture) fill(s string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		if word := placeholder.FindStringSubmatch(m)[1]; word != "file" {
			return f.name(word)
		}
		return f.file
	})
}

// sourceConfig is a valid FileStreamSource config with tasks.max tasks reading this test's
// empty file.
func (f *fixture) sourceConfig(tasksMax int) map[string]string {
	return map[string]string{
		"connector.class": fileSource,
		"tasks.max":       strconv.Itoa(tasksMax),
		"topic":           "t",
		"file":            f.file,
	}
}

// path is /connectors/<name, escaped> followed by suffix.
func path(name, suffix string) string { return "/connectors/" + url.PathEscape(name) + suffix }

// names lists this test's connectors through GET /connectors, in the order served.
func (f *fixture) names(tb testing.TB) []string {
	tb.Helper()
	return f.mineOf(tb, call(tb, f.srv, http.MethodGet, "/connectors", ""))
}

// mineOf is the names of GET /connectors reply r that are this test's: other tests'
// connectors left out.
func (f *fixture) mineOf(tb testing.TB, r response) []string {
	tb.Helper()
	var all []string
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &all) != nil {
		tb.Fatalf("GET /connectors: %d %s", r.status, r.body)
	}
	return slices.DeleteFunc(all, func(n string) bool { return !f.mine(n) })
}

// waitJSON polls GET path until its body is the JSON value want and returns that response.
func (f *fixture) waitJSON(path, want string) response {
	f.tb.Helper()
	var r response
	wait.ForNil(f.tb, waitTimeout, "GET "+path+" = "+want, func() error {
		r = call(f.tb, f.srv, http.MethodGet, path, "")
		if !jsonEqual(r.body, want) {
			return fmt.Errorf("%d %s", r.status, r.body)
		}
		return nil
	})
	return r
}

// waitStatus polls GET /connectors/{name}/status until cond holds and returns that status.
func (f *fixture) waitStatus(name, what string, cond func(ConnectorStateInfo) bool) ConnectorStateInfo {
	f.tb.Helper()
	var st ConnectorStateInfo
	wait.ForNil(f.tb, waitTimeout, name+": "+what, func() error {
		r := call(f.tb, f.srv, http.MethodGet, path(name, "/status"), "")
		st = ConnectorStateInfo{}
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &st) != nil || !cond(st) {
			return fmt.Errorf("%d %s", r.status, r.body)
		}
		return nil
	})
	return st
}

// waitRunning waits until connector name and its n tasks are RUNNING.
func (f *fixture) waitRunning(name string, n int) ConnectorStateInfo {
	f.tb.Helper()
	return f.waitStatus(name, fmt.Sprintf("RUNNING with %d RUNNING tasks", n), func(st ConnectorStateInfo) bool {
		return st.Connector.State == "RUNNING" && len(st.Tasks) == n &&
			!slices.ContainsFunc(st.Tasks, func(t TaskState) bool { return t.State != "RUNNING" })
	})
}

// waitTasks waits until connector name has n task configs.
func (f *fixture) waitTasks(name string, n int) {
	f.tb.Helper()
	wait.ForNil(f.tb, waitTimeout, fmt.Sprintf("%s: %d task configs", name, n), func() error {
		r := call(f.tb, f.srv, http.MethodGet, path(name, ""), "")
		var info ConnectorInfo
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &info) != nil || len(info.Tasks) != n {
			return fmt.Errorf("%d %s", r.status, r.body)
		}
		return nil
	})
}

// createFailedSink creates sink connector name with n tasks of which exactly those in
// failed end FAILED, and returns its config and status. Its file is in a directory that does
// not exist, so every task fails in Start (FileStreamSinkTask cannot create the file); then
// the directory is made and the other tasks are restarted.
func (f *fixture) createFailedSink(name string, n int, failed ...int) (map[string]string, ConnectorStateInfo) {
	f.tb.Helper()
	f.seq++
	dir := filepath.Join(f.dir, fmt.Sprintf("missing-%d", f.seq))
	config := map[string]string{"connector.class": fileSink, "tasks.max": strconv.Itoa(n), "topics": "t", "file": filepath.Join(dir, "out.txt")}
	mustCreate(f.tb, f.srv, name, config)
	f.waitStatus(name, "RUNNING with every task FAILED", func(st ConnectorStateInfo) bool {
		return st.Connector.State == "RUNNING" && len(st.Tasks) == n &&
			!slices.ContainsFunc(st.Tasks, func(t TaskState) bool { return t.State != "FAILED" || t.Trace == "" })
	})
	if err := os.Mkdir(dir, 0o755); err != nil {
		f.tb.Fatal(err)
	}
	for i := range n {
		if slices.Contains(failed, i) {
			continue
		}
		if r := call(f.tb, f.srv, http.MethodPost, path(name, fmt.Sprintf("/tasks/%d/restart", i)), ""); r.status != http.StatusNoContent {
			f.tb.Fatalf("restart task %d: %d %s", i, r.status, r.body)
		}
	}
	st := f.waitStatus(name, fmt.Sprintf("RUNNING with tasks %v FAILED, the others RUNNING", failed), func(st ConnectorStateInfo) bool {
		if st.Connector.State != "RUNNING" || len(st.Tasks) != n {
			return false
		}
		for i, t := range st.Tasks {
			if want := map[bool]string{true: "FAILED", false: "RUNNING"}[slices.Contains(failed, i)]; t.State != want {
				return false
			}
		}
		return true
	})
	return config, st
}

// failConnector makes connector name FAILED as a connector whose task configs cannot be
// written is: the broker rejects every write of its task configs until the test ends, and a
// new config (config plus one key) makes it regenerate them. Its tasks keep running on their
// stored configs. It returns the connector's status.
func (f *fixture) failConnector(name string, config map[string]string) ConnectorStateInfo {
	f.tb.Helper()
	f.stack.rejectTaskConfigs(f.tb, name)
	changed := maps.Clone(config)
	changed["fixture.generation"] = "2"
	body, _ := json.Marshal(changed)
	if r := call(f.tb, f.srv, http.MethodPut, path(name, "/config"), string(body)); r.status != http.StatusOK {
		f.tb.Fatalf("PUT config: %d %s", r.status, r.body)
	}
	return f.waitStatus(name, "connector FAILED", func(st ConnectorStateInfo) bool {
		return st.Connector.State == "FAILED" && st.Connector.Trace != ""
	})
}

// response is what call got back.
type response struct {
	status int
	header http.Header
	body   string
}

// call sends method to srv at path, which is sent as written (escapes included), with body
// ("" for none), and returns the whole response.
func call(tb testing.TB, srv *httptest.Server, method, path, body string) response {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	if body != "" || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		req.Header.Set("Content-Type", "application/json") // as every client of the API sends
	}
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// mustCreate creates connector name through POST /connectors with config, or fails the test.
func mustCreate(tb testing.TB, srv *httptest.Server, name string, config map[string]string) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "config": config})
	if r := call(tb, srv, http.MethodPost, "/connectors", string(body)); r.status != http.StatusCreated {
		tb.Fatalf("create %q: %d %s", name, r.status, r.body)
	}
}

// jsonEqual reports whether got and want are the same JSON value (key order aside).
func jsonEqual(got, want string) bool {
	var g, w any
	return json.Unmarshal([]byte(got), &g) == nil && json.Unmarshal([]byte(want), &w) == nil && reflect.DeepEqual(g, w)
}

// assertJSON fails unless got and want are the same JSON value (key order aside).
func assertJSON(tb testing.TB, got, want string) {
	tb.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		tb.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		tb.Fatalf("bad want: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		tb.Errorf("JSON mismatch\n got: %s\nwant: %s", got, want)
	}
}

// assertError fails unless r is a JSON error with status and message (spec §1.2).
func assertError(tb testing.TB, r response, status int, message string) {
	tb.Helper()
	if r.status != status {
		tb.Errorf("status %d, want %d (body %s)", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("Content-Type %q, want application/json", ct)
	}
	want, _ := json.Marshal(ErrorMessage{ErrorCode: status, Message: message})
	assertJSON(tb, r.body, string(want))
}

// instance is an instance's state object as ConnectorStateInfo serialises it, fields in
// order, trace omitted when empty (spec §2.2); id < 0 leaves out "id".
// builtinVersion is the version the built-in plugins report.
const builtinVersion = "4.4.0" // connectors.KafkaVersion

func instance(id int, state, trace string) string {
	var b strings.Builder
	b.WriteByte('{')
	if id >= 0 {
		fmt.Fprintf(&b, `"id":%d,`, id)
	}
	fmt.Fprintf(&b, `"state":%q,"worker_id":%q`, state, fixtureWorkerID)
	if trace != "" {
		t, _ := json.Marshal(trace)
		fmt.Fprintf(&b, `,"trace":%s`, t)
	}
	fmt.Fprintf(&b, `,"version":%q`, builtinVersion) // the plugin's version (spec §0.1)
	b.WriteByte('}')
	return b.String()
}
