package filestream

import (
	"bufio"
	"bytes"
	"context"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/connectd/connectd/connectors"
)

func records(values ...any) []connectors.SinkRecord {
	out := make([]connectors.SinkRecord, len(values))
	for i, v := range values {
		out[i] = connectors.SinkRecord{Topic: "topic1", ValueSchema: connectors.StringSchema, Value: v, Offset: int64(i)}
	}
	return out
}

// Port of FileStreamSinkTaskTest.testPutFlush, writing to stdout.
func TestSinkPutFlushStdout(t *testing.T) {
	var out bytes.Buffer
	task := &sinkTask{stdout: &out}
	if err := task.Start(nil, map[string]string{"topics": "topic1"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	steps := []struct {
		put  []connectors.SinkRecord
		want string
	}{
		{records("line1"), "line1\n"},
		{records("line2", "line3"), "line1\nline2\nline3\n"},
	}
	for _, s := range steps {
		if err := task.Put(ctx, s.put); err != nil {
			t.Fatal(err)
		}
		if err := task.Flush(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if out.String() != s.want {
			t.Errorf("stdout %q, want %q", out.String(), s.want)
		}
	}
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
}

// Port of FileStreamSinkTaskTest.testStart: create+append, lines visible after each flush.
func TestSinkStartAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fileName")
	if err := os.WriteFile(path, []byte("existing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	task := &sinkTask{}
	if err := task.Start(nil, map[string]string{FileKey: path}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	ctx := context.Background()
	if err := task.Put(ctx, records("line0")); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	readLine := func() string {
		s, _ := r.ReadString('\n')
		return s
	}
	if got := readLine() + readLine(); got != "existing\nline0\n" {
		t.Fatalf("read %q", got)
	}
	if err := task.Put(ctx, records("line1", "line2")); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := readLine() + readLine(); got != "line1\nline2\n" {
		t.Errorf("read %q", got)
	}
}

func TestSinkStartFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "file")
	err := (&sinkTask{}).Start(nil, map[string]string{FileKey: path})
	want := "Couldn't find or create file '" + path + "' for FileStreamSinkTask: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v", err)
	}
}

// spec §11.2: the value's Java toString().
func TestSinkValueText(t *testing.T) {
	st := &connectors.Schema{Type: connectors.TypeStruct, Fields: []connectors.Field{
		{Name: "a", Schema: connectors.Int32Schema}, {Name: "b", Schema: connectors.OptionalStringSchema}}}
	tests := []struct {
		schema *connectors.Schema
		value  any
		want   string
	}{
		{connectors.StringSchema, "text", "text"},
		{nil, nil, "null"},
		{nil, map[string]any{"k2": int64(2), "k": "v"}, "{k=v, k2=2}"},
		{nil, []any{"a", int64(1)}, "[a, 1]"},
		{st, &connectors.Struct{Schema: st, Values: []any{int32(1), "x"}}, "Struct{a=1,b=x}"},
		{nil, []byte("raw"), "raw"},
		{nil, 2.0, "2.0"},
		{connectors.DecimalSchema(2), big.NewRat(3, 2), "1.50"},
	}
	for _, tt := range tests {
		if got := valueText(tt.schema, tt.value); got != tt.want {
			t.Errorf("valueText(%v) = %q, want %q", tt.value, got, tt.want)
		}
	}
}

// Port of FileStreamSinkConnectorTest.testSinkTasks and testSinkTasksStdin: tasks.max copies.
func TestSinkTaskConfigs(t *testing.T) {
	for _, props := range []map[string]string{
		{"topics": "t1,t2", FileKey: "/somefilename"},
		{"topics": "t1"},
	} {
		c := &SinkConnector{}
		if err := c.Start(nil, props); err != nil {
			t.Fatal(err)
		}
		for _, maxTasks := range []int{1, 2, 5} {
			got, err := c.TaskConfigs(maxTasks)
			if err != nil || len(got) != maxTasks {
				t.Fatalf("TaskConfigs(%d) = %d, %v", maxTasks, len(got), err)
			}
			for _, cfg := range got {
				if !reflect.DeepEqual(cfg, props) {
					t.Errorf("task config %v", cfg)
				}
			}
		}
	}
	if ok, err := (&SinkConnector{}).AlterOffsets(nil, nil); !ok || err != nil {
		t.Errorf("AlterOffsets = %v, %v", ok, err)
	}
	if infos := (&SinkConnector{}).Config().Infos(); len(infos) != 1 || infos[0].Name != FileKey {
		t.Errorf("config %+v", infos)
	}
}

// TestSinkPutWritesThrough: lines are in the file when Put returns, before any Flush, as with
// Kafka's unbuffered PrintStream (a user tailing the file sees them at once).
func TestSinkPutWritesThrough(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	task := &sinkTask{}
	if err := task.Start(nil, map[string]string{FileKey: path}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	if err := task.Put(context.Background(), records("a", "b")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "a\nb\n" {
		t.Fatalf("file after Put = %q, %v; want the lines without a Flush", b, err)
	}
}
