package pipeline

import (
	"fmt"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/connectd/connectd/actors/metrics"
	"github.com/connectd/connectd/connectors/builtin"
	"github.com/connectd/connectd/internal/wait"
)

// value reads one series of a task's family from a real metrics registry.
func taskValue(t testing.TB, m *metrics.Metrics, group, name, connector, task string) float64 {
	t.Helper()
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := metrics.Name(group, name)
	for _, f := range fams {
		if f.GetName() != want {
			continue
		}
		for _, s := range f.GetMetric() {
			if label(s, "connector") == connector && label(s, "task") == task {
				if s.Counter != nil {
					return s.Counter.GetValue()
				}
				return s.Gauge.GetValue()
			}
		}
	}
	t.Fatalf("no series %s{connector=%q,task=%q}", want, connector, task)
	return 0
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// A source reports what it polled before transformation, what Kafka acknowledged after it,
// the records a tolerant chain skipped, and its offset commits, into the task's metrics.
func TestSourceMetrics(t *testing.T) {
	c := newCluster(t)
	adm := newAdmin(t, c)
	path := emptyFile(t, "in.txt")
	appendLines(t, path, "1", "2", "not a number", "4", "5")

	cast, err := builtin.Registry().NewTransformation("org.apache.kafka.connect.transforms.Cast$Value")
	if err != nil {
		t.Fatal(err)
	}
	if err := cast.Configure(map[string]string{"spec": "int32"}); err != nil {
		t.Fatal(err)
	}
	chain := NewTransformChain([]TransformStage{{Alias: "cast", Transform: cast}}, true, nil)
	m := metrics.New(metrics.Config{})
	stats := m.StartTask("src", 0)
	stats.SetKind(metrics.SourceKind)
	chain.OnSkip = func() { stats.RecordFailed(true) }

	src := newFileSource(t, c, sourceProps(path, "t"), newMemOffsets())
	src.Transform, src.Metrics, src.FlushInterval = chain.Apply, stats, 10*time.Millisecond
	r := start(t, src.Run)
	wait.For(t, testTimeout, "the castable lines on the topic", func() bool { return endOffset(t, adm, "t") >= 4 })
	wait.For(t, testTimeout, "an offset commit", func() bool {
		return taskValue(t, m, metrics.TaskGroup, "offset-commit-success-percentage", "src", "0") == 1
	})
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		group, name string
		want        float64
	}{
		{metrics.SourceTaskGroup, "source-record-poll-total", 5},
		{metrics.SourceTaskGroup, "source-record-write-total", 4},
		{metrics.SourceTaskGroup, "source-record-active-count", 0},
		{metrics.TaskErrorGroup, "total-records-skipped", 1},
		{metrics.TaskErrorGroup, "total-record-errors", 1},
	} {
		if got := taskValue(t, m, tt.group, tt.name, "src", "0"); got != tt.want {
			t.Errorf("%s %s = %v, want %v", tt.group, tt.name, got, tt.want)
		}
	}
}

// A sink reports the records it read and put, its partitions, and its commits after flush.
func TestSinkMetrics(t *testing.T) {
	c := newCluster(t)
	const n = 50
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf("line-%d", i)
	}
	produce(t, c, "t", envelopes(vals...)...)
	out := emptyFile(t, "out.txt")
	sink, _ := newFileSink(t, c, "snk", "t", out)
	m := metrics.New(metrics.Config{})
	stats := m.StartTask("snk", 2)
	stats.SetKind(metrics.SinkKind)
	sink.Metrics, sink.FlushInterval = stats, 10*time.Millisecond
	r := start(t, sink.Run)
	wait.For(t, testTimeout, "every record committed", func() bool {
		return taskValue(t, m, metrics.SinkTaskGroup, "sink-record-send-total", "snk", "2") == n &&
			taskValue(t, m, metrics.SinkTaskGroup, "sink-record-active-count", "snk", "2") == 0
	})
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		want float64
	}{
		{"sink-record-read-total", n},
		{"partition-count", 1},
	} {
		if got := taskValue(t, m, metrics.SinkTaskGroup, tt.name, "snk", "2"); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := taskValue(t, m, metrics.SinkTaskGroup, "offset-commit-completion-total", "snk", "2"); got < 1 {
		t.Errorf("offset-commit-completion-total = %v, want at least 1", got)
	}
	if got := len(linesOf(t, out)); got != n {
		t.Errorf("sink file has %d lines, want %d", got, n)
	}
}
