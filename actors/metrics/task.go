package metrics

import (
	"sync"
	"sync/atomic"
	"time"
)

// Kind says which of source-task-metrics and sink-task-metrics a task has.
type Kind int32

// The task kinds.
const (
	UnknownKind Kind = iota // not built yet: only connector-task-metrics and task-error-metrics
	SourceKind
	SinkKind
)

// Task is the metrics of one task running on this worker: connector-task-metrics, its
// kind's source-task-metrics or sink-task-metrics, and task-error-metrics. Its pipeline
// reports once per batch; the methods are safe for concurrent use.
type Task struct {
	m               *Metrics
	connector, task string
	kind            atomic.Int32

	mu              sync.Mutex // guards the state fields
	stateName       string
	since, created  time.Time
	runTime, paused time.Duration // spent in closed running and paused spells

	pollTotal, writeTotal, readTotal, sendTotal atomic.Int64
	pollRate, writeRate, readRate, sendRate     *sampled
	batchTime                                   *sampled // poll (source) or put (sink) batch time, ms
	batchSize                                   *sampled
	commitTime, commitOK, commitRate            *sampled
	commitSeq, commitCompleted                  atomic.Int64
	active                                      atomic.Int64
	activeStat                                  *sampled
	partitions                                  atomic.Int64

	failures, errs, skipped, retries atomic.Int64
	logged, dlqRequests, dlqFailures atomic.Int64
	lastErrorUnixMilli               atomic.Int64
}

// SetKind says whether the task is a source or a sink, once its plugin is known.
func (t *Task) SetKind(k Kind) { t.kind.Store(int32(k)) }

// SetState records the task's state, as Kafka Connect names it in any case.
func (t *Task) SetState(state string) {
	now := t.m.cfg.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closeSpell(now)
	t.stateName, t.since = sanitize(state), now
}

// closeSpell adds the time since the last state change to the state's total; callers hold mu.
func (t *Task) closeSpell(now time.Time) {
	switch t.stateName {
	case running:
		t.runTime += now.Sub(t.since)
	case paused:
		t.paused += now.Sub(t.since)
	}
	t.since = now
}

// ratios returns the state and the shares of the task's life spent running and paused.
func (t *Task) ratios(now time.Time) (state string, run, pause float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closeSpell(now)
	life := now.Sub(t.created)
	if life <= 0 {
		return t.stateName, 0, 0
	}
	return t.stateName, t.runTime.Seconds() / life.Seconds(), t.paused.Seconds() / life.Seconds()
}

func (t *Task) batch(now time.Time, records int, took time.Duration) {
	t.batchTime.record(now, float64(took)/float64(time.Millisecond))
	t.batchSize.record(now, float64(records))
}

// Polled records a source poll that returned records (before transformation) in took.
func (t *Task) Polled(records int, took time.Duration) {
	now := t.m.cfg.Now()
	t.pollTotal.Add(int64(records))
	t.pollRate.record(now, float64(records))
	t.batch(now, records, took)
}

// Written records source records, after transformation, acknowledged by Kafka.
func (t *Task) Written(records int) {
	t.writeTotal.Add(int64(records))
	t.writeRate.record(t.m.cfg.Now(), float64(records))
}

// Read records sink records read from Kafka (before transformation).
func (t *Task) Read(records int) {
	t.readTotal.Add(int64(records))
	t.readRate.record(t.m.cfg.Now(), float64(records))
}

// Put records sink records, after transformation, the task's put accepted in took.
func (t *Task) Put(records int, took time.Duration) {
	now := t.m.cfg.Now()
	t.sendTotal.Add(int64(records))
	t.sendRate.record(now, float64(records))
	t.batch(now, records, took)
}

// Active sets how many records are in flight: polled and not yet acknowledged by Kafka
// (source), or read and not yet committed after the task's flush (sink).
func (t *Task) Active(records int) {
	t.active.Store(int64(records))
	t.activeStat.record(t.m.cfg.Now(), float64(records))
}

// Assigned sets how many partitions a sink task has.
func (t *Task) Assigned(partitions int) { t.partitions.Store(int64(partitions)) }

// OffsetsCommitted records an offset commit that took took and ended with err (nil: done).
func (t *Task) OffsetsCommitted(took time.Duration, err error) {
	now := t.m.cfg.Now()
	t.commitSeq.Add(1)
	t.commitTime.record(now, float64(took)/float64(time.Millisecond))
	if err != nil {
		t.commitOK.record(now, 0)
		return
	}
	t.commitOK.record(now, 1)
	t.commitCompleted.Add(1)
	t.commitRate.record(now, 1)
}

// Retried records an operation retried after a retriable failure.
func (t *Task) Retried() { t.retries.Add(1) }

// RecordFailed records a record whose processing failed (conversion, transformation,
// produce or put); skipped means it was tolerated and dropped (errors.tolerance=all).
func (t *Task) RecordFailed(skipped bool) {
	t.failures.Add(1)
	t.errs.Add(1)
	if skipped {
		t.skipped.Add(1)
	}
	t.lastErrorUnixMilli.Store(t.m.cfg.Now().UnixMilli())
}

// ErrorLogged records a failure logged under errors.log.enable.
func (t *Task) ErrorLogged() { t.logged.Add(1) }

// DeadLetterProduced records a write to the dead letter queue that ended with err (nil: done).
func (t *Task) DeadLetterProduced(err error) {
	t.dlqRequests.Add(1)
	if err != nil {
		t.dlqFailures.Add(1)
	}
}
