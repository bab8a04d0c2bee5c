// Package wait is the condition wait every test of connectd uses: poll a condition until it
// holds, with a deadline, and fail the test with what was awaited. Tests synchronise on
// conditions, never on sleeps; speed is the benchmarks' business, so a deadline here is a
// bound on a hang, not an assertion on time.
//
// It imports only the standard library, and only tests import it.
package wait

import (
	"testing"
	"time"
)

// pollEvery bounds the pause between two checks; the first checks come sooner, so a
// condition that holds at once costs little.
const pollEvery = 20 * time.Millisecond

// For polls cond until it holds, and fails tb if timeout passes first.
func For(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	ForNil(tb, timeout, what, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	})
}

// ForNil polls cond until it returns nil, and fails tb with cond's last error if timeout
// passes first.
func ForNil(tb testing.TB, timeout time.Duration, what string, cond func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			if err == errNotYet {
				tb.Fatalf("timed out after %v waiting for %s", timeout, what)
			}
			tb.Fatalf("timed out after %v waiting for %s: %v", timeout, what, err)
		}
		time.Sleep(pause)
		pause = min(2*pause, pollEvery)
	}
}

// Holds checks that cond stays true for the whole window: the bounded watch for something
// that must not happen.
func Holds(tb testing.TB, window time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(window)
	for time.Now().Before(deadline) {
		if !cond() {
			tb.Fatalf("%s: broken within %v", what, window)
		}
		time.Sleep(pollEvery)
	}
}

// errNotYet is For's condition not holding yet.
var errNotYet = notYet{}

type notYet struct{}

func (notYet) Error() string { return "condition not met" }
