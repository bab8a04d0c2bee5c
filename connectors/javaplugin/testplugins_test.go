package javaplugin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
	"github.com/connectd/connectd/internal/pluginfixture"
	"github.com/connectd/connectd/internal/wait"
)

// Kafka's own test connectors (connect-test-plugins), which third-party client test suites
// create. Apache Kafka Connect 4.4 lists them from plugin.path but refuses to create them there
// (its isolation rules leave org.apache.kafka.connect.tools to the parent classloader); the host
// isolates them like any plugin, so they run from plugin.path as on Apache's classpath.
const (
	verifiableSource = "org.apache.kafka.connect.tools.VerifiableSourceConnector"
	verifiableSink   = "org.apache.kafka.connect.tools.VerifiableSinkConnector"
	mockSource       = "org.apache.kafka.connect.tools.MockSourceConnector"
	schemaSource     = "org.apache.kafka.connect.tools.SchemaSourceConnector"
)

// partitionOffsets is a source task context whose committed offsets come from a function.
type partitionOffsets func(partition map[string]any) map[string]any

func (o partitionOffsets) Offsets() connectors.OffsetReader { return o }

func (partitionOffsets) TransactionContext() connectors.TransactionContext { return nil }

func (o partitionOffsets) Offset(partition map[string]any) (map[string]any, error) {
	return o(partition), nil
}

// hostOutput is a log handler that keeps the messages of the host's log (its standard error,
// where the host puts what plugins print to System.out) and writes them to the test's log.
type hostOutput struct {
	mu    sync.Mutex
	lines []string
	t     testing.TB
}

func (o *hostOutput) Enabled(context.Context, slog.Level) bool { return true }
func (o *hostOutput) WithAttrs([]slog.Attr) slog.Handler       { return o }
func (o *hostOutput) WithGroup(string) slog.Handler            { return o }

func (o *hostOutput) Handle(_ context.Context, r slog.Record) error {
	o.mu.Lock()
	o.lines = append(o.lines, r.Message)
	o.mu.Unlock()
	o.t.Log(r.Message)
	return nil
}

// has reports whether a line holds every one of parts.
func (o *hostOutput) has(parts ...string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.ContainsFunc(o.lines, func(l string) bool {
		for _, p := range parts {
			if !strings.Contains(l, p) {
				return false
			}
		}
		return true
	})
}

// newTestPluginsHost is a Host on a plugin.path holding connect-test-plugins and its
// dependencies, whose output the test can read.
func newTestPluginsHost(t *testing.T) (*Host, *hostOutput) {
	t.Helper()
	out := &hostOutput{t: t}
	h, err := New(Config{PluginPath: []string{pluginfixture.ConnectTestPlugins(t)}}, slog.New(out))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, out
}

func TestTestPluginsAreListed(t *testing.T) {
	h, _ := newTestPluginsHost(t)
	plugins, err := h.Connectors(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plugins {
		got = append(got, p.Class+" "+string(p.Type)+" "+p.Version)
	}
	for _, want := range []string{verifiableSource + " source 4.3.1", verifiableSink + " sink 4.3.1",
		mockSource + " source 4.3.1", schemaSource + " source 4.3.1"} {
		if !slices.Contains(got, want) {
			t.Errorf("%q is not listed: %q", want, got)
		}
	}
}

// TestVerifiableSourceAndSink: the verifiable source resumes after its committed seqno, keys
// its records by task and prints each one; the verifiable sink prints what it was given and,
// on flush, that it flushed it.
func TestVerifiableSourceAndSink(t *testing.T) {
	h, out := newTestPluginsHost(t)
	src := h.NewConnector(verifiableSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	if err := src.Start(&connectorContext{}, map[string]string{"name": "verifiable", "topic": "verified", "throughput": "1000"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Stop() })
	configs, err := src.TaskConfigs(2)
	if err != nil || len(configs) != 2 || configs[1]["id"] != "1" {
		t.Fatalf("task configs = %v, %v; want two, ids 0 and 1", configs, err)
	}
	task := src.NewTask()
	committed := partitionOffsets(func(p map[string]any) map[string]any {
		if fmt.Sprint(p["id"]) == "1" {
			return map[string]any{"seqno": int64(4)}
		}
		return nil
	})
	if err := task.Start(committed, configs[1]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { task.Stop() })
	var recs []connectors.SourceRecord
	wait.For(t, time.Minute, "three records polled", func() bool {
		batch, err := task.Poll(testContext(t))
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, batch...)
		return len(recs) >= 3
	})
	for i, r := range recs[:3] {
		seqno := int64(5 + i)
		if r.Topic != "verified" || r.KeySchema.Type != connectors.TypeInt32 || r.Key != int32(1) ||
			r.ValueSchema.Type != connectors.TypeInt64 || r.Value != seqno ||
			fmt.Sprint(r.SourcePartition["id"]) != "1" || fmt.Sprint(r.SourceOffset["seqno"]) != fmt.Sprint(seqno) {
			t.Errorf("record %d = %+v, want task 1's seqno %d", i, r, seqno)
		}
	}
	wait.For(t, time.Minute, "the source's printed record", func() bool {
		return out.has(`"name":"verifiable"`, `"task":1`, `"seqno":5`)
	})

	sink := h.NewConnector(verifiableSink, pb.PluginType_PLUGIN_TYPE_SINK, "").(connectors.SinkConnector)
	if err := sink.Start(&connectorContext{}, map[string]string{"name": "verifying", "topics": "verified"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Stop() })
	sinkConfigs, err := sink.TaskConfigs(1)
	if err != nil || len(sinkConfigs) != 1 {
		t.Fatalf("sink task configs = %v, %v", sinkConfigs, err)
	}
	sinkTask := sink.NewTask()
	if err := sinkTask.Start(&sinkContext{assigned: []connectors.TopicPartition{{Topic: "verified"}}}, sinkConfigs[0]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sinkTask.Stop() })
	var put []connectors.SinkRecord
	for i, r := range recs[:3] {
		put = append(put, connectors.SinkRecord{Topic: "verified", Offset: int64(10 + i), KeySchema: r.KeySchema, Key: r.Key, ValueSchema: r.ValueSchema, Value: r.Value})
	}
	if err := sinkTask.Put(testContext(t), put); err != nil {
		t.Fatal(err)
	}
	if err := sinkTask.Flush(testContext(t), map[connectors.TopicPartition]int64{{Topic: "verified"}: 13}); err != nil {
		t.Fatal(err)
	}
	wait.For(t, time.Minute, "the sink's printed flush", func() bool {
		return out.has(`"name":"verifying"`, `"sinkTask":0`, `"seqno":7`, `"offset":12`, `"flushed":true`)
	})
}

// TestSchemaSource: num.messages records whose struct schemas alternate between the record
// schema's versions 1 and 2 (a default value in 2), then nothing more.
func TestSchemaSource(t *testing.T) {
	h, _ := newTestPluginsHost(t)
	conn := h.NewConnector(schemaSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	if err := conn.Start(&connectorContext{}, map[string]string{"name": "schemas", "topic": "structs",
		"num.messages": "4", "throughput": "1000", "multiple.schema": "true"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Stop() })
	configs, err := conn.TaskConfigs(1)
	if err != nil || len(configs) != 1 {
		t.Fatalf("task configs = %v, %v", configs, err)
	}
	task := conn.NewTask()
	if err := task.Start(partitionOffsets(func(map[string]any) map[string]any { return nil }), configs[0]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { task.Stop() })
	var recs []connectors.SourceRecord
	wait.For(t, time.Minute, "four records polled", func() bool {
		batch, err := task.Poll(testContext(t))
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, batch...)
		return len(recs) >= 4
	})
	if len(recs) != 4 {
		t.Fatalf("%d records, want num.messages=4", len(recs))
	}
	for i, r := range recs {
		wantVersion := 1 + i%2
		vs := r.ValueSchema
		if r.Key != "key" || r.Partition == nil || *r.Partition != 0 || vs == nil || vs.Type != connectors.TypeStruct ||
			vs.Name != "record" || vs.Version != wantVersion {
			t.Fatalf("record %d = %+v (value schema %+v), want version %d of the record schema", i, r, vs, wantVersion)
		}
		s, ok := r.Value.(*connectors.Struct)
		if !ok {
			t.Fatalf("record %d value %T, want a struct", i, r.Value)
		}
		if got := s.Get("seqno"); got != int64(i) {
			t.Errorf("record %d seqno = %v", i, got)
		}
		if wantVersion == 2 {
			f := vs.Field("string")
			if got := s.Get("string"); got != "def" || f == nil || f.Schema.Default != "abc" {
				t.Errorf("record %d: string %v, field %+v; want def with default abc", i, got, f)
			}
		}
	}
}

// TestMockSourceFails: MockSourceConnector fails as its mock_mode says, as on Apache Kafka
// Connect: the connector through its context's raiseError, the task by throwing from poll.
func TestMockSourceFails(t *testing.T) {
	h, _ := newTestPluginsHost(t)
	t.Run("connector-failure", func(t *testing.T) {
		conn := h.NewConnector(mockSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
		cc := &connectorContext{}
		if err := conn.Start(cc, map[string]string{"name": "mock", "mock_mode": "connector-failure", "delay_ms": "100"}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Stop() })
		wait.For(t, time.Minute, "the connector's raiseError", func() bool { return cc.raised.Load() != nil })
		err, _ := cc.raised.Load().(error)
		if je := javaError(t, err); je.Class != "java.lang.RuntimeException" {
			t.Fatalf("raised %v, want MockConnector's RuntimeException", err)
		}
	})
	t.Run("task-failure", func(t *testing.T) {
		conn := h.NewConnector(mockSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
		if err := conn.Start(&connectorContext{}, map[string]string{"name": "mock", "mock_mode": "task-failure", "delay_ms": "100"}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Stop() })
		configs, err := conn.TaskConfigs(3)
		if err != nil || len(configs) != 1 {
			t.Fatalf("task configs = %v, %v; MockConnector makes one", configs, err)
		}
		task := conn.NewTask()
		if err := task.Start(partitionOffsets(func(map[string]any) map[string]any { return nil }), configs[0]); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { task.Stop() })
		var pollErr error
		wait.For(t, time.Minute, "poll to throw", func() bool {
			recs, err := task.Poll(testContext(t))
			if len(recs) > 0 {
				t.Fatalf("MockSourceTask produced %v", recs)
			}
			pollErr = err
			return err != nil
		})
		je := javaError(t, pollErr)
		if je.Class != "java.lang.RuntimeException" || !strings.Contains(je.Trace, "org.apache.kafka.connect.tools.MockSourceTask.poll") {
			t.Fatalf("poll failed with %v, want MockSourceTask's RuntimeException", pollErr)
		}
		if errors.Is(pollErr, ErrHostDown) {
			t.Fatal("the task's failure took the host down")
		}
	})
}
