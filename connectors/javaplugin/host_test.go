package javaplugin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
	"github.com/connectd/connectd/internal/pluginfixture"
	"github.com/connectd/connectd/internal/wait"
)

// connectorContext records what a Java connector's context reported.
type connectorContext struct {
	reconfigs atomic.Int32
	raised    atomic.Value
}

func (c *connectorContext) RequestTaskReconfiguration() { c.reconfigs.Add(1) }
func (c *connectorContext) RaiseError(err error)        { c.raised.Store(err) }

func TestNothingStartsUntilAPluginIsNeeded(t *testing.T) {
	h := newTestHost(t, Config{PluginPath: []string{t.TempDir()}})
	conn := h.NewConnector(fileSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "")
	if conn.Version() != "" {
		t.Errorf("version of an unscanned plugin = %q", conn.Version())
	}
	if p, err := h.current(); p != nil || err != nil {
		t.Fatalf("a host process exists before any call: %v %v", p, err)
	}
}

func TestHostListsThePluginsOfPluginPath(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	h := newTestHost(t, Config{PluginPath: []string{missing, testPluginPath(t)}})
	hello, err := h.Hello(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if hello.GetKafkaVersion() != DefaultKafkaVersion {
		t.Errorf("kafka version = %q, want %q", hello.GetKafkaVersion(), DefaultKafkaVersion)
	}
	if want := []string{"plugin.path entry " + missing + " does not exist"}; !slices.Equal(hello.GetWarnings(), want) {
		t.Errorf("warnings = %q, want %q", hello.GetWarnings(), want)
	}
	plugins, err := h.Connectors(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plugins {
		got = append(got, p.Class+" "+string(p.Type)+" "+p.Version)
	}
	slices.Sort(got)
	want := []string{fileSink + " sink 4.3.1", fileSource + " source 4.3.1"}
	if !slices.Equal(got, want) {
		t.Fatalf("plugins = %q, want %q", got, want)
	}
}

func TestConfigAndValidateAreThePluginsOwn(t *testing.T) {
	h := newTestHost(t, Config{})
	conn := h.NewConnector(fileSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "4.3.1")
	var keys []string
	for _, k := range conn.Config() {
		keys = append(keys, k.Name+":"+k.Type.String())
	}
	if want := []string{"file:STRING", "topic:STRING", "batch.size:INT"}; !slices.Equal(keys, want) {
		t.Errorf("config keys = %q, want %q", keys, want)
	}
	errs := map[string][]string{}
	for _, v := range conn.(connectors.ConfigValidator).ValidateConfig(map[string]string{"batch.size": "x"}) {
		errs[v.Name] = v.Errors
	}
	if want := []string{"Invalid value x for configuration batch.size: Not a number of type INT"}; !slices.Equal(errs["batch.size"], want) {
		t.Errorf("batch.size errors = %q, want %q", errs["batch.size"], want)
	}
	if len(errs["topic"]) == 0 {
		t.Errorf("topic is required: %q", errs)
	}
}

func TestFileStreamSourceThroughTheHost(t *testing.T) {
	h := newTestHost(t, Config{})
	file := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(file, []byte("first\nsecond\nthird\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conn := h.NewConnector(fileSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	if err := conn.Start(&connectorContext{}, map[string]string{"name": "fs", "file": file, "topic": "lines"}); err != nil {
		t.Fatal(err)
	}
	configs, err := conn.TaskConfigs(3)
	if err != nil || len(configs) != 1 {
		t.Fatalf("task configs = %v, %v; FileStream makes one task", configs, err)
	}
	if got, want := configs[0]["task.class"], "org.apache.kafka.connect.file.FileStreamSourceTask"; got != want {
		t.Errorf("task.class = %q, want %q (the connector's taskClass(), as Kafka Connect writes it)", got, want)
	}
	task := conn.NewTask()
	// The task resumes after the committed offset of its file: position 6 skips "first\n".
	offsets := offsetMap{file: {"position": int64(6)}}
	if err := task.Start(offsets, configs[0]); err != nil {
		t.Fatal(err)
	}
	var lines []string
	ctx := testContext(t)
	wait.For(t, time.Minute, "two lines polled", func() bool {
		recs, err := task.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Topic != "lines" || r.ValueSchema == nil || r.ValueSchema.Type != connectors.TypeString {
				t.Fatalf("record %+v", r)
			}
			if r.SourcePartition["filename"] != file {
				t.Fatalf("source partition %v", r.SourcePartition)
			}
			lines = append(lines, r.Value.(string))
		}
		return len(lines) >= 2
	})
	if want := []string{"second", "third"}; !slices.Equal(lines, want) {
		t.Fatalf("lines = %q, want %q", lines, want)
	}
	if err := task.(connectors.Committer).Commit(); err != nil {
		t.Fatal(err)
	}
	// stop() runs beside a poll() that blocks waiting for more lines, and ends it.
	polled := make(chan error, 1)
	go func() {
		_, err := task.Poll(ctx)
		polled <- err
	}()
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-polled:
	case <-time.After(time.Minute):
		t.Fatal("poll did not return after stop")
	}
	if err := conn.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestFileStreamSinkThroughTheHost(t *testing.T) {
	h := newTestHost(t, Config{})
	file := filepath.Join(t.TempDir(), "out.txt")
	conn := h.NewConnector(fileSink, pb.PluginType_PLUGIN_TYPE_SINK, "").(connectors.SinkConnector)
	task := conn.NewTask()
	tc := &sinkContext{assigned: []connectors.TopicPartition{{Topic: "lines", Partition: 0}}}
	if err := task.Start(tc, map[string]string{"file": file, "topics": "lines"}); err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	var batch []connectors.SinkRecord
	for i, line := range []string{"a", "b", "c"} {
		batch = append(batch, connectors.SinkRecord{Topic: "lines", Offset: int64(i), ValueSchema: connectors.StringSchema, Value: line})
	}
	if err := task.Put(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(ctx, map[connectors.TopicPartition]int64{{Topic: "lines"}: 3}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(file)
	if err != nil || string(got) != "a\nb\nc\n" {
		t.Fatalf("file = %q, %v", got, err)
	}
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownClassIsTheHostsError(t *testing.T) {
	h := newTestHost(t, Config{})
	conn := h.NewConnector("com.example.Nope", pb.PluginType_PLUGIN_TYPE_SOURCE, "")
	err := conn.Start(&connectorContext{}, map[string]string{})
	var je *JavaError
	if !errors.As(err, &je) || je.Class != "java.lang.ClassNotFoundException" {
		t.Fatalf("start of an unknown class = %v", err)
	}
}

func TestNoJavaIsAClearError(t *testing.T) {
	h := newTestHost(t, Config{Java: filepath.Join(t.TempDir(), "no-java")})
	_, err := h.Hello(testContext(t))
	if !errors.Is(err, ErrNoJava) {
		t.Fatalf("err = %v, want ErrNoJava", err)
	}
	if !strings.Contains(err.Error(), "Java 17 or newer") {
		t.Errorf("the error does not say what is needed: %v", err)
	}
}

// pidOf is the running host's process id.
func pidOf(t *testing.T, h *Host) int {
	t.Helper()
	p, err := h.current()
	if err != nil || p == nil {
		t.Fatalf("no host process: %v", err)
	}
	return p.cmd.Process.Pid
}

func TestAKilledHostFailsItsTasksAndComesBack(t *testing.T) {
	h := newTestHost(t, Config{RestartBackoff: 100 * time.Millisecond})
	file := filepath.Join(t.TempDir(), "in.txt")
	os.WriteFile(file, []byte("x\n"), 0o644)
	conn := h.NewConnector(fileSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	task := conn.NewTask()
	if err := task.Start(offsetMap{}, map[string]string{"file": file, "topic": "t"}); err != nil {
		t.Fatal(err)
	}
	cc := &connectorContext{}
	if err := conn.Start(cc, map[string]string{"file": file, "topic": "t"}); err != nil {
		t.Fatal(err)
	}
	first := pidOf(t, h)
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The connector's instance died with the host: it is failed through its context.
	wait.For(t, time.Minute, "the connector to raise the host's death", func() bool { return cc.raised.Load() != nil })
	if raised := cc.raised.Load().(error); !errors.Is(raised, ErrHostDown) || !strings.Contains(raised.Error(), "signal: killed") {
		t.Errorf("the connector raised %v; want ErrHostDown saying the host was killed", raised)
	}
	var err error
	wait.For(t, time.Minute, "a poll failing", func() bool {
		_, err = task.Poll(testContext(t))
		return err != nil
	})
	if !errors.Is(err, ErrHostDown) || !strings.Contains(err.Error(), "signal: killed") {
		t.Fatalf("poll on a killed host = %v; want ErrHostDown saying it was killed", err)
	}
	// The next task to start starts a new host.
	again := conn.NewTask()
	if err := again.Start(offsetMap{}, map[string]string{"file": file, "topic": "t"}); err != nil {
		t.Fatal(err)
	}
	if second := pidOf(t, h); second == first {
		t.Fatalf("the host was not started again: pid %d", second)
	}
	again.Stop()
}

func TestAHungHostIsKilledAndItsCallsFail(t *testing.T) {
	h := newTestHost(t, Config{PingInterval: 100 * time.Millisecond, PingTimeout: time.Second, RestartBackoff: 100 * time.Millisecond})
	if _, err := h.Hello(testContext(t)); err != nil {
		t.Fatal(err)
	}
	pid := pidOf(t, h)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	conn := h.NewConnector(fileSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "")
	err := conn.Start(&connectorContext{}, map[string]string{})
	if !errors.Is(err, ErrHostDown) || !strings.Contains(err.Error(), "did not answer a ping") {
		t.Fatalf("a call to a stopped host = %v; want ErrHostDown saying it stopped answering", err)
	}
	if _, err := h.Hello(testContext(t)); err != nil {
		t.Fatalf("the host did not come back: %v", err)
	}
	if pidOf(t, h) == pid {
		t.Fatal("the hung host is still the current one")
	}
}

// TestAFailedStartWaitsItsBackoff: a host whose start fails is not started again by the next
// call before its backoff (a crash loop of JVMs otherwise), the wait's error says why the last
// start failed, and a start after the backoff that succeeds serves as usual.
func TestAFailedStartWaitsItsBackoff(t *testing.T) {
	count := func(starts string) int {
		b, _ := os.ReadFile(starts)
		return strings.Count(string(b), "start\n")
	}
	t.Run("no second start within the backoff", func(t *testing.T) {
		dir := t.TempDir()
		starts := filepath.Join(dir, "starts")
		h := newTestHost(t, Config{Java: pluginfixture.UnstartableJava(t, filepath.Join(dir, "allow"), starts), RestartBackoff: time.Hour})
		_, err := h.Hello(testContext(t))
		if !errors.Is(err, ErrHostDown) || !strings.Contains(err.Error(), "plugin host start refused by the test") {
			t.Fatalf("first start = %v; want ErrHostDown with the host's output", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err = h.Hello(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "restart backoff") ||
			!strings.Contains(err.Error(), "plugin host start refused by the test") {
			t.Errorf("a call within the backoff = %v; want the backoff's wait, naming the last failure", err)
		}
		if n := count(starts); n != 1 {
			t.Errorf("the host was started %d times; want once", n)
		}
	})
	t.Run("started once it can", func(t *testing.T) {
		dir := t.TempDir()
		allow, starts := filepath.Join(dir, "allow"), filepath.Join(dir, "starts")
		h := newTestHost(t, Config{Java: pluginfixture.UnstartableJava(t, allow, starts), RestartBackoff: 10 * time.Millisecond})
		if _, err := h.Hello(testContext(t)); err == nil {
			t.Fatal("the refused start succeeded")
		}
		if err := os.WriteFile(allow, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		hello, err := h.Hello(testContext(t))
		if err != nil || len(hello.GetPlugins()) == 0 {
			t.Fatalf("start after the backoff: %v (%d plugins)", err, len(hello.GetPlugins()))
		}
		if n := count(starts); n != 2 {
			t.Errorf("the host was started %d times; want twice", n)
		}
	})
}
