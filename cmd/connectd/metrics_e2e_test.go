package main

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/connectd/connectd/internal/wait"
)

// scrape reads GET base/metrics as Prometheus does and returns its families by name.
func scrape(t testing.TB, base string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("scrape %s: %v", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: status %d", base, resp.StatusCode)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("scrape %s: parse: %v", base, err)
	}
	return fams
}

// series returns the value of the series of family name whose labels are exactly want
// (pairs of name, value), and whether there is one.
func series(fams map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	wanted := map[string]string{}
	for i := 0; i+1 < len(want); i += 2 {
		wanted[want[i]] = want[i+1]
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(wanted) {
			continue
		}
		for _, l := range m.GetLabel() {
			if v, ok := wanted[l.GetName()]; !ok || v != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// expect is one series and the value it must have.
type expect struct {
	name   string
	labels []string
	want   float64
}

// waitMetrics scrapes base until every expectation holds, and fails naming those that do not.
func waitMetrics(t *testing.T, base, what string, exps []expect) map[string]*dto.MetricFamily {
	t.Helper()
	var fams map[string]*dto.MetricFamily
	wait.ForNil(t, 60*time.Second, what, func() error {
		fams = scrape(t, base)
		var bad []string
		for _, e := range exps {
			got, ok := series(fams, e.name, e.labels...)
			if !ok || got != e.want {
				bad = append(bad, fmt.Sprintf("%s%v = %v (present %v), want %v", e.name, e.labels, got, ok, e.want))
			}
		}
		if len(bad) > 0 {
			return errors.New("\n" + strings.Join(bad, "\n"))
		}
		return nil
	})
	return fams
}

// TestMetricsFileStream scrapes /metrics of a real worker during a FileStream run: the record
// totals equal the lines moved, and the task and connector states follow pause and resume,
// under Kafka Connect's metric names as the JMX exporter and Strimzi's reporter write them.
// With admin.listeners set, /metrics is served there and not on the REST listeners.
func TestMetricsFileStream(t *testing.T) {
	admin := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	w := startWorker(t, map[string]string{"admin.listeners": admin})
	if code, _, _ := w.do("GET", "/metrics", nil); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the REST listener with admin.listeners set: %d, want 404", code)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	const n = 1000
	appendLines(t, in, "line", 0, n)
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": sourceConfig(in, w.topic("lines"))}, 201, nil)
	w.mustDo("POST", "/connectors", map[string]any{"name": "sink", "config": sinkConfig(out, w.topic("lines"))}, 201, nil)
	wait.For(t, 60*time.Second, "all lines in the sink file", func() bool { return len(lines(t, out)) >= n })

	src := []string{"connector", "src", "task", "0"}
	sink := []string{"connector", "sink", "task", "0"}
	status := func(labels []string, state string) []string {
		return append(append([]string(nil), labels...), "status", state)
	}
	totals := func(moved float64) []expect {
		return []expect{
			{"kafka_connect_source_task_metrics_source_record_poll_total", src, moved},
			{"kafka_connect_source_task_metrics_source_record_write_total", src, moved},
			{"kafka_connect_sink_task_metrics_sink_record_read_total", sink, moved},
			{"kafka_connect_sink_task_metrics_sink_record_send_total", sink, moved},
		}
	}
	fams := waitMetrics(t, admin, "totals and states while running", append(totals(n),
		expect{"kafka_connect_connector_task_metrics_status_info", status(src, "running"), 1},
		expect{"kafka_connect_connector_task_metrics_status_info", status(sink, "running"), 1},
		expect{"kafka_connect_connector_metrics_status_info", []string{"connector", "src", "status", "running"}, 1},
		expect{"kafka_connect_connector_metrics_connector_type_info", []string{"connector", "sink", "connector_type", "sink"}, 1},
		expect{"kafka_connect_connector_metrics_connector_class_info", []string{"connector", "src", "connector_class", "org.apache.kafka.connect.file.FileStreamSourceConnector"}, 1},
		expect{"kafka_connect_connect_worker_metrics_connector_count", nil, 2},
		expect{"kafka_connect_connect_worker_metrics_task_count", nil, 2},
		expect{"kafka_connect_connect_worker_metrics_connector_running_task_count", []string{"connector", "src"}, 1},
		expect{"kafka_connect_connect_worker_metrics_task_startup_success_total", nil, 2},
		expect{"kafka_connect_connect_worker_metrics_task_startup_failure_total", nil, 0},
		expect{"kafka_connect_sink_task_metrics_partition_count", sink, 1},
		expect{"kafka_connect_task_error_metrics_total_record_errors", src, 0},
	))
	for _, name := range []string{
		"kafka_connect_source_task_metrics_poll_batch_avg_time_ms", "kafka_connect_sink_task_metrics_put_batch_max_time_ms",
		"kafka_connect_connector_task_metrics_offset_commit_avg_time_ms", "kafka_connect_connect_worker_rebalance_metrics_epoch",
		"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_cpu_seconds_total",
	} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if _, ok := series(fams, "kafka_connect_sink_task_metrics_sink_record_read_total", src...); ok {
		t.Error("the source task has sink-task-metrics")
	}

	w.mustDo("PUT", "/connectors/src/pause", nil, 202, nil)
	w.waitState("src", "PAUSED", 1)
	waitMetrics(t, admin, "states after pause", append(totals(n),
		expect{"kafka_connect_connector_task_metrics_status_info", status(src, "paused"), 1},
		expect{"kafka_connect_connector_metrics_status_info", []string{"connector", "src", "status", "paused"}, 1},
		expect{"kafka_connect_connect_worker_metrics_connector_paused_task_count", []string{"connector", "src"}, 1},
		expect{"kafka_connect_connect_worker_metrics_connector_running_task_count", []string{"connector", "src"}, 0},
		expect{"kafka_connect_connector_task_metrics_status_info", status(sink, "running"), 1},
	))
	if fams := scrape(t, admin); func() bool {
		_, ok := series(fams, "kafka_connect_connector_task_metrics_status_info", status(src, "running")...)
		return ok
	}() {
		t.Error("the paused task is still exported as running")
	}

	appendLines(t, in, "more", 0, 50)
	w.mustDo("PUT", "/connectors/src/resume", nil, 202, nil)
	w.waitState("src", "RUNNING", 1)
	wait.For(t, 60*time.Second, "lines after resume", func() bool { return len(lines(t, out)) >= n+50 })
	waitMetrics(t, admin, "totals and states after resume", append(totals(n+50),
		expect{"kafka_connect_connector_task_metrics_status_info", status(src, "running"), 1},
		expect{"kafka_connect_connect_worker_metrics_connector_paused_task_count", []string{"connector", "src"}, 0},
		expect{"kafka_connect_connect_worker_metrics_connector_running_task_count", []string{"connector", "src"}, 1},
	))

	// Deleted connectors leave no series behind.
	w.mustDo("DELETE", "/connectors/src", nil, 204, nil)
	wait.For(t, 30*time.Second, "deleted connector's series gone", func() bool {
		fams := scrape(t, admin)
		_, task := series(fams, "kafka_connect_connector_task_metrics_status_info", status(src, "running")...)
		_, conn := series(fams, "kafka_connect_connector_metrics_status_info", "connector", "src", "status", "running")
		return !task && !conn
	})
}

// TestMetricsOnRESTListener: without admin.listeners, /metrics is on the REST listeners.
func TestMetricsOnRESTListener(t *testing.T) {
	w := startWorker(t, nil)
	fams := scrape(t, w.url)
	for _, name := range []string{"kafka_connect_connect_worker_metrics_connector_count", "go_goroutines", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}

// TestMetricsRebalance: the rebalance group follows the worker group: a worker's first join
// is a completed rebalance, and a second worker joining makes the first rebalance again into
// a higher generation; neither is left rebalancing.
func TestMetricsRebalance(t *testing.T) {
	c := newCluster(t)
	a := c.add()
	const (
		completed   = "kafka_connect_connect_worker_rebalance_metrics_completed_rebalances_total"
		epoch       = "kafka_connect_connect_worker_rebalance_metrics_epoch"
		rebalancing = "kafka_connect_connect_worker_rebalance_metrics_rebalancing"
		maxTime     = "kafka_connect_connect_worker_rebalance_metrics_rebalance_max_time_ms"
	)
	fams := scrape(t, a.url)
	first, _ := series(fams, completed)
	gen, _ := series(fams, epoch)
	if first < 1 || gen < 1 {
		t.Fatalf("after the first join: %s = %v, %s = %v; want both >= 1", completed, first, epoch, gen)
	}
	if _, ok := series(fams, maxTime); !ok {
		t.Errorf("no %s", maxTime)
	}
	b := c.add()
	wait.For(t, 60*time.Second, "the first worker to rebalance into the second's generation", func() bool {
		fa, fb := scrape(t, a.url), scrape(t, b.url)
		n, _ := series(fa, completed)
		ga, _ := series(fa, epoch)
		gb, _ := series(fb, epoch)
		ra, _ := series(fa, rebalancing)
		rb, _ := series(fb, rebalancing)
		return n > first && ga > gen && ga == gb && ra == 0 && rb == 0
	})
}
