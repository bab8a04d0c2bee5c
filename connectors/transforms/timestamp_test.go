package transforms

import (
	"reflect"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
)

// TestTimestampConverter follows Kafka's TimestampConverterTest vectors: one instant
// (2017-01-02 03:04:05.006 UTC) as each representation, converted to each other, with and
// without a schema, whole value and one field.
func TestTimestampConverter(t *testing.T) {
	const format = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
	const text = "2017-01-02T03:04:05.006+0000"
	ms := ts.UnixMilli()
	date := time.Date(2017, 1, 2, 0, 0, 0, 0, time.UTC)
	clock := time.UnixMilli(ms % 86400000).UTC()
	tests := []struct {
		name     string
		props    map[string]string
		schema   *connectors.Schema
		in, want any
	}{
		{"string to Timestamp", map[string]string{"target.type": "Timestamp", "format": format}, nil, text, ts},
		{"Timestamp to string", map[string]string{"target.type": "string", "format": format}, nil, ts, text},
		{"unix to Timestamp", map[string]string{"target.type": "Timestamp"}, nil, ms, ts},
		{"Timestamp to unix", map[string]string{"target.type": "unix"}, nil, ts, ms},
		{"Timestamp to unix seconds", map[string]string{"target.type": "unix", "unix.precision": "seconds"}, nil, ts, ms / 1000},
		{"unix microseconds to Timestamp", map[string]string{"target.type": "Timestamp", "unix.precision": "microseconds"}, nil, ms * 1000, ts},
		{"Timestamp to Date", map[string]string{"target.type": "Date"}, connectors.TimestampSchema, ts, date},
		{"Timestamp to Time", map[string]string{"target.type": "Time"}, connectors.TimestampSchema, ts, clock},
		{"string schema to unix", map[string]string{"target.type": "unix", "format": format}, connectors.StringSchema, text, ms},
		{"zone offset", map[string]string{"target.type": "unix", "format": "yyyyMMddHHmmssSSSX"}, nil, "20170102050405006+02", ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTransform(t, "org.apache.kafka.connect.transforms.TimestampConverter$Value", tt.props)
			out, err := tr.Apply(&connectors.Record{ValueSchema: tt.schema, Value: tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out.Value, tt.want) {
				t.Errorf("value %#v, want %#v", out.Value, tt.want)
			}
		})
	}

	t.Run("struct field", func(t *testing.T) {
		schema, st := structOf("s", "id", int32s, int32(1), "at", connectors.TimestampSchema, ts)
		tr := newTransform(t, "org.apache.kafka.connect.transforms.TimestampConverter$Key", map[string]string{"target.type": "unix", "field": "at"})
		out, err := tr.Apply(&connectors.Record{KeySchema: schema, Key: st})
		if err != nil {
			t.Fatal(err)
		}
		got := out.Key.(*connectors.Struct)
		if got.Values[1] != ms || got.Schema.Fields[1].Schema.Type != connectors.TypeInt64 || got.Values[0] != int32(1) {
			t.Errorf("struct %+v", got)
		}
	})
	t.Run("map field", func(t *testing.T) {
		tr := newTransform(t, "org.apache.kafka.connect.transforms.TimestampConverter$Value", map[string]string{"target.type": "string", "field": "at", "format": "yyyy-MM-dd"})
		out, err := tr.Apply(&connectors.Record{Value: map[string]any{"at": ms, "x": "y"}})
		if err != nil || !reflect.DeepEqual(out.Value, map[string]any{"at": "2017-01-02", "x": "y"}) {
			t.Errorf("map: %v, %v", out, err)
		}
	})
	t.Run("unparsable", func(t *testing.T) {
		tr := newTransform(t, "org.apache.kafka.connect.transforms.TimestampConverter$Value", map[string]string{"target.type": "unix", "format": "yyyy-MM-dd"})
		if _, err := tr.Apply(&connectors.Record{Value: "nope"}); err == nil || err.Error() != "data error: Could not parse timestamp: value (nope) does not match pattern (yyyy-MM-dd)" {
			t.Errorf("error %v", err)
		}
	})
	for _, props := range []map[string]string{{"target.type": "string"}, {"target.type": "bogus"}, {"target.type": "unix", "format": "yyyy-ww"}} {
		tr, _ := registry().NewTransformation("org.apache.kafka.connect.transforms.TimestampConverter$Value")
		if err := tr.Configure(props); err == nil {
			t.Errorf("Configure(%v) accepted", props)
		}
	}
}

// TestExtractFieldSyntaxV2: field.syntax.version=V2 reads nested fields with dotted paths and
// backticks around names holding dots (KIP-821); V1 reads the whole text as one name.
func TestExtractFieldSyntaxV2(t *testing.T) {
	inner, innerSt := structOf("in", "b", int32s, int32(7))
	outer, outerSt := structOf("out", "a", inner, innerSt, "a.b", str, "dotted")
	tests := []struct {
		field, syntax string
		want          any
	}{
		{"a.b", "V2", int32(7)},
		{"`a.b`", "V2", "dotted"},
		{"a.b", "V1", "dotted"},
	}
	for _, tt := range tests {
		tr := newTransform(t, "org.apache.kafka.connect.transforms.ExtractField$Value", map[string]string{"field": tt.field, "field.syntax.version": tt.syntax})
		out, err := tr.Apply(&connectors.Record{ValueSchema: outer, Value: outerSt})
		if err != nil || out.Value != tt.want {
			t.Errorf("%s %s: %v, %v; want %v", tt.syntax, tt.field, out, err, tt.want)
		}
		tr = newTransform(t, "org.apache.kafka.connect.transforms.ExtractField$Value", map[string]string{"field": tt.field, "field.syntax.version": tt.syntax})
		out, err = tr.Apply(&connectors.Record{Value: map[string]any{"a": map[string]any{"b": int32(7)}, "a.b": "dotted"}})
		if err != nil || out.Value != tt.want {
			t.Errorf("schemaless %s %s: %v, %v; want %v", tt.syntax, tt.field, out, err, tt.want)
		}
	}
	steps := func(text string) []string {
		p, err := parseFieldPath(text, "V2")
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		return p.steps
	}
	for text, want := range map[string][]string{
		"a":          {"a"},
		"a.b.c":      {"a", "b", "c"},
		"`a.b`.c":    {"a.b", "c"},
		"a.":         {"a", ""},
		"`a\\`.b`.c": {"a`.b", "c"},
		"`a`b`":      {"a`b"},
		"x.`y.z`":    {"x", "y.z"},
	} {
		if got := steps(text); !reflect.DeepEqual(got, want) {
			t.Errorf("steps(%q) = %q, want %q", text, got, want)
		}
	}
	if _, err := parseFieldPath("`a.b", "V2"); err == nil {
		t.Error("an open backtick parsed")
	}
	tr, _ := registry().NewTransformation("org.apache.kafka.connect.transforms.ExtractField$Value")
	if err := tr.Configure(map[string]string{"field": "a", "field.syntax.version": "V3"}); err == nil {
		t.Error("field.syntax.version=V3 accepted")
	}
}
