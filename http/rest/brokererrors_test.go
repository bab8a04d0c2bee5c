package rest

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/internal/brokerfault"
)

// A source task whose records the broker refuses goes FAILED with a trace that names
// Kafka's error; once the broker accepts writes again, a restart of the task delivers every
// line exactly once.
func TestTaskFailureNamesKafkaError(t *testing.T) {
	srv, f := newTestServer(t)
	name, topic := f.name("refused"), f.name("refused-topic")
	var armed atomic.Bool
	armed.Store(true)
	f.stack.rejectProduce(t, topic, kerr.InvalidRecord.Code, &armed)
	config := f.sourceConfig(1)
	config["topic"] = topic
	mustCreate(t, srv, name, config)
	lines := []string{"one", "two", "three"}
	appendLines(t, f.file, lines...)
	st := f.waitStatus(name, "task 0 FAILED", func(st ConnectorStateInfo) bool {
		return len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	})
	if trace := st.Tasks[0].Trace; !strings.Contains(trace, "INVALID_RECORD") {
		t.Errorf("trace of the failed task does not name INVALID_RECORD:\n%s", trace)
	}
	if log := f.stack.logs.String(); !slices.ContainsFunc(strings.Split(log, "\n"), func(l string) bool {
		return strings.Contains(l, `msg="task failed"`) && strings.Contains(l, name) && strings.Contains(l, "INVALID_RECORD")
	}) {
		t.Errorf("no log line names INVALID_RECORD for %s", name)
	}

	armed.Store(false)
	if r := call(t, srv, http.MethodPost, path(name, "/tasks/0/restart"), ""); r.status != http.StatusNoContent {
		t.Fatalf("restart task 0: %d %s", r.status, r.body)
	}
	f.waitRunning(name, 1)
	appendLines(t, f.file, "four")
	got := payloads(f.waitRecords(topic, 4))
	if want := append(lines, "four"); !slices.Equal(got, want) {
		t.Errorf("topic holds %q, want %q exactly once", got, want)
	}
}

// rejectProduce makes the broker answer every Produce to topic with code while armed holds.
func (s *testStack) rejectProduce(tb testing.TB, topic string, code int16, armed *atomic.Bool) {
	var done atomic.Bool
	tb.Cleanup(func() { done.Store(true) })
	// Created first, so that its ID is known: the source producer names topics by ID.
	if s.cluster.TopicInfo(topic) == nil {
		if err := s.cluster.CreateTopic(topic, 1, nil); err != nil {
			tb.Fatal(err)
		}
	}
	id := s.cluster.TopicInfo(topic).TopicID
	s.cluster.ControlKey(kmsg.Produce.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		if done.Load() {
			s.cluster.DropControl()
			return nil, nil, false
		}
		s.cluster.KeepControl()
		req := kreq.(*kmsg.ProduceRequest)
		if !armed.Load() || !slices.ContainsFunc(req.Topics, func(t kmsg.ProduceRequestTopic) bool { return brokerfault.Names(t, topic, id) }) {
			return nil, nil, false
		}
		return brokerfault.RejectProduce(req, code), nil, true
	})
}
