package transforms

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
)

func registry() *connectors.Registry {
	r := &connectors.Registry{}
	Register(r)
	return r
}

// newTransform instantiates and configures the transformation called name.
func newTransform(t *testing.T, name string, props map[string]string) connectors.Transformation {
	t.Helper()
	tr, err := registry().NewTransformation(name)
	if err != nil {
		t.Fatalf("NewTransformation(%s): %v", name, err)
	}
	if err := tr.Configure(props); err != nil {
		t.Fatalf("Configure(%s): %v", name, err)
	}
	return tr
}

func i32(v int32) *int32 { return &v }
func i64(v int64) *int64 { return &v }

var (
	optString = connectors.OptionalStringSchema
	str       = connectors.StringSchema
	int32s    = connectors.Int32Schema
)

// structOf builds a struct schema and a value from name, schema, value triples.
func structOf(name string, fv ...any) (*connectors.Schema, *connectors.Struct) {
	s := &connectors.Schema{Type: connectors.TypeStruct, Name: name}
	st := &connectors.Struct{Schema: s}
	for i := 0; i < len(fv); i += 3 {
		s.Fields = append(s.Fields, connectors.Field{Name: fv[i].(string), Schema: fv[i+1].(*connectors.Schema)})
		st.Values = append(st.Values, fv[i+2])
	}
	return s, st
}

var ts = time.Date(2017, 1, 2, 3, 4, 5, 6_000_000, time.UTC)

// TestTransforms applies each transform to schemaless and schema'd records; vectors follow
// the examples of Kafka's documentation of each transform where it has one.
func TestTransforms(t *testing.T) {
	schemaIn, structIn := structOf("", "id", int32s, int32(42), "name", str, "David", "email", optString, "d@x")
	tests := []struct {
		name  string
		class string
		props map[string]string
		in    connectors.Record
		want  *connectors.Record // nil: dropped
	}{
		{"InsertField static, schemaless (doc example)", "org.apache.kafka.connect.transforms.InsertField$Value",
			map[string]string{"static.field": "data_source", "static.value": "test-file-source"},
			connectors.Record{Topic: "t", Value: map[string]any{"line": "x"}},
			&connectors.Record{Topic: "t", Value: map[string]any{"line": "x", "data_source": "test-file-source"}}},
		{"InsertField all, schemaless sink record", "org.apache.kafka.connect.transforms.InsertField$Value",
			map[string]string{"topic.field": "tp", "partition.field": "p", "offset.field": "o", "timestamp.field": "ts"},
			connectors.Record{Topic: "t", Partition: i32(3), Offset: i64(7), Timestamp: ts, Value: map[string]any{}},
			&connectors.Record{Topic: "t", Partition: i32(3), Offset: i64(7), Timestamp: ts,
				Value: map[string]any{"tp": "t", "p": int32(3), "o": int64(7), "ts": ts.UnixMilli()}}},
		{"InsertField with schema", "org.apache.kafka.connect.transforms.InsertField$Value",
			map[string]string{"topic.field": "tp!", "static.field": "s", "static.value": "v"},
			connectors.Record{Topic: "t", ValueSchema: schemaIn, Value: structIn},
			func() *connectors.Record {
				s, st := structOf("", "id", int32s, int32(42), "name", str, "David", "email", optString, "d@x", "tp", str, "t", "s", optString, "v")
				return &connectors.Record{Topic: "t", ValueSchema: s, Value: st}
			}()},
		{"InsertField tombstone passes", "org.apache.kafka.connect.transforms.InsertField$Value",
			map[string]string{"static.field": "s"},
			connectors.Record{Topic: "t"}, &connectors.Record{Topic: "t"}},
		{"ReplaceField renames (doc example)", "org.apache.kafka.connect.transforms.ReplaceField$Value",
			map[string]string{"renames": "foo:c1,bar:c2"},
			connectors.Record{Value: map[string]any{"foo": 1, "bar": 2, "baz": 3}},
			&connectors.Record{Value: map[string]any{"c1": 1, "c2": 2, "baz": 3}}},
		{"ReplaceField exclude with schema", "org.apache.kafka.connect.transforms.ReplaceField$Value",
			map[string]string{"exclude": "email", "renames": "name:full_name"},
			connectors.Record{ValueSchema: schemaIn, Value: structIn},
			func() *connectors.Record {
				s, st := structOf("", "id", int32s, int32(42), "full_name", str, "David")
				return &connectors.Record{ValueSchema: s, Value: st}
			}()},
		{"ReplaceField include on key", "org.apache.kafka.connect.transforms.ReplaceField$Key",
			map[string]string{"include": "a"},
			connectors.Record{Key: map[string]any{"a": 1, "b": 2}, Value: "v"},
			&connectors.Record{Key: map[string]any{"a": 1}, Value: "v"}},
		{"MaskField zero values", "org.apache.kafka.connect.transforms.MaskField$Value",
			map[string]string{"fields": "id,name"},
			connectors.Record{ValueSchema: schemaIn, Value: structIn},
			func() *connectors.Record {
				s, st := structOf("", "id", int32s, int32(0), "name", str, "", "email", optString, "d@x")
				return &connectors.Record{ValueSchema: s, Value: st}
			}()},
		{"MaskField replacement (doc example)", "org.apache.kafka.connect.transforms.MaskField$Value",
			map[string]string{"fields": "string_field", "replacement": "<redacted>"},
			connectors.Record{Value: map[string]any{"string_field": "secret", "n": int64(5)}},
			&connectors.Record{Value: map[string]any{"string_field": "<redacted>", "n": int64(5)}}},
		{"ValueToKey schemaless", "org.apache.kafka.connect.transforms.ValueToKey",
			map[string]string{"fields": "id"},
			connectors.Record{Value: map[string]any{"id": 1, "x": 2}},
			&connectors.Record{Key: map[string]any{"id": 1}, Value: map[string]any{"id": 1, "x": 2}}},
		{"ValueToKey with schema", "org.apache.kafka.connect.transforms.ValueToKey",
			map[string]string{"fields": "id"},
			connectors.Record{ValueSchema: schemaIn, Value: structIn},
			func() *connectors.Record {
				s, st := structOf("", "id", int32s, int32(42))
				return &connectors.Record{KeySchema: s, Key: st, ValueSchema: schemaIn, Value: structIn}
			}()},
		{"ExtractField schemaless (doc example)", "org.apache.kafka.connect.transforms.ExtractField$Key",
			map[string]string{"field": "id"},
			connectors.Record{Key: map[string]any{"id": 42}},
			&connectors.Record{Key: 42}},
		{"ExtractField with schema", "org.apache.kafka.connect.transforms.ExtractField$Value",
			map[string]string{"field": "name"},
			connectors.Record{ValueSchema: schemaIn, Value: structIn},
			&connectors.Record{ValueSchema: str, Value: "David"}},
		{"HoistField schemaless (doc example)", "org.apache.kafka.connect.transforms.HoistField$Value",
			map[string]string{"field": "line"},
			connectors.Record{Value: "hello"},
			&connectors.Record{Value: map[string]any{"line": "hello"}}},
		{"HoistField with schema", "org.apache.kafka.connect.transforms.HoistField$Key",
			map[string]string{"field": "k"},
			connectors.Record{KeySchema: int32s, Key: int32(1)},
			func() *connectors.Record {
				s, st := structOf("", "k", int32s, int32(1))
				return &connectors.Record{KeySchema: s, Key: st}
			}()},
		{"SetSchemaMetadata", "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
			map[string]string{"schema.name": "com.example.V", "schema.version": "3"},
			connectors.Record{ValueSchema: str, Value: "x"},
			&connectors.Record{ValueSchema: &connectors.Schema{Type: connectors.TypeString, Name: "com.example.V", Version: 3}, Value: "x"}},
		{"RegexRouter (doc example)", "RegexRouter",
			map[string]string{"regex": `([^.]+)\.([^.]+)\.([^.]+)`, "replacement": "$3"},
			connectors.Record{Topic: "db.schema.table"}, &connectors.Record{Topic: "table"}},
		{"RegexRouter no full match keeps the topic", "RegexRouter",
			map[string]string{"regex": "abc", "replacement": "x"},
			connectors.Record{Topic: "abcd"}, &connectors.Record{Topic: "abcd"}},
		{"TimestampRouter default format", "TimestampRouter", map[string]string{},
			connectors.Record{Topic: "t", Timestamp: ts}, &connectors.Record{Topic: "t-20170102", Timestamp: ts}},
		{"TimestampRouter custom format", "TimestampRouter",
			map[string]string{"topic.format": "${timestamp}_${topic}", "timestamp.format": "yyyy-MM-dd'T'HH:mm:ss.SSS"},
			connectors.Record{Topic: "t", Timestamp: ts}, &connectors.Record{Topic: "2017-01-02T03:04:05.006_t", Timestamp: ts}},
		{"Cast fields schemaless", "org.apache.kafka.connect.transforms.Cast$Value",
			map[string]string{"spec": "a:int8,b:string,c:boolean,d:float64"},
			connectors.Record{Value: map[string]any{"a": int64(300), "b": int32(5), "c": "TRUE", "d": "1.5"}},
			&connectors.Record{Value: map[string]any{"a": int8(44), "b": "5", "c": true, "d": 1.5}}},
		{"Cast whole value with schema", "org.apache.kafka.connect.transforms.Cast$Value",
			map[string]string{"spec": "int64"},
			connectors.Record{ValueSchema: str, Value: "42"},
			&connectors.Record{ValueSchema: connectors.Int64Schema, Value: int64(42)}},
		{"Cast a struct field", "org.apache.kafka.connect.transforms.Cast$Value",
			map[string]string{"spec": "id:string"},
			connectors.Record{ValueSchema: schemaIn, Value: structIn},
			func() *connectors.Record {
				s, st := structOf("", "id", str, "42", "name", str, "David", "email", optString, "d@x")
				return &connectors.Record{ValueSchema: s, Value: st}
			}()},
		{"Filter drops", "Filter", nil, connectors.Record{Topic: "t"}, nil},
		{"Flatten schemaless (doc example)", "org.apache.kafka.connect.transforms.Flatten$Value", nil,
			connectors.Record{Value: map[string]any{"content": map[string]any{"id": 42, "name": map[string]any{"first": "David", "middle": nil, "last": "Wong"}}}},
			&connectors.Record{Value: map[string]any{"content.id": 42, "content.name.first": "David", "content.name.middle": nil, "content.name.last": "Wong"}}},
		{"Flatten with schema and delimiter", "org.apache.kafka.connect.transforms.Flatten$Value", map[string]string{"delimiter": "_"},
			func() connectors.Record {
				inner, innerV := structOf("", "first", str, "David")
				inner.Optional = true
				s, st := structOf("", "id", int32s, int32(1), "name", inner, innerV)
				return connectors.Record{ValueSchema: s, Value: st}
			}(),
			func() *connectors.Record {
				s, st := structOf("", "id", int32s, int32(1), "name_first", optString, "David")
				return &connectors.Record{ValueSchema: s, Value: st}
			}()},
		{"InsertHeader", "InsertHeader", map[string]string{"header": "h", "value.literal": "hello"},
			connectors.Record{Headers: []connectors.Header{{Key: "a", Value: "b"}}},
			&connectors.Record{Headers: []connectors.Header{{Key: "a", Value: "b"}, {Key: "h", Schema: str, Value: "hello"}}}},
		{"DropHeaders", "DropHeaders", map[string]string{"headers": "a,c"},
			connectors.Record{Headers: []connectors.Header{{Key: "a"}, {Key: "b"}, {Key: "c"}, {Key: "a"}}},
			&connectors.Record{Headers: []connectors.Header{{Key: "b"}}}},
		{"HeaderFrom move schemaless", "org.apache.kafka.connect.transforms.HeaderFrom$Value",
			map[string]string{"fields": "id", "headers": "hid", "operation": "move"},
			connectors.Record{Value: map[string]any{"id": 1, "x": 2}},
			&connectors.Record{Value: map[string]any{"x": 2}, Headers: []connectors.Header{{Key: "hid", Value: 1}}}},
		{"HeaderFrom copy with schema", "org.apache.kafka.connect.transforms.HeaderFrom$Value",
			map[string]string{"fields": "name", "headers": "n", "operation": "copy"},
			connectors.Record{ValueSchema: schemaIn, Value: structIn},
			&connectors.Record{ValueSchema: schemaIn, Value: structIn, Headers: []connectors.Header{{Key: "n", Schema: str, Value: "David"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTransform(t, tt.class, tt.props)
			defer tr.Close()
			in := tt.in
			got, err := tr.Apply(&in)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Apply\n got %+v\nwant %+v", got, tt.want)
				if got != nil && tt.want != nil {
					t.Logf("value %#v\nwant  %#v", got.Value, tt.want.Value)
				}
			}
		})
	}
}

// The input record's values are never changed in place: the pipeline may still hold them.
func TestTransformsDoNotMutateInput(t *testing.T) {
	in := map[string]any{"a": int32(1), "b": map[string]any{"c": int32(2)}}
	for _, c := range []struct {
		class string
		props map[string]string
	}{
		{"org.apache.kafka.connect.transforms.InsertField$Value", map[string]string{"static.field": "s", "static.value": "v"}},
		{"org.apache.kafka.connect.transforms.ReplaceField$Value", map[string]string{"exclude": "a"}},
		{"org.apache.kafka.connect.transforms.MaskField$Value", map[string]string{"fields": "a"}},
		{"org.apache.kafka.connect.transforms.Flatten$Value", nil},
		{"org.apache.kafka.connect.transforms.Cast$Value", map[string]string{"spec": "a:string"}},
		{"org.apache.kafka.connect.transforms.HeaderFrom$Value", map[string]string{"fields": "a", "headers": "a", "operation": "move"}},
	} {
		if _, err := newTransform(t, c.class, c.props).Apply(&connectors.Record{Value: in}); err != nil {
			t.Fatalf("%s: %v", c.class, err)
		}
		if want := (map[string]any{"a": int32(1), "b": map[string]any{"c": int32(2)}}); !reflect.DeepEqual(in, want) {
			t.Fatalf("%s changed its input: %v", c.class, in)
		}
	}
}

// Records a transform cannot handle are errors with Kafka's texts.
func TestTransformErrors(t *testing.T) {
	tests := []struct {
		class string
		props map[string]string
		in    connectors.Record
		want  string
	}{
		{"org.apache.kafka.connect.transforms.InsertField$Value", map[string]string{"static.field": "s"},
			connectors.Record{Value: "plain"}, "data error: Only Map objects supported in absence of schema for [field insertion], found: java.lang.String"},
		{"org.apache.kafka.connect.transforms.InsertField$Value", map[string]string{"offset.field": "o"},
			connectors.Record{Value: map[string]any{}}, "data error: Offset insertion is only supported for sink connectors, record is of type: class org.apache.kafka.connect.source.SourceRecord"},
		{"org.apache.kafka.connect.transforms.ExtractField$Value", map[string]string{"field": "x"},
			connectors.Record{ValueSchema: str, Value: "s"}, "data error: Only Struct objects supported for [field extraction], found: java.lang.String"},
		{"org.apache.kafka.connect.transforms.SetSchemaMetadata$Value", map[string]string{"schema.name": "x"},
			connectors.Record{Value: "s"}, "data error: Schema required for [updating schema metadata]"},
		{"TimestampRouter", nil, connectors.Record{Topic: "t"}, "data error: Timestamp missing on record: topic t"},
		{"org.apache.kafka.connect.transforms.Cast$Value", map[string]string{"spec": "int32"},
			connectors.Record{Value: "x"}, `data error: Value (x) was out of range for requested data type: strconv.ParseInt: parsing "x": invalid syntax`},
	}
	for _, tt := range tests {
		in := tt.in
		_, err := newTransform(t, tt.class, tt.props).Apply(&in)
		if err == nil || err.Error() != tt.want || !errors.Is(err, errData) {
			t.Errorf("%s: error %v, want %q", tt.class, err, tt.want)
		}
	}
}

// Configurations Kafka rejects are rejected at Configure.
func TestConfigureErrors(t *testing.T) {
	tests := []struct {
		class string
		props map[string]string
		want  string
	}{
		{"RegexRouter", map[string]string{"regex": "x"}, `configure RegexRouter: Missing required configuration "replacement" which has no default value.`},
		{"org.apache.kafka.connect.transforms.SetSchemaMetadata$Value", nil, "configure SetSchemaMetadata: Neither schema name nor version configured"},
		{"org.apache.kafka.connect.transforms.Cast$Value", map[string]string{"spec": "a:int128"}, "configure Cast: Invalid value [a:int128] for configuration spec: Invalid type found in casting spec: int128"},
		{"org.apache.kafka.connect.transforms.HeaderFrom$Value", map[string]string{"fields": "a,b", "headers": "h", "operation": "copy"},
			"configure HeaderFrom: 'fields' config must have the same number of elements as 'headers' config."},
		{"org.apache.kafka.connect.transforms.ReplaceField$Value", map[string]string{"renames": "a"}, "configure ReplaceField: Invalid value [a] for configuration renames: Invalid rename mapping: a"},
	}
	for _, tt := range tests {
		tr, err := registry().NewTransformation(tt.class)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Configure(tt.props); err == nil || err.Error() != tt.want {
			t.Errorf("%s: Configure error %v, want %q", tt.class, err, tt.want)
		}
	}
}

func TestPredicates(t *testing.T) {
	tests := []struct {
		class string
		props map[string]string
		in    connectors.Record
		want  bool
	}{
		{"TopicNameMatches", map[string]string{"pattern": "my-prefix-.*"}, connectors.Record{Topic: "my-prefix-orders"}, true},
		{"TopicNameMatches", map[string]string{"pattern": "orders"}, connectors.Record{Topic: "my-orders"}, false},
		{"HasHeaderKey", map[string]string{"name": "h"}, connectors.Record{Headers: []connectors.Header{{Key: "h"}}}, true},
		{"HasHeaderKey", map[string]string{"name": "h"}, connectors.Record{Headers: []connectors.Header{{Key: "x"}}}, false},
		{"RecordIsTombstone", nil, connectors.Record{Key: "k"}, true},
		{"RecordIsTombstone", nil, connectors.Record{Value: "v"}, false},
	}
	for _, tt := range tests {
		p, err := registry().NewPredicate(tt.class)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Configure(tt.props); err != nil {
			t.Fatalf("%s: %v", tt.class, err)
		}
		if got := p.Test(&tt.in); got != tt.want {
			t.Errorf("%s %v on %+v = %v", tt.class, tt.props, tt.in, got)
		}
	}
}

func TestJavaReplacement(t *testing.T) {
	for in, want := range map[string]string{"$1": "${1}", "a$12b": "a${12}b", `\$1`: "$$1", "x": "x", "${name}": "${name}"} {
		if got := javaReplacement(in); got != want {
			t.Errorf("javaReplacement(%q) = %q, want %q", in, got, want)
		}
	}
}
