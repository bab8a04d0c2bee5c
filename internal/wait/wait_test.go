package wait

import (
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a testing.TB that records a failure and ends its goroutine, as Fatalf does,
// without failing the test.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = format
	for _, a := range args {
		r.failed += " " + errString(a)
	}
	runtime.Goexit()
}

func errString(a any) string {
	if e, ok := a.(error); ok {
		return e.Error()
	}
	if s, ok := a.(string); ok {
		return s
	}
	return ""
}

func TestWait(t *testing.T) {
	tests := []struct {
		name       string
		run        func(tb testing.TB)
		wantFailed string // part of the failure; "" for none
	}{
		{"holds at once", func(tb testing.TB) { For(tb, time.Second, "x", func() bool { return true }) }, ""},
		{"holds after a few polls", func(tb testing.TB) {
			var n atomic.Int32
			For(tb, 10*time.Second, "x", func() bool { return n.Add(1) > 3 })
		}, ""},
		{"never holds", func(tb testing.TB) { For(tb, 30*time.Millisecond, "the moon", func() bool { return false }) }, "the moon"},
		{"ForNil reports the last error", func(tb testing.TB) {
			ForNil(tb, 30*time.Millisecond, "x", func() error { return errors.New("still 3 records") })
		}, "still 3 records"},
		{"Holds", func(tb testing.TB) { Holds(tb, 30*time.Millisecond, "x", func() bool { return true }) }, ""},
		{"Holds broken", func(tb testing.TB) { Holds(tb, time.Second, "quiet", func() bool { return false }) }, "broken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				tt.run(r)
			}()
			<-done
			switch {
			case tt.wantFailed == "" && r.failed != "":
				t.Errorf("failed: %s", r.failed)
			case tt.wantFailed != "" && !strings.Contains(r.failed, tt.wantFailed):
				t.Errorf("failure %q, want one with %q", r.failed, tt.wantFailed)
			}
		})
	}
}
