package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/pluginfixture"
	"github.com/connectd/connectd/internal/wait"
)

// contextualPluginPath compiles connectors/javaplugin/testdata/contextual (a sink task that
// uses its whole SinkTaskContext, a Java-only transformation) against Kafka's Connect API into
// a plugin directory of classes.
func contextualPluginPath(t *testing.T) string {
	t.Helper()
	api := pluginfixture.PluginPath(t, "connect-api-"+pluginfixture.KafkaVersion,
		"org.apache.kafka:connect-api:"+pluginfixture.KafkaVersion, "org.apache.kafka:kafka-clients:"+pluginfixture.KafkaVersion)
	jars, _ := filepath.Glob(filepath.Join(api, "*", "*.jar"))
	srcs, _ := filepath.Glob(filepath.Join("..", "..", "connectors", "javaplugin", "testdata", "contextual", "src", "com", "example", "contextual", "*.java"))
	if len(jars) == 0 || len(srcs) == 0 {
		t.Fatalf("nothing to compile: jars %v, sources %v", jars, srcs)
	}
	dir := t.TempDir()
	args := append([]string{"--release", "17", "-cp", strings.Join(jars, string(os.PathListSeparator)), "-d", filepath.Join(dir, "contextual")}, srcs...)
	var out bytes.Buffer
	cmd := exec.Command("javac", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out.String())
	}
	return dir
}

// TestJavaTransformationAndErrantRecords runs a worker whose plugin.path holds a transformation
// that exists only as a Java plugin and a Java sink task that reports records to its
// errantRecordReporter(): a Go FileStream source's records go through the Java transformation
// (a record it throws on skipped under errors.tolerance=all), and the Java sink's reported
// record reaches the dead letter queue with stage TASK_PUT, while the others are put.
func TestJavaTransformationAndErrantRecords(t *testing.T) {
	w := startWorker(t, map[string]string{"plugin.path": contextualPluginPath(t)}, withStartTimeout(javaStart))
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("good\nboom\nbad\nlast\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	topic, dlq := w.topic("shouted"), w.topic("dlq")
	src := sourceConfig(in, topic)
	src["transforms"] = "shout"
	src["transforms.shout.type"] = "com.example.contextual.ShoutValue"
	src["transforms.shout.suffix"] = "!"
	src["errors.tolerance"] = "all"
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": src}, 201, nil)
	w.waitState("src", "RUNNING", 1)
	recs := readTopic(t, w.broker, topic, 3)
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Value))
	}
	want := []string{`"GOOD!"`, `"BAD!"`, `"LAST!"`}
	for i := range want {
		if i >= len(got) || !strings.Contains(got[i], `"payload":`+want[i]) {
			t.Fatalf("topic holds %q, want the payloads %v (boom skipped)", got, want)
		}
	}

	// A second source feeds the Java sink plain lines; the sink reports "bad".
	raw := filepath.Join(dir, "raw.txt")
	if err := os.WriteFile(raw, []byte("good\nbad\nlast\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rawTopic := w.topic("raw")
	w.mustDo("POST", "/connectors", map[string]any{"name": "raw", "config": sourceConfig(raw, rawTopic)}, 201, nil)
	w.mustDo("POST", "/connectors", map[string]any{"name": "sink", "config": map[string]string{
		"connector.class": "com.example.contextual.ContextSinkConnector", "tasks.max": "1", "topics": rawTopic,
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
		"errors.deadletterqueue.topic.replication.factor": "1", "errors.deadletterqueue.context.headers.enable": "true",
	}}, 201, nil)
	w.waitState("sink", "RUNNING", 1)
	dead := readTopic(t, w.broker, dlq, 1)
	if len(dead) != 1 {
		t.Fatalf("%d records in the dead letter queue, want 1", len(dead))
	}
	h := map[string]string{}
	for _, x := range dead[0].Headers {
		h[x.Key] = string(x.Value)
	}
	if !strings.Contains(string(dead[0].Value), `"payload":"bad"`) || h["__connect.errors.stage"] != "TASK_PUT" ||
		h["__connect.errors.offset"] != "1" {
		t.Errorf("dead letter queue record %s with headers %v, want the bad record reported from put at offset 1", dead[0].Value, h)
	}
	w.waitState("sink", "RUNNING", 1) // a tolerated report leaves the task running
	if h["__connect.errors.exception.class.name"] != "java.lang.IllegalArgumentException" || h["__connect.errors.exception.message"] != "bad record at 1" ||
		!strings.Contains(h["__connect.errors.exception.stacktrace"], "at com.example.contextual.ContextSinkTask.put(") {
		t.Errorf("error headers %v, want the Java exception's class, message and trace", h)
	}
}

// TestJavaConverterEndToEnd: a converter that exists only as a Java plugin writes a Go
// FileStream source's records (one it throws on skipped under errors.tolerance=all) and reads
// them back for a Go FileStream sink, which writes the original lines.
func TestJavaConverterEndToEnd(t *testing.T) {
	w := startWorker(t, map[string]string{"plugin.path": contextualPluginPath(t)}, withStartTimeout(javaStart))
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	if err := os.WriteFile(in, []byte("abc\nboom\nxyz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	topic := w.topic("reversed")
	conv := map[string]string{"value.converter": "com.example.contextual.ReverseConverter", "value.converter.prefix": ">", "errors.tolerance": "all"}
	src, sink := sourceConfig(in, topic), sinkConfig(out, topic)
	for k, v := range conv {
		src[k], sink[k] = v, v
	}
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": src}, 201, nil)
	w.mustDo("POST", "/connectors", map[string]any{"name": "sink", "config": sink}, 201, nil)
	recs := readTopic(t, w.broker, topic, 2)
	if len(recs) != 2 || string(recs[0].Value) != ">cba" || string(recs[1].Value) != ">zyx" {
		var got []string
		for _, r := range recs {
			got = append(got, string(r.Value))
		}
		t.Fatalf("topic holds %q, want >cba and >zyx (boom skipped)", got)
	}
	wait.For(t, 2*time.Minute, "the sink file", func() bool { return len(lines(t, out)) >= 2 })
	if got := lines(t, out); !slices.Equal(got, []string{"abc", "xyz"}) {
		t.Errorf("sink file %q, want abc and xyz", got)
	}
}

// TestJavaSinkPreCommitAndSeek: a Java sink task's preCommit() decides what the worker commits
// (one record behind its position here, committed at once because put() requests a commit),
// and a seek in open() makes the task start there: it is put only the records from offset 3.
func TestJavaSinkPreCommitAndSeek(t *testing.T) {
	w := startWorker(t, map[string]string{"plugin.path": contextualPluginPath(t)}, withStartTimeout(javaStart))
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("a\nb\nc\nd\ne\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	topic := w.topic("lines")
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": sourceConfig(in, topic)}, 201, nil)
	if got := readTopic(t, w.broker, topic, 5); len(got) != 5 {
		t.Fatalf("topic holds %d records, want 5", len(got))
	}
	committed := func(name string) float64 {
		var offs struct {
			Offsets []struct {
				Offset map[string]any `json:"offset"`
			} `json:"offsets"`
		}
		w.mustDo("GET", "/connectors/"+name+"/offsets", nil, 200, &offs)
		if len(offs.Offsets) != 1 {
			return -1
		}
		o, _ := offs.Offsets[0].Offset["kafka_offset"].(float64)
		return o
	}
	sink := func(name string, extra map[string]string) {
		c := map[string]string{"connector.class": "com.example.contextual.ContextSinkConnector", "tasks.max": "1", "topics": topic, "request.commit": ""}
		for k, v := range extra {
			c[k] = v
		}
		w.mustDo("POST", "/connectors", map[string]any{"name": name, "config": c}, 201, nil)
		w.waitState(name, "RUNNING", 1)
	}
	sink("lagging", map[string]string{"precommit.lag": "1"})
	wait.For(t, 2*time.Minute, "preCommit's offset committed", func() bool { return committed("lagging") == 4 })
	wait.Holds(t, 3*time.Second, "nothing past what preCommit returned", func() bool { return committed("lagging") == 4 })

	out := filepath.Join(dir, "out.txt")
	sink("seeking", map[string]string{"seek.on.open": "3", "file": out})
	wait.For(t, 2*time.Minute, "the seeking sink's commit", func() bool { return committed("seeking") == 5 })
	if got := lines(t, out); !slices.Equal(got, []string{"d", "e"}) {
		t.Errorf("the sink that seeked to 3 in open() put %q, want d and e", got)
	}
}

// TestTransformPluginVersion: with Apache's connect-transforms JAR on plugin.path beside
// connectd's built-in transforms of the same classes (Kafka Connect 4.1+, KIP-891),
// transforms.<alias>.plugin.version picks which one runs. A Cast$Value that meets a value it
// cannot cast fails the task; the Java one's trace has Cast's Java frames, the built-in's
// none. A version neither has is refused with Kafka's message.
func TestTransformPluginVersion(t *testing.T) {
	w := startWorker(t, map[string]string{"plugin.path": pluginfixture.PluginPath(t, "connect-transforms-"+pluginfixture.KafkaVersion,
		"org.apache.kafka:connect-transforms:"+pluginfixture.KafkaVersion)}, withStartTimeout(javaStart))
	in := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(in, []byte("not a number\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	config := func(version string) map[string]string {
		c := sourceConfig(in, w.topic("cast"))
		c["value.converter"] = "org.apache.kafka.connect.storage.StringConverter"
		c["transforms"] = "c"
		c["transforms.c.type"] = "org.apache.kafka.connect.transforms.Cast$Value"
		c["transforms.c.spec"] = "int32"
		c["transforms.c.plugin.version"] = version
		return c
	}
	const javaFrame = "at org.apache.kafka.connect.transforms.Cast"
	for _, tt := range []struct {
		version string
		java    bool
	}{{pluginfixture.KafkaVersion, true}, {"[4.4,)", false}} {
		name := "cast-" + strings.NewReplacer("[", "", ",", "", ")", "").Replace(tt.version)
		w.mustDo("POST", "/connectors", map[string]any{"name": name, "config": config(tt.version)}, 201, nil)
		var st connectorStatus
		wait.ForNil(t, 60*time.Second, name+"'s task FAILED, the connector RUNNING", func() error {
			st, _ = w.status(name)
			if st.Connector.State != "RUNNING" || len(st.Tasks) != 1 || st.Tasks[0].State != "FAILED" {
				return fmt.Errorf("status %+v", st)
			}
			return nil
		})
		if got := strings.Contains(st.Tasks[0].Trace, javaFrame); got != tt.java {
			t.Errorf("plugin.version %s: trace has Java Cast frames: %v, want %v; trace:\n%s", tt.version, got, tt.java, st.Tasks[0].Trace)
		}
	}
	expectError(t, w, "POST", "/connectors", map[string]any{"name": "cast-none", "config": config("9.9")}, 400,
		"Plugin org.apache.kafka.connect.transforms.Cast$Value not found that matches the version range [9.9,9.9], available versions: [4.4.0, "+pluginfixture.KafkaVersion+"]")
}
