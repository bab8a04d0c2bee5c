package metrics

import (
	"errors"
	"io"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// TestNames pins the Prometheus names of Kafka Connect's metrics to those the JMX exporter's
// default naming and Strimzi's metrics reporter give them, the names dashboards query.
func TestNames(t *testing.T) {
	tests := []struct {
		group, name, info, want string
	}{
		{SourceTaskGroup, "source-record-poll-total", "", "kafka_connect_source_task_metrics_source_record_poll_total"},
		{SinkTaskGroup, "put-batch-avg-time-ms", "", "kafka_connect_sink_task_metrics_put_batch_avg_time_ms"},
		{WorkerGroup, "connector-count", "", "kafka_connect_connect_worker_metrics_connector_count"},
		{WorkerGroup, "connector-running-task-count", "", "kafka_connect_connect_worker_metrics_connector_running_task_count"},
		{WorkerRebalanceGroup, "completed-rebalances-total", "", "kafka_connect_connect_worker_rebalance_metrics_completed_rebalances_total"},
		{TaskErrorGroup, "total-record-failures", "", "kafka_connect_task_error_metrics_total_record_failures"},
		{ConnectorGroup, "status", "status", "kafka_connect_connector_metrics_status_info"},
		{ConnectorGroup, "connector-class", "connector_class", "kafka_connect_connector_metrics_connector_class_info"},
		{TaskGroup, "status", "status", "kafka_connect_connector_task_metrics_status_info"},
		{TaskGroup, "Offset.Commit-Max", "", "kafka_connect_connector_task_metrics_offset_commit_max"},
	}
	for _, tt := range tests {
		got := Name(tt.group, tt.name)
		if tt.info != "" {
			got = InfoName(tt.group, tt.name)
			if l := LabelName(tt.name); l != tt.info {
				t.Errorf("LabelName(%q) = %q, want %q", tt.name, l, tt.info)
			}
		}
		if got != tt.want {
			t.Errorf("name of %s/%s = %q, want %q", tt.group, tt.name, got, tt.want)
		}
	}
}

// TestExportedFamilies checks that every family has a name Kafka Connect's registry has,
// in one of its groups, and the type the JMX exporter configs give it.
func TestExportedFamilies(t *testing.T) {
	groups := []string{WorkerGroup, WorkerRebalanceGroup, ConnectorGroup, TaskGroup, SourceTaskGroup, SinkTaskGroup, TaskErrorGroup}
	seen := map[string]bool{}
	for _, f := range all {
		name := descName(f.desc.String())
		if seen[name] {
			t.Errorf("%s declared twice", name)
		}
		seen[name] = true
		ok := false
		for _, g := range groups {
			ok = ok || strings.HasPrefix(name, "kafka_connect_"+sanitize(g)+"_")
		}
		if !ok {
			t.Errorf("%s is in no Kafka Connect group", name)
		}
		if counter := f.kind == 1; counter != strings.HasSuffix(name, "_total") {
			t.Errorf("%s: counter %v, want counters exactly for *_total", name, counter)
		}
	}
	if len(seen) < 60 {
		t.Errorf("%d families, want Kafka Connect's (>= 60)", len(seen))
	}
}

func descName(desc string) string {
	_, rest, _ := strings.Cut(desc, `fqName: "`)
	name, _, _ := strings.Cut(rest, `"`)
	return name
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func gather(t *testing.T, m *Metrics) map[string][]*dto.Metric {
	t.Helper()
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*dto.Metric{}
	for _, f := range fams {
		out[f.GetName()] = f.GetMetric()
	}
	return out
}

// value returns the value of the series of family name whose labels include want.
func value(t *testing.T, fams map[string][]*dto.Metric, name string, want map[string]string) (float64, bool) {
	t.Helper()
	for _, m := range fams[name] {
		match := true
		for k, v := range want {
			found := false
			for _, l := range m.GetLabel() {
				found = found || (l.GetName() == k && l.GetValue() == v)
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		}
	}
	return 0, false
}

func TestTaskMetrics(t *testing.T) {
	c := &clock{time.Unix(1_000_000, 0)}
	m := New(Config{SampleWindow: 10 * time.Second, Samples: 2, Now: c.now})
	src := m.StartTask("orders", 0)
	src.SetKind(SourceKind)
	src.SetState("RUNNING")
	src.Polled(100, 20*time.Millisecond)
	src.Written(90)
	c.t = c.t.Add(5 * time.Second)
	src.Polled(50, 40*time.Millisecond)
	src.Written(50)
	src.OffsetsCommitted(3*time.Millisecond, nil)
	src.OffsetsCommitted(5*time.Millisecond, errors.New("broker down"))
	src.Retried()
	src.RecordFailed(true)
	c.t = c.t.Add(5 * time.Second)
	src.SetState("PAUSED")

	sink := m.StartTask("orders-out", 1)
	sink.SetKind(SinkKind)
	sink.SetState("running")
	sink.Read(7)
	sink.Put(7, time.Millisecond)
	sink.Assigned(3)
	m.Connector("orders").SetState("RUNNING")
	m.Connector("orders").SetInfo("org.apache.kafka.connect.file.FileStreamSourceConnector", "source", "4.4.0")
	m.TaskStartupAttempt()
	m.TaskStartupResult(true)
	m.TaskStartupAttempt()
	m.TaskStartupResult(false)
	m.RebalanceStarted()
	m.RebalanceCompleted(7, 300*time.Millisecond)
	m.RebalanceStarted()
	c.t = c.t.Add(time.Second)

	fams := gather(t, m)
	task0 := map[string]string{"connector": "orders", "task": "0"}
	task1 := map[string]string{"connector": "orders-out", "task": "1"}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kafka_connect_source_task_metrics_source_record_poll_total", task0, 150},
		{"kafka_connect_source_task_metrics_source_record_write_total", task0, 140},
		{"kafka_connect_source_task_metrics_poll_batch_max_time_ms", task0, 40},
		{"kafka_connect_source_task_metrics_poll_batch_avg_time_ms", task0, 30},
		{"kafka_connect_source_task_metrics_source_record_poll_rate", task0, 150.0 / 11},
		{"kafka_connect_connector_task_metrics_offset_commit_avg_time_ms", task0, 4},
		{"kafka_connect_connector_task_metrics_offset_commit_success_percentage", task0, 0.5},
		{"kafka_connect_connector_task_metrics_batch_size_max", task0, 100},
		{"kafka_connect_connector_task_metrics_running_ratio", task0, 10.0 / 11},
		{"kafka_connect_connector_task_metrics_pause_ratio", task0, 1.0 / 11},
		{"kafka_connect_connector_task_metrics_status_info", map[string]string{"connector": "orders", "task": "0", "status": "paused"}, 1},
		{"kafka_connect_task_error_metrics_total_retries", task0, 1},
		{"kafka_connect_task_error_metrics_total_records_skipped", task0, 1},
		{"kafka_connect_task_error_metrics_last_error_timestamp", task0, float64(time.Unix(1_000_005, 0).UnixMilli())},
		{"kafka_connect_sink_task_metrics_sink_record_read_total", task1, 7},
		{"kafka_connect_sink_task_metrics_sink_record_send_total", task1, 7},
		{"kafka_connect_sink_task_metrics_partition_count", task1, 3},
		{"kafka_connect_connect_worker_metrics_task_count", nil, 2},
		{"kafka_connect_connect_worker_metrics_connector_count", nil, 1},
		{"kafka_connect_connect_worker_metrics_connector_paused_task_count", map[string]string{"connector": "orders"}, 1},
		{"kafka_connect_connect_worker_metrics_connector_running_task_count", map[string]string{"connector": "orders-out"}, 1},
		{"kafka_connect_connect_worker_metrics_connector_total_task_count", map[string]string{"connector": "orders"}, 1},
		{"kafka_connect_connect_worker_metrics_task_startup_attempts_total", nil, 2},
		{"kafka_connect_connect_worker_metrics_task_startup_failure_percentage", nil, 0.5},
		{"kafka_connect_connect_worker_rebalance_metrics_epoch", nil, 7},
		{"kafka_connect_connect_worker_rebalance_metrics_time_since_last_rebalance_ms", nil, 1000},
		{"kafka_connect_connect_worker_rebalance_metrics_completed_rebalances_total", nil, 1},
		{"kafka_connect_connect_worker_rebalance_metrics_rebalance_max_time_ms", nil, 300},
		{"kafka_connect_connect_worker_rebalance_metrics_rebalancing", nil, 1},
		{"kafka_connect_connector_metrics_status_info", map[string]string{"connector": "orders", "status": "running"}, 1},
		{"kafka_connect_connector_metrics_connector_class_info", map[string]string{"connector_class": "org.apache.kafka.connect.file.FileStreamSourceConnector"}, 1},
	}
	for _, ch := range checks {
		got, ok := value(t, fams, ch.name, ch.labels)
		if !ok {
			t.Errorf("%s%v: no series", ch.name, ch.labels)
			continue
		}
		if math.Abs(got-ch.want) > 1e-9 {
			t.Errorf("%s%v = %v, want %v", ch.name, ch.labels, got, ch.want)
		}
	}
	// A sink has no source group and a source no sink group.
	if _, ok := value(t, fams, "kafka_connect_sink_task_metrics_sink_record_read_total", task0); ok {
		t.Error("source task has sink-task-metrics")
	}
	if _, ok := value(t, fams, "kafka_connect_source_task_metrics_source_record_poll_total", task1); ok {
		t.Error("sink task has source-task-metrics")
	}

	// A restarted task counts from zero; a removed one has no series.
	m.StartTask("orders", 0).SetKind(SourceKind)
	m.RemoveTask("orders-out", 1)
	fams = gather(t, m)
	if got, _ := value(t, fams, "kafka_connect_source_task_metrics_source_record_poll_total", task0); got != 0 {
		t.Errorf("restarted task poll total %v, want 0", got)
	}
	if _, ok := value(t, fams, "kafka_connect_connector_task_metrics_status_info", task1); ok {
		t.Error("removed task still exported")
	}
}

// TestWindows: windowed statistics forget samples older than all windows, as Kafka's do.
func TestWindows(t *testing.T) {
	start := time.Unix(0, 0)
	s := newSampled(10*time.Second, 2, start)
	s.record(start, 5)
	s.record(start.Add(11*time.Second), 1)
	if got := s.max(start.Add(12 * time.Second)); got != 5 {
		t.Errorf("max within the windows = %v, want 5", got)
	}
	if got := s.max(start.Add(25 * time.Second)); got != 1 {
		t.Errorf("max after the first window expired = %v, want 1", got)
	}
	if got := s.avg(start.Add(60 * time.Second)); !math.IsNaN(got) {
		t.Errorf("avg of no samples = %v, want NaN", got)
	}
}

// TestHandler serves the exposition format with the runtime collectors.
func TestHandler(t *testing.T) {
	m := New(Config{})
	m.StartTask("a b/c", 0).SetKind(SourceKind)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`kafka_connect_source_task_metrics_source_record_poll_total{connector="a b/c",task="0"} 0`,
		"# TYPE kafka_connect_source_task_metrics_source_record_poll_total counter",
		"go_goroutines ", "process_resident_memory_bytes ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}
