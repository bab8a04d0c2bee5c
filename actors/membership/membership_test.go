package membership

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/actors/member"
	"github.com/connectd/connectd/internal/wait"
)

func broker(t *testing.T) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// worker is one Group with the views it published.
type worker struct {
	t     *testing.T
	g     *Group
	self  member.Peer
	mu    sync.Mutex
	views []member.View
}

func join(t *testing.T, addrs []string, group, address string) *worker {
	t.Helper()
	g, err := New(Config{Addrs: addrs, GroupID: group, HeartbeatInterval: 100 * time.Millisecond, SessionTimeout: 6 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w := &worker{t: t, g: g, self: member.Peer{Address: address, URL: "http://" + address}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := g.Start(ctx, w.self, w.publish); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = g.Stop(ctx)
	})
	return w
}

func (w *worker) publish(v member.View) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.views = append(w.views, v)
}

func (w *worker) last() member.View {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.views) == 0 {
		return member.View{}
	}
	return w.views[len(w.views)-1]
}

func addresses(v member.View) string {
	var a []string
	for _, p := range v.Peers {
		a = append(a, p.Address)
	}
	slices.Sort(a)
	return strings.Join(a, ",")
}

func idOf(v member.View, address string) string {
	for _, p := range v.Peers {
		if p.Address == address {
			return p.ID
		}
	}
	return ""
}

// agreed waits until every worker's last view lists exactly want, with one generation.
func agreed(t *testing.T, want string, ws ...*worker) member.View {
	t.Helper()
	var v member.View
	wait.For(t, 20*time.Second, "views to agree on "+want, func() bool {
		v = ws[0].last()
		for _, w := range ws {
			l := w.last()
			if addresses(l) != want || l.Generation != v.Generation || !slices.Equal(l.Peers, v.Peers) {
				return false
			}
		}
		return true
	})
	return v
}

func TestGroupViews(t *testing.T) {
	addrs := broker(t)
	a := join(t, addrs, "g", "127.0.0.1:1001")
	first := agreed(t, "127.0.0.1:1001", a)
	if first.Peers[0].URL != "http://127.0.0.1:1001" || first.Peers[0].ID == "" {
		t.Fatalf("self in its first view = %+v, want its URL and a member id", first.Peers[0])
	}

	b := join(t, addrs, "g", "127.0.0.1:1002")
	two := agreed(t, "127.0.0.1:1001,127.0.0.1:1002", a, b)
	if two.Generation <= first.Generation {
		t.Errorf("generation %d after a join, want more than %d", two.Generation, first.Generation)
	}
	if ga, gb := a.g.generation(), b.g.generation(); ga != gb {
		t.Errorf("generations differ: %d and %d", ga, gb)
	}

	// An evicted member loses its membership at its next heartbeat (it must stop its work:
	// a view without itself), then comes back under a new member id.
	oldB := idOf(two, "127.0.0.1:1002")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.g.Evict(ctx, oldB); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 20*time.Second, "the evicted member to drop itself", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return slices.ContainsFunc(b.views, func(v member.View) bool { return idOf(v, "127.0.0.1:1002") == "" })
	})
	back := agreed(t, "127.0.0.1:1001,127.0.0.1:1002", a, b)
	if id := idOf(back, "127.0.0.1:1002"); id == oldB || id == "" {
		t.Errorf("evicted member back under id %q, want a new one (old %q)", id, oldB)
	}

	// A member that stops leaves at once: the other's next view lists it alone.
	if err := b.g.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	agreed(t, "127.0.0.1:1001", a)
}

// A group.id already used by other clients (a consumer group, or Kafka Connect's own
// workers) is refused with a clear error instead of joined.
func TestGroupOfAnotherKind(t *testing.T) {
	addrs := broker(t)
	// A consumer-protocol member, as any Kafka consumer group has.
	conf := sarama.NewConfig()
	conf.Version = sarama.V3_6_0_0
	client, err := sarama.NewClient(addrs, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	coord, err := client.Coordinator("taken")
	if err != nil {
		t.Fatal(err)
	}
	req := &sarama.JoinGroupRequest{Version: 5, GroupId: "taken", SessionTimeout: 30000, RebalanceTimeout: 30000, ProtocolType: "consumer",
		OrderedGroupProtocols: []*sarama.GroupProtocol{{Name: "range", Metadata: []byte{0, 0, 0, 0, 0, 0, 0, 0}}}}
	resp, err := coord.JoinGroup(req)
	if err == nil && resp.Err == sarama.ErrMemberIdRequired {
		req.MemberId = resp.MemberId
		resp, err = coord.JoinGroup(req)
	}
	if err != nil || resp.Err != sarama.ErrNoError {
		t.Fatalf("consumer join: %v %v", err, resp.Err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	g, err := New(Config{Addrs: addrs, GroupID: "taken", HeartbeatInterval: 100 * time.Millisecond, SessionTimeout: 6 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = g.Start(ctx, member.Peer{Address: "127.0.0.1:1"}, func(member.View) {})
	if err == nil || !strings.Contains(err.Error(), "another kind") {
		_ = g.Stop(ctx)
		t.Fatalf("Start = %v, want the group-of-another-kind error", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{{GroupID: "g"}, {Addrs: []string{"x:1"}}} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) succeeded", c)
		}
	}
}

// Generations only grow, even when the coordinator forgot the group (a new broker, or a
// group expired while every worker was down): the first generation is above MinEpoch.
func TestGenerationAboveRecordedEpoch(t *testing.T) {
	addrs := broker(t)
	g, err := New(Config{Addrs: addrs, GroupID: "g", HeartbeatInterval: 100 * time.Millisecond, SessionTimeout: 6 * time.Second,
		MinEpoch: func() int64 { return 41 }})
	if err != nil {
		t.Fatal(err)
	}
	w := &worker{t: t, g: g, self: member.Peer{Address: "127.0.0.1:1001"}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := g.Start(ctx, w.self, w.publish); err != nil {
		t.Fatal(err)
	}
	defer g.Stop(ctx)
	first := agreed(t, "127.0.0.1:1001", w)
	if first.Generation != 42 {
		t.Fatalf("first generation %d, want 42 (one above the recorded 41)", first.Generation)
	}
	b := join(t, addrs, "g", "127.0.0.1:1002")
	if v := agreed(t, "127.0.0.1:1001,127.0.0.1:1002", w, b); v.Generation <= first.Generation {
		t.Fatalf("generation %d after a join, want above %d", v.Generation, first.Generation)
	}
}
