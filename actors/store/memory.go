package store

import (
	"context"
	"errors"
	"sync"
)

// logBackend is what ConfigStore and StatusStore need from the record log under them: a
// Kafka topic (*Log) in distributed mode, process memory (*memoryLog) in standalone mode.
//
// Standalone swaps the log, not the stores, because everything the grains rely on lives in
// the stores' apply functions and snapshots: deferred task configs and their commits,
// inconsistent task sets, target states read state.v2 first, generation fencing of
// statuses, snapshots that share unchanged connectors, coalescing Subscribe. An in-memory
// ConfigStore written beside the Kafka one would have to repeat all of that and drift from
// it; behind this interface both modes run the same code on the same Kafka Connect records,
// and only where the records go differs.
type logBackend interface {
	Start(ctx context.Context) error
	Run(ctx context.Context) error
	Close() error
	ReadToEnd(ctx context.Context) error
	Write(ctx context.Context, recs ...Record) error
	WriteAsync(recs []Record, done func(error))
	Flush(ctx context.Context) error
}

var (
	_ logBackend = (*Log)(nil)
	_ logBackend = (*memoryLog)(nil)
)

// NewMemoryConfigStore returns a ConfigStore whose records live only in this process, for
// standalone mode (spec §5: connector configs are in memory and re-created from the
// command-line files at every start). It behaves as a Kafka-backed ConfigStore does: Start
// before the first write, writes visible in Snapshot when they return, Subscribe notified
// after each write, Version the offset of the last record.
func NewMemoryConfigStore(opts ...Option) *ConfigStore {
	s := newConfigStore("memory", buildOptions(opts))
	s.log = newMemoryLog(s.apply)
	return s
}

// NewMemoryStatusStore returns a StatusStore whose records live only in this process, for
// standalone mode (spec §5: status is in memory). It behaves as a Kafka-backed StatusStore
// does, generation fencing included; asynchronous writes are applied before they return.
func NewMemoryStatusStore(opts ...Option) *StatusStore {
	s := newStatusStore("memory", buildOptions(opts))
	s.log = newMemoryLog(s.apply)
	return s
}

// memoryLog is a logBackend that keeps no records: a write hands its records to apply at
// once, in call order, and returns, so it is visible to reads on return as a Log write is.
// Offsets count the records written, from 0, on one partition.
type memoryLog struct {
	apply     func(Record)
	done      chan struct{} // closed by Close
	closeOnce sync.Once

	mu      sync.Mutex // held across apply: records are applied one at a time, in offset order
	started bool
	closed  bool
	next    int64 // offset of the next record
}

func newMemoryLog(apply func(Record)) *memoryLog {
	return &memoryLog{apply: apply, done: make(chan struct{})}
}

// Start makes the log writable; it fails after Close or when already started.
func (l *memoryLog) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return ErrClosed
	case l.started:
		return ErrAlreadyStarted
	}
	l.started = true
	return nil
}

// Run starts the log, keeps it until ctx ends or Close, then closes it.
func (l *memoryLog) Run(ctx context.Context) error {
	if err := l.Start(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-l.done:
	}
	return l.Close()
}

// Close ends the log; later writes return ErrClosed. It is safe twice.
func (l *memoryLog) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

// ReadToEnd returns at once once started: every write was applied before it returned.
func (l *memoryLog) ReadToEnd(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.usable()
}

// usable is the error for a log that is not started or closed; l.mu is held.
func (l *memoryLog) usable() error {
	switch {
	case l.closed:
		return ErrClosed
	case !l.started:
		return ErrNotStarted
	}
	return nil
}

// Write applies recs in order and returns once all are applied; all or none are applied.
func (l *memoryLog) Write(ctx context.Context, recs ...Record) error {
	if len(recs) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, r := range recs {
		if len(r.Key) == 0 {
			return errors.New("store: record without key")
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	for _, r := range recs {
		l.apply(Record{Partition: 0, Offset: l.next, Key: r.Key, Value: r.Value})
		l.next++
	}
	return nil
}

// WriteAsync is Write without a context; done, when not nil, is called with the outcome
// before WriteAsync returns, which keeps asynchronous writes ordered with blocking ones.
func (l *memoryLog) WriteAsync(recs []Record, done func(error)) {
	err := l.Write(context.Background(), recs...)
	if done != nil {
		done(err)
	}
}

// Flush has nothing to wait for: every write is applied before it returns.
func (l *memoryLog) Flush(context.Context) error { return nil }
