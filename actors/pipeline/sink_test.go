package pipeline

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/converters"
	"github.com/connectd/connectd/internal/wait"
)

// Records reach the sink file; group connect-<name> commits an offset only after the task
// flushed it; a restarted sink on the same group starts after the committed records.
func TestSinkDeliversAndCommitsAfterFlush(t *testing.T) {
	tests := []struct {
		name          string
		first, second int
		flushInterval time.Duration
	}{
		{"flushed only when Run ends", 5, 3, time.Hour},
		{"flushed periodically", 30, 4, 50 * time.Millisecond},
	}
	tp := connectors.TopicPartition{Topic: "t", Partition: 0}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			path := filepath.Join(t.TempDir(), "out.txt")
			vals := numbered("v", 1, tt.first+tt.second)
			for run, bounds := range [][2]int{{0, tt.first}, {tt.first, len(vals)}} {
				from, end := bounds[0], bounds[1]
				produce(t, c, "t", envelopes(vals[from:end]...)...)
				sink, task := newFileSink(t, c, "conn", "t", path)
				sink.FlushInterval = tt.flushInterval
				r := start(t, sink.Run)
				wait.For(t, testTimeout, "records put", func() bool {
					put := task.put()
					return len(put) > 0 && put[len(put)-1] == int64(end-1)
				})
				// Every observed commit was flushed first: read the commit, then the flushes.
				commitFlushed := func() (int64, bool) {
					at, ok := committed(t, adm, "connect-conn", "t")
					if f := task.flushed(tp); ok && at > max(int64(from), f) {
						t.Fatalf("offset %d committed, but only %d flushed", at, max(int64(from), f))
					}
					return at, ok
				}
				if tt.flushInterval == time.Hour {
					at, ok := commitFlushed()
					if want := int64(from); ok != (from > 0) || (ok && at != want) {
						t.Errorf("committed %d (found %v) before any flush of this run, want %d", at, ok, want)
					}
				} else {
					wait.For(t, testTimeout, "periodic commit", func() bool {
						at, ok := commitFlushed()
						return ok && at == int64(end)
					})
					if got := linesOf(t, path); !slices.Equal(got, vals[:end]) {
						t.Errorf("sink file while running = %q, want %q", got, vals[:end])
					}
				}
				if err := r.stop(t); err != nil {
					t.Fatalf("run %d: Run = %v, want nil after cancel", run, err)
				}
				if at, ok := committed(t, adm, "connect-conn", "t"); !ok || at != int64(end) {
					t.Errorf("run %d: committed %d (found %v), want %d", run, at, ok, end)
				}
				if f := task.flushed(tp); f != int64(end) {
					t.Errorf("run %d: flushed up to %d, want %d", run, f, end)
				}
				if got, want := task.put(), offsetRange(from, end); !slices.Equal(got, want) {
					t.Errorf("run %d: put offsets %v, want %v", run, got, want)
				}
				if got := linesOf(t, path); !slices.Equal(got, vals[:end]) {
					t.Errorf("run %d: sink file = %q, want %q", run, got, vals[:end])
				}
			}
		})
	}
}

// A paused sink puts nothing; what arrived meanwhile is put after Resume.
func TestSinkPauseResume(t *testing.T) {
	tests := []struct {
		name      string
		beforeRun bool
	}{
		{"paused while running", false},
		{"paused before Run", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			path := filepath.Join(t.TempDir(), "out.txt")
			vals := numbered("v", 1, 7)
			sink, task := newFileSink(t, c, "conn", "t", path)
			sink.FlushInterval = time.Hour
			delivered := 0
			if tt.beforeRun {
				sink.Pause()
			}
			r := start(t, sink.Run)
			wait.For(t, testTimeout, "partition assigned", func() bool { return len(sink.Assignment()) == 1 })
			if !tt.beforeRun {
				produce(t, c, "t", envelopes(vals[:3]...)...)
				wait.For(t, testTimeout, "records put before the pause", func() bool { return len(task.put()) == 3 })
				delivered = 3
				sink.Pause()
			}
			produce(t, c, "t", envelopes(vals[delivered:]...)...)
			wait.Holds(t, quietWindow, "nothing put while paused", func() bool { return len(task.put()) == delivered })
			sink.Resume()
			wait.For(t, testTimeout, "records put after Resume", func() bool { return len(task.put()) == len(vals) })
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v, want nil after cancel", err)
			}
			if got, want := task.put(), offsetRange(0, len(vals)); !slices.Equal(got, want) {
				t.Errorf("put offsets %v, want %v", got, want)
			}
			if got := linesOf(t, path); !slices.Equal(got, vals) {
				t.Errorf("sink file = %q, want %q", got, vals)
			}
			if at, ok := committed(t, adm, "connect-conn", "t"); !ok || at != int64(len(vals)) {
				t.Errorf("committed %d (found %v), want %d", at, ok, len(vals))
			}
		})
	}
}

// A failing sink ends Run with an error saying where; nothing unflushed is committed.
func TestSinkFailure(t *testing.T) {
	tests := []struct {
		name       string
		file       string // the sink file, under the test's directory
		valueProps map[string]string
		records    []kv
		wantErr    error
		wantAt     string // the topic-partition@offset the error names; "" for none
	}{
		{name: "file cannot be created", file: "missing/out.txt", records: envelopes("a"),
			wantErr: fs.ErrNotExist},
		{name: "value is plain JSON with schemas enabled", records: append(envelopes("a", "b"), kv{value: []byte(`{"a":1}`)}),
			wantErr: converters.ErrData, wantAt: "orders-0@2"},
		{name: "key is plain JSON with schemas enabled",
			records: []kv{{key: []byte(`{"id":1}`), value: []byte(stringEnvelope("a"))}},
			wantErr: converters.ErrData, wantAt: "orders-0@0"},
		{name: "value is not JSON", valueProps: map[string]string{converters.SchemasEnableKey: "false"},
			records: []kv{{value: []byte(`{"a":1}`)}, {value: []byte("not json")}},
			wantErr: converters.ErrData, wantAt: "orders-0@1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, "orders")
			adm := newAdmin(t, c)
			file := tt.file
			if file == "" {
				file = "out.txt"
			}
			sink, task := newFileSink(t, c, "conn", "orders", filepath.Join(t.TempDir(), file))
			sink.FlushInterval = time.Hour
			sink.Value = jsonConverter(t, tt.valueProps, false)
			produce(t, c, "orders", tt.records...)

			err := start(t, sink.Run).wait(t)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Run = %v, want an error wrapping %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantAt) {
				t.Errorf("Run = %v, want it to name %s", err, tt.wantAt)
			}
			// Records of an earlier batch may have been put; the bad record and anything
			// after it never are.
			failedAt := int64(0)
			if i := strings.LastIndexByte(tt.wantAt, '@'); i >= 0 {
				failedAt, _ = strconv.ParseInt(tt.wantAt[i+1:], 10, 64)
			}
			for _, o := range task.put() {
				if o >= failedAt {
					t.Errorf("put offset %d, at or after the failing record %s", o, tt.wantAt)
				}
			}
			if at, ok := committed(t, adm, "connect-conn", "orders"); ok {
				t.Errorf("committed %d after a failure, want nothing", at)
			}
		})
	}
}

func offsetRange(from, end int) []int64 {
	out := make([]int64, 0, end-from)
	for o := from; o < end; o++ {
		out = append(out, int64(o))
	}
	return out
}
