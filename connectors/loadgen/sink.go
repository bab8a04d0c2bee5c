package loadgen

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/connectd/connectd/connectors"
)

// The sink's own keys; topics and topics.regex are the runtime's (spec §9.2).
var sinkConfig = connectors.ConfigDef{logIntervalKey}

// SinkConnector drops every record it is given, counting them: DiscardSinkConnector.
type SinkConnector struct {
	props map[string]string
}

var _ connectors.SinkConnector = (*SinkConnector)(nil)

// Version is connectd's.
func (*SinkConnector) Version() string { return version }

// Config returns log.interval.ms.
func (*SinkConnector) Config() connectors.ConfigDef { return sinkConfig }

// Start checks the configuration and keeps it for the tasks.
func (c *SinkConnector) Start(_ connectors.ConnectorContext, props map[string]string) error {
	if _, err := sinkConfig.Parse(props); err != nil {
		return fmt.Errorf("start DiscardSinkConnector: %w", err)
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns maxTasks copies of the connector's config, each with its task index.
func (c *SinkConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	n := max(maxTasks, 1)
	configs := make([]map[string]string, n)
	for i := range configs {
		cfg := maps.Clone(c.props)
		cfg[TaskIDKey] = strconv.Itoa(i)
		cfg[TaskCountKey] = strconv.Itoa(n)
		configs[i] = cfg
	}
	return configs, nil
}

// Stop has nothing to release.
func (*SinkConnector) Stop() error { return nil }

// NewTask returns an unstarted discarding task.
func (*SinkConnector) NewTask() connectors.SinkTask {
	return &sinkTask{now: time.Now, log: slog.Default()}
}

// sinkTask counts and drops. Put and Flush come from one goroutine at a time; Stop may come
// from another, which the reporter's lock and the atomic counters allow.
type sinkTask struct {
	now     func() time.Time
	log     *slog.Logger
	counter *counter
	report  *reporter
	once    sync.Once
}

var _ connectors.SinkTask = (*sinkTask)(nil)

// Start parses the task config.
func (t *sinkTask) Start(_ connectors.SinkTaskContext, props map[string]string) error {
	vals, err := connectors.Merge(sinkConfig, taskKeys).Parse(props)
	if err != nil {
		return fmt.Errorf("start DiscardSinkTask: %w", err)
	}
	id := vals.Int(TaskIDKey)
	t.log = t.log.With("component", "loadgen", "connector", props["name"], "task", id)
	t.counter = counterFor(props["name"], id)
	t.report = newReporter(t.log, "DiscardSink progress", time.Duration(vals.Long(LogIntervalKey))*time.Millisecond, t.now())
	return nil
}

// Put counts the records and forgets them.
func (t *sinkTask) Put(_ context.Context, records []connectors.SinkRecord) error {
	if t.report == nil {
		return fmt.Errorf("put to DiscardSinkTask: task is not started")
	}
	var bytes int64
	for i := range records {
		bytes += size(records[i].Key) + size(records[i].Value)
	}
	t.counter.add(int64(len(records)), bytes)
	t.report.count.add(int64(len(records)), bytes)
	t.report.tick(t.now())
	return nil
}

// size is the length of a []byte or string; other types count 0 (see Count).
func size(v any) int64 {
	switch x := v.(type) {
	case []byte:
		return int64(len(x))
	case string:
		return int64(len(x))
	}
	return 0
}

// Flush has nothing to make durable: the runtime commits the consumed offsets after it.
func (*sinkTask) Flush(context.Context, map[connectors.TopicPartition]int64) error { return nil }

// Stop logs the task's summary. It is safe to call twice.
func (t *sinkTask) Stop() error {
	t.once.Do(func() {
		if t.report != nil {
			t.report.final(t.now())
		}
	})
	return nil
}
