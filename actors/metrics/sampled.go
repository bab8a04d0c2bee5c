package metrics

import (
	"math"
	"sync"
	"time"
)

// sampled is Kafka's SampledStat: a ring of samples, each covering one window; values older
// than all the samples are forgotten. One record call per batch; never per record.
type sampled struct {
	mu      sync.Mutex
	window  time.Duration
	samples []sample
	cur     int
}

type sample struct {
	start      time.Time
	count      int64
	sum, max   float64
	hasSamples bool
}

func newSampled(window time.Duration, n int, now time.Time) *sampled {
	s := &sampled{window: window, samples: make([]sample, n)}
	s.samples[0].start = now
	return s
}

// record adds one value.
func (s *sampled) record(now time.Time, v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.current(now)
	c.count++
	c.sum += v
	if !c.hasSamples || v > c.max {
		c.max = v
	}
	c.hasSamples = true
}

// current returns the sample now falls in, starting a new one when the current window has
// passed; callers hold mu.
func (s *sampled) current(now time.Time) *sample {
	c := &s.samples[s.cur]
	if now.Sub(c.start) >= s.window {
		s.cur = (s.cur + 1) % len(s.samples)
		c = &s.samples[s.cur]
		*c = sample{start: now}
	}
	return c
}

// live calls f with every sample not older than the ring's span, and returns the start of
// the oldest one.
func (s *sampled) live(now time.Time, f func(*sample)) time.Time {
	s.current(now)
	oldest := now
	span := s.window * time.Duration(len(s.samples))
	for i := range s.samples {
		smp := &s.samples[i]
		if smp.start.IsZero() {
			continue
		}
		if now.Sub(smp.start) >= span {
			*smp = sample{}
			continue
		}
		if smp.start.Before(oldest) {
			oldest = smp.start
		}
		f(smp)
	}
	return oldest
}

// avg is the mean of the values in the live samples; NaN without any (Kafka's Avg).
func (s *sampled) avg(now time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum float64
	var n int64
	s.live(now, func(smp *sample) { sum, n = sum+smp.sum, n+smp.count })
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// max is the largest value in the live samples; NaN without any (Kafka's Max).
func (s *sampled) max(now time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, seen := math.Inf(-1), false
	s.live(now, func(smp *sample) {
		if smp.hasSamples {
			m, seen = math.Max(m, smp.max), true
		}
	})
	if !seen {
		return math.NaN()
	}
	return m
}

// rate is the per-second sum of the values over the live samples; as Kafka's Rate, the
// elapsed time is at least all windows but one, so a young series does not spike.
func (s *sampled) rate(now time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum float64
	oldest := s.live(now, func(smp *sample) { sum += smp.sum })
	elapsed := now.Sub(oldest)
	if floor := s.window * time.Duration(len(s.samples)-1); elapsed < floor {
		elapsed = floor
	}
	if elapsed <= 0 {
		elapsed = s.window
	}
	return sum / elapsed.Seconds()
}

// frequency is the share of recorded values equal to 1 (Kafka's Frequencies over {0, 1});
// zero without any value.
func (s *sampled) frequency(now time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum float64
	var n int64
	s.live(now, func(smp *sample) { sum, n = sum+smp.sum, n+smp.count })
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
