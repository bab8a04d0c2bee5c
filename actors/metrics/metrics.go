package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config configures Metrics. Zero values are documented per field.
type Config struct {
	// SampleWindow is metrics.sample.window.ms, the window of one sample of a windowed
	// statistic; zero means 30 s, Kafka's default.
	SampleWindow time.Duration
	// Samples is metrics.num.samples, how many windows a statistic keeps; zero means 2.
	Samples int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Metrics is one worker's metrics. Its methods are safe for concurrent use; a nil *Metrics
// is not usable: make one with New.
type Metrics struct {
	cfg Config
	reg *prometheus.Registry

	mu         sync.Mutex
	connectors map[string]*Connector
	tasks      map[taskKey]*Task

	connectorStartups, taskStartups startups
	rebalance                       rebalances
}

// rebalances is the worker's group rebalances (connect-worker-rebalance-metrics); none are
// exported until the first starts, so a standalone worker, which has no group, has none, as
// in Kafka Connect.
type rebalances struct {
	seen, rebalancing                    atomic.Bool
	epoch, completed, lastCompletedMilli atomic.Int64
	times                                *sampled // ms
}

type taskKey struct {
	connector string
	task      int32
}

// startups counts startup attempts and their outcomes (connect-worker-metrics).
type startups struct {
	attempts, successes, failures atomic.Int64
	results                       *sampled // 1 a success, 0 a failure
}

func (s *startups) attempt() { s.attempts.Add(1) }

func (s *startups) result(now time.Time, ok bool) {
	if ok {
		s.successes.Add(1)
		s.results.record(now, 1)
	} else {
		s.failures.Add(1)
		s.results.record(now, 0)
	}
}

// New returns the metrics of a worker, registered with their own registry together with the
// Go runtime and process collectors.
func New(cfg Config) *Metrics {
	if cfg.SampleWindow <= 0 {
		cfg.SampleWindow = 30 * time.Second
	}
	if cfg.Samples <= 0 {
		cfg.Samples = 2
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Metrics{cfg: cfg, reg: prometheus.NewRegistry(),
		connectors: map[string]*Connector{}, tasks: map[taskKey]*Task{}}
	now := cfg.Now()
	m.connectorStartups.results = m.newSampled(now)
	m.taskStartups.results = m.newSampled(now)
	m.rebalance.times = m.newSampled(now)
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collector{m})
	return m
}

func (m *Metrics) newSampled(now time.Time) *sampled {
	return newSampled(m.cfg.SampleWindow, m.cfg.Samples, now)
}

// Handler serves the metrics in the exposition format the scraper asks for.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Gatherer is the registry, for tests and embedding.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// ConnectorStartupAttempt counts a connector start this worker attempts.
func (m *Metrics) ConnectorStartupAttempt() { m.connectorStartups.attempt() }

// ConnectorStartupResult counts the outcome of an attempted connector start.
func (m *Metrics) ConnectorStartupResult(ok bool) { m.connectorStartups.result(m.cfg.Now(), ok) }

// TaskStartupAttempt counts a task start this worker attempts.
func (m *Metrics) TaskStartupAttempt() { m.taskStartups.attempt() }

// TaskStartupResult counts the outcome of an attempted task start.
func (m *Metrics) TaskStartupResult(ok bool) { m.taskStartups.result(m.cfg.Now(), ok) }

// RebalanceStarted records that this worker (re)joins its group.
func (m *Metrics) RebalanceStarted() {
	m.rebalance.seen.Store(true)
	m.rebalance.rebalancing.Store(true)
}

// RebalanceCompleted records a rebalance that put this worker in generation after took.
func (m *Metrics) RebalanceCompleted(generation int64, took time.Duration) {
	now := m.cfg.Now()
	m.rebalance.seen.Store(true)
	m.rebalance.epoch.Store(generation)
	m.rebalance.completed.Add(1)
	m.rebalance.lastCompletedMilli.Store(now.UnixMilli())
	m.rebalance.times.record(now, float64(took)/float64(time.Millisecond))
	m.rebalance.rebalancing.Store(false)
}

// Connector returns the metrics of connector name on this worker, registering them on first
// use.
func (m *Metrics) Connector(name string) *Connector {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.connectors[name]
	if !ok {
		c = &Connector{name: name}
		c.state.Store(&unassigned)
		m.connectors[name] = c
	}
	return c
}

// RemoveConnector drops connector name's metrics: it no longer runs here.
func (m *Metrics) RemoveConnector(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.connectors, name)
}

// StartTask registers fresh metrics for a task starting on this worker, replacing any of an
// earlier start: totals count from the task's last start, as Kafka Connect's do. The caller
// hands the *Task to the task's pipeline.
func (m *Metrics) StartTask(connector string, task int32) *Task {
	now := m.cfg.Now()
	t := &Task{m: m, connector: connector, task: strconv.Itoa(int(task)), since: now, created: now, stateName: unassigned}
	for _, s := range []**sampled{&t.pollRate, &t.writeRate, &t.readRate, &t.sendRate, &t.batchTime,
		&t.batchSize, &t.commitTime, &t.commitOK, &t.commitRate, &t.activeStat} {
		*s = m.newSampled(now)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tasks[taskKey{connector, task}] = t
	return t
}

// Task returns the metrics of a task registered by StartTask, or nil.
func (m *Metrics) Task(connector string, task int32) *Task {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tasks[taskKey{connector, task}]
}

// RemoveTask drops a task's metrics: it stopped here or moved. A pipeline still holding
// the *Task reports into nothing visible.
func (m *Metrics) RemoveTask(connector string, task int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tasks, taskKey{connector, task})
}

// snapshot returns the registered connectors and tasks.
func (m *Metrics) snapshot() ([]*Connector, []*Task) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := make([]*Connector, 0, len(m.connectors))
	for _, c := range m.connectors {
		cs = append(cs, c)
	}
	ts := make([]*Task, 0, len(m.tasks))
	for _, t := range m.tasks {
		ts = append(ts, t)
	}
	return cs, ts
}

// State names, lower-case as Kafka Connect's status metrics write them.
var (
	unassigned = "unassigned"
	running    = "running"
	paused     = "paused"
)

// Connector is the metrics of one connector running on this worker (connector-metrics).
type Connector struct {
	name  string
	state atomic.Pointer[string]
	info  atomic.Pointer[connectorInfo]
}

type connectorInfo struct{ class, kind, version string }

// SetState records the connector's state, as Kafka Connect names it in any case
// (RUNNING, paused, …).
func (c *Connector) SetState(state string) {
	s := sanitize(state)
	c.state.Store(&s)
}

// SetInfo records the connector's class, its type ("source" or "sink") and the plugin's
// version.
func (c *Connector) SetInfo(class, kind, version string) {
	c.info.Store(&connectorInfo{class, kind, version})
}
