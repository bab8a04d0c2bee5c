package pipeline

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/wait"
)

// aheadTask is a contextTask that takes its batches as a Java task in the plugin host does
// (connectors.PutStarter): one goroutine puts them in the order they were sent; a batch sent
// ahead is skipped when the put before it failed, asked something of the context or was
// skipped itself; what a put asked of the context reaches the runtime when its wait returns.
// A put starts only once the runtime waits for it, so the runtime has sent the batch after it
// ahead by then, if it had one.
type aheadTask struct {
	*contextTask
	calls chan *aheadCall
	done  chan struct{}

	mu     sync.Mutex
	asks   []func(connectors.SinkTaskContext) // what the running put asked, applied when it is answered
	aheads atomic.Int64                       // batches sent ahead
	skips  atomic.Int64                       // batches skipped
}

type aheadCall struct {
	records []connectors.SinkRecord
	ahead   bool
	waiting chan struct{} // closed when the runtime waits for the answer
	answer  chan aheadAnswer
}

type aheadAnswer struct {
	skipped bool
	err     error
	asks    []func(connectors.SinkTaskContext)
}

var _ connectors.PutStarter = (*aheadTask)(nil)

func newAheadTask(c *contextTask) *aheadTask {
	return &aheadTask{contextTask: c, calls: make(chan *aheadCall, 4), done: make(chan struct{})}
}

func (a *aheadTask) Start(tc connectors.SinkTaskContext, props map[string]string) error {
	if err := a.contextTask.Start(tc, props); err != nil {
		return err
	}
	a.contextTask.tc = askingContext{SinkTaskContext: tc, a: a} // the task's asks wait for its answer
	go a.run()
	return nil
}

func (a *aheadTask) run() {
	defer close(a.done)
	asked := false
	for call := range a.calls {
		<-call.waiting
		if call.ahead && asked {
			a.skips.Add(1)
			call.answer <- aheadAnswer{skipped: true}
			continue
		}
		err := a.contextTask.Put(context.Background(), call.records)
		a.mu.Lock()
		asks := a.asks
		a.asks = nil
		a.mu.Unlock()
		asked = err != nil || len(asks) > 0
		call.answer <- aheadAnswer{err: err, asks: asks}
	}
}

func (a *aheadTask) Stop() error {
	close(a.calls)
	<-a.done
	return nil
}

func (a *aheadTask) Put(ctx context.Context, records []connectors.SinkRecord) error {
	wait, err := a.StartPut(ctx, records, false)
	if err != nil {
		return err
	}
	_, err = wait(ctx)
	return err
}

func (a *aheadTask) StartPut(_ context.Context, records []connectors.SinkRecord, ahead bool) (func(context.Context) (bool, error), error) {
	if ahead {
		a.aheads.Add(1)
	}
	call := &aheadCall{records: slices.Clone(records), ahead: ahead, waiting: make(chan struct{}), answer: make(chan aheadAnswer, 1)}
	a.calls <- call
	return func(ctx context.Context) (bool, error) {
		close(call.waiting)
		select {
		case r := <-call.answer:
			for _, ask := range r.asks {
				ask(a.tcOf())
			}
			return r.skipped, r.err
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}, nil
}

// tcOf is the runtime's own context, which the asks are applied to.
func (a *aheadTask) tcOf() connectors.SinkTaskContext {
	return a.contextTask.tc.(askingContext).SinkTaskContext
}

// askingContext holds what the task asks during a put until the put is answered.
type askingContext struct {
	connectors.SinkTaskContext
	a *aheadTask
}

func (c askingContext) ask(f func(connectors.SinkTaskContext)) {
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	c.a.asks = append(c.a.asks, f)
}

func (c askingContext) Seek(tp connectors.TopicPartition, offset int64) {
	c.ask(func(tc connectors.SinkTaskContext) { tc.Seek(tp, offset) })
}
func (c askingContext) Pause(tps ...connectors.TopicPartition) {
	c.ask(func(tc connectors.SinkTaskContext) { tc.Pause(tps...) })
}
func (c askingContext) Resume(tps ...connectors.TopicPartition) {
	c.ask(func(tc connectors.SinkTaskContext) { tc.Resume(tps...) })
}
func (c askingContext) RequestCommit() {
	c.ask(func(tc connectors.SinkTaskContext) { tc.RequestCommit() })
}
func (c askingContext) RetryAfter(d time.Duration) {
	c.ask(func(tc connectors.SinkTaskContext) { tc.RetryAfter(d) })
}

// A task that takes batches ahead (a Java task in the plugin host) is sent the next batch
// while it puts the current one, and still sees Kafka Connect's order: after a put that asks
// something of the context or fails, the batch sent behind it is skipped and given back, and
// the runtime acts first. Every record is put once and in order, except as the task's own
// seek or retry asks; a batch behind a failed put is never put. Without the batches sent ahead
// (aheads 0) or without the give-back, these sequences differ.
func TestSinkPutsAheadInKafkaConnectOrder(t *testing.T) {
	const n = 40
	all := offsetRange(0, n)
	tests := []struct {
		name string
		// onPut acts at the put whose records end at offset 9.
		onPut     func(tc connectors.SinkTaskContext) error
		want      []int64
		failed    bool
		resume    bool // the task paused its partition: resume it once nothing more is put
		committed bool // the task requested a commit: offset 10 is committed
	}{
		{name: "nothing asked", want: all},
		{name: "seek", onPut: func(tc connectors.SinkTaskContext) error { tc.Seek(tp0, 3); return nil },
			want: append(offsetRange(0, 10), offsetRange(3, n)...)},
		{name: "pause", onPut: func(tc connectors.SinkTaskContext) error { tc.Pause(tp0); return nil },
			want: all, resume: true},
		{name: "request commit", onPut: func(tc connectors.SinkTaskContext) error { tc.RequestCommit(); return nil },
			want: all, committed: true},
		{name: "retriable failure", onPut: func(tc connectors.SinkTaskContext) error {
			tc.RetryAfter(time.Millisecond)
			return connectors.Retriable(errors.New("the store is busy"))
		}, want: all},
		{name: "failure", onPut: func(connectors.SinkTaskContext) error { return errors.New("the store is gone") },
			want: offsetRange(0, 8), failed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			produce(t, c, "t", envelopes(numbered("v", 0, n)...)...)
			var acted atomic.Bool
			inner := &contextTask{onPut: func(ctx connectors.SinkTaskContext, _ int, records []connectors.SinkRecord) error {
				if tc.onPut != nil && records[len(records)-1].Offset == 9 && !acted.Swap(true) {
					return tc.onPut(ctx)
				}
				return nil
			}}
			task := newAheadTask(inner)
			sink := newContextSink(t, c, task)
			sink.MaxBatch = 2
			r := start(t, sink.Run)
			if tc.failed {
				wait.For(t, testTimeout, "the task failed", func() bool { return sink.failed() != nil })
			} else {
				if tc.resume {
					wait.For(t, testTimeout, "the put that paused", func() bool { return len(inner.put()) >= 10 })
					wait.Holds(t, quietWindow/3, "nothing more put while the task paused its partition", func() bool { return len(inner.put()) == 10 })
					task.tcOf().Resume(tp0)
				}
				wait.For(t, testTimeout, "every record put", func() bool { return len(inner.put()) >= len(tc.want) })
			}
			if tc.committed {
				wait.For(t, testTimeout, "the requested commit", func() bool {
					at, ok := committed(t, adm, "connect-conn", "t")
					return ok && at >= 10
				})
			}
			err := r.stop(t)
			if (err != nil) != tc.failed {
				t.Fatalf("Run = %v, want failed %v", err, tc.failed)
			}
			if got := inner.put(); !slices.Equal(got, tc.want) {
				t.Errorf("put offsets %v,\nwant %v", got, tc.want)
			}
			if task.aheads.Load() == 0 {
				t.Error("no batch was sent ahead")
			}
			wantSkips := int64(0)
			if tc.onPut != nil {
				wantSkips = 1
			}
			if got := task.skips.Load(); got != wantSkips {
				t.Errorf("%d batches skipped, want %d (the one behind the put that asked)", got, wantSkips)
			}
		})
	}
}
