package actors

import (
	"context"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/messages"
)

// TestStatusBoardFollowsTheGrain: GET …/status is read from the status board while the
// grain's answer would be the same, and never after something changed it. Each step checks
// that the board is really in use (an entry is up once the status was read), then changes
// what the status is computed from (the grain's state, the config snapshot, the connector's
// existence) and requires the next read to show the change.
func TestStatusBoardFollowsTheGrain(t *testing.T) {
	rt, _ := startTestRuntime(t, nil)
	c := rt.Client()
	ctx := context.Background()
	const name = "board"
	// A sink: its task count follows tasks.max.
	config := map[string]string{"name": name, "connector.class": "FileStreamSink", "tasks.max": "1", "file": filepath.Join(t.TempDir(), "out.txt"), "topics": "board"}
	if _, err := c.CreateConnector(ctx, name, config, messages.TargetState_TARGET_STATE_UNSPECIFIED); err != nil {
		t.Fatal(err)
	}
	status := func() *messages.ConnectorStatus {
		t.Helper()
		st, err := c.ConnectorStatus(ctx, name)
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		return st
	}
	// posted reports whether a status is up on the board for the connector's current config.
	posted := func() bool {
		entry, ok := rt.connectorEntry(name)
		if !ok {
			return false
		}
		_, ok = rt.board.read(name, entry)
		return ok
	}
	// fromGrain is the grain's own answer, through its mailbox.
	fromGrain := func() *messages.ConnectorStatus {
		t.Helper()
		reply, err := rt.request(ctx, connectorIdentity(name), connectorKind, &messages.GetConnectorStatus{Name: name})
		if err != nil {
			t.Fatalf("status from the grain: %v", err)
		}
		return reply.(*messages.GetConnectorStatusReply).Status
	}
	running := func(st *messages.ConnectorStatus, tasks int) bool {
		if st.GetConnector().GetState() != messages.State_STATE_RUNNING || len(st.GetTasks()) != tasks {
			return false
		}
		for _, ts := range st.GetTasks() {
			if ts.GetStatus().GetState() != messages.State_STATE_RUNNING {
				return false
			}
		}
		return true
	}

	waitUntil(t, "connector and task RUNNING", func() bool {
		st, err := c.ConnectorStatus(ctx, name) // NOT_FOUND until the first state is stored
		return err == nil && running(st, 1)
	})
	waitUntil(t, "the status posted on the board", func() bool { status(); return posted() })
	if got, want := status(), fromGrain(); !proto.Equal(got, want) {
		t.Fatalf("board answered %v, the grain %v", got, want)
	}

	// The grain's state changes: a task report. The read right after the grain took it
	// must show it, with no wait: the grain took its status down before handling it.
	failed := &messages.InstanceStatus{State: messages.State_STATE_FAILED, WorkerId: "elsewhere", Trace: "injected by the test"}
	if _, err := rt.request(ctx, connectorIdentity(name), connectorKind, &messages.TaskStateChanged{Connector: name, Task: 0, Status: failed, Sequence: 1, Instance: "test-instance"}); err != nil {
		t.Fatal(err)
	}
	if posted() {
		t.Fatal("the status is still up after the grain took a task report")
	}
	if got := status().GetTasks(); len(got) != 1 || got[0].GetStatus().GetTrace() != failed.Trace {
		t.Fatalf("after a task report: tasks %v, want task 0 FAILED with the injected trace", got)
	}
	if !posted() {
		t.Fatal("the new status was not posted")
	}

	// The config snapshot changes: stopped, the connector has no tasks; two tasks once
	// resumed with tasks.max=2.
	if err := c.StopConnector(ctx, name); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "STOPPED with no tasks", func() bool {
		st := status()
		return st.GetConnector().GetState() == messages.State_STATE_STOPPED && len(st.GetTasks()) == 0
	})
	config["tasks.max"] = "2"
	if _, _, err := c.PutConnectorConfig(ctx, name, config); err != nil {
		t.Fatal(err)
	}
	if err := c.ResumeConnector(ctx, name); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "RUNNING with two tasks", func() bool { return running(status(), 2) })
	waitUntil(t, "the status posted on the board", func() bool { status(); return posted() })
	if got, want := status(), fromGrain(); !proto.Equal(got, want) {
		t.Fatalf("board answered %v, the grain %v", got, want)
	}

	// Gone: the connector has no config, whatever is left on the board.
	if err := c.DeleteConnector(ctx, name); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "NOT_FOUND after the delete", func() bool {
		_, err := c.ConnectorStatus(ctx, name)
		return api.CodeOf(err) == messages.ErrorCode_ERROR_CODE_NOT_FOUND
	})
}

// TestStatusBoardEntries: an entry answers only for the config snapshot entry it was
// computed from, and a grain takes down only its own entry, not one posted after it.
func TestStatusBoardEntries(t *testing.T) {
	v1, v2 := &store.ConnectorSnapshot{Name: "c"}, &store.ConnectorSnapshot{Name: "c"}
	old := &boardEntry{view: v1, status: &messages.ConnectorStatus{Name: "c", Type: "old"}}
	newer := &boardEntry{view: v1, status: &messages.ConnectorStatus{Name: "c", Type: "newer"}}
	var b statusBoard
	steps := []struct {
		do       func()
		view     *store.ConnectorSnapshot
		wantType string // "": no answer
	}{
		{do: func() {}, view: v1},
		{do: func() { b.post("c", old) }, view: v1, wantType: "old"},
		{do: func() {}, view: v2}, // the connector changed since
		{do: func() { b.post("c", newer) }, view: v1, wantType: "newer"},
		{do: func() { b.take("c", old) }, view: v1, wantType: "newer"}, // not old's to take
		{do: func() { b.take("c", newer) }, view: v1},
	}
	for i, s := range steps {
		s.do()
		st, ok := b.read("c", s.view)
		if got := st.GetType(); ok != (s.wantType != "") || got != s.wantType {
			t.Fatalf("step %d: read = %q, %v; want %q", i, got, ok, s.wantType)
		}
	}
}
