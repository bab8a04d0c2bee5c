package filestream

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"math/big"
	"os"
	"strconv"
	"sync"

	"github.com/connectd/connectd/connectors"
)

// Kafka's FileStreamSinkConnector.CONFIG_DEF. topics and topics.regex are the runtime's keys
// (spec §9.2), not the plugin's.
var sinkConfig = connectors.ConfigDef{
	{Name: FileKey, Type: connectors.String, Importance: connectors.High,
		Doc: "Destination filename. If not specified, the standard output will be used"},
}

// SinkConnector is Kafka's FileStreamSinkConnector: tasks append each record's value, as
// Java's toString() and a newline, to a file, or to stdout when file is unset or empty.
type SinkConnector struct {
	props map[string]string
}

var (
	_ connectors.SinkConnector = (*SinkConnector)(nil)
	_ connectors.OffsetAlterer = (*SinkConnector)(nil)
)

// Version is the Kafka release these connectors reproduce.
func (*SinkConnector) Version() string { return version }

// Config returns file.
func (*SinkConnector) Config() connectors.ConfigDef { return sinkConfig }

// Start checks the configuration and keeps it for the tasks.
func (c *SinkConnector) Start(_ connectors.ConnectorContext, props map[string]string) error {
	if _, err := sinkConfig.Parse(props); err != nil {
		return fmt.Errorf("start FileStreamSinkConnector: %w", err)
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns maxTasks copies of the connector's config (spec §11.2).
func (c *SinkConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	configs := make([]map[string]string, maxTasks)
	for i := range configs {
		configs[i] = maps.Clone(c.props)
	}
	return configs, nil
}

// Stop has nothing to release.
func (*SinkConnector) Stop() error { return nil }

// NewTask returns an unstarted sink task.
func (*SinkConnector) NewTask() connectors.SinkTask { return &sinkTask{stdout: os.Stdout} }

// AlterOffsets accepts any sink offsets: the file holds none (spec §11.2).
func (*SinkConnector) AlterOffsets(map[string]string, []connectors.SourceOffset) (bool, error) {
	return true, nil
}

// sinkTask is Kafka's FileStreamSinkTask. Its methods may be called from different
// goroutines, so the writer is guarded by mu.
type sinkTask struct {
	stdout io.Writer

	mu       sync.Mutex
	filename string
	file     *os.File // nil when writing to stdout
	w        *bufio.Writer
}

var _ connectors.SinkTask = (*sinkTask)(nil)

// Start opens the file with create+append (spec §11.2).
func (t *sinkTask) Start(_ connectors.SinkTaskContext, props map[string]string) error {
	vals, err := sinkConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("start FileStreamSinkTask: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.filename = vals.String(FileKey)
	if t.filename == "" {
		t.w = bufio.NewWriter(t.stdout)
		return nil
	}
	f, err := os.OpenFile(t.filename, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		// Kafka's text, then the cause.
		return fmt.Errorf("Couldn't find or create file '%s' for FileStreamSinkTask: %w", t.filename, err)
	}
	t.file, t.w = f, bufio.NewWriter(f)
	return nil
}

// Put writes each value as Java's println(value) would.
func (t *sinkTask) Put(_ context.Context, records []connectors.SinkRecord) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.w == nil {
		return fmt.Errorf("put to %s: task is not started", t.describe())
	}
	for i := range records {
		t.w.WriteString(valueText(records[i].ValueSchema, records[i].Value))
		if err := t.w.WriteByte('\n'); err != nil {
			return fmt.Errorf("write %s: %w", t.describe(), err)
		}
	}
	// Kafka's sink prints through an unbuffered stream, so every line is in the file when
	// put returns; writing the batch out here keeps that (one write per batch, not per line).
	// Flush still syncs it to disk before offsets are committed.
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", t.describe(), err)
	}
	return nil
}

// valueText is the value's Java toString(); a Decimal keeps its schema's scale, as a
// BigDecimal prints it.
func valueText(s *connectors.Schema, v any) string {
	if r, ok := v.(*big.Rat); ok && s != nil && s.Name == connectors.DecimalName {
		if scale, err := strconv.Atoi(s.Parameters[connectors.DecimalScale]); err == nil && scale >= 0 && scale <= 1000 {
			n := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
			if n.IsInt() {
				return connectors.FormatBigDecimal(n.Num(), scale)
			}
		}
	}
	return connectors.JavaString(v)
}

// Flush makes everything Put so far durable: buffered bytes are written and the file synced.
func (t *sinkTask) Flush(context.Context, map[connectors.TopicPartition]int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.flushLocked()
}

func (t *sinkTask) flushLocked() error {
	if t.w == nil {
		return nil
	}
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("flush %s: %w", t.describe(), err)
	}
	if t.file != nil {
		if err := t.file.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", t.describe(), err)
		}
	}
	return nil
}

// Stop flushes and closes the file; stdout stays open. It is safe to call twice.
func (t *sinkTask) Stop() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	err := t.flushLocked()
	if t.file != nil {
		if cerr := t.file.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close %s: %w", t.filename, cerr)
		}
	}
	t.file, t.w = nil, nil
	return err
}

func (t *sinkTask) describe() string {
	if t.filename == "" {
		return "stdout"
	}
	return t.filename
}
