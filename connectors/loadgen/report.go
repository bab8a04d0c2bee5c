package loadgen

import (
	"log/slog"
	"sync"
	"time"
)

// reporter logs one task's summary at Info every interval (only when something moved since
// the last one) and when the task stops. It keeps its own count, so ResetCounts does not
// disturb the rates it logs. tick and final may be called from different goroutines.
type reporter struct {
	log   *slog.Logger
	msg   string
	every time.Duration // 0: only final
	count counter       // since the task started

	mu       sync.Mutex
	started  time.Time
	last     time.Time
	lastSeen Count
	done     bool
}

func newReporter(log *slog.Logger, msg string, every time.Duration, now time.Time) *reporter {
	return &reporter{log: log, msg: msg, every: every, started: now, last: now}
}

// tick logs a summary if the interval has passed and the count moved.
func (r *reporter) tick(now time.Time, extra ...any) {
	if r.every <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done || now.Sub(r.last) < r.every {
		return
	}
	c := r.count.load()
	if c == r.lastSeen {
		r.last = now // nothing moved: an idle task writes nothing
		return
	}
	r.emit(r.msg, now.Sub(r.last), Count{Records: c.Records - r.lastSeen.Records, Bytes: c.Bytes - r.lastSeen.Bytes}, c, extra)
	r.last, r.lastSeen = now, c
}

// final logs the task's totals once, with its average rates since it started.
func (r *reporter) final(now time.Time, extra ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.done = true
	c := r.count.load()
	r.emit(r.msg+" (task stopped)", now.Sub(r.started), c, c, extra)
}

func (r *reporter) emit(msg string, window time.Duration, moved, total Count, extra []any) {
	secs := max(window.Seconds(), 1e-9)
	args := append([]any{
		"records", total.Records,
		"bytes", total.Bytes,
		"records_per_sec", int64(float64(moved.Records) / secs),
		"mb_per_sec", float64(int64(float64(moved.Bytes)/secs/1e6*100)) / 100,
		"window", window.Round(time.Millisecond).String(),
	}, extra...)
	r.log.Info(msg, args...)
}
