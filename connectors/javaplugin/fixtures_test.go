package javaplugin

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
)

const (
	fileSource = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	fileSink   = "org.apache.kafka.connect.file.FileStreamSinkConnector"
	// testTimeout bounds every wait of these tests: the first one builds the host with Maven.
	testTimeout = 10 * time.Minute
)

var (
	pluginPathOnce sync.Once
	pluginPathDir  string
	pluginPathErr  error
)

// testPluginPath is a real plugin.path holding Apache's connect-file 4.3.1 as a plugin
// directory, fetched from Maven Central by Maven (cached in ~/.m2 after the first run).
func testPluginPath(t testing.TB) string {
	t.Helper()
	pluginPathOnce.Do(func() {
		dir, err := os.MkdirTemp("", "connectd-plugin-path-")
		if err != nil {
			pluginPathErr = err
			return
		}
		pluginPathDir = dir
		var out bytes.Buffer
		cmd := exec.Command("mvn", "-B", "-q", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy",
			"-Dartifact=org.apache.kafka:connect-file:4.3.1", "-DoutputDirectory="+filepath.Join(dir, "connect-file"))
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			pluginPathErr = err
			pluginPathDir = out.String()
		}
	})
	if pluginPathErr != nil {
		t.Fatalf("fetch connect-file into a plugin.path: %v\n%s", pluginPathErr, pluginPathDir)
	}
	return pluginPathDir
}

// testLogger writes the host's log into the test's output when the test fails.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// newTestHost is a Host on the test plugin.path, closed when the test ends.
func newTestHost(t testing.TB, cfg Config) *Host {
	t.Helper()
	if cfg.PluginPath == nil {
		cfg.PluginPath = []string{testPluginPath(t)}
	}
	h, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// offsetMap is a source task context whose offsets come from a map keyed by file name.
type offsetMap map[string]map[string]any

func (o offsetMap) Offsets() connectors.OffsetReader { return o }

func (offsetMap) TransactionContext() connectors.TransactionContext { return nil }

func (o offsetMap) Offset(partition map[string]any) (map[string]any, error) {
	name, _ := partition["filename"].(string)
	return o[name], nil
}

// sinkContext is a sink task context with a fixed assignment that records what the task
// asks of it, as the runtime's pipeline.Sink would act on it.
type sinkContext struct {
	mu         sync.Mutex
	assigned   []connectors.TopicPartition
	seeks      map[connectors.TopicPartition]int64
	paused     []connectors.TopicPartition
	resumed    []connectors.TopicPartition
	commits    int
	retryAfter time.Duration
	reporter   connectors.ErrantRecordReporter
}

func (s *sinkContext) Assignment() []connectors.TopicPartition {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]connectors.TopicPartition(nil), s.assigned...)
}

func (s *sinkContext) Seek(tp connectors.TopicPartition, offset int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seeks == nil {
		s.seeks = map[connectors.TopicPartition]int64{}
	}
	s.seeks[tp] = offset
}

func (s *sinkContext) Pause(tps ...connectors.TopicPartition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paused = append(s.paused, tps...)
}

func (s *sinkContext) Resume(tps ...connectors.TopicPartition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resumed = append(s.resumed, tps...)
}

func (s *sinkContext) RequestCommit() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits++
}

func (s *sinkContext) RetryAfter(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = d
}

func (s *sinkContext) ErrantRecords() connectors.ErrantRecordReporter { return s.reporter }
