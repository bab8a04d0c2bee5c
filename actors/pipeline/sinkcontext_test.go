package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/converters"
	"github.com/connectd/connectd/internal/wait"
)

// contextTask is a sink task written for these tests: it records what it was handed and, in
// its calls, asks its context for what the test scripts.
type contextTask struct {
	onOpen    func(tc connectors.SinkTaskContext, tps []connectors.TopicPartition)
	onPut     func(tc connectors.SinkTaskContext, call int, records []connectors.SinkRecord) error
	preCommit func(positions map[connectors.TopicPartition]int64) map[connectors.TopicPartition]int64

	mu     sync.Mutex
	tc     connectors.SinkTaskContext
	calls  int
	puts   []int64 // offsets of the records put, in order
	events []string
}

func (c *contextTask) Start(tc connectors.SinkTaskContext, _ map[string]string) error {
	c.tc = tc
	return nil
}

func (c *contextTask) Put(_ context.Context, records []connectors.SinkRecord) error {
	c.mu.Lock()
	c.calls++
	call := c.calls
	c.mu.Unlock()
	if c.onPut != nil {
		if err := c.onPut(c.tc, call, records); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range records {
		c.puts = append(c.puts, r.Offset)
	}
	return nil
}

func (c *contextTask) Flush(context.Context, map[connectors.TopicPartition]int64) error { return nil }
func (c *contextTask) Stop() error                                                      { return nil }

func (c *contextTask) put() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.puts)
}

func (c *contextTask) log(e string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
}

func (c *contextTask) eventLog() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// openingTask is a contextTask with OpenPartitions and ClosePartitions.
type openingTask struct{ *contextTask }

func (o openingTask) OpenPartitions(_ context.Context, tps []connectors.TopicPartition) error {
	o.log("open " + tpList(tps))
	if o.onOpen != nil {
		o.onOpen(o.tc, tps)
	}
	return nil
}

func (o openingTask) ClosePartitions(_ context.Context, tps []connectors.TopicPartition) error {
	o.log("close " + tpList(tps))
	return nil
}

// preCommitTask is a contextTask with PreCommit.
type preCommitTask struct{ *contextTask }

func (p preCommitTask) PreCommit(_ context.Context, positions map[connectors.TopicPartition]int64) (map[connectors.TopicPartition]int64, error) {
	return p.preCommit(positions), nil
}

func tpList(tps []connectors.TopicPartition) string {
	var s []string
	for _, tp := range tps {
		s = append(s, tp.Topic+"-"+string(rune('0'+tp.Partition)))
	}
	return strings.Join(s, ",")
}

func newContextSink(t *testing.T, c *kfake.Cluster, task connectors.SinkTask) *Sink {
	return &Sink{
		Task:          task,
		Props:         map[string]string{"topics": "t"},
		Key:           jsonConverter(t, nil, true),
		Value:         jsonConverter(t, nil, false),
		Header:        headerConverter(t, converters.SimpleHeaderClass, nil),
		Consumer:      newConsumer(t, c, "conn"),
		Topics:        []string{"t"},
		FlushInterval: time.Hour, // a commit or a retry that waits for the interval never comes
		Logger:        testLogger(t),
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

var tp0 = connectors.TopicPartition{Topic: "t", Partition: 0}

// Seek: asked for in OpenPartitions, the first records put start there and that offset is
// committed; asked for in Put, the records from there are put again. Without the seek, the
// puts would start at 0 and never repeat.
func TestSinkTaskSeek(t *testing.T) {
	vals := numbered("v", 0, 6)
	t.Run("in OpenPartitions", func(t *testing.T) {
		c := newCluster(t)
		adm := newAdmin(t, c)
		produce(t, c, "t", envelopes(vals...)...)
		task := &contextTask{onOpen: func(tc connectors.SinkTaskContext, tps []connectors.TopicPartition) {
			tc.Seek(tp0, 3)
		}}
		sink := newContextSink(t, c, openingTask{task})
		r := start(t, sink.Run)
		wait.For(t, testTimeout, "records put", func() bool { return len(task.put()) >= 3 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		if got := task.put(); !slices.Equal(got, []int64{3, 4, 5}) {
			t.Errorf("put offsets %v, want 3, 4, 5 (seeked to 3 on open)", got)
		}
		if at, ok := committed(t, adm, "connect-conn", "t"); !ok || at != 6 {
			t.Errorf("committed %d (%v), want 6", at, ok)
		}
		if got := task.eventLog(); !slices.Equal(got, []string{"open t-0", "close t-0"}) {
			t.Errorf("open/close calls %q, want one open then one close", got)
		}
	})
	t.Run("in Put", func(t *testing.T) {
		c := newCluster(t)
		produce(t, c, "t", envelopes(vals...)...)
		var once sync.Once
		task := &contextTask{onPut: func(tc connectors.SinkTaskContext, _ int, records []connectors.SinkRecord) error {
			if records[len(records)-1].Offset == 5 {
				once.Do(func() { tc.Seek(tp0, 1) })
			}
			return nil
		}}
		sink := newContextSink(t, c, task)
		r := start(t, sink.Run)
		wait.For(t, testTimeout, "records put again from offset 1", func() bool { return len(task.put()) >= 11 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		got := task.put()
		if !slices.Equal(got[len(got)-5:], []int64{1, 2, 3, 4, 5}) || !slices.Equal(got[:6], offsetRange(0, 6)) {
			t.Errorf("put offsets %v, want 0…5 then 1…5 again", got)
		}
	})
}

// Pause and Resume from the task hold back its partition's records until it resumes, even
// though they are fetched; the runtime's own Resume leaves the task's pause in place.
func TestSinkTaskPauseResume(t *testing.T) {
	c := newCluster(t)
	produce(t, c, "t", envelopes("a")...)
	task := &contextTask{onPut: func(tc connectors.SinkTaskContext, call int, _ []connectors.SinkRecord) error {
		if call == 1 {
			tc.Pause(tp0)
		}
		return nil
	}}
	sink := newContextSink(t, c, task)
	r := start(t, sink.Run)
	wait.For(t, testTimeout, "the first record put", func() bool { return len(task.put()) == 1 })
	produce(t, c, "t", envelopes("b", "c")...)
	sink.Pause()
	sink.Resume()
	wait.Holds(t, quietWindow, "nothing put while the task paused its partition", func() bool { return len(task.put()) == 1 })
	task.tc.Resume(tp0)
	wait.For(t, testTimeout, "the rest put after the task resumed", func() bool { return len(task.put()) == 3 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
}

// RequestCommit commits without waiting for offset.flush.interval.ms (an hour here).
func TestSinkTaskRequestCommit(t *testing.T) {
	c := newCluster(t)
	adm := newAdmin(t, c)
	produce(t, c, "t", envelopes("a", "b")...)
	task := &contextTask{onPut: func(tc connectors.SinkTaskContext, _ int, _ []connectors.SinkRecord) error {
		tc.RequestCommit()
		return nil
	}}
	sink := newContextSink(t, c, task)
	r := start(t, sink.Run)
	wait.For(t, testTimeout, "offsets committed on request", func() bool {
		at, ok := committed(t, adm, "connect-conn", "t")
		return ok && at == 2
	})
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
}

// A Put that returns a Retriable error is handed the same batch again after RetryAfter; the
// task is not failed. Without RetryAfter the retry waits for the next commit, an hour away.
func TestSinkTaskRetryAfter(t *testing.T) {
	c := newCluster(t)
	produce(t, c, "t", envelopes("a", "b")...)
	var mu sync.Mutex
	var seen [][]int64
	task := &contextTask{onPut: func(tc connectors.SinkTaskContext, call int, records []connectors.SinkRecord) error {
		var offs []int64
		for _, r := range records {
			offs = append(offs, r.Offset)
		}
		mu.Lock()
		seen = append(seen, offs)
		mu.Unlock()
		if call <= 2 {
			tc.RetryAfter(10 * time.Millisecond)
			return connectors.Retriable(errors.New("the store is busy"))
		}
		return nil
	}}
	sink := newContextSink(t, c, task)
	sink.MaxBatch = 2
	r := start(t, sink.Run)
	wait.For(t, testTimeout, "records put after two retries", func() bool { return len(task.put()) == 2 })
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v, want the retriable failures retried", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < 3; i++ {
		if !slices.Equal(seen[i], seen[0]) {
			t.Errorf("put %d was handed %v, want the failed batch %v again", i+1, seen[i], seen[0])
		}
	}
}

// PreCommit's answer is what is committed: lower than the position it is handed, and an
// unassigned partition in it is ignored.
func TestSinkTaskPreCommit(t *testing.T) {
	c := newCluster(t)
	adm := newAdmin(t, c)
	produce(t, c, "t", envelopes(numbered("v", 0, 5)...)...)
	var mu sync.Mutex
	var handed []map[connectors.TopicPartition]int64
	task := &contextTask{onPut: func(tc connectors.SinkTaskContext, _ int, _ []connectors.SinkRecord) error {
		tc.RequestCommit()
		return nil
	}}
	task.preCommit = func(positions map[connectors.TopicPartition]int64) map[connectors.TopicPartition]int64 {
		mu.Lock()
		handed = append(handed, maps.Clone(positions))
		mu.Unlock()
		return map[connectors.TopicPartition]int64{tp0: positions[tp0] - 2, {Topic: "other", Partition: 0}: 1}
	}
	sink := newContextSink(t, c, preCommitTask{task})
	r := start(t, sink.Run)
	wait.For(t, testTimeout, "the task's offset committed", func() bool {
		at, ok := committed(t, adm, "connect-conn", "t")
		return ok && at == 3
	})
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if at, _ := committed(t, adm, "connect-conn", "t"); at != 3 {
		t.Errorf("committed %d after stop, want the task's 3", at)
	}
	if at, ok := committed(t, adm, "connect-conn", "other"); ok {
		t.Errorf("committed %d for a partition not assigned", at)
	}
	mu.Lock()
	defer mu.Unlock()
	if last := handed[len(handed)-1]; last[tp0] != 5 {
		t.Errorf("PreCommit handed %v, want the position 5", last)
	}
}

// A record the task reports through ErrantRecords reaches the dead letter queue, converted
// back with the task's converters and with stage TASK_PUT in its context headers, before
// Report's channel answers; under errors.tolerance=none the report fails the task. Without a
// dead letter queue or error logging there is no reporter, as in Kafka Connect.
func TestSinkTaskErrantRecordReporter(t *testing.T) {
	tests := []struct {
		name     string
		tolerate bool
		dlq      string
		log      bool
	}{
		{"tolerance all, DLQ", true, "dlq", false},
		{"tolerance none, DLQ", false, "dlq", false},
		{"tolerance all, log only", true, "", true},
		{"no DLQ, no log", true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			produce(t, c, "t", kv{key: []byte(`"k"`), value: []byte(stringEnvelope("bad"))})
			reported := make(chan error, 1)
			var hadReporter bool
			task := &contextTask{onPut: func(tc connectors.SinkTaskContext, call int, records []connectors.SinkRecord) error {
				rep := tc.ErrantRecords()
				hadReporter = rep != nil
				if rep != nil && call == 1 {
					reported <- <-rep.Report(records[0], errors.New("the store refused it"))
				}
				return nil
			}}
			sink := newContextSink(t, c, task)
			sink.Key = jsonConverter(t, map[string]string{"schemas.enable": "false"}, true)
			sink.Errors = &ErrorHandling{Tolerate: tt.tolerate, Log: tt.log, Connector: "conn", ContextHeaders: true, Logger: testLogger(t)}
			if tt.dlq != "" {
				k := dlqClients(t, c)
				if err := k.EnsureDLQTopic(tt.dlq, 1, nil); err != nil {
					t.Fatal(err)
				}
				p, err := k.DLQProducer("conn", 0, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = p.Close() })
				sink.Errors.DLQ, sink.Errors.DLQTopic = p, tt.dlq
			}
			r := start(t, sink.Run)
			if tt.dlq == "" && !tt.log {
				wait.For(t, testTimeout, "the record put", func() bool { return len(task.put()) == 1 })
				if err := r.stop(t); err != nil {
					t.Fatal(err)
				}
				if hadReporter {
					t.Error("ErrantRecords is not nil without a dead letter queue or error logging")
				}
				return
			}
			var rerr error
			select {
			case rerr = <-reported:
			case <-time.After(testTimeout):
				t.Fatal("no report")
			}
			if tt.tolerate {
				if rerr != nil {
					t.Fatalf("Report = %v, want nil", rerr)
				}
				wait.For(t, testTimeout, "the record put", func() bool { return len(task.put()) == 1 })
				if err := r.stop(t); err != nil {
					t.Fatal(err)
				}
			} else {
				if rerr == nil || !strings.Contains(rerr.Error(), "Tolerance exceeded in error handler") {
					t.Errorf("Report = %v, want the tolerance exceeded", rerr)
				}
				if err := r.wait(t); err == nil || !strings.Contains(err.Error(), "the store refused it") {
					t.Errorf("Run = %v, want the task failed by the report", err)
				}
			}
			if tt.dlq == "" {
				return
			}
			recs := readTopic(t, c, tt.dlq)
			if len(recs) != 1 {
				t.Fatalf("%d records in the DLQ, want 1", len(recs))
			}
			h := headerMap(recs[0].Headers)
			if string(recs[0].Key) != `"k"` || string(recs[0].Value) != stringEnvelope("bad") || h[HeaderErrorStage] != "TASK_PUT" ||
				h[HeaderErrorClass] != "org.apache.kafka.connect.sink.SinkTask" || h[HeaderErrorMessage] != "the store refused it" || h[HeaderErrorOffset] != "0" {
				t.Errorf("DLQ record %s = %s, headers %v", recs[0].Key, recs[0].Value, h)
			}
		})
	}
}
