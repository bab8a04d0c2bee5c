package api

import (
	"fmt"
	"sync"
	"time"
)

// Health is the outcome of a health check (spec §3.2).
type Health struct {
	// Ready is set once the worker completed its startup.
	Ready bool
	// Pending, when the probe did not answer in time, is what it was waiting on, as Kafka
	// Connect's stage summary ("The worker is currently …, which began at …."); "" when the
	// worker answered.
	Pending string
}

// Stage is what a worker is doing now, as Kafka Connect records it for its timeout messages
// and GET /health (spec §1.3). The zero value has no stage. It is safe for concurrent use.
type Stage struct {
	mu    sync.Mutex
	what  string
	began time.Time
}

// Enter records that the worker has started doing what ("reading the config topic to its end").
func (s *Stage) Enter(what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.what, s.began = what, time.Now()
}

// Summary is Kafka Connect's Stage.summarize() of the running stage: "The worker is currently
// <what>, which began at <instant>.", or "" before the first Enter.
func (s *Stage) Summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.what == "" {
		return ""
	}
	return fmt.Sprintf("The worker is currently %s, which began at %s.", s.what, s.began.UTC().Format("2006-01-02T15:04:05.000Z"))
}
