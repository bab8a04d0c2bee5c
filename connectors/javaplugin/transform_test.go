package javaplugin

import (
	"errors"
	"slices"
	"strings"
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

// TestJavaHeaderConverter: a Java HeaderConverter from plugin.path (whose class is a Converter
// too) is listed under both types and made and configured as a header converter (it refuses a
// configure without converter.type=header); a batch of headers crosses in one call each way,
// a header it throws on failing alone; its single-header calls work.
func TestJavaHeaderConverter(t *testing.T) {
	const class = "com.example.contextual.PrefixHeaderConverter"
	h := newContextHost(t)
	plugins, err := h.Plugins(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	var types []connectors.PluginType
	for _, p := range plugins {
		if p.Class == class {
			types = append(types, p.Type)
			if p.Version != "2.0-test" {
				t.Errorf("%s %s has version %q", class, p.Type, p.Version)
			}
		}
	}
	if !slices.Equal(types, []connectors.PluginType{connectors.ConverterType, connectors.HeaderConverterType}) {
		t.Errorf("%s listed as %v, want converter and header_converter", class, types)
	}
	c := h.NewHeaderConverter(class, "")
	defer c.(interface{ Close() error }).Close()
	if def := c.Config(); len(def) != 1 || def[0].Name != "prefix" {
		t.Errorf("Config = %+v, want the plugin's ConfigDef", def)
	}
	if err := c.Configure(map[string]string{"prefix": "P:"}); err != nil {
		t.Fatal(err)
	}
	bc := c.(connectors.BatchHeaderConverter)
	data, errs, err := bc.FromConnectHeaderBatch([]connectors.HeaderData{
		{Topic: "t", Key: "a", Schema: connectors.StringSchema, Value: "x"}, {Topic: "t", Key: "b", Value: "boom"}, {Topic: "t", Key: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	var je *JavaError
	if string(data[0]) != "P:x" || errs == nil || !errors.As(errs[1], &je) || je.Message != "cannot store header b boom" || data[2] != nil || errs[2] != nil {
		t.Errorf("fromConnectHeader = %q, %v; want P:x, the DataException, null", data, errs)
	}
	out, errs, err := bc.ToConnectHeaderBatch([]connectors.HeaderData{{Topic: "t", Key: "a", Data: []byte("P:x")}, {Topic: "t", Key: "b", Data: []byte("poison")}, {Topic: "t", Key: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Value != "x" || out[0].Key != "a" || out[0].Schema == nil || out[0].Schema.Type != connectors.TypeString || errs == nil || errs[1] == nil ||
		out[2].Value != nil || out[2].Schema != nil || errs[2] != nil {
		t.Errorf("toConnectHeader = %+v, %v; want x as a string, the DataException, null", out, errs)
	}
	if b, err := c.FromConnectHeader("t", "k", nil, "y"); err != nil || string(b) != "P:y" {
		t.Errorf("FromConnectHeader = %q, %v", b, err)
	}
	if s, v, err := c.ToConnectHeader("t", "k", []byte("P:y")); err != nil || v != "y" || s == nil {
		t.Errorf("ToConnectHeader = %v, %v, %v", s, v, err)
	}
}

// TestJavaConverterHeaders: a Java converter is given each item's headers, as Kafka's
// fromConnectData(topic, headers, schema, value) and toConnectData(topic, headers, data) are
// (the test converter throws in the calls without them), and the headers it adds come back in
// the item's Headers; an item without headers is given empty ones.
func TestJavaConverterHeaders(t *testing.T) {
	h := newContextHost(t)
	c := h.NewConverter("com.example.contextual.TaggingConverter", "")
	defer c.(interface{ Close() error }).Close()
	if err := c.Configure(nil, false); err != nil {
		t.Fatal(err)
	}
	bc := c.(connectors.BatchConverter)
	withH := []connectors.RawHeader{{Key: "h", Value: []byte("H:a")}, {Key: "n"}}
	var none []connectors.RawHeader
	data, errs, err := bc.FromConnectDataBatch([]connectors.ConnectData{
		{Topic: "t", Schema: connectors.StringSchema, Value: "a", Headers: &withH}, {Topic: "t", Value: "b", Headers: &none}})
	if err != nil || errs != nil {
		t.Fatal(err, errs)
	}
	wantA := []connectors.RawHeader{{Key: "h", Value: []byte("H:a")}, {Key: "n"}, {Key: "tag", Value: []byte("tag:a;h=H:a;n=null")}}
	wantB := []connectors.RawHeader{{Key: "tag", Value: []byte("tag:b")}}
	eq := func(a, b connectors.RawHeader) bool {
		return a.Key == b.Key && string(a.Value) == string(b.Value) && (a.Value == nil) == (b.Value == nil)
	}
	if string(data[0]) != "a" || string(data[1]) != "b" || !slices.EqualFunc(withH, wantA, eq) || !slices.EqualFunc(none, wantB, eq) {
		t.Errorf("fromConnectData = %q with headers %q and %q, want a and b with %q and %q", data, withH, none, wantA, wantB)
	}
	out, errs, err := bc.ToConnectDataBatch([]connectors.RawData{{Topic: "t", Data: []byte("a"), Headers: withH}, {Topic: "t", Data: []byte("b")}})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Value != "a|tag:a;h=H:a;n=null" || errs == nil || errs[0] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), "no tag header") {
		t.Errorf("toConnectData = %+v, %v; want a with its tag, and no tag header for b", out, errs)
	}
}
