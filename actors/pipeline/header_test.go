package pipeline

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/converters"
	"github.com/connectd/connectd/internal/wait"
)

// A source record's headers reach Kafka through the connector's header converter: Kafka
// Connect's default SimpleHeaderConverter writes a string as its text, JsonConverter as JSON,
// never as the value converter would (here JsonConverter with schemas, an envelope).
func TestSourceHeaderConverter(t *testing.T) {
	tests := []struct {
		name  string
		class string
		props map[string]string
		want  string // the header's bytes on the wire
	}{
		{"SimpleHeaderConverter", converters.SimpleHeaderClass, nil, "hello"},
		{"JsonConverter without schemas", converters.JSONClass, map[string]string{converters.SchemasEnableKey: "false"}, `"hello"`},
		{"StringConverter", converters.StringClass, nil, "hello"},
		{"JsonConverter with schemas", converters.JSONClass, nil, `{"schema":{"type":"string","optional":false},"payload":"hello"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, "h")
			file := emptyFile(t, "in.txt")
			appendLines(t, file, "line 1")
			src := newFileSource(t, c, sourceProps(file, "h"), newMemOffsets())
			src.Header = headerConverter(t, tt.class, tt.props)
			src.Transform = func(r *connectors.Record) (*connectors.Record, error) {
				r.Headers = append(r.Headers, connectors.Header{Key: "greeting", Schema: connectors.StringSchema, Value: "hello"})
				return r, nil
			}
			r := start(t, src.Run)
			wait.For(t, testTimeout, "the record on the topic", func() bool { return endOffset(t, newAdmin(t, c), "h") == 1 })
			if err := r.stop(t); err != nil {
				t.Fatal(err)
			}
			recs := readTopic(t, c, "h")
			want := []kgo.RecordHeader{{Key: "greeting", Value: []byte(tt.want)}}
			if !reflect.DeepEqual(recs[0].Headers, want) {
				t.Errorf("headers on the wire %q, want %q", recs[0].Headers, want)
			}
		})
	}
}

// A consumed record's headers reach the sink task through the connector's header converter:
// SimpleHeaderConverter hands over their text as optional strings, JsonConverter parses them,
// never the raw bytes.
func TestSinkHeaderConverter(t *testing.T) {
	tests := []struct {
		name  string
		class string
		props map[string]string
		wire  string
		want  connectors.Header
	}{
		{"SimpleHeaderConverter", converters.SimpleHeaderClass, nil, "42",
			connectors.Header{Key: "n", Schema: connectors.OptionalStringSchema, Value: "42"}},
		{"JsonConverter without schemas", converters.JSONClass, map[string]string{converters.SchemasEnableKey: "false"}, `"hi"`,
			connectors.Header{Key: "n", Value: "hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, "t")
			produce(t, c, "t", kv{value: []byte(stringEnvelope("v")), headers: []kgo.RecordHeader{{Key: "n", Value: []byte(tt.wire)}}})
			sink, task := newFileSink(t, c, "conn", "t", filepath.Join(t.TempDir(), "out.txt"))
			sink.Header = headerConverter(t, tt.class, tt.props)
			r := start(t, sink.Run)
			wait.For(t, testTimeout, "the record put", func() bool { return len(task.putHeaders()) == 1 })
			if err := r.stop(t); err != nil {
				t.Fatal(err)
			}
			got := task.putHeaders()[0]
			if len(got) != 1 || got[0].Key != tt.want.Key || got[0].Value != tt.want.Value || !reflect.DeepEqual(got[0].Schema, tt.want.Schema) {
				t.Errorf("headers put %+v, want [%+v]", got, tt.want)
			}
		})
	}
}
