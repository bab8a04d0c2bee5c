package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/wait"
)

// Kafka Connect's texts of the offsets API (spec §3.21).
const (
	wantNoOffsets  = "Partitions / offsets need to be provided for an alter offsets request"
	wantNotStopped = "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint"
	wantAltered    = "The offsets for this connector have been altered successfully"
	wantReset      = "The offsets for this connector have been reset successfully"
)

// createInState creates connector name through POST /connectors with initial_state state.
func createInState(tb testing.TB, f *fixture, name, state string, config map[string]string) {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "config": config, "initial_state": state})
	if r := call(tb, f.srv, http.MethodPost, "/connectors", string(body)); r.status != http.StatusCreated {
		tb.Fatalf("create %q: %d %s", name, r.status, r.body)
	}
}

// Every refusal of the offsets endpoints, with its status and, where Kafka Connect defines
// one, its exact text (spec §3.20, §3.21, §11.1; OffsetsApiIntegrationTest,
// FileStreamSourceConnectorTest.alterOffsets). Kafka Connect's 500s for bodies Jackson cannot
// map are 400s here (DESIGN.md).
func TestOffsetsRefusals(t *testing.T) {
	srv, f := newTestServer(t)
	running, paused, stopped, stdin, sink := f.name("running"), f.name("paused"), f.name("stopped"), f.name("stdin"), f.name("sink")
	unknown := f.name("unknown")
	mustCreate(t, srv, running, f.sourceConfig(1))
	createInState(t, f, paused, "PAUSED", f.sourceConfig(1))
	createInState(t, f, stopped, "STOPPED", f.sourceConfig(1))
	createInState(t, f, stdin, "STOPPED", map[string]string{"connector.class": fileSource, "topic": "t"})
	createInState(t, f, sink, "STOPPED", map[string]string{"connector.class": fileSink, "topics": "t", "file": filepath.Join(f.dir, "out.txt")})
	f.waitRunning(running, 1)

	valid := `{"offsets":[{"partition":{"filename":"x"},"offset":{"position":1}}]}`
	sinkEntry := func(partition, offset string) string {
		return `{"offsets":[{"partition":` + partition + `,"offset":` + offset + `}]}`
	}
	tests := []struct {
		name, method, connector, body string
		status                        int
		message                       string // "" checks the status only
	}{
		{"GET unknown", http.MethodGet, unknown, "", 404, "Connector " + unknown + " not found"},
		{"PATCH unknown", http.MethodPatch, unknown, valid, 404, "Connector " + unknown + " not found"},
		{"DELETE unknown", http.MethodDelete, unknown, "", 404, "Connector " + unknown + " not found"},
		{"PATCH unknown without offsets", http.MethodPatch, unknown, `{}`, 400, wantNoOffsets},
		{"PATCH running", http.MethodPatch, running, valid, 400, fmt.Sprintf(wantNotStopped, running)},
		{"DELETE running", http.MethodDelete, running, "", 400, fmt.Sprintf(wantNotStopped, running)},
		{"PATCH paused", http.MethodPatch, paused, valid, 400, fmt.Sprintf(wantNotStopped, paused)},
		{"DELETE paused", http.MethodDelete, paused, "", 400, fmt.Sprintf(wantNotStopped, paused)},

		{"empty object", http.MethodPatch, stopped, `{}`, 400, wantNoOffsets},
		{"empty list", http.MethodPatch, stopped, `{"offsets":[]}`, 400, wantNoOffsets},
		{"null list", http.MethodPatch, stopped, `{"offsets":null}`, 400, wantNoOffsets},
		{"null body", http.MethodPatch, stopped, `null`, 400, wantNoOffsets},
		{"array body", http.MethodPatch, stopped, `[]`, 400, ""},
		{"unknown field", http.MethodPatch, stopped, `{"key":[]}`, 400, ""},
		{"offsets an object", http.MethodPatch, stopped, `{"offsets":{}}`, 400, ""},
		{"entry a number", http.MethodPatch, stopped, `{"offsets":[123]}`, 400, ""},
		{"entry unknown field", http.MethodPatch, stopped, `{"offsets":[{"key":"val"}]}`, 400, ""},
		{"partition an array", http.MethodPatch, stopped, `{"offsets":[{"partition":[]}]}`, 400, ""},
		{"offset a string", http.MethodPatch, stopped, `{"offsets":[{"partition":{},"offset":"x"}]}`, 400, ""},
		{"malformed", http.MethodPatch, stopped, `{"offsets":[`, 400, ""},

		{"sink partition null", http.MethodPatch, sink, sinkEntry(`null`, `null`), 400, "The partition for a sink connector offset cannot be null or missing"},
		{"sink partition missing", http.MethodPatch, sink, `{"offsets":[{"offset":null}]}`, 400, "The partition for a sink connector offset cannot be null or missing"},
		{"sink partition empty", http.MethodPatch, sink, sinkEntry(`{}`, `null`), 400, "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"},
		{"sink partition without number", http.MethodPatch, sink, sinkEntry(`{"kafka_topic":"t"}`, `null`), 400, "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"},
		{"sink topic null", http.MethodPatch, sink, sinkEntry(`{"kafka_topic":null,"kafka_partition":1}`, `null`), 400, "Kafka topic names must be valid strings and may not be null"},
		{"sink partition number null", http.MethodPatch, sink, sinkEntry(`{"kafka_topic":"t","kafka_partition":null}`, `null`), 400, "Kafka partitions must be valid numbers and may not be null"},
		{"sink partition not a number", http.MethodPatch, sink, sinkEntry(`{"kafka_topic":"test","kafka_partition":"not a number"}`, `null`), 400,
			"Failed to parse the following Kafka partition value in the provided offsets: 'not a number'. Partition values for sink connectors need to be integers."},
		{"sink partition fraction", http.MethodPatch, sink, sinkEntry(`{"kafka_topic":"test","kafka_partition":1.5}`, `null`), 400,
			"Failed to parse the following Kafka partition value in the provided offsets: '1.5'. Partition values for sink connectors need to be integers."},
		{"sink offset without key", http.MethodPatch, sink, sinkEntry(`{"kafka_topic":"test","kafka_partition":1}`, `{}`), 400,
			"The offset for a sink connector should either be null or contain the key 'kafka_offset'"},
		{"sink offset not a number", http.MethodPatch, sink, sinkEntry(`{"kafka_topic":"test","kafka_partition":1}`, `{"kafka_offset":"not a number"}`), 400,
			"Failed to parse the following Kafka offset value in the provided offsets: 'not a number'. Offset values for sink connectors need to be integers."},
		{"sink offset null", http.MethodPatch, sink, sinkEntry(`{"kafka_topic":"test","kafka_partition":"1"}`, `{"kafka_offset":null}`), 400,
			"Failed to parse the following Kafka offset value in the provided offsets: 'null'. Offset values for sink connectors need to be integers."},

		{"source position a string", http.MethodPatch, stopped, `{"offsets":[{"partition":{"filename":"x"},"offset":{"position":"10"}}]}`, 500,
			"The value for the 'position' key in the offset is expected to be a Long value"},
		{"source position a fraction", http.MethodPatch, stopped, `{"offsets":[{"partition":{"filename":"x"},"offset":{"position":1.5}}]}`, 500,
			"The value for the 'position' key in the offset is expected to be a Long value"},
		{"source position negative", http.MethodPatch, stopped, `{"offsets":[{"partition":{"filename":"x"},"offset":{"position":-1}}]}`, 500,
			"The value for the 'position' key in the offset should be a non-negative value"},
		{"source offset without position", http.MethodPatch, stopped, `{"offsets":[{"partition":{"filename":"x"},"offset":{}}]}`, 500,
			"Offset objects should either be null or contain the key 'position'"},
		{"source partition without filename", http.MethodPatch, stopped, `{"offsets":[{"partition":{},"offset":{"position":1}}]}`, 500,
			"Partition objects should contain the key 'filename'"},
		{"source partition null", http.MethodPatch, stopped, `{"offsets":[{"partition":null,"offset":{"position":1}}]}`, 500,
			"Partition objects cannot be null"},
		{"source offset not primitive", http.MethodPatch, stopped, `{"offsets":[{"partition":{"filename":"x"},"offset":{"position":{"a":1}}}]}`, 500,
			"Offsets may only contain primitive types as values, but field position contains MAP"},
		{"source partition not primitive", http.MethodPatch, stopped, `{"offsets":[{"partition":{"filename":["x"]},"offset":null}]}`, 500,
			"Offsets may only contain primitive types as values, but field filename contains ARRAY"},
		{"source stdin", http.MethodPatch, stdin, valid, 500,
			"Offsets cannot be modified if the 'file' configuration is unspecified. This is because stdin is used for input and offsets are not tracked."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, tt.method, path(tt.connector, "/offsets"), tt.body)
			if tt.message != "" {
				assertError(t, r, tt.status, tt.message)
				return
			}
			var e ErrorMessage
			if r.status != tt.status || json.Unmarshal([]byte(r.body), &e) != nil || e.ErrorCode != tt.status || e.Message == "" {
				t.Errorf("%d %s, want %d with an error message", r.status, r.body, tt.status)
			}
		})
	}
}

// The success paths that need no data (spec §3.21): tombstones for a source, deletions for a
// sink whose group never existed, resets of nothing; GET of a never-run sink is empty.
func TestOffsetsSuccessMessages(t *testing.T) {
	srv, f := newTestServer(t)
	source, sink := f.name("source"), f.name("sink")
	createInState(t, f, source, "STOPPED", f.sourceConfig(1))
	createInState(t, f, sink, "STOPPED", map[string]string{"connector.class": fileSink, "topics": "t", "file": filepath.Join(f.dir, "out.txt")})
	tests := []struct {
		method, connector, body, message string
	}{
		{http.MethodPatch, source, `{"offsets":[{"partition":{"filename":"x"},"offset":null}]}`, wantAltered},
		{http.MethodDelete, source, "", wantReset},
		{http.MethodPatch, sink, `{"offsets":[{"partition":{"kafka_topic":"t","kafka_partition":0},"offset":null}]}`, wantAltered},
		{http.MethodDelete, sink, "", wantReset},
		{http.MethodDelete, sink, "", wantReset}, // idempotent
	}
	for _, tt := range tests {
		r := call(t, srv, tt.method, path(tt.connector, "/offsets"), tt.body)
		if r.status != http.StatusOK {
			t.Errorf("%s %s: %d %s", tt.method, tt.connector, r.status, r.body)
			continue
		}
		assertJSON(t, r.body, fmt.Sprintf(`{"message":%q}`, tt.message))
	}
	assertJSON(t, call(t, srv, http.MethodGet, path(sink, "/offsets"), "").body, `{"offsets":[]}`)
	assertJSON(t, call(t, srv, http.MethodGet, path(source, "/offsets"), "").body, `{"offsets":[]}`)
}

// A FileStreamSource's offset altered while STOPPED takes effect on resume, and a reset makes
// it read the file again (spec §3.21, §11.1; FileStreamSourceConnectorIntegrationTest). The
// records are read back from the topic with an independent client.
func TestSourceOffsetsAlterAndResetOnResume(t *testing.T) {
	srv, f := newTestServer(t)
	name, topic := f.name("src"), f.name("lines")
	appendLines(t, f.file, "line-1", "line-2", "line-3") // 7 characters each
	config := f.sourceConfig(1)
	config["topic"] = topic
	mustCreate(t, srv, name, config)
	if got := payloads(f.waitRecords(topic, 3)); !slices.Equal(got, []string{"line-1", "line-2", "line-3"}) {
		t.Fatalf("first run: %q", got)
	}
	stopConnector(t, f, name)
	partition := fmt.Sprintf(`{"filename":%q}`, f.file)
	// The task commits its offsets when it stops.
	f.waitJSON(path(name, "/offsets"), `{"offsets":[{"partition":`+partition+`,"offset":{"position":21}}]}`)

	r := call(t, srv, http.MethodPatch, path(name, "/offsets"), `{"offsets":[{"partition":`+partition+`,"offset":{"position":7}}]}`)
	if r.status != http.StatusOK {
		t.Fatalf("alter: %d %s", r.status, r.body)
	}
	assertJSON(t, r.body, `{"message":"`+wantAltered+`"}`)
	assertJSON(t, call(t, srv, http.MethodGet, path(name, "/offsets"), "").body, `{"offsets":[{"partition":`+partition+`,"offset":{"position":7}}]}`)

	if r := call(t, srv, http.MethodPut, path(name, "/resume"), ""); r.status != http.StatusAccepted {
		t.Fatalf("resume: %d %s", r.status, r.body)
	}
	if got := payloads(f.waitRecords(topic, 5)); !slices.Equal(got[3:], []string{"line-2", "line-3"}) {
		t.Fatalf("after altering to position 7: %q", got)
	}

	stopConnector(t, f, name)
	f.waitJSON(path(name, "/offsets"), `{"offsets":[{"partition":`+partition+`,"offset":{"position":21}}]}`)
	r = call(t, srv, http.MethodDelete, path(name, "/offsets"), "")
	if r.status != http.StatusOK {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	assertJSON(t, r.body, `{"message":"`+wantReset+`"}`)
	assertJSON(t, call(t, srv, http.MethodGet, path(name, "/offsets"), "").body, `{"offsets":[]}`)
	if r := call(t, srv, http.MethodPut, path(name, "/resume"), ""); r.status != http.StatusAccepted {
		t.Fatalf("resume: %d %s", r.status, r.body)
	}
	if got := payloads(f.waitRecords(topic, 8)); !slices.Equal(got[5:], []string{"line-1", "line-2", "line-3"}) {
		t.Fatalf("after reset: %q", got)
	}
}

// A sink's offsets reset while STOPPED make it consume everything again on resume, and an
// altered offset makes it resume from there (spec §3.20, §3.21).
func TestSinkOffsetsResetAndAlterOnResume(t *testing.T) {
	srv, f := newTestServer(t)
	source, sink, topic := f.name("src"), f.name("sink"), f.name("lines")
	out := filepath.Join(f.dir, "out.txt")
	appendLines(t, f.file, "a", "b", "c")
	config := f.sourceConfig(1)
	config["topic"] = topic
	mustCreate(t, srv, source, config)
	f.waitRecords(topic, 3)
	mustCreate(t, srv, sink, map[string]string{"connector.class": fileSink, "topics": topic, "file": out})
	waitLines(t, out, "a", "b", "c")

	stopAndWaitOffset := func(offset int) {
		t.Helper()
		stopConnector(t, f, sink)
		// The task commits what it consumed when it stops.
		f.waitJSON(path(sink, "/offsets"), fmt.Sprintf(`{"offsets":[{"partition":{"kafka_topic":%q,"kafka_partition":0},"offset":{"kafka_offset":%d}}]}`, topic, offset))
	}
	resume := func() {
		t.Helper()
		if r := call(t, srv, http.MethodPut, path(sink, "/resume"), ""); r.status != http.StatusAccepted {
			t.Fatalf("resume: %d %s", r.status, r.body)
		}
	}

	stopAndWaitOffset(3)
	r := call(t, srv, http.MethodDelete, path(sink, "/offsets"), "")
	if r.status != http.StatusOK {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	assertJSON(t, r.body, `{"message":"`+wantReset+`"}`)
	assertJSON(t, call(t, srv, http.MethodGet, path(sink, "/offsets"), "").body, `{"offsets":[]}`)
	resume()
	waitLines(t, out, "a", "b", "c", "a", "b", "c")

	stopAndWaitOffset(3)
	// Numbers as strings are accepted (spec §16.11).
	r = call(t, srv, http.MethodPatch, path(sink, "/offsets"),
		fmt.Sprintf(`{"offsets":[{"partition":{"kafka_topic":%q,"kafka_partition":"0"},"offset":{"kafka_offset":"2"}}]}`, topic))
	if r.status != http.StatusOK {
		t.Fatalf("alter: %d %s", r.status, r.body)
	}
	assertJSON(t, r.body, `{"message":"`+wantAltered+`"}`)
	assertJSON(t, call(t, srv, http.MethodGet, path(sink, "/offsets"), "").body,
		fmt.Sprintf(`{"offsets":[{"partition":{"kafka_topic":%q,"kafka_partition":0},"offset":{"kafka_offset":2}}]}`, topic))
	resume()
	waitLines(t, out, "a", "b", "c", "a", "b", "c", "c")
}

// stopConnector stops connector name through the shared worker's Client: PUT …/stop is
// routed elsewhere (spec §3.16), and this file needs only its effect.
func stopConnector(tb testing.TB, f *fixture, name string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := f.stack.client.StopConnector(ctx, name); err != nil {
		tb.Fatalf("stop %s: %v", name, err)
	}
}

// waitLines waits until file holds exactly these lines; more lines fail at once.
func waitLines(tb testing.TB, file string, want ...string) {
	tb.Helper()
	wait.ForNil(tb, waitTimeout, fmt.Sprintf("%s = %q", file, want), func() error {
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(got) > len(want) {
			tb.Fatalf("%s has %d lines, more than %d: %q", file, len(got), len(want), got)
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("lines %q", got)
		}
		return nil
	})
}

// A sink whose consumer group still has a member (a zombie task; here an independent client
// that joined connect-<name>) cannot have its offsets altered or reset: 500 naming zombie sink
// tasks (spec §3.21; OffsetsApiIntegrationTest).
func TestSinkOffsetsZombieMember(t *testing.T) {
	srv, f := newTestServer(t)
	sink := f.name("sink")
	createInState(t, f, sink, "STOPPED", map[string]string{"connector.class": fileSink, "topics": "t", "file": filepath.Join(f.dir, "out.txt")})

	group, topic := "connect-"+sink, f.name("zombie")
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.stack.cluster.ListenAddrs()...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic))
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	adm := kadm.NewClient(cl)
	createCtx, cancelCreate := context.WithTimeout(context.Background(), waitTimeout)
	defer cancelCreate()
	if _, err := adm.CreateTopic(createCtx, 1, 1, nil, topic); err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	pollCtx, stopPolling := context.WithCancel(context.Background())
	polled := make(chan struct{})
	go func() { // the member stays in the group while it polls
		defer close(polled)
		for pollCtx.Err() == nil {
			cl.PollFetches(pollCtx)
		}
	}()
	t.Cleanup(func() { stopPolling(); <-polled; cl.Close() })
	wait.ForNil(t, waitTimeout, group+" has a member", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		gs, err := adm.DescribeGroups(ctx, group)
		if err != nil {
			return err
		}
		if g := gs[group]; g.State != "Stable" || len(g.Members) == 0 {
			return fmt.Errorf("state %q, %d members", g.State, len(g.Members))
		}
		return nil
	})

	for _, tt := range []struct{ method, body, verb string }{
		{http.MethodPatch, fmt.Sprintf(`{"offsets":[{"partition":{"kafka_topic":%q,"kafka_partition":0},"offset":{"kafka_offset":1}}]}`, topic), "alter"},
		{http.MethodDelete, "", "reset"},
	} {
		r := call(t, srv, tt.method, path(sink, "/offsets"), tt.body)
		assertError(t, r, http.StatusInternalServerError, "Failed to "+tt.verb+" consumer group offsets for connector "+sink+
			" either because its tasks haven't stopped completely yet or the connector was resumed before the request to "+tt.verb+
			" its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried."+
			" If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks.")
	}
}
