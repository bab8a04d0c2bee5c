package main

import "runtime/debug"

// defaultGCPercent is the worker's GOGC when the environment does not set one. Go's default,
// 100, collects each time the heap doubles; a worker moving records allocates several hundred
// MB/s over a live heap of a few tens of MB, so at 100 it collected dozens of times a second and
// the collector (its marking, and the write barriers that run while it marks) was most of what
// kept one task below the ceiling client on the same broker (benchmarks/README.md, 2026-12-02,
// 23:00). At 400 the heap may grow to five times what is live before a collection: the idle
// footprint does not change (the heap of an idle worker is small), a busy worker holds more.
const defaultGCPercent = 400

// tuneGC sets the collector's target to defaultGCPercent unless GOGC is set, so an operator's
// GOGC (and GOMEMLIMIT, which the runtime reads itself) keep their meaning.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(defaultGCPercent)
}
