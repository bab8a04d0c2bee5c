package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/wait"
)

// The header converter and converters of connectors/javaplugin/testdata/contextual.
const (
	prefixHeaderConverter = "com.example.contextual.PrefixHeaderConverter" // a HeaderConverter and a Converter
	taggingConverter      = "com.example.contextual.TaggingConverter"
	headerSource          = "com.example.contextual.HeaderSourceConnector"
	headerSink            = "com.example.contextual.HeaderSinkConnector"
	goStringConverter     = "org.apache.kafka.connect.storage.StringConverter"
)

// headersOf is a consumed record's headers as key=value texts, in order.
func headersOf(r *kgo.Record) []string {
	var out []string
	for _, h := range r.Headers {
		out = append(out, h.Key+"="+string(h.Value))
	}
	return out
}

// TestJavaHeaderConverterEndToEnd runs Java header converters and header-aware Java converters
// from plugin.path on a real worker, as Kafka Connect runs them: a header converter that is a
// Converter too is listed under both types, with its version; GET /connector-plugins/{p}/config
// and validate (under header.converter.) show its ConfigDef; the worker's header.converter names it, and a connector's
// header.converter (with its plugin version) too. A Java source's record headers reach the
// topic as the Java header converter wrote them, with the header the value converter added in
// fromConnectData(topic, headers, ...) after seeing them; a Java sink reading them back gets
// the header values the header converter read, and the value the converter read with the
// record's headers.
func TestJavaHeaderConverterEndToEnd(t *testing.T) {
	w := startWorker(t, map[string]string{"plugin.path": contextualPluginPath(t), "header.converter": prefixHeaderConverter},
		withStartTimeout(javaStart))

	type info struct{ Class, Type, Version string }
	var plugins []info
	w.mustDo("GET", "/connector-plugins?connectorsOnly=false", nil, 200, &plugins)
	for _, want := range []info{{prefixHeaderConverter, "header_converter", "2.0-test"}, {prefixHeaderConverter, "converter", "2.0-test"},
		{taggingConverter, "converter", ""}} { // not Versioned: no version, as Kafka lists it
		if !slices.Contains(plugins, want) {
			t.Errorf("connectorsOnly=false does not list %+v: %+v", want, slices.DeleteFunc(slices.Clone(plugins), func(p info) bool { return !strings.HasPrefix(p.Class, "com.example") }))
		}
	}
	w.mustDo("GET", "/connector-plugins", nil, 200, &plugins)
	for _, p := range plugins {
		if p.Class == prefixHeaderConverter {
			t.Errorf("the connectors' listing holds %+v", p)
		}
	}

	var keys []struct {
		Name string `json:"name"`
	}
	w.mustDo("GET", "/connector-plugins/PrefixHeaderConverter/config?version=2.0-test", nil, 200, &keys)
	if len(keys) != 1 || keys[0].Name != "prefix" {
		t.Errorf("the header converter's plugin config is %+v, want its ConfigDef (prefix)", keys)
	}

	var infos struct {
		ErrorCount int `json:"error_count"`
		Configs    []struct {
			Definition struct {
				Name         string  `json:"name"`
				DefaultValue *string `json:"default_value"`
				Doc          string  `json:"documentation"`
			} `json:"definition"`
			Value struct {
				Name   string   `json:"name"`
				Value  *string  `json:"value"`
				Errors []string `json:"errors"`
			} `json:"value"`
		} `json:"configs"`
	}
	w.mustDo("PUT", "/connector-plugins/HeaderSourceConnector/config/validate", map[string]string{
		"connector.class": headerSource, "name": "v", "lines": "a", "topic": "t",
		"header.converter": "PrefixHeaderConverter", "header.converter.prefix": "P:", "header.converter.plugin.version": "2.0-test",
	}, 200, &infos)
	found := false
	for _, c := range infos.Configs {
		if c.Definition.Name == "header.converter.prefix" {
			found = true
			if c.Definition.DefaultValue == nil || *c.Definition.DefaultValue != "H:" || c.Definition.Doc != "Stored before each header value." ||
				c.Value.Value == nil || *c.Value.Value != "P:" {
				t.Errorf("validate shows header.converter.prefix as %+v", c)
			}
		}
	}
	if !found || infos.ErrorCount != 0 {
		t.Errorf("validate: header.converter.prefix shown %v, %d errors: %+v", found, infos.ErrorCount, infos.Configs)
	}

	topic := w.topic("headed")
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": map[string]string{
		"connector.class": headerSource, "tasks.max": "1", "lines": "abc,xyz", "topic": topic,
		"value.converter": taggingConverter, // the worker's header.converter: the Java one
	}}, 201, nil)
	recs := readTopic(t, w.broker, topic, 2)
	if len(recs) != 2 {
		t.Fatalf("%d records on %s, want 2", len(recs), topic)
	}
	for i, v := range []string{"abc", "xyz"} {
		want := []string{"h=H:" + v, "tag=tag:" + v + ";h=H:" + v}
		if string(recs[i].Value) != v || !slices.Equal(headersOf(recs[i]), want) {
			t.Errorf("record %d: value %q headers %q, want %q and %q", i, recs[i].Value, headersOf(recs[i]), v, want)
		}
	}

	out := filepath.Join(t.TempDir(), "out.txt")
	w.mustDo("POST", "/connectors", map[string]any{"name": "sink", "config": map[string]string{
		"connector.class": headerSink, "tasks.max": "1", "topics": topic, "file": out,
		"value.converter": taggingConverter, "header.converter": prefixHeaderConverter, "header.converter.plugin.version": "2.0-test",
	}}, 201, nil)
	wait.For(t, 2*time.Minute, "the sink file", func() bool { return len(lines(t, out)) >= 2 })
	want := []string{
		"abc|tag:abc;h=H:abc h:STRING=abc tag:STRING=tag:abc;h=H:abc",
		"xyz|tag:xyz;h=H:xyz h:STRING=xyz tag:STRING=tag:xyz;h=H:xyz",
	}
	if got := lines(t, out); !slices.Equal(got, want) {
		t.Errorf("sink file %q, want %q", got, want)
	}
}

// TestJavaHeaderConverterErrors: a Java header converter's exceptions go through Kafka's
// error handling at stage HEADER_CONVERTER. A source whose header converter throws FAILS with
// the Java exception in its trace under errors.tolerance=none and skips the record under
// all; a sink's throwing header converter sends the record to the dead letter queue under all
// (the others put) and FAILS the task under none.
func TestJavaHeaderConverterErrors(t *testing.T) {
	w := startWorker(t, map[string]string{"plugin.path": contextualPluginPath(t)}, withStartTimeout(javaStart))
	source := func(name, topic, tolerance string) {
		w.mustDo("POST", "/connectors", map[string]any{"name": name, "config": map[string]string{
			"connector.class": headerSource, "tasks.max": "1", "lines": "a,boom,c", "topic": topic,
			"header.converter": prefixHeaderConverter, "value.converter": goStringConverter, "errors.tolerance": tolerance,
		}}, 201, nil)
	}
	source("strict", w.topic("strict"), "none")
	trace := waitFailed(t, w, "strict", 0)
	for _, want := range []string{"org.apache.kafka.connect.errors.DataException: cannot store header h boom",
		"at com.example.contextual.PrefixHeaderConverter.fromConnectHeader("} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace of the strict source lacks %q:\n%s", want, trace)
		}
	}
	tolerant := w.topic("tolerant")
	source("tolerant", tolerant, "all")
	recs := readTopic(t, w.broker, tolerant, 2)
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Value)+" "+strings.Join(headersOf(r), ","))
	}
	if !slices.Equal(got, []string{"a h=H:a", "c h=H:c"}) {
		t.Errorf("the tolerant source wrote %q, want a and c with their headers (boom skipped)", got)
	}
	w.waitState("tolerant", "RUNNING", 1)

	// Records with a header the converter cannot read, for two sinks.
	in := w.topic("in")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(rawClientOpts(t, w.broker)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, in); err != nil {
		t.Fatal(err)
	}
	var sent []*kgo.Record
	for _, h := range []string{"H:1", "poison", "H:3"} {
		sent = append(sent, &kgo.Record{Topic: in, Value: []byte("v" + h), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte(h)}}})
	}
	if err := cl.ProduceSync(ctx, sent...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dlq := w.topic("dlq")
	sink := func(name, tolerance string) string {
		out := filepath.Join(dir, name+".txt")
		w.mustDo("POST", "/connectors", map[string]any{"name": name, "config": map[string]string{
			"connector.class": headerSink, "tasks.max": "1", "topics": in, "file": out,
			"header.converter": prefixHeaderConverter, "value.converter": goStringConverter, "errors.tolerance": tolerance,
			"errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1",
			"errors.deadletterqueue.context.headers.enable": "true",
		}}, 201, nil)
		return out
	}
	out := sink("tolerant-sink", "all")
	wait.For(t, 2*time.Minute, "the tolerant sink's file", func() bool { return len(lines(t, out)) >= 2 })
	if got := lines(t, out); !slices.Equal(got, []string{"vH:1 h:STRING=1", "vH:3 h:STRING=3"}) {
		t.Errorf("the tolerant sink put %q, want the records whose header reads", got)
	}
	dead := readTopic(t, w.broker, dlq, 1)
	if len(dead) != 1 {
		t.Fatalf("%d records in the dead letter queue, want 1", len(dead))
	}
	h := map[string]string{}
	for _, x := range dead[0].Headers {
		h[x.Key] = string(x.Value)
	}
	if string(dead[0].Value) != "vpoison" || h["h"] != "poison" || h["__connect.errors.stage"] != "HEADER_CONVERTER" ||
		h["__connect.errors.exception.class.name"] != "org.apache.kafka.connect.errors.DataException" ||
		!strings.Contains(h["__connect.errors.exception.stacktrace"], "at com.example.contextual.PrefixHeaderConverter.toConnectHeader(") {
		t.Errorf("dead letter queue record %q with headers %v, want the poisoned record at stage HEADER_CONVERTER with the Java exception", dead[0].Value, h)
	}
	w.waitState("tolerant-sink", "RUNNING", 1)

	sink("strict-sink", "none")
	trace = waitFailed(t, w, "strict-sink", 0)
	for _, want := range []string{"org.apache.kafka.connect.errors.DataException: cannot read header h poison",
		"at com.example.contextual.PrefixHeaderConverter.toConnectHeader("} {
		if !strings.Contains(trace, want) {
			t.Errorf("trace of the strict sink lacks %q:\n%s", want, trace)
		}
	}
}
