package filestream

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/wait"
)

// Port of FileStreamSourceTaskTest.testNormalLifecycle: the line-splitting and position
// vectors of spec §11.1.
func TestSourceNormalLifecycle(t *testing.T) {
	path := tempFile(t)
	task := startSource(t, map[string]string{FileKey: path, TopicKey: "test", BatchSizeKey: "2000"}, nil)
	os := appender(t, path)

	if got := poll(t, task); got != nil {
		t.Fatalf("empty file gave %v", got)
	}
	write(t, os, "partial line")
	if got := poll(t, task); got != nil {
		t.Fatalf("partial line gave %v", got)
	}
	steps := []struct {
		write     string
		values    []string
		positions []int64
	}{
		{" finished\n", []string{"partial line finished"}, []int64{22}},
		{"", nil, nil},
		// Different line endings; the final \r gives no line until the next byte is read.
		{"line1\rline2\r\nline3\nline4\n\r", []string{"line1", "line2", "line3", "line4"}, []int64{28, 35, 41, 47}},
		{"subsequent text", []string{""}, []int64{48}},
	}
	for _, s := range steps {
		write(t, os, s.write)
		records := poll(t, task)
		if len(records) != len(s.values) {
			t.Fatalf("after %q: %d records, want %d", s.write, len(records), len(s.values))
		}
		for i, r := range records {
			if r.Topic != "test" || r.Value != s.values[i] || r.ValueSchema != connectors.StringSchema || r.Key != nil || r.KeySchema != nil {
				t.Errorf("record %d: %+v", i, r)
			}
			if !reflect.DeepEqual(r.SourcePartition, map[string]any{"filename": path}) {
				t.Errorf("partition %v", r.SourcePartition)
			}
			if !reflect.DeepEqual(r.SourceOffset, map[string]any{"position": s.positions[i]}) {
				t.Errorf("%q: offset %v, want %d", r.Value, r.SourceOffset, s.positions[i])
			}
		}
	}
}

// Port of FileStreamSourceTaskTest.testBatchSize.
func TestSourceBatchSize(t *testing.T) {
	path := tempFile(t)
	task := startSource(t, map[string]string{FileKey: path, TopicKey: "test", BatchSizeKey: "5000"}, nil)
	line := "Neque porro quisquam est qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit...\n"
	write(t, appender(t, path), strings.Repeat(line, 10000))
	if n := task.bufferSize(); n != 2 {
		t.Fatalf("buffer %d before the first poll", n)
	}
	for range 2 {
		if n := len(poll(t, task)); n != 5000 {
			t.Fatalf("%d records, want 5000", n)
		}
		if n := task.bufferSize(); n != 128 {
			t.Fatalf("buffer %d, want 128", n)
		}
	}
}

// Port of FileStreamSourceTaskTest.testBufferResize.
func TestSourceBufferResize(t *testing.T) {
	path := tempFile(t)
	const batch = 1000
	task := startSource(t, map[string]string{FileKey: path, TopicKey: "test", BatchSizeKey: "1000"}, nil)
	out := appender(t, path)
	if n := task.bufferSize(); n != 2 {
		t.Fatalf("buffer %d", n)
	}
	long := strings.Repeat("*", 1024) + "\n"
	steps := []struct {
		line       string
		wantBuffer int
	}{
		{"1\n", 2}, {"3 \n", 4}, {"7     \n", 8}, {"8      \n", 8}, {"9       \n", 16},
		{long, 2048}, {"9       \n", 2048},
	}
	for _, s := range steps {
		write(t, out, strings.Repeat(s.line, batch))
		records := poll(t, task)
		if len(records) != batch {
			t.Fatalf("%q: %d records", s.line, len(records))
		}
		for _, r := range records {
			if r.Value != strings.TrimSuffix(s.line, "\n") {
				t.Fatalf("value %q", r.Value)
			}
		}
		if n := task.bufferSize(); n != s.wantBuffer {
			t.Errorf("%q: buffer %d, want %d", s.line, n, s.wantBuffer)
		}
	}
}

// Port of FileStreamSourceTaskTest.testUsingSystemInputSourceOnMissingFile: no file reads
// stdin, with no source partition or offset.
func TestSourceStdin(t *testing.T) {
	task := newSourceTask()
	task.idleWait = 5 * time.Millisecond
	r, w := io.Pipe()
	task.stdin = r
	if err := task.Start(taskContext{}, map[string]string{TopicKey: "test", FileKey: ""}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop(); _ = w.Close() })
	go func() { _, _ = w.Write([]byte("line\nsecond")) }()
	var records []connectors.SourceRecord
	wait.For(t, 5*time.Second, "a polled record", func() bool { records = append(records, poll(t, task)...); return len(records) > 0 })
	if len(records) != 1 || records[0].Value != "line" || records[0].Topic != "test" ||
		records[0].SourcePartition != nil || records[0].SourceOffset != nil {
		t.Errorf("records %+v", records)
	}
}

// Port of FileStreamSourceTaskTest.testInvalidFile: a missing file is waited for, never an
// error, and is read once it appears.
func TestSourceMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bogusfilename")
	task := startSource(t, map[string]string{FileKey: path, TopicKey: "test"}, nil)
	for range 3 {
		if got := poll(t, task); got != nil {
			t.Fatalf("got %v", got)
		}
	}
	write(t, appender(t, path), "late\n")
	if got := poll(t, task); len(got) != 1 || got[0].Value != "late" {
		t.Errorf("got %+v", got)
	}
}

// spec §11.1: the task seeks to the stored position; it must be an int64.
func TestSourceStoredOffset(t *testing.T) {
	tests := []struct {
		name     string
		stored   map[string]any
		want     []string
		wantPos  []int64
		wantErr  error
		errMatch string
	}{
		{"none", nil, []string{"line1", "line2", "line3"}, []int64{6, 12, 18}, nil, ""},
		{"no position key", map[string]any{"other": int64(3)}, []string{"line1", "line2", "line3"}, []int64{6, 12, 18}, nil, ""},
		{"position 6", map[string]any{"position": int64(6)}, []string{"line2", "line3"}, []int64{12, 18}, nil, ""},
		{"past the end", map[string]any{"position": int64(100)}, nil, nil, nil, ""},
		{"int", map[string]any{"position": 6}, nil, nil, ErrOffsetType, "Offset position is the incorrect type"},
		{"string", map[string]any{"position": "6"}, nil, nil, ErrOffsetType, "Offset position is the incorrect type"},
		{"double", map[string]any{"position": 6.0}, nil, nil, ErrOffsetType, "Offset position is the incorrect type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempFile(t)
			write(t, appender(t, path), "line1\nline2\nline3\n")
			task := startSource(t, map[string]string{FileKey: path, TopicKey: "test"}, offsets{path: tt.stored})
			records, err := task.Poll(context.Background())
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.HasPrefix(err.Error(), "file "+path+": "+tt.errMatch) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(records) != len(tt.want) {
				t.Fatalf("%d records, want %d", len(records), len(tt.want))
			}
			for i, r := range records {
				if r.Value != tt.want[i] || r.SourceOffset[PositionField] != tt.wantPos[i] {
					t.Errorf("record %d: %v at %v", i, r.Value, r.SourceOffset)
				}
			}
		})
	}
}

// A file deleted after it was opened fails the task instead of idling forever.
func TestSourceDeletedFile(t *testing.T) {
	path := tempFile(t)
	write(t, appender(t, path), "a\n")
	task := startSource(t, map[string]string{FileKey: path, TopicKey: "test"}, nil)
	if got := poll(t, task); len(got) != 1 {
		t.Fatalf("got %v", got)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	_, err := task.Poll(context.Background())
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "file "+path+" no longer exists") {
		t.Fatalf("err = %v", err)
	}
}

// A read error after the file was opened is returned (a directory cannot be read).
func TestSourceReadError(t *testing.T) {
	dir := t.TempDir()
	task := startSource(t, map[string]string{FileKey: dir, TopicKey: "test"}, nil)
	if _, err := task.Poll(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "read "+dir) {
		t.Fatalf("err = %v", err)
	}
}

// The idle wait ends as soon as the context ends or Stop is called.
func TestSourceIdleWaitIsInterruptible(t *testing.T) {
	path := tempFile(t)
	for _, how := range []string{"cancel", "stop"} {
		t.Run(how, func(t *testing.T) {
			task := startSource(t, map[string]string{FileKey: path, TopicKey: "test"}, nil)
			task.idleWait = time.Hour
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := task.Poll(ctx)
				done <- err
			}()
			if how == "cancel" {
				cancel()
			} else if err := task.Stop(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Poll did not return")
			}
			if how == "stop" {
				if got := poll(t, task); got != nil {
					t.Errorf("poll after stop: %v", got)
				}
			}
			if err := task.Stop(); err != nil {
				t.Errorf("second Stop: %v", err)
			}
		})
	}
}

// Ports of FileStreamSourceConnectorTest: config validation, task configs.
func TestSourceConnectorConfig(t *testing.T) {
	base := map[string]string{TopicKey: "test", FileKey: "/somefilename"}
	with := func(k, v string) map[string]string {
		m := maps.Clone(base)
		if v == "<unset>" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		props map[string]string
		want  map[string][]string
	}{
		{"testConnectorConfigValidation", base, nil},
		{"testMissingTopic", with(TopicKey, "<unset>"), map[string][]string{TopicKey: {`Missing required configuration "topic" which has no default value.`}}},
		{"testBlankTopic", with(TopicKey, "   "), map[string][]string{TopicKey: {"Invalid value  for configuration topic: String must be non-empty"}}},
		{"testInvalidBatchSize", with(BatchSizeKey, "abcd"), map[string][]string{BatchSizeKey: {
			"Invalid value abcd for configuration batch.size: Not a number of type INT",
			"Invalid value null for configuration batch.size: Value must be non-null"}}},
		{"zero batch size", with(BatchSizeKey, "0"), map[string][]string{BatchSizeKey: {"Invalid value 0 for configuration batch.size: Value must be at least 1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cv := range (&SourceConnector{}).Config().Validate(tt.props) {
				want := tt.want[cv.Name]
				if want == nil {
					want = []string{}
				}
				if !reflect.DeepEqual(cv.Errors, want) {
					t.Errorf("%s: %q, want %q", cv.Name, cv.Errors, want)
				}
			}
			err := (&SourceConnector{}).Start(nil, tt.props)
			if (err == nil) != (tt.want == nil) || (err != nil && !errors.Is(err, connectors.ErrInvalidConfig)) {
				t.Errorf("Start: %v", err)
			}
		})
	}
}

// Ports of FileStreamSourceConnectorTest.testSourceTasks, testSourceTasksStdin,
// testConnectorConfigsPropagateToTaskConfigs.
func TestSourceTaskConfigs(t *testing.T) {
	for _, props := range []map[string]string{
		{TopicKey: "test", FileKey: "/somefilename", "transforms": "insert"},
		{TopicKey: "test"},
	} {
		c := &SourceConnector{}
		if err := c.Start(nil, props); err != nil {
			t.Fatal(err)
		}
		for _, maxTasks := range []int{1, 2} {
			got, err := c.TaskConfigs(maxTasks)
			if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], props) {
				t.Errorf("TaskConfigs(%d) = %v, %v", maxTasks, got, err)
			}
		}
	}
}

// Ports of FileStreamSourceConnectorTest's alterOffsets tests (spec §11.1).
func TestSourceAlterOffsets(t *testing.T) {
	props := map[string]string{TopicKey: "test", FileKey: "/somefilename"}
	part := map[string]any{FilenameField: "/somefilename"}
	at := func(p any) []connectors.SourceOffset {
		return []connectors.SourceOffset{{Partition: part, Offset: map[string]any{PositionField: p}}}
	}
	tests := []struct {
		name    string
		props   map[string]string
		offsets []connectors.SourceOffset
		want    string // "" means accepted
	}{
		{"testAlterOffsetsStdin", map[string]string{TopicKey: "test"}, at(int64(0)), msgAlterStdin},
		{"testAlterOffsetsIncorrectPartitionKey", props,
			[]connectors.SourceOffset{{Partition: map[string]any{"other_partition_key": "/somefilename"}, Offset: map[string]any{PositionField: int64(0)}}}, msgAlterNoFilename},
		{"null partition", props, []connectors.SourceOffset{{Offset: map[string]any{PositionField: int64(0)}}}, msgAlterNilPartition},
		{"testAlterOffsetsMultiplePartitions", props, append(at(int64(0)), connectors.SourceOffset{Partition: map[string]any{FilenameField: "/other"}}), ""},
		{"testAlterOffsetsIncorrectOffsetKey", props,
			[]connectors.SourceOffset{{Partition: part, Offset: map[string]any{"other_offset_key": int64(0)}}}, msgAlterNoPosition},
		{"position nan", props, at("nan"), msgAlterNotLong},
		{"position null", props, at(nil), msgAlterNotLong},
		{"position struct", props, at(struct{}{}), msgAlterNotLong},
		{"position double", props, at(3.14), msgAlterNotLong},
		{"position int", props, at(10), msgAlterNotLong},
		{"position string", props, at("10"), msgAlterNotLong},
		{"position negative", props, at(int64(-10)), msgAlterNegative},
		{"position 10", props, at(int64(10)), ""},
		{"testSuccessfulAlterOffsets empty", props, nil, ""},
		{"testAlterOffsetsTombstones", props, []connectors.SourceOffset{{}, {Partition: map[string]any{}},
			{Partition: map[string]any{"garbage_partition_key": "garbage_partition_value"}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := (&SourceConnector{}).AlterOffsets(tt.props, tt.offsets)
			if tt.want == "" {
				if !ok || err != nil {
					t.Errorf("= %v, %v; want true", ok, err)
				}
				return
			}
			if ok || err == nil || err.Error() != tt.want {
				t.Errorf("= %v, %v; want %q", ok, err, tt.want)
			}
		})
	}
}

func TestRegister(t *testing.T) {
	var r connectors.Registry
	Register(&r)
	for _, name := range []string{SourceClass, "FileStreamSourceConnector", "FileStreamSource", SinkClass, "FileStreamSink"} {
		c, p, err := r.NewConnector(name)
		if err != nil || c == nil || p.Version != version {
			t.Errorf("%s: %v %+v %v", name, c, p, err)
		}
	}
}
