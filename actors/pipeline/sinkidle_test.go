package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/wait"
)

// emptyPutSink counts the Puts without records a real sink task gets; once failEmpty is set,
// an empty Put returns errEmptyPut.
type emptyPutSink struct {
	*recordingSink
	empty     atomic.Int64
	failEmpty atomic.Bool
}

var errEmptyPut = errors.New("empty put refused on purpose")

func (s *emptyPutSink) Put(ctx context.Context, records []connectors.SinkRecord) error {
	if len(records) == 0 {
		s.empty.Add(1)
		if s.failEmpty.Load() {
			return errEmptyPut
		}
	}
	return s.recordingSink.Put(ctx, records)
}

// A sink task's Put is called with no records after each poll cycle (a flush interval) that
// fetched nothing, as Kafka Connect's WorkerSinkTask does after an empty consumer poll:
// sinks that act on time (a scheduled rotation, MockSinkTask's failure) depend on it. The
// calls go on while the task is paused (Kafka Connect keeps polling a paused consumer), and
// an empty Put's failure fails the task as any Put's does.
func TestSinkIdlePut(t *testing.T) {
	tests := []struct {
		name  string
		pause bool // the task is paused once records were put
		fail  bool // the empty Puts after the records fail
	}{
		{"idle", false, false},
		{"paused", true, false},
		{"empty put fails", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			path := filepath.Join(t.TempDir(), "out.txt")
			sink, rec := newFileSink(t, c, "conn", "t", path)
			task := &emptyPutSink{recordingSink: rec}
			sink.Task = task
			sink.FlushInterval = 50 * time.Millisecond
			r := start(t, sink.Run)
			wait.For(t, testTimeout, "empty puts before any record", func() bool { return task.empty.Load() >= 3 })

			vals := numbered("v", 1, 3)
			produce(t, c, "t", envelopes(vals...)...)
			wait.For(t, testTimeout, "the records put", func() bool { return len(rec.put()) == len(vals) })
			if tt.pause {
				sink.Pause()
			}
			task.failEmpty.Store(tt.fail)
			after := task.empty.Load()
			if tt.fail {
				err := r.wait(t)
				if !errors.Is(err, errEmptyPut) || !strings.Contains(err.Error(), "put 0 records") {
					t.Fatalf("Run = %v, want the empty put's error", err)
				}
				return
			}
			wait.For(t, testTimeout, "empty puts after the records", func() bool { return task.empty.Load() >= after+3 })
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v, want nil after cancel", err)
			}
			if got, want := rec.put(), offsetRange(0, len(vals)); !slices.Equal(got, want) {
				t.Errorf("put offsets %v, want %v", got, want)
			}
			if got := linesOf(t, path); !slices.Equal(got, vals) {
				t.Errorf("sink file = %q, want %q", got, vals)
			}
		})
	}
}
