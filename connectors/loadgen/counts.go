package loadgen

import (
	"sync"
	"sync/atomic"
)

// Count is what a connector or task has moved since this process started: records and
// bytes. A source counts records handed to the runtime (polled; the stored offset counts the
// produced ones); a sink counts records handed to Put. Bytes are the lengths of []byte and
// string keys and values (what ByteArrayConverter and StringConverter give); other types count
// 0 bytes.
type Count struct {
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"`
}

// counter is one task's live count, updated by the task and read by anyone.
type counter struct {
	records atomic.Int64
	bytes   atomic.Int64
}

func (c *counter) add(records, bytes int64) {
	c.records.Add(records)
	c.bytes.Add(bytes)
}

func (c *counter) load() Count { return Count{Records: c.records.Load(), Bytes: c.bytes.Load()} }

// registry holds every task's counter by connector name and task index. Entries are never
// removed: a restarted task keeps adding to its counter, and the map grows by one small
// entry per connector ever run in this process.
var registry = struct {
	sync.Mutex
	byConnector map[string]map[int]*counter
}{byConnector: map[string]map[int]*counter{}}

func counterFor(connector string, task int) *counter {
	registry.Lock()
	defer registry.Unlock()
	tasks := registry.byConnector[connector]
	if tasks == nil {
		tasks = map[int]*counter{}
		registry.byConnector[connector] = tasks
	}
	c := tasks[task]
	if c == nil {
		c = &counter{}
		tasks[task] = c
	}
	return c
}

// Counts returns the sum over the tasks of the named connector; zero for a connector that
// never ran in this process. It is safe to call from any goroutine.
func Counts(connector string) Count {
	var sum Count
	for _, c := range TaskCounts(connector) {
		sum.Records += c.Records
		sum.Bytes += c.Bytes
	}
	return sum
}

// TaskCounts returns each task's count of the named connector, by task index.
func TaskCounts(connector string) map[int]Count {
	registry.Lock()
	defer registry.Unlock()
	out := make(map[int]Count, len(registry.byConnector[connector]))
	for task, c := range registry.byConnector[connector] {
		out[task] = c.load()
	}
	return out
}

// ResetCounts sets the named connector's counts to zero, e.g. between benchmark rounds or
// when a connector of the same name is created again. Running tasks keep counting from zero.
func ResetCounts(connector string) {
	registry.Lock()
	defer registry.Unlock()
	for _, c := range registry.byConnector[connector] {
		c.records.Store(0)
		c.bytes.Store(0)
	}
}
