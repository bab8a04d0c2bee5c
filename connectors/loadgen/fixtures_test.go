package loadgen

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
)

// offsets is an in-memory OffsetReader: committed offsets by task index.
type offsets map[int64]map[string]any

func (o offsets) Offset(partition map[string]any) (map[string]any, error) {
	id, _ := partition[TaskField].(int64)
	return o[id], nil
}

// taskContext is a source task's context; txn is its TransactionContext (nil: none, as
// without transaction.boundary=connector).
type taskContext struct {
	offsets offsets
	txn     connectors.TransactionContext
}

func (c taskContext) Offsets() connectors.OffsetReader { return c.offsets }

func (c taskContext) TransactionContext() connectors.TransactionContext { return c.txn }

// fakeClock is a clock that moves only when told, or when a task sleeps on it: sleeping d
// advances it by d at once, so a rate test counts records against simulated time.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) { c.Advance(d) }

// logBuffer is a goroutine-safe buffer for a task's log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// sourceProps is a source config for connector name with the given overrides.
func sourceProps(name string, kv ...string) map[string]string {
	p := map[string]string{"name": name, "connector.class": SourceClass, TopicKey: "t"}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

// startSources runs the connector on props and starts its tasks on a fake clock with
// stored offsets; Stop runs on cleanup. The tasks log into the returned buffer.
func startSources(t testing.TB, props map[string]string, maxTasks int, stored offsets, clock *fakeClock) ([]*sourceTask, *logBuffer) {
	t.Helper()
	c := &SourceConnector{}
	if err := c.Start(nil, props); err != nil {
		t.Fatal(err)
	}
	configs, err := c.TaskConfigs(maxTasks)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	var tasks []*sourceTask
	for _, cfg := range configs {
		task := c.NewTask().(*sourceTask)
		task.now, task.sleep = clock.Now, clock.Sleep
		task.log = slog.New(slog.NewTextHandler(logs, nil))
		if err := task.Start(taskContext{offsets: stored}, cfg); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = task.Stop() })
		tasks = append(tasks, task)
	}
	return tasks, logs
}

// startTask runs the connector on props and starts its one task in tc, sleeping not at all
// (it is polled until its total); Stop runs on cleanup.
func startTask(t testing.TB, props map[string]string, tc taskContext) *sourceTask {
	t.Helper()
	c := &SourceConnector{}
	if err := c.Start(nil, props); err != nil {
		t.Fatal(err)
	}
	configs, err := c.TaskConfigs(1)
	if err != nil {
		t.Fatal(err)
	}
	task := newSourceTask()
	task.sleep = func(context.Context, time.Duration) {}
	if err := task.Start(tc, configs[0]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	return task
}

func poll(t testing.TB, task *sourceTask) []connectors.SourceRecord {
	t.Helper()
	records, err := task.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return records
}

// drain polls task until a poll returns nothing (a finished task idles) and returns all
// records, at most limit of them.
func drain(t testing.TB, task *sourceTask, limit int) []connectors.SourceRecord {
	t.Helper()
	var all []connectors.SourceRecord
	for len(all) < limit {
		r := poll(t, task)
		if len(r) == 0 {
			break
		}
		all = append(all, r...)
	}
	return all
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
