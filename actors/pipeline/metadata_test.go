package pipeline

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"syscall"
	"testing"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connectors"
)

// newAdminClients is the worker's Clients against addrs with NewAdminClient's client as
// Admin, closed on cleanup.
func newAdminClients(t testing.TB, addrs []string) (*Clients, sarama.Client) {
	t.Helper()
	admin, err := NewAdminClient(addrs, baseConfig("connectd-admin"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	return &Clients{Brokers: addrs, Admin: admin}, admin
}

// closedPort is an address where nothing listens.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// TestAdminClientKeepsNoTopicsMetadata: on a broker of many topics, the worker's admin client
// serves the cluster id, topic creation, topics.regex's listing (new topics included) and a
// sink's offsets, and keeps the metadata of no topic.
func TestAdminClientKeepsNoTopicsMetadata(t *testing.T) {
	var unrelated []string
	for i := range 200 {
		unrelated = append(unrelated, fmt.Sprintf("unrelated-%d", i))
	}
	c := newCluster(t, unrelated...)
	k, admin := newAdminClients(t, c.ListenAddrs())

	if id, err := k.ClusterID(); err != nil || id == "" {
		t.Fatalf("ClusterID: %q, %v", id, err)
	}
	for _, topic := range []string{"created", "created"} { // the second finds it
		if err := k.EnsureTopic(topic, nil); err != nil {
			t.Fatalf("EnsureTopic(%s): %v", topic, err)
		}
	}
	if err := k.EnsureTopic("created-by-its-own", map[string]string{"client.id": "own-admin"}); err != nil {
		t.Fatalf("EnsureTopic with admin overrides: %v", err)
	}
	if _, err := newAdmin(t, c).CreateTopic(testCtx(t), 1, 1, nil, "created-elsewhere"); err != nil {
		t.Fatal(err)
	}
	for _, overrides := range []map[string]string{nil, {"client.id": "own-admin"}} {
		topics, err := k.Topics(overrides)
		if err != nil {
			t.Fatalf("Topics(%v): %v", overrides, err)
		}
		for _, want := range []string{"created", "created-by-its-own", "created-elsewhere", "unrelated-0", "unrelated-199"} {
			if !slices.Contains(topics, want) {
				t.Errorf("Topics(%v) has no %s among its %d", overrides, want, len(topics))
			}
		}
	}

	tp := connectors.TopicPartition{Topic: "created", Partition: 0}
	offset := int64(0)
	if err := k.AlterSinkOffsets("connect-s", map[connectors.TopicPartition]*int64{tp: &offset}, nil); err != nil {
		t.Fatalf("AlterSinkOffsets: %v", err)
	}
	if got, err := k.SinkOffsets("connect-s", nil); err != nil || got[tp] != 0 || len(got) != 1 {
		t.Fatalf("SinkOffsets: %v, %v; want %v at 0", got, err, tp)
	}
	if err := k.ResetSinkOffsets("connect-s", nil); err != nil {
		t.Fatalf("ResetSinkOffsets: %v", err)
	}

	if b, err := admin.RefreshController(); err != nil || b == nil {
		t.Fatalf("RefreshController: %v, %v", b, err)
	}
	if err := k.EnsureTopic("created-after-refresh", nil); err != nil {
		t.Fatalf("EnsureTopic after RefreshController: %v", err)
	}
	cached, err := admin.Topics()
	if err != nil {
		t.Fatal(err)
	}
	if len(cached) > 0 {
		t.Errorf("the admin client keeps the metadata of %d topics (%v…), want none", len(cached), cached[:min(5, len(cached))])
	}
}

// TestAdminClientReportsAnUnreachableBroker: the admin client contacts no broker when made,
// so its first requests report an address where no broker listens, each with the dial's
// error; a second bootstrap server that answers is used instead, whichever sarama tries first.
func TestAdminClientReportsAnUnreachableBroker(t *testing.T) {
	c := newCluster(t)
	dead := closedPort(t)
	cases := []struct {
		name      string
		bootstrap []string
		refused   bool
		tries     int // sarama picks the first bootstrap server at random
	}{
		{"only an unreachable server", []string{dead}, true, 1},
		{"an unreachable server and one that answers", []string{dead, c.ListenAddrs()[0]}, false, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.tries {
				k, _ := newAdminClients(t, tc.bootstrap)
				calls := map[string]func() error{
					"ClusterID":   func() error { _, err := k.ClusterID(); return err },
					"EnsureTopic": func() error { return k.EnsureTopic(fmt.Sprintf("topic-%d", i), nil) },
					"Topics":      func() error { _, err := k.Topics(nil); return err },
					"SinkOffsets": func() error { _, err := k.SinkOffsets("connect-s", nil); return err },
				}
				for name, call := range calls {
					err := call()
					switch {
					case tc.refused && !errors.Is(err, syscall.ECONNREFUSED):
						t.Errorf("%s: %v, want connection refused", name, err)
					case !tc.refused && err != nil:
						t.Errorf("%s: %v", name, err)
					}
				}
			}
		})
	}
}
