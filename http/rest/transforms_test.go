package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// readValues reads the first n record values of topic from the shared broker with a Kafka
// client of its own, waiting up to waitTimeout for them to arrive.
func readValues(t *testing.T, s *testStack, topic string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.cluster.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	defer cl.Close()
	var got []string
	for len(got) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: got %d of %d records: %q", topic, len(got), n, got)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	return got
}

// writeLines makes a file of lines in the fixture's directory and returns its path.
func (f *fixture) writeLines(name string, lines ...string) string {
	f.tb.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		f.tb.Fatal(err)
	}
	return p
}

// spec §9.1: a source connector's transforms run between poll and convert, so what reaches
// the topic is the transformed record, on the topic RegexRouter chose.
func TestTransformsReachTopic(t *testing.T) {
	srv, f := newTestServer(t)
	name := f.name("src")
	topic := f.prefix + "lines"
	mustCreate(t, srv, name, map[string]string{
		"connector.class": "FileStreamSource", "topic": topic, "file": f.writeLines("in.txt", "hello", "world"),
		"transforms":                    "hoist,insert,route,drop",
		"transforms.hoist.type":         "org.apache.kafka.connect.transforms.HoistField$Value",
		"transforms.hoist.field":        "line",
		"transforms.insert.type":        "org.apache.kafka.connect.transforms.InsertField$Value",
		"transforms.insert.topic.field": "from", "transforms.insert.static.field": "src!", "transforms.insert.static.value": "file",
		"transforms.route.type":        "RegexRouter",
		"transforms.route.regex":       "(.*)lines",
		"transforms.route.replacement": "$1routed",
		// Filter drops only records whose topic is still the original one: none, once routed.
		"transforms.drop.type": "Filter", "transforms.drop.predicate": "original",
		"predicates": "original", "predicates.original.type": "TopicNameMatches", "predicates.original.pattern": ".*lines",
	})
	f.waitRunning(name, 1)
	got := readValues(t, f.stack, f.prefix+"routed", 2)
	schema := `{"type":"struct","fields":[{"type":"string","optional":false,"field":"line"},` +
		`{"type":"string","optional":true,"field":"from"},{"type":"string","optional":false,"field":"src"}],"optional":false}`
	for i, line := range []string{"hello", "world"} {
		want := `{"schema":` + schema + `,"payload":{"line":"` + line + `","from":"` + topic + `","src":"file"}}`
		assertJSON(t, got[i], want)
	}
}

// errors.tolerance=all skips a record its transform fails on; none (the default) fails the
// task with the transform's error in its trace (spec §9.1).
func TestTransformErrors(t *testing.T) {
	srv, f := newTestServer(t)
	castConfig := func(tolerance, topic string) map[string]string {
		c := map[string]string{
			"connector.class": "FileStreamSource", "topic": topic, "file": f.writeLines(topic+".txt", "1", "x", "2"),
			"transforms": "cast", "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value", "transforms.cast.spec": "int32",
		}
		if tolerance != "" {
			c["errors.tolerance"] = tolerance
		}
		return c
	}
	tolerant := f.name("all")
	mustCreate(t, srv, tolerant, castConfig("all", f.prefix+"all"))
	got := readValues(t, f.stack, f.prefix+"all", 2)
	want := []string{`{"schema":{"type":"int32","optional":false},"payload":1}`, `{"schema":{"type":"int32","optional":false},"payload":2}`}
	for i := range want {
		assertJSON(t, got[i], want[i])
	}
	if st := f.waitRunning(tolerant, 1); st.Tasks[0].Trace != "" {
		t.Errorf("tolerant task has a trace: %s", st.Tasks[0].Trace)
	}

	strict := f.name("none")
	mustCreate(t, srv, strict, castConfig("", f.prefix+"none"))
	st := f.waitStatus(strict, "task FAILED", func(st ConnectorStateInfo) bool {
		return len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	})
	if !strings.Contains(st.Tasks[0].Trace, "transform cast") || !strings.Contains(st.Tasks[0].Trace, "Value (x) was out of range") {
		t.Errorf("trace does not name the transform and its error:\n%s", st.Tasks[0].Trace)
	}
	r := call(t, srv, http.MethodGet, path(strict, "/status"), "")
	var info ConnectorStateInfo
	if err := json.Unmarshal([]byte(r.body), &info); err != nil || info.Connector.State != "RUNNING" {
		t.Errorf("connector of a failed task: %d %s", r.status, r.body)
	}
}
