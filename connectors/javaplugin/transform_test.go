package javaplugin

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/pluginfixture"
)

// Kafka's own transformations and predicates from the connect-transforms 4.3.1 JAR and a
// Java-only test transformation run on batches of Go records: each result is what the Java
// class computes (schemas and Structs included), a record that throws fails alone, a dropped
// record is nil, and the predicate tests every record of the batch.
func TestJavaTransformationsAndPredicates(t *testing.T) {
	transforms := pluginfixture.PluginPath(t, "connect-transforms-"+pluginfixture.KafkaVersion,
		"org.apache.kafka:connect-transforms:"+pluginfixture.KafkaVersion)
	probe := newContextHost(t)
	h := newTestHost(t, Config{PluginPath: append(slices.Clone(probe.cfg.PluginPath), transforms)})
	probe.Close()
	plugins, err := h.Plugins(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]connectors.PluginType{}
	for _, p := range plugins {
		kinds[p.Class] = p.Type
	}
	if kinds["com.example.contextual.ShoutValue"] != connectors.TransformationType ||
		kinds["org.apache.kafka.connect.transforms.predicates.TopicNameMatches"] != connectors.PredicateType {
		t.Errorf("Plugins lists %v, want the transformations and predicates of plugin.path", kinds)
	}

	configure := func(t *testing.T, c interface{ Configure(map[string]string) error }, props map[string]string) {
		t.Helper()
		if err := c.Configure(props); err != nil {
			t.Fatal(err)
		}
	}
	at := time.UnixMilli(1_700_000_000_000).UTC()
	off := int64(42)
	schemaless := func(topic string, value any) *connectors.Record {
		return &connectors.Record{Topic: topic, Value: value, Timestamp: at, Offset: &off,
			Headers: []connectors.Header{{Key: "h", Value: "x"}}}
	}

	t.Run("a Java-only transformation", func(t *testing.T) {
		tr := h.NewTransformation("com.example.contextual.ShoutValue", "")
		defer tr.Close()
		if def := tr.Config(); len(def) != 1 || def[0].Name != "suffix" {
			t.Errorf("Config = %+v, want the plugin's ConfigDef", def)
		}
		configure(t, tr, map[string]string{"suffix": "!"})
		out, errs, err := tr.(connectors.BatchTransformation).ApplyBatch([]*connectors.Record{
			schemaless("t", "hello"), schemaless("t", "boom"), schemaless("t", "drop"), schemaless("t", "world")})
		if err != nil {
			t.Fatal(err)
		}
		if out[0] == nil || out[0].Value != "HELLO!" || out[0].Topic != "t" || !out[0].Timestamp.Equal(at) ||
			out[0].Offset == nil || *out[0].Offset != 42 || len(out[0].Headers) != 1 || out[0].Headers[0].Value != "x" {
			t.Errorf("record 0 = %+v, want HELLO! with its topic, timestamp, offset and header", out[0])
		}
		var je *JavaError
		if errs == nil || !errors.As(errs[1], &je) || je.Class != "org.apache.kafka.connect.errors.DataException" || je.Message != "cannot shout boom" || out[1] != nil {
			t.Errorf("record 1 = %+v, %v; want the DataException", out[1], errs)
		}
		if out[2] != nil || errs[2] != nil {
			t.Errorf("record 2 = %+v, %v; want dropped", out[2], errs[2])
		}
		if out[3] == nil || out[3].Value != "WORLD!" || errs[3] != nil {
			t.Errorf("record 3 = %+v, %v; want WORLD!", out[3], errs[3])
		}
	})
	t.Run("Kafka's InsertField on a Struct", func(t *testing.T) {
		tr := h.NewTransformation("org.apache.kafka.connect.transforms.InsertField$Value", "")
		defer tr.Close()
		configure(t, tr, map[string]string{"static.field": "origin", "static.value": "java", "topic.field": "topic"})
		schema := &connectors.Schema{Type: connectors.TypeStruct, Name: "row", Fields: []connectors.Field{{Name: "id", Schema: &connectors.Schema{Type: connectors.TypeInt64}}}}
		in := &connectors.Record{Topic: "orders", ValueSchema: schema, Value: &connectors.Struct{Schema: schema, Values: []any{int64(7)}}}
		got, err := tr.Apply(in)
		if err != nil {
			t.Fatal(err)
		}
		s, ok := got.Value.(*connectors.Struct)
		if !ok || got.ValueSchema == nil || len(got.ValueSchema.Fields) != 3 {
			t.Fatalf("InsertField = %+v, want a Struct with two fields more", got)
		}
		if s.Get("id") != int64(7) || s.Get("origin") != "java" || s.Get("topic") != "orders" {
			t.Errorf("InsertField struct = %+v", s)
		}
	})
	t.Run("Kafka's TopicNameMatches", func(t *testing.T) {
		p := h.NewPredicate("org.apache.kafka.connect.transforms.predicates.TopicNameMatches", "")
		defer p.Close()
		configure(t, p, map[string]string{"pattern": "drop-.*"})
		got, err := p.(connectors.BatchPredicate).TestBatch([]*connectors.Record{schemaless("keep", 1), schemaless("drop-1", 2), schemaless("keep-2", 3)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []bool{false, true, false}) {
			t.Errorf("test = %v, want only drop-1 to match", got)
		}
		if !p.Test(schemaless("drop-x", 1)) {
			t.Error("Test(drop-x) = false")
		}
	})
}

// A Java-only converter converts a batch of keys or values in one call each way: each result
// is the Java class's, an item it throws on fails alone, null stays null.
func TestJavaConverter(t *testing.T) {
	h := newContextHost(t)
	c := h.NewConverter("com.example.contextual.ReverseConverter", "")
	defer c.(interface{ Close() error }).Close()
	if def := c.Config(); len(def) != 1 || def[0].Name != "prefix" {
		t.Errorf("Config = %+v, want the plugin's ConfigDef", def)
	}
	if err := c.Configure(map[string]string{"prefix": ">"}, false); err != nil {
		t.Fatal(err)
	}
	bc := c.(connectors.BatchConverter)
	data, errs, err := bc.FromConnectDataBatch([]connectors.ConnectData{
		{Topic: "t", Schema: connectors.StringSchema, Value: "abc"}, {Topic: "t", Value: "boom"}, {Topic: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	var je *JavaError
	if string(data[0]) != ">cba" || errs == nil || !errors.As(errs[1], &je) || je.Message != "cannot store boom" || data[2] != nil || errs[2] != nil {
		t.Errorf("fromConnectData = %q, %v; want >cba, the DataException, null", data, errs)
	}
	out, errs, err := bc.ToConnectDataBatch([]connectors.RawData{{Topic: "t", Data: []byte(">cba")}, {Topic: "t", Data: []byte("moob")}, {Topic: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Value != "abc" || out[0].Schema == nil || out[0].Schema.Type != connectors.TypeString || errs == nil || errs[1] == nil ||
		out[2].Value != nil || out[2].Schema != nil || errs[2] != nil {
		t.Errorf("toConnectData = %+v, %v; want abc as a string, the DataException, null", out, errs)
	}
	if b, err := c.FromConnectData("t", nil, "xy"); err != nil || string(b) != ">yx" {
		t.Errorf("FromConnectData = %q, %v", b, err)
	}
}
