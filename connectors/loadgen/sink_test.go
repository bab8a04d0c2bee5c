package loadgen

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
)

// TestSinkCounts: Put counts records and the bytes of []byte and string keys and values, per
// task and per connector; ResetCounts zeroes them and counting goes on.
func TestSinkCounts(t *testing.T) {
	name := t.Name()
	c := &SinkConnector{}
	if err := c.Start(nil, map[string]string{"name": name, "topics": "t", LogIntervalKey: "0"}); err != nil {
		t.Fatal(err)
	}
	configs, _ := c.TaskConfigs(2)
	if len(configs) != 2 || configs[1][TaskIDKey] != "1" || configs[1]["topics"] != "t" {
		t.Fatalf("task configs %v", configs)
	}
	var tasks []*sinkTask
	logs := &logBuffer{}
	for _, cfg := range configs {
		task := c.NewTask().(*sinkTask)
		task.log = slog.New(slog.NewTextHandler(logs, nil))
		if err := task.Start(nil, cfg); err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, task)
	}
	batches := []struct {
		task    int
		records []connectors.SinkRecord
		want    Count // the task's count after the batch
	}{
		{0, []connectors.SinkRecord{{Value: []byte("12345")}, {Key: []byte("k"), Value: []byte("678")}}, Count{2, 9}},
		{0, []connectors.SinkRecord{{Key: "key", Value: "text"}}, Count{3, 16}},
		{1, []connectors.SinkRecord{{Value: map[string]any{"a": int64(1)}}, {Value: nil}}, Count{2, 0}}, // other types: 0 bytes
		{1, nil, Count{2, 0}},
	}
	ctx := context.Background()
	for i, b := range batches {
		if err := tasks[b.task].Put(ctx, b.records); err != nil {
			t.Fatal(err)
		}
		if got := TaskCounts(name)[b.task]; got != b.want {
			t.Errorf("batch %d: task %d count %+v, want %+v", i, b.task, got, b.want)
		}
	}
	if got := Counts(name); got != (Count{5, 16}) {
		t.Errorf("Counts = %+v", got)
	}
	if err := tasks[0].Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	ResetCounts(name)
	if got := Counts(name); got != (Count{}) {
		t.Errorf("after reset %+v", got)
	}
	_ = tasks[0].Put(ctx, []connectors.SinkRecord{{Value: []byte("ab")}})
	if got := Counts(name); got != (Count{1, 2}) {
		t.Errorf("after reset and a put %+v", got)
	}
	for _, task := range tasks {
		_ = task.Stop()
		_ = task.Stop()
	}
	// Each task logs its own totals once, unaffected by the reset.
	if n := strings.Count(logs.String(), "DiscardSink progress (task stopped)"); n != 2 || !strings.Contains(logs.String(), "records=4 bytes=18") {
		t.Errorf("stop summaries:\n%s", logs)
	}
	if got := Counts("never-ran"); got != (Count{}) {
		t.Errorf("Counts of an unknown connector %+v", got)
	}
}

func TestSinkPutBeforeStart(t *testing.T) {
	if err := (&sinkTask{now: time.Now}).Put(context.Background(), nil); err == nil {
		t.Error("Put on an unstarted task succeeded")
	}
}

// TestCountsConcurrent: tasks count while others read; run with -race.
func TestCountsConcurrent(t *testing.T) {
	name := t.Name()
	done := make(chan struct{})
	for task := range 4 {
		go func() {
			c := counterFor(name, task)
			for range 1000 {
				c.add(1, 10)
			}
			done <- struct{}{}
		}()
	}
	go func() {
		for range 100 {
			_ = Counts(name)
		}
	}()
	for range 4 {
		<-done
	}
	if got := Counts(name); got != (Count{4000, 40000}) {
		t.Errorf("Counts = %+v", got)
	}
}

// TestRegister: both connectors answer to their class and their aliases.
func TestRegister(t *testing.T) {
	r := &connectors.Registry{}
	Register(r)
	tests := []struct {
		name string
		typ  connectors.PluginType
	}{
		{SourceClass, connectors.Source},
		{"DataGenSource", connectors.Source},
		{"DataGenSourceConnector", connectors.Source},
		{SinkClass, connectors.Sink},
		{"DiscardSink", connectors.Sink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := r.Lookup(tt.name)
			if !ok || p.Type != tt.typ || p.Version != version {
				t.Fatalf("Lookup = %+v, %v", p, ok)
			}
			if _, _, err := r.NewConnector(tt.name); err != nil {
				t.Error(err)
			}
		})
	}
}
