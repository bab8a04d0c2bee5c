package javaplugin

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

const (
	failingSource = "com.example.failing.FailingSourceConnector"
	failingSink   = "com.example.failing.FailingSinkConnector"
	// sequenceSource's poll() returns records.per.poll records at once, doing nothing else.
	sequenceSource = "com.example.failing.SequenceSourceConnector"
)

// failingPluginPath compiles testdata/failing against the built host's Connect API into a
// plugin.path holding it as a directory of classes, beside connect-file.
func failingPluginPath(t testing.TB, h *Host) []string {
	t.Helper()
	b, err := h.build(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	classes := filepath.Join(dir, "failing")
	srcs, _ := filepath.Glob(filepath.Join("testdata", "failing", "src", "com", "example", "failing", "*.java"))
	args := append([]string{"--release", "17", "-cp", b.classpath(), "-d", classes}, srcs...)
	var out bytes.Buffer
	cmd := exec.Command("javac", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out.String())
	}
	return []string{dir, testPluginPath(t)}
}

func newFailingHost(t testing.TB, cfg Config) *Host {
	t.Helper()
	probe := newTestHost(t, Config{})
	cfg.PluginPath = failingPluginPath(t, probe)
	probe.Close()
	return newTestHost(t, cfg)
}

// javaError is err's JavaError, failing the test when there is none.
func javaError(t *testing.T, err error) *JavaError {
	t.Helper()
	var je *JavaError
	if !errors.As(err, &je) {
		t.Fatalf("err = %v, want a JavaError", err)
	}
	return je
}

func TestPluginFailuresComeBackWithTheJavaTrace(t *testing.T) {
	h := newFailingHost(t, Config{})
	ctx := testContext(t)
	source := func() connectors.SourceConnector {
		return h.NewConnector(failingSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	}

	t.Run("connector start", func(t *testing.T) {
		je := javaError(t, source().Start(&connectorContext{}, map[string]string{"fail": "connector-start"}))
		if je.Class != "java.lang.IllegalStateException" || !strings.Contains(je.Error(), "connector start failed on purpose") ||
			!strings.Contains(je.Error(), "at com.example.failing.FailingSourceConnector.start(") {
			t.Errorf("trace = %s", je.Error())
		}
	})
	t.Run("task start", func(t *testing.T) {
		task := source().NewTask()
		je := javaError(t, task.Start(offsetMap{}, map[string]string{"fail": "task-start"}))
		if je.Class != "org.apache.kafka.connect.errors.ConnectException" || !strings.Contains(je.Error(), "task start failed on purpose") {
			t.Errorf("trace = %s", je.Error())
		}
	})
	t.Run("poll", func(t *testing.T) {
		task := source().NewTask()
		if err := task.Start(offsetMap{}, map[string]string{"fail": "poll"}); err != nil {
			t.Fatal(err)
		}
		_, err := task.Poll(ctx)
		je := javaError(t, err)
		if connectors.IsRetriable(err) || !strings.Contains(je.Error(), "poll failed on purpose") ||
			!strings.Contains(je.Error(), "Caused by: java.lang.IllegalArgumentException: the cause") {
			t.Errorf("retriable %v, trace = %s", connectors.IsRetriable(err), je.Error())
		}
		task.Stop()
	})
	t.Run("retriable poll", func(t *testing.T) {
		task := source().NewTask()
		if err := task.Start(offsetMap{}, map[string]string{"fail": "poll-retriable"}); err != nil {
			t.Fatal(err)
		}
		if _, err := task.Poll(ctx); !connectors.IsRetriable(err) {
			t.Errorf("a RetriableException is retriable: %v", err)
		}
		task.Stop()
	})
	t.Run("put", func(t *testing.T) {
		conn := h.NewConnector(failingSink, pb.PluginType_PLUGIN_TYPE_SINK, "").(connectors.SinkConnector)
		task := conn.NewTask()
		if err := task.Start(&sinkContext{}, map[string]string{"topics": "t"}); err != nil {
			t.Fatal(err)
		}
		err := task.Put(ctx, []connectors.SinkRecord{{Topic: "t", Value: "a"}, {Topic: "t", Value: "b"}})
		je := javaError(t, err)
		if je.Class != "org.apache.kafka.connect.errors.DataException" || !strings.Contains(je.Error(), "put of 2 records failed on purpose") {
			t.Errorf("trace = %s", je.Error())
		}
		task.Stop()
	})
}

func TestAHangingValidateHoldsUpNothingElse(t *testing.T) {
	h := newFailingHost(t, Config{CallTimeout: 5 * time.Second})
	if _, err := h.Hello(testContext(t)); err != nil { // started outside the calls' timeout
		t.Fatal(err)
	}
	hanging := h.NewConnector(failingSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.ConfigValidator)
	done := make(chan []connectors.ConfigValue, 1)
	go func() { done <- hanging.ValidateConfig(map[string]string{"fail": "validate-hang"}) }()
	// While validate() hangs in its thread, other plugins are served.
	file := filepath.Join(t.TempDir(), "in.txt")
	os.WriteFile(file, []byte("x\n"), 0o644)
	other := h.NewConnector(fileSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	if err := other.Start(&connectorContext{}, map[string]string{"file": file, "topic": "t"}); err != nil {
		t.Fatal(err)
	}
	other.Stop()
	var values []connectors.ConfigValue
	select {
	case values = <-done:
	case <-time.After(time.Minute):
		t.Fatal("ValidateConfig did not return within its call timeout")
	}
	if len(values) != 1 || values[0].Name != "connector.class" || !strings.Contains(strings.Join(values[0].Errors, ""), "deadline exceeded") {
		t.Errorf("a validate() past its deadline = %+v", values)
	}
}

// TestOneRecordPollsCrossInBatches: a task whose poll() returns one record is polled ahead on
// its own thread in the host, so that a Poll returns the records of many poll() calls, in
// order, none lost or repeated.
// TestLargeBatchesCross: a batch larger than protodelim's default frame limit (4 MiB) reaches
// the worker whole; with that limit, the worker stopped reading the host, which then hung
// writing until the pings killed it (Debezium's snapshot, polled ahead, made such batches).
func TestLargeBatchesCross(t *testing.T) {
	h := newFailingHost(t, Config{})
	ctx := testContext(t)
	task := h.NewConnector(sequenceSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector).NewTask()
	const perPoll, padding = 2_000, 4_096 // 8 MiB of values in one poll()
	if err := task.Start(offsetMap{}, map[string]string{"topic": "t", "records.per.poll": fmt.Sprint(perPoll), "value.padding": fmt.Sprint(padding)}); err != nil {
		t.Fatal(err)
	}
	defer task.Stop()
	recs, err := task.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < perPoll {
		t.Fatalf("one round trip carried %d records, want at least one poll()'s %d", len(recs), perPoll)
	}
	for i, r := range recs {
		if v, _ := r.Value.(string); !strings.HasPrefix(v, fmt.Sprintf("record-%dx", i)) || len(v) != len(fmt.Sprintf("record-%d", i))+padding {
			t.Fatalf("record %d is %.40q… (%d bytes)", i, v, len(v))
		}
	}
}

func TestOneRecordPollsCrossInBatches(t *testing.T) {
	h := newFailingHost(t, Config{})
	ctx := testContext(t)
	task := h.NewConnector(sequenceSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector).NewTask()
	if err := task.Start(offsetMap{}, map[string]string{"topic": "t", "records.per.poll": "1"}); err != nil {
		t.Fatal(err)
	}
	defer task.Stop()
	const want = 20_000
	polls, most := 0, 0
	for n := 0; n < want; {
		recs, err := task.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Value != fmt.Sprintf("record-%d", n) {
				t.Fatalf("record %d is %v", n, r.Value)
			}
			n++
		}
		polls++
		most = max(most, len(recs))
	}
	t.Logf("%d records in %d round trips (%.1f each, at most %d)", want, polls, float64(want)/float64(polls), most)
	if most < 2 {
		t.Errorf("every round trip carried one record: poll() calls are not batched")
	}
}

// TestATaskReadsTheNullPartitionsOffset: a Java task whose records have no source partition
// reads its offset with offset(null), as Kafka Connect's OffsetStorageReader allows, and
// resumes from it; its records cross without a partition.
func TestATaskReadsTheNullPartitionsOffset(t *testing.T) {
	h := newFailingHost(t, Config{})
	ctx := testContext(t)
	task := h.NewConnector(sequenceSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector).NewTask()
	var asked []map[string]any
	offsets := partitionOffsets(func(p map[string]any) map[string]any {
		asked = append(asked, p)
		if p == nil {
			return map[string]any{"next": int64(41)}
		}
		return nil
	})
	if err := task.Start(offsets, map[string]string{"topic": "t", "records.per.poll": "2", "null.partition": "true"}); err != nil {
		t.Fatal(err)
	}
	defer task.Stop()
	if len(asked) != 1 || asked[0] != nil {
		t.Fatalf("the task asked for the offsets of %v, want the null partition's alone", asked)
	}
	recs, err := task.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Fatal("the task's poll returned no records")
	}
	if recs[0].Value != "record-41" || recs[0].SourcePartition != nil {
		t.Fatalf("first record %+v, want record-41 without a source partition", recs[0])
	}
	if next, _ := asInt64(recs[0].SourceOffset["next"]); next != 42 {
		t.Fatalf("first record's offset %v, want next=42", recs[0].SourceOffset)
	}
}
