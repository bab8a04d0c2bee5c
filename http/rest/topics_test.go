package rest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Active topics on the real stack (spec §3.18, §3.19; ConnectorTopicsIntegrationTest): empty
// before creation and for unknown connectors, populated by a source and a sink, cleared by a
// reset and re-populated by further use, cleared by deletion.
func TestActiveTopics(t *testing.T) {
	srv, f := newTestServer(t)
	topic := f.name("topic")
	src, sink := f.name("src"), f.name("sink")

	f.waitJSON(path(src, "/topics"), `{"`+src+`":{"topics":[]}}`)
	if r := call(t, srv, http.MethodPut, path(f.name("nobody"), "/topics/reset"), ""); r.status != http.StatusAccepted || r.body != "" {
		t.Errorf("reset of an unknown connector: %d %q, want 202 and no body", r.status, r.body)
	}

	appendLines(t, f.file, "one")
	srcConfig := f.sourceConfig(1)
	srcConfig["topic"] = topic
	mustCreate(t, srv, src, srcConfig)
	mustCreate(t, srv, sink, map[string]string{"connector.class": fileSink, "topics": topic, "file": f.dir + "/out.txt"})
	f.waitJSON(path(src, "/topics"), `{"`+src+`":{"topics":["`+topic+`"]}}`)
	f.waitJSON(path(sink, "/topics"), `{"`+sink+`":{"topics":["`+topic+`"]}}`)

	r := call(t, srv, http.MethodPut, path(src, "/topics/reset"), "")
	if r.status != http.StatusAccepted || r.body != "" {
		t.Fatalf("reset: %d %q, want 202 and no body", r.status, r.body)
	}
	// The reset is visible when it is acknowledged.
	assertJSON(t, call(t, srv, http.MethodGet, path(src, "/topics"), "").body, `{"`+src+`":{"topics":[]}}`)
	appendLines(t, f.file, "two")
	f.waitJSON(path(src, "/topics"), `{"`+src+`":{"topics":["`+topic+`"]}}`)

	if r := call(t, srv, http.MethodDelete, path(src, ""), ""); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	f.waitJSON(path(src, "/topics"), `{"`+src+`":{"topics":[]}}`)
}

// topic.tracking.enable and topic.tracking.allow.reset (spec §3.18, §3.19;
// ConnectorsResourceTest): 403s with Kafka Connect's texts, checked before anything else.
func TestTopicTrackingSettings(t *testing.T) {
	tests := []struct {
		name          string
		enable, reset bool
		getStatus     int
		getMsg        string
		resetStatus   int
		resetMsg      string
	}{
		{name: "disabled", enable: false, reset: true, getStatus: 403, getMsg: "Topic tracking is disabled.", resetStatus: 403, resetMsg: "Topic tracking is disabled."},
		{name: "disabled and no reset", enable: false, reset: false, getStatus: 403, getMsg: "Topic tracking is disabled.", resetStatus: 403, resetMsg: "Topic tracking is disabled."},
		{name: "reset disallowed", enable: true, reset: false, getStatus: 200, resetStatus: 403, resetMsg: "Topic tracking reset is disabled."},
		{name: "defaults", enable: true, reset: true, getStatus: 200, resetStatus: 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serveBackend(t, realBackend(t), WithTopicTracking(tt.enable, tt.reset))
			for _, name := range []string{"some-connector", "a/b c"} {
				get := call(t, srv, http.MethodGet, path(name, "/topics"), "")
				if tt.getMsg != "" {
					assertError(t, get, tt.getStatus, tt.getMsg)
				} else if get.status != tt.getStatus {
					t.Errorf("GET topics: %d %s, want %d", get.status, get.body, tt.getStatus)
				} else {
					assertJSON(t, get.body, fmt.Sprintf(`{%q:{"topics":[]}}`, name))
				}
				reset := call(t, srv, http.MethodPut, path(name, "/topics/reset"), "")
				if tt.resetMsg != "" {
					assertError(t, reset, tt.resetStatus, tt.resetMsg)
				} else if reset.status != tt.resetStatus {
					t.Errorf("PUT topics/reset: %d %s, want %d", reset.status, reset.body, tt.resetStatus)
				}
			}
		})
	}
}

// appendLines appends one line per argument to file.
func appendLines(tb testing.TB, file string, lines ...string) {
	tb.Helper()
	fh, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		tb.Fatal(err)
	}
}

// waitRecords reads topic from its start with an independent Kafka client until it holds n
// records, and returns their values; more than n is a failure, as is a timeout.
func (f *fixture) waitRecords(topic string, n int) []string {
	f.tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.stack.cluster.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		f.tb.Fatalf("kgo: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var values []string
	for len(values) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			f.tb.Fatalf("topic %s: %d records after %v, want %d: %q", topic, len(values), waitTimeout, n, values)
		}
		fs.EachRecord(func(r *kgo.Record) { values = append(values, string(r.Value)) })
	}
	// Anything beyond n would come in the next fetches; one more short poll catches a surplus
	// that is already there.
	short, cancelShort := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelShort()
	cl.PollFetches(short).EachRecord(func(r *kgo.Record) { values = append(values, string(r.Value)) })
	if len(values) != n {
		f.tb.Fatalf("topic %s: %d records, want %d: %q", topic, len(values), n, values)
	}
	return values
}

// payloads extracts the string payloads of JsonConverter envelopes, in order.
func payloads(values []string) []string {
	return slices.Collect(func(yield func(string) bool) {
		for _, v := range values {
			_, p, _ := strings.Cut(v, `"payload":`)
			if !yield(strings.Trim(p, `"}`)) {
				return
			}
		}
	})
}
