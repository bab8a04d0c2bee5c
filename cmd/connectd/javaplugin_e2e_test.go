package main

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/pluginfixture"
	"github.com/connectd/connectd/internal/wait"
)

// End-to-end tests of Java plugins from plugin.path: real workers whose plugin.path holds
// Apache Kafka's connect-file JAR from Maven Central, run by the worker's JVM plugin host.

const (
	javaFileSource = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	javaFileSink   = "org.apache.kafka.connect.file.FileStreamSinkConnector"
	// javaStart bounds a Java worker's start: the first on a machine builds the plugin host.
	javaStart = pluginHostStartTimeout
)

// startJavaWorker starts a worker whose plugin.path holds connect-file (plus props).
func startJavaWorker(t *testing.T, props map[string]string, opts ...workerOption) *worker {
	t.Helper()
	all := map[string]string{"plugin.path": pluginfixture.ConnectFile(t)}
	for k, v := range props {
		all[k] = v
	}
	return startWorker(t, all, append([]workerOption{withStartTimeout(javaStart)}, opts...)...)
}

// javaConfig is a FileStream config that selects the Java plugin of Kafka's version.
func javaConfig(c map[string]string) map[string]string {
	c["connector.plugin.version"] = pluginfixture.KafkaVersion
	return c
}

// TestJavaFileStreamRoundTrip moves lines file → topic → file through Apache's FileStream
// connectors run as Java plugins, and checks that the Java source writes the same bytes as
// connectd's Go FileStream source does for the same file.
func TestJavaFileStreamRoundTrip(t *testing.T) {
	w := startJavaWorker(t, nil)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	const n = 2000
	appendLines(t, in, "line", 0, n)
	javaTopic, goTopic := w.topic("java"), w.topic("go")
	w.mustDo("POST", "/connectors", map[string]any{"name": "jsrc", "config": javaConfig(sourceConfig(in, javaTopic))}, 201, nil)
	w.mustDo("POST", "/connectors", map[string]any{"name": "jsink", "config": javaConfig(sinkConfig(out, javaTopic))}, 201, nil)
	w.mustDo("POST", "/connectors", map[string]any{"name": "gosrc", "config": sourceConfig(in, goTopic)}, 201, nil)
	for _, c := range []string{"jsrc", "jsink", "gosrc"} {
		w.waitState(c, "RUNNING", 1)
	}
	var st struct {
		Connector struct{ Version string } `json:"connector"`
		Tasks     []struct{ Version string }
	}
	w.mustDo("GET", "/connectors/jsrc/status", nil, 200, &st)
	if st.Connector.Version != pluginfixture.KafkaVersion || len(st.Tasks) != 1 || st.Tasks[0].Version != pluginfixture.KafkaVersion {
		t.Errorf("status of the Java source reports versions %+v, want %s", st, pluginfixture.KafkaVersion)
	}
	wait.For(t, 2*time.Minute, "all lines in the Java sink's file", func() bool { return len(lines(t, out)) >= n })
	if got, want := lines(t, out), lines(t, in); !slices.Equal(got, want) {
		t.Fatalf("sink file differs: %d lines, first %q, want %d lines", len(got), got[:min(3, len(got))], len(want))
	}
	javaRecs := readTopic(t, w.broker, javaTopic, n)
	goRecs := readTopic(t, w.broker, goTopic, n)
	if len(javaRecs) != n || len(goRecs) != n {
		t.Fatalf("topics hold %d (Java) and %d (Go) records, want %d each", len(javaRecs), len(goRecs), n)
	}
	for i := range javaRecs {
		j, g := javaRecs[i], goRecs[i]
		if !bytes.Equal(j.Key, g.Key) || !bytes.Equal(j.Value, g.Value) || len(j.Headers) != len(g.Headers) {
			t.Fatalf("record %d: Java key %q value %q headers %d, Go key %q value %q headers %d",
				i, j.Key, j.Value, len(j.Headers), g.Key, g.Value, len(g.Headers))
		}
	}
	if got, want := string(javaRecs[0].Value), `{"schema":{"type":"string","optional":false},"payload":"line-000000"}`; got != want {
		t.Errorf("first record value %s, want %s", got, want)
	}
	// The Java source committed its offsets in Kafka Connect's shape: the position after the
	// last line it read.
	size := int64(n * len("line-000000\n"))
	wait.For(t, time.Minute, "the Java source's offset at the end of its file", func() bool {
		var offs struct {
			Offsets []struct {
				Partition map[string]any `json:"partition"`
				Offset    map[string]any `json:"offset"`
			} `json:"offsets"`
		}
		w.mustDo("GET", "/connectors/jsrc/offsets", nil, 200, &offs)
		return len(offs.Offsets) == 1 && offs.Offsets[0].Partition["filename"] == in && offs.Offsets[0].Offset["position"] == float64(size)
	})
}
