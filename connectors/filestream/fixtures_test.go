package filestream

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
)

// offsets is an in-memory OffsetReader: the committed offsets by filename.
type offsets map[string]map[string]any

func (o offsets) Offset(partition map[string]any) (map[string]any, error) {
	name, _ := partition[FilenameField].(string)
	return o[name], nil
}

type taskContext struct{ offsets offsets }

func (c taskContext) Offsets() connectors.OffsetReader { return c.offsets }

func (taskContext) TransactionContext() connectors.TransactionContext { return nil }

// startSource starts a source task on props with a 2-byte initial buffer (as Kafka's test
// constructs FileStreamSourceTask(2)) and a short idle wait; Stop runs on cleanup.
func startSource(t testing.TB, props map[string]string, stored offsets) *sourceTask {
	t.Helper()
	task := newSourceTask()
	task.idleWait = 5 * time.Millisecond
	task.buf = make([]byte, 2)
	if err := task.Start(taskContext{stored}, props); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	return task
}

// appender opens path for appending, as the Java test writes through an OutputStream.
func appender(t testing.TB, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func write(t testing.TB, f *os.File, s string) {
	t.Helper()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func poll(t testing.TB, task *sourceTask) []connectors.SourceRecord {
	t.Helper()
	records, err := task.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return records
}

func tempFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file-stream-source-task-test")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
