package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/wait"
)

// TestConfigProviderSecret: a FileConfigProvider secret reaches the plugin (the sink writes
// to the path it names) and nothing else: not the config topic, no REST response (config,
// tasks, status, validate, offsets, expand), no log line, and not a failed task's trace.
// A placeholder that does not resolve is refused at create.
func TestConfigProviderSecret(t *testing.T) {
	secret := fmt.Sprintf("s3cret-%d", time.Now().UnixNano())
	badSecret := secret + "-missing-dir"
	base := t.TempDir()
	secretDir := filepath.Join(base, secret)
	if err := os.Mkdir(secretDir, 0o700); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(secretDir, "out.txt")
	creds := writeFile(t, base, "creds.properties", "path="+out+"\nbad=/nonexistent-"+badSecret+"/out.txt\n")
	w := startWorker(t, map[string]string{
		"config.providers":            "file",
		"config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
	})
	placeholder := "${file:" + creds + ":path}"

	in := filepath.Join(base, "in.txt")
	appendLines(t, in, "line", 0, 10)
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": sourceConfig(in, w.topic("t"))}, 201, nil)
	sink := sinkConfig(placeholder, w.topic("t"))
	w.mustDo("POST", "/connectors", map[string]any{"name": "sink", "config": sink}, 201, nil)
	wait.For(t, 60*time.Second, "the sink to write to the secret path", func() bool { return len(lines(t, out)) == 10 })

	bad := sinkConfig("${file:"+creds+":bad}", w.topic("t"))
	w.mustDo("POST", "/connectors", map[string]any{"name": "bad", "config": bad}, 201, nil)
	var trace string
	wait.For(t, 60*time.Second, "the bad sink's task to fail", func() bool {
		st, ok := w.status("bad")
		if !ok || len(st.Tasks) == 0 || st.Tasks[0].State != "FAILED" {
			return false
		}
		trace = st.Tasks[0].Trace
		return true
	})
	if !strings.Contains(trace, "[hidden]") {
		t.Errorf("the failed task's trace does not show the redacted path: %s", trace)
	}

	// Placeholders that do not resolve are validation errors naming the key.
	for _, ph := range []string{"${file:" + creds + ":nokey}", "${file:" + filepath.Join(base, "none.properties") + ":path}"} {
		code, _, body := w.do("POST", "/connectors", map[string]any{"name": "unresolved", "config": sinkConfig(ph, w.topic("t"))})
		if code != 400 || !strings.Contains(string(body), "Invalid value for configuration file") {
			t.Errorf("create with %s: %d %s; want 400 naming file", ph, code, body)
		}
	}

	// Every REST answer about the connectors shows the placeholder, never the value.
	var answers strings.Builder
	for _, path := range []string{
		"/connectors/sink", "/connectors/sink/config", "/connectors/sink/tasks", "/connectors/sink/status",
		"/connectors/sink/tasks/0/status", "/connectors/sink/offsets", "/connectors/sink/topics",
		"/connectors/bad", "/connectors/bad/config", "/connectors/bad/tasks", "/connectors/bad/status", "/connectors/bad/tasks/0/status",
		"/connectors?expand=info&expand=status",
	} {
		code, _, b := w.do("GET", path, nil)
		if code != 200 {
			t.Errorf("GET %s: %d %s", path, code, b)
		}
		answers.Write(b)
	}
	for _, cfg := range []map[string]string{sink, bad} {
		_, _, b := w.do("PUT", "/connector-plugins/FileStreamSinkConnector/config/validate", cfg)
		answers.Write(b)
	}
	_, _, b := w.do("GET", "/connectors/sink/config", nil)
	if !strings.Contains(string(b), strings.ReplaceAll(placeholder, "/", `/`)) {
		t.Errorf("GET config does not keep the placeholder: %s", b)
	}
	if s := answers.String(); strings.Contains(s, secret) {
		t.Errorf("a REST answer shows the resolved secret:\n%s", s)
	}
	// Nor the config topic (connector and task configs), nor the log (at debug level).
	configs := readTopicFor(t, w.broker, w.props["config.storage.topic"], 5*time.Second)
	if len(configs) == 0 {
		t.Fatal("read nothing from the config topic")
	}
	for _, r := range configs {
		if strings.Contains(string(r.Value), secret) {
			t.Errorf("the config topic holds the resolved secret: %s", r.Value)
		}
	}
	logText, err := os.ReadFile(w.logPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(logText), secret) || strings.Contains(url.PathEscape(string(logText)), url.PathEscape(secret)) {
		t.Errorf("the worker log shows the resolved secret")
	}
}

// readTopicFor reads topic from its start for d, with an independent client.
func readTopicFor(t testing.TB, broker, topic string, d time.Duration) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(append(rawClientOpts(t, broker), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var recs []*kgo.Record
	for ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	return recs
}
