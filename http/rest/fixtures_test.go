package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/connectd/connectd/actors"
	"github.com/connectd/connectd/messages"
)

// fixtureWorkerID is the worker_id every status of memoryBackend reports.
const fixtureWorkerID = "127.0.0.1:8083"

// fixtureClusterID is memoryBackend's Kafka cluster id.
const fixtureClusterID = "fixture-cluster-id"

// Connector classes memoryBackend knows, by kind.
const (
	fileSource = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	fileSink   = "org.apache.kafka.connect.file.FileStreamSinkConnector"
)

// memoryBackend is an in-memory Backend that behaves like the actor stack seen from HTTP: it
// stores configs and target states, generates task configs, reports statuses, and answers
// with *actors.Error codes and Kafka Connect's texts. Statuses change synchronously.
type memoryBackend struct {
	mu         sync.Mutex
	connectors map[string]*memConnector
}

// memConnector is one stored connector.
type memConnector struct {
	config     map[string]string
	kind       string // "source" or "sink"
	target     messages.TargetState
	tasks      []map[string]string
	state      *messages.InstanceStatus
	taskStates []*messages.InstanceStatus
}

var _ Backend = (*memoryBackend)(nil)

// newMemoryBackend returns an empty memoryBackend.
func newMemoryBackend(tb testing.TB) *memoryBackend {
	tb.Helper()
	return &memoryBackend{connectors: map[string]*memConnector{}}
}

// newTestServer serves a new memoryBackend over HTTP on 127.0.0.1, closed at cleanup.
func newTestServer(tb testing.TB, opts ...Option) (*httptest.Server, *memoryBackend) {
	tb.Helper()
	b := newMemoryBackend(tb)
	return serveBackend(tb, b, opts...), b
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
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
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

// sourceConfig is a valid FileStreamSource config with tasks.max tasks.
func sourceConfig(tasksMax int) map[string]string {
	return map[string]string{
		"connector.class": fileSource,
		"tasks.max":       strconv.Itoa(tasksMax),
		"topic":           "t",
		"file":            "/tmp/in.txt",
	}
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

// fail marks connector name's task (or the connector itself, for task -1) FAILED with a trace.
func (b *memoryBackend) fail(name string, task int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.connectors[name]
	failed := &messages.InstanceStatus{State: messages.State_STATE_FAILED, WorkerId: fixtureWorkerID, Trace: "java.lang.RuntimeException: boom"}
	if task < 0 {
		c.state = failed
	} else {
		c.taskStates[task] = failed
	}
}

func (b *memoryBackend) KafkaClusterID() string { return fixtureClusterID }

func (b *memoryBackend) ConnectorNames(context.Context) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Sorted(maps.Keys(b.connectors)), nil
}

func (b *memoryBackend) CreateConnector(_ context.Context, name string, config map[string]string, initial messages.TargetState) (*messages.ConnectorInfo, error) {
	kind, err := validate(config)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.connectors[name]; ok {
		return nil, actors.Errorf(messages.ErrorCode_ERROR_CODE_ALREADY_EXISTS, "Connector %s already exists", name)
	}
	c := &memConnector{config: maps.Clone(config), kind: kind, target: initial}
	b.connectors[name] = c
	info := c.info(name) // spec §16.14: the reply lists the tasks before the connector started
	c.converge()
	return info, nil
}

func (b *memoryBackend) PutConnectorConfig(_ context.Context, name string, config map[string]string) (*messages.ConnectorInfo, bool, error) {
	kind, err := validate(config)
	if err != nil {
		return nil, false, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.connectors[name]
	if !ok {
		c = &memConnector{target: messages.TargetState_TARGET_STATE_STARTED}
		b.connectors[name] = c
	}
	c.config, c.kind = maps.Clone(config), kind
	info := c.info(name) // spec §16.14: the reply lists the tasks before the update
	if c.target == messages.TargetState_TARGET_STATE_STARTED {
		c.tasks, c.taskStates = nil, nil // regenerated from the new config
	}
	c.converge()
	return info, !ok, nil
}

func (b *memoryBackend) Connector(_ context.Context, name string) (*messages.ConnectorInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.connectors[name]
	if !ok {
		return nil, actors.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "Connector %s not found", name)
	}
	return c.info(name), nil
}

func (b *memoryBackend) DeleteConnector(_ context.Context, name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.connectors[name]; !ok {
		return actors.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "Connector %s not found", name)
	}
	delete(b.connectors, name)
	return nil
}

func (b *memoryBackend) ConnectorStatus(_ context.Context, name string) (*messages.ConnectorStatus, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.connectors[name]
	if !ok {
		return nil, actors.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "No status found for connector %s", name)
	}
	return c.status(name), nil
}

func (b *memoryBackend) TaskStatus(_ context.Context, name string, task int32) (*messages.InstanceStatus, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.connectors[name]
	if !ok || task < 0 || int(task) >= len(c.taskStates) {
		return nil, actors.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "No status found for task %s-%d", name, task)
	}
	return c.taskStates[task], nil
}

func (b *memoryBackend) PauseConnector(_ context.Context, name string) error {
	return b.setTarget(name, messages.TargetState_TARGET_STATE_PAUSED)
}

func (b *memoryBackend) ResumeConnector(_ context.Context, name string) error {
	return b.setTarget(name, messages.TargetState_TARGET_STATE_STARTED)
}

// setTarget writes a target state (spec §3.15).
func (b *memoryBackend) setTarget(name string, target messages.TargetState) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.connectors[name]
	if !ok {
		return actors.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "Unknown connector %s", name)
	}
	c.target = target
	c.converge()
	return nil
}

func (b *memoryBackend) RestartConnector(_ context.Context, name string, includeTasks, onlyFailed bool) (*messages.ConnectorStatus, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.connectors[name]
	if !ok {
		return nil, actors.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "Unknown connector: %s", name)
	}
	restarting := &messages.InstanceStatus{State: messages.State_STATE_RESTARTING, WorkerId: fixtureWorkerID}
	plan := c.status(name)
	failed := func(s *messages.InstanceStatus) bool { return s.GetState() == messages.State_STATE_FAILED }
	// spec §3.13: which instances the plan shows RESTARTING.
	if !onlyFailed || failed(c.state) {
		plan.Connector, c.state = restarting, nil
	}
	for i, t := range plan.Tasks {
		if includeTasks && (!onlyFailed || failed(t.Status)) {
			t.Status, c.taskStates[i] = restarting, nil
		}
	}
	c.converge()
	if !includeTasks && !onlyFailed {
		return nil, nil
	}
	return plan, nil
}

func (b *memoryBackend) RestartTask(_ context.Context, name string, task int32) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.connectors[name]
	if !ok {
		return actors.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "Unknown connector: %s", name)
	}
	if task < 0 || int(task) >= len(c.tasks) {
		return actors.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "Unknown task: %s-%d", name, task)
	}
	c.taskStates[task] = nil
	c.converge()
	return nil
}

func (b *memoryBackend) Plugins(context.Context) ([]*messages.PluginInfo, error) {
	return []*messages.PluginInfo{
		{Class: fileSink, Type: "sink", Version: "3.9.0"},
		{Class: fileSource, Type: "source", Version: "3.9.0"},
		{Class: "org.apache.kafka.connect.transforms.InsertField$Value", Type: "transformation", Version: "3.9.0"},
		{Class: "org.apache.kafka.connect.transforms.predicates.HasHeaderKey", Type: "predicate", Version: "3.9.0"},
		{Class: "org.apache.kafka.connect.json.JsonConverter", Type: "converter", Version: "3.9.0"},
		{Class: "org.apache.kafka.connect.json.JsonConverter", Type: "header_converter", Version: "3.9.0"},
	}, nil
}

// validate is a small part of spec §7: it returns the connector's kind or Kafka Connect's error.
func validate(config map[string]string) (string, error) {
	class, ok := config["connector.class"]
	if !ok {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(config)) {
			kv = append(kv, k+"="+config[k])
		}
		return "", actors.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST,
			"Connector config {%s} contains no connector type", strings.Join(kv, ", "))
	}
	kind := map[string]string{
		fileSource: "source", "FileStreamSourceConnector": "source", "FileStreamSource": "source",
		fileSink: "sink", "FileStreamSinkConnector": "sink", "FileStreamSink": "sink",
	}[class]
	if kind == "" {
		return "", actors.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL,
			"Failed to find any class that implements Connector and which name matches %s, available connectors are: %s, %s", class, fileSink, fileSource)
	}
	var errs []string
	if config["name"] == "" {
		errs = append(errs, "Invalid value  for configuration name: String may not be empty")
	}
	if v, ok := config["tasks.max"]; ok {
		if n, err := strconv.Atoi(v); err != nil {
			errs = append(errs, fmt.Sprintf("Invalid value %s for configuration tasks.max: Not a number of type INT", v))
		} else if n < 1 {
			errs = append(errs, fmt.Sprintf("Invalid value %s for configuration tasks.max: Value must be at least 1", v))
		}
	}
	if kind == "sink" && config["topics"] == "" && config["topics.regex"] == "" {
		errs = append(errs, "Must configure one of topics or topics.regex", "Must configure one of topics or topics.regex")
	}
	if len(errs) > 0 {
		return "", &actors.Error{Code: messages.ErrorCode_ERROR_CODE_BAD_REQUEST, Message: invalidConfig(errs).Error()}
	}
	return kind, nil
}

// converge brings the statuses in line with the target state, as the grains would.
func (c *memConnector) converge() {
	running := func(s messages.State) *messages.InstanceStatus {
		return &messages.InstanceStatus{State: s, WorkerId: fixtureWorkerID}
	}
	switch c.target {
	case messages.TargetState_TARGET_STATE_STOPPED:
		c.state, c.tasks, c.taskStates = running(messages.State_STATE_STOPPED), nil, nil
		return
	case messages.TargetState_TARGET_STATE_PAUSED:
		c.state = running(messages.State_STATE_PAUSED)
		for i, s := range c.taskStates {
			if s.GetState() != messages.State_STATE_FAILED {
				c.taskStates[i] = running(messages.State_STATE_PAUSED)
			}
		}
		return
	}
	if c.state.GetState() != messages.State_STATE_FAILED {
		c.state = running(messages.State_STATE_RUNNING)
	}
	if c.tasks == nil {
		n := 1
		if c.kind == "sink" {
			n, _ = strconv.Atoi(c.config["tasks.max"])
			n = max(n, 1)
		}
		c.tasks = make([]map[string]string, n)
		c.taskStates = make([]*messages.InstanceStatus, n)
		for i := range c.tasks {
			c.tasks[i] = maps.Clone(c.config)
		}
	}
	for i, s := range c.taskStates {
		if s.GetState() != messages.State_STATE_FAILED {
			c.taskStates[i] = running(messages.State_STATE_RUNNING)
		}
	}
}

// info is the stored connector as the Backend reports it.
func (c *memConnector) info(name string) *messages.ConnectorInfo {
	info := &messages.ConnectorInfo{Name: name, Config: maps.Clone(c.config), Type: c.kind}
	for i, t := range c.tasks {
		info.Tasks = append(info.Tasks, &messages.TaskConfig{Task: int32(i), Config: maps.Clone(t)})
	}
	return info
}

// status is the connector's current status.
func (c *memConnector) status(name string) *messages.ConnectorStatus {
	s := &messages.ConnectorStatus{Name: name, Connector: c.state, Type: c.kind}
	for i, t := range c.taskStates {
		s.Tasks = append(s.Tasks, &messages.TaskStatus{Task: int32(i), Status: t})
	}
	return s
}
