package javaplugin

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

const (
	contextSink   = "com.example.contextual.ContextSinkConnector"
	contextSource = "com.example.contextual.ContextSourceConnector"
)

// newContextHost is a Host whose plugin.path holds testdata/contextual, compiled here against
// the built host's Connect API as a directory of classes, beside connect-file and
// testdata/failing.
func newContextHost(t testing.TB) *Host {
	t.Helper()
	probe := newTestHost(t, Config{})
	b, err := probe.build(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	path := failingPluginPath(t, probe)
	probe.Close()
	dir := t.TempDir()
	srcs, _ := filepath.Glob(filepath.Join("testdata", "contextual", "src", "com", "example", "contextual", "*.java"))
	args := append([]string{"--release", "17", "-cp", b.classpath(), "-d", filepath.Join(dir, "contextual")}, srcs...)
	var out bytes.Buffer
	cmd := exec.Command("javac", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out.String())
	}
	return newTestHost(t, Config{PluginPath: append(path, dir)})
}

// reporter is the runtime's errant record reporter as the test sees it: it records what was
// reported and answers err.
type reporter struct {
	mu      sync.Mutex
	records []connectors.SinkRecord
	causes  []error
	err     error
}

func (r *reporter) Report(rec connectors.SinkRecord, err error) <-chan error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
	r.causes = append(r.causes, err)
	ch := make(chan error, 1)
	ch <- r.err
	return ch
}

// Every SinkTaskContext call of a real Java sink task reaches the runtime's context: seeks
// asked for in open(), pause and resume, requestCommit, a timeout set before a
// RetriableException (which makes Put's error retriable), preCommit's own offsets, and
// records reported to errantRecordReporter() with their data and the Java exception.
func TestJavaSinkTaskContext(t *testing.T) {
	h := newContextHost(t)
	ctx := testContext(t)
	tp0, tp1 := connectors.TopicPartition{Topic: "t", Partition: 0}, connectors.TopicPartition{Topic: "t", Partition: 1}
	newTask := func(t *testing.T, tc *sinkContext, props map[string]string) connectors.SinkTask {
		conn := h.NewConnector(contextSink, pb.PluginType_PLUGIN_TYPE_SINK, "").(connectors.SinkConnector)
		task := conn.NewTask()
		props["topics"] = "t"
		if err := task.Start(tc, props); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { task.Stop() })
		return task
	}
	records := []connectors.SinkRecord{{Topic: "t", Partition: 0, Offset: 5, Value: "good"}, {Topic: "t", Partition: 1, Offset: 9, Value: "bad",
		Headers: []connectors.Header{{Key: "h", Value: "x"}}}}

	t.Run("seek in open", func(t *testing.T) {
		tc := &sinkContext{}
		task := newTask(t, tc, map[string]string{"seek.on.open": "7"})
		if err := task.(connectors.PartitionOpener).OpenPartitions(ctx, []connectors.TopicPartition{tp0, tp1}); err != nil {
			t.Fatal(err)
		}
		if want := map[connectors.TopicPartition]int64{tp0: 7, tp1: 7}; !maps.Equal(tc.seeks, want) {
			t.Errorf("seeks %v, want %v", tc.seeks, want)
		}
		if err := task.(connectors.PartitionOpener).ClosePartitions(ctx, []connectors.TopicPartition{tp0, tp1}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("pause, resume and requestCommit in put", func(t *testing.T) {
		tc := &sinkContext{reporter: &reporter{}}
		task := newTask(t, tc, map[string]string{"pause.on.put": "", "resume.on.put": "", "request.commit": ""})
		if err := task.Put(ctx, records); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tc.paused, []connectors.TopicPartition{tp0, tp1}) || !slices.Equal(tc.resumed, []connectors.TopicPartition{tp0, tp1}) || tc.commits != 1 {
			t.Errorf("paused %v, resumed %v, commits %d; want both partitions paused and resumed, one commit", tc.paused, tc.resumed, tc.commits)
		}
	})
	t.Run("timeout before a RetriableException", func(t *testing.T) {
		tc := &sinkContext{}
		task := newTask(t, tc, map[string]string{"retriable.puts": "1", "timeout.ms": "250"})
		err := task.Put(ctx, records[:1])
		if !connectors.IsRetriable(err) || !strings.Contains(err.Error(), "the store is busy") {
			t.Errorf("put = %v, want a retriable error", err)
		}
		if tc.retryAfter != 250*time.Millisecond {
			t.Errorf("RetryAfter %v, want the task's timeout of 250ms", tc.retryAfter)
		}
		if err := task.Put(ctx, records[:1]); err != nil {
			t.Errorf("second put = %v", err)
		}
	})
	t.Run("preCommit commits its own offsets", func(t *testing.T) {
		task := newTask(t, &sinkContext{}, map[string]string{"precommit.lag": "2"})
		got, err := task.(connectors.PreCommitter).PreCommit(ctx, map[connectors.TopicPartition]int64{tp0: 10, tp1: 4})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[connectors.TopicPartition]int64{tp0: 8, tp1: 2}; !maps.Equal(got, want) {
			t.Errorf("preCommit = %v, want %v", got, want)
		}
	})
	t.Run("errantRecordReporter", func(t *testing.T) {
		rep := &reporter{}
		task := newTask(t, &sinkContext{reporter: rep}, map[string]string{})
		if err := task.Put(ctx, records); err != nil {
			t.Fatal(err)
		}
		if len(rep.records) != 1 || rep.records[0].Offset != 9 || rep.records[0].Partition != 1 || rep.records[0].Value != "bad" ||
			len(rep.records[0].Headers) != 1 || rep.records[0].Headers[0].Value != "x" {
			t.Fatalf("reported %+v, want the bad record t-1@9 with its header", rep.records)
		}
		var je *JavaError
		if !errors.As(rep.causes[0], &je) || je.Class != "java.lang.IllegalArgumentException" || je.Message != "bad record at 9" {
			t.Errorf("cause %v, want the task's IllegalArgumentException", rep.causes[0])
		}
	})
	t.Run("errantRecordReporter whose report fails", func(t *testing.T) {
		rep := &reporter{err: errors.New("Tolerance exceeded in error handler")}
		task := newTask(t, &sinkContext{reporter: rep}, map[string]string{})
		err := task.Put(ctx, records)
		if err == nil || !strings.Contains(err.Error(), "Tolerance exceeded in error handler") {
			t.Errorf("put = %v, want the report's failure", err)
		}
	})
	t.Run("no errantRecordReporter", func(t *testing.T) {
		task := newTask(t, &sinkContext{}, map[string]string{})
		if err := task.Put(ctx, records); err == nil || !strings.Contains(err.Error(), "errantRecordReporter() is null") {
			t.Errorf("put = %v, want the task to see a null reporter", err)
		}
	})
}

// exactlyOnceSupport, canDefineTransactionBoundaries and alterOffsets reach the plugin: the
// test plugin's answers, Apache's FileStreamSourceConnector's own checks of offsets, and
// Kafka's text for a connector that keeps the default alterOffsets.
func TestJavaConnectorExactlyOnceAndAlterOffsets(t *testing.T) {
	h := newContextHost(t)
	source := func(class string) connectors.SourceConnector {
		return h.NewConnector(class, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	}
	eos := source(contextSource).(connectors.ExactlyOnceSupporter)
	for props, want := range map[string]connectors.ExactlyOnceSupport{
		"SUPPORTED": connectors.ExactlyOnceSupported, "UNSUPPORTED": connectors.ExactlyOnceUnsupported, "": connectors.ExactlyOnceUndeclared,
	} {
		cfg := map[string]string{}
		if props != "" {
			cfg["eos"] = props
		}
		if got, err := eos.ExactlyOnceSupport(cfg); err != nil || got != want {
			t.Errorf("exactlyOnceSupport(eos=%q) = %v, %v; want %v", props, got, err, want)
		}
	}
	tb := source(contextSource).(connectors.TransactionBoundaryDefiner)
	for props, want := range map[string]connectors.TransactionBoundaries{
		"SUPPORTED": connectors.TransactionBoundariesSupported, "UNSUPPORTED": connectors.TransactionBoundariesUnsupported, "": connectors.TransactionBoundariesUndeclared,
	} {
		cfg := map[string]string{}
		if props != "" {
			cfg["boundaries"] = props
		}
		if got, err := tb.CanDefineTransactionBoundaries(cfg); err != nil || got != want {
			t.Errorf("canDefineTransactionBoundaries(boundaries=%q) = %v, %v; want %v", props, got, err, want)
		}
	}
	// Apache's FileStreamSourceConnector 4.3.1: SUPPORTED with a file, UNSUPPORTED without one.
	file := source(fileSource).(connectors.ExactlyOnceSupporter)
	if got, err := file.ExactlyOnceSupport(map[string]string{"file": "/tmp/x", "topic": "t"}); err != nil || got != connectors.ExactlyOnceSupported {
		t.Errorf("FileStreamSource exactlyOnceSupport with a file = %v, %v", got, err)
	}
	if got, err := file.ExactlyOnceSupport(map[string]string{"topic": "t"}); err != nil || got != connectors.ExactlyOnceUnsupported {
		t.Errorf("FileStreamSource exactlyOnceSupport without a file = %v, %v", got, err)
	}

	alter := func(c connectors.Connector, offsets ...connectors.SourceOffset) (bool, error) {
		return c.(connectors.OffsetAlterer).AlterOffsets(map[string]string{"name": "conn", "file": "/tmp/x", "topic": "t"}, offsets)
	}
	part := map[string]any{"filename": "/tmp/x"}
	tests := []struct {
		name    string
		conn    connectors.Connector
		offsets []connectors.SourceOffset
		want    bool
		wantErr string
	}{
		{"FileStreamSource, a long position", source(fileSource), []connectors.SourceOffset{{Partition: part, Offset: map[string]any{"position": int64(5)}}}, true, ""},
		{"FileStreamSource, a reset", source(fileSource), []connectors.SourceOffset{{Partition: part}}, true, ""},
		{"FileStreamSource, a string position", source(fileSource), []connectors.SourceOffset{{Partition: part, Offset: map[string]any{"position": "5"}}}, false,
			"The value for the 'position' key in the offset is expected to be a Long value"},
		{"FileStreamSource, no filename", source(fileSource), []connectors.SourceOffset{{Partition: map[string]any{"f": "x"}, Offset: map[string]any{"position": int64(5)}}}, false,
			"Partition objects should contain the key 'filename'"},
		{"Kafka's default alterOffsets", source(contextSource), []connectors.SourceOffset{{Partition: part}}, false, ""},
		{"sink, alter", h.NewConnector(contextSink, pb.PluginType_PLUGIN_TYPE_SINK, ""),
			[]connectors.SourceOffset{{Partition: map[string]any{"kafka_topic": "t", "kafka_partition": int64(0)}, Offset: map[string]any{"kafka_offset": int64(5)}}}, false, ""},
		{"sink, reset", h.NewConnector(contextSink, pb.PluginType_PLUGIN_TYPE_SINK, ""),
			[]connectors.SourceOffset{{Partition: map[string]any{"kafka_topic": "t", "kafka_partition": int64(0)}}}, true, ""},
		{"sink, refused", h.NewConnector(contextSink, pb.PluginType_PLUGIN_TYPE_SINK, ""),
			[]connectors.SourceOffset{{Partition: map[string]any{"kafka_topic": "t", "kafka_partition": int64(1)}, Offset: map[string]any{"kafka_offset": int64(1000)}}}, false,
			"offset 1000 of t-1 is too far"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := alter(tt.conn, tt.offsets...)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("alterOffsets = %v, %v; want the error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("alterOffsets = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// commitRecord(record, metadata) is called with each acknowledged record as the host polled
// it, with where it was written, or null metadata for a record that was not: the test task
// polls back what it was told.
func TestJavaSourceTaskCommitRecord(t *testing.T) {
	h := newContextHost(t)
	ctx := testContext(t)
	conn := h.NewConnector(contextSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	task := conn.NewTask()
	if err := task.Start(offsetMap{}, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	defer task.Stop()
	records, err := task.Poll(ctx)
	if err != nil || len(records) != 2 {
		t.Fatalf("poll = %v, %v; want r1 and r2", records, err)
	}
	at := time.UnixMilli(1_700_000_000_000)
	err = task.(connectors.RecordCommitter).CommitRecords([]connectors.RecordAck{
		{Record: &records[0], Metadata: &connectors.RecordMetadata{Topic: "t", Partition: 0, Offset: 7, Timestamp: at}},
		{Record: &records[1]},
		{Record: &connectors.SourceRecord{Value: "not polled"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []any
	for len(got) < 2 {
		more, err := task.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range more {
			got = append(got, r.Value)
		}
	}
	if want := []any{"r1 t-0@7", "r2 null"}; !slices.Equal(got, want) {
		t.Errorf("commitRecord saw %v, want %v", got, want)
	}
}

// Records are acknowledged to a Java task only when its class overrides commitRecord: Kafka's
// FileStreamSourceTask does not (SourceTask's commitRecord does nothing), the test task does.
func TestJavaSourceTaskAcknowledgesOnlyACommitRecordOverride(t *testing.T) {
	file := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(file, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		host  func(*testing.T) *Host
		class string
		props map[string]string
		acks  bool
	}{
		{"FileStreamSourceTask", func(t *testing.T) *Host { return newTestHost(t, Config{}) }, fileSource, map[string]string{"file": file, "topic": "t"}, false},
		{"a task with commitRecord", func(t *testing.T) *Host { return newContextHost(t) }, contextSource, map[string]string{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.host(t)
			conn := h.NewConnector(tt.class, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
			task := conn.NewTask()
			if err := task.Start(offsetMap{}, tt.props); err != nil {
				t.Fatal(err)
			}
			defer task.Stop()
			st := task.(*sourceTask)
			st.seqMu.Lock()
			acks := st.acks
			st.seqMu.Unlock()
			if acks != tt.acks {
				t.Errorf("acknowledges records: %v, want %v", acks, tt.acks)
			}
		})
	}
}

// A put sent ahead (while the put before it is in flight) is put by the host after that put,
// unless that put asked something of the context or threw: then it is skipped, put() is not
// called with it, and the next put not sent ahead goes through again. The task appends each
// batch it is handed to a file, so the file says which batches reached put().
func TestJavaSinkPutAhead(t *testing.T) {
	h := newContextHost(t)
	ctx := testContext(t)
	tests := []struct {
		name        string
		props       map[string]string
		firstFails  bool
		wantSkipped bool
	}{
		{name: "nothing asked", props: map[string]string{}},
		{name: "requestCommit", props: map[string]string{"request.commit": ""}, wantSkipped: true},
		{name: "pause", props: map[string]string{"pause.on.put": ""}, wantSkipped: true},
		{name: "RetriableException", props: map[string]string{"retriable.puts": "1", "timeout.ms": "5"}, firstFails: true, wantSkipped: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "put")
			conn := h.NewConnector(contextSink, pb.PluginType_PLUGIN_TYPE_SINK, "").(connectors.SinkConnector)
			task := conn.NewTask()
			props := maps.Clone(tc.props)
			props["topics"], props["file"] = "t", file
			if err := task.Start(&sinkContext{}, props); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { task.Stop() })
			ps := task.(connectors.PutStarter)
			first, err := ps.StartPut(ctx, []connectors.SinkRecord{{Topic: "t", Offset: 1, Value: "first"}}, false)
			if err != nil {
				t.Fatal(err)
			}
			second, err := ps.StartPut(ctx, []connectors.SinkRecord{{Topic: "t", Offset: 2, Value: "second"}}, true)
			if err != nil {
				t.Fatal(err)
			}
			if skipped, err := first(ctx); skipped || (err != nil) != tc.firstFails {
				t.Fatalf("first put: skipped %v, err %v; want put, failed %v", skipped, err, tc.firstFails)
			}
			if skipped, err := second(ctx); skipped != tc.wantSkipped || err != nil {
				t.Fatalf("second put, sent ahead: skipped %v, err %v; want skipped %v", skipped, err, tc.wantSkipped)
			}
			want := "first\nsecond\n"
			if tc.firstFails {
				want = ""
			} else if tc.wantSkipped {
				want = "first\n"
			}
			if got, _ := os.ReadFile(file); string(got) != want {
				t.Errorf("put() was handed %q, want %q", got, want)
			}
			// A put not sent ahead is put whatever the one before asked.
			if err := task.Put(ctx, []connectors.SinkRecord{{Topic: "t", Offset: 3, Value: "third"}}); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(file); !strings.HasSuffix(string(got), "third\n") {
				t.Errorf("put() was handed %q, want the third batch last", got)
			}
		})
	}
}
