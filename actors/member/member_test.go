package member

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"

	"github.com/connectd/connectd/messages"
)

// echoProps answers every EnsureConnector with a CommandReply naming the grain's identity,
// and never answers DeleteConnector (to test deadlines).
func echoProps() *actor.Props {
	var identity string
	return actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *cluster.ClusterInit:
			identity = m.Identity.Identity
		case *messages.EnsureConnector:
			ctx.Respond(&messages.CommandReply{Error: &messages.Error{Message: identity + ":" + m.Name}})
		}
	})
}

func startMember(t *testing.T) *Member {
	t.Helper()
	m, err := New(Config{}, Kind{Name: "echo", Props: echoProps()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return m
}

func TestMemberRequest(t *testing.T) {
	m := startMember(t)
	if got := len(m.Members()); got != 1 {
		t.Fatalf("members = %d, want 1", got)
	}
	for _, id := range []string{"a", "b%2Fc", "ünï"} {
		if !m.Owns(id, "echo") {
			t.Errorf("single member does not own %q", id)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		reply, err := m.Request(ctx, id, "echo", &messages.EnsureConnector{Name: "x"})
		cancel()
		if err != nil {
			t.Fatalf("request %q: %v", id, err)
		}
		if got, want := reply.(*messages.CommandReply).GetError().GetMessage(), id+":x"; got != want {
			t.Errorf("reply %q, want %q", got, want)
		}
	}
}

func TestMemberRequestHonoursDeadline(t *testing.T) {
	m := startMember(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := m.Request(ctx, "silent", "echo", &messages.DeleteConnector{Name: "x"}); err == nil {
		t.Fatal("request to a grain that never answers succeeded")
	}
	if ctx.Err() == nil {
		t.Fatal("request returned before its deadline without a reply")
	}
}

func TestRequestBeforeStart(t *testing.T) {
	m, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Request(context.Background(), "a", "echo", &messages.EnsureConnector{}); err != ErrNotStarted {
		t.Fatalf("err = %v, want ErrNotStarted", err)
	}
}

// A lookup in flight across a topology change can cache a departed member's PID after
// protoactor purged that member's PIDs; requests must not keep using it.
func TestRequestIgnoresStalePID(t *testing.T) {
	m := startMember(t)
	dead, err := freePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	stale := actor.NewPID(fmt.Sprintf("127.0.0.1:%d", dead), "partition-activator/a$1")
	m.cluster.PidCache.Set("a", "echo", stale)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	reply, err := m.Request(ctx, "a", "echo", &messages.EnsureConnector{Name: "x"}, Resend(50*time.Millisecond))
	if err != nil {
		t.Fatalf("request with a stale cached PID: %v", err)
	}
	if got, want := reply.(*messages.CommandReply).GetError().GetMessage(), "a:x"; got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
}
