package actors

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/actors/member"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors/builtin"
	"github.com/connectd/connectd/connectors/loadgen"
	"github.com/connectd/connectd/messages"
)

// TestDeletedConnectorsAreReleased runs a worker (a real kfake broker, the standalone
// stores, a one-member cluster), creates connectors with many running tasks, deletes them,
// and counts what the worker still holds of them: grains on the member, entries in its PID
// cache, and status records. Everything of a deleted connector must go; a connector created
// again under a deleted name must run.
func TestDeletedConnectorsAreReleased(t *testing.T) {
	rt, _ := startTestRuntime(t, nil)
	c := rt.Client()
	ctx := context.Background()
	const connectors, tasks = 3, 20
	config := func(i int) map[string]string {
		return map[string]string{
			"name":                  fmt.Sprintf("release-%d", i),
			"connector.class":       loadgen.SourceClass,
			"tasks.max":             strconv.Itoa(tasks),
			loadgen.TopicKey:        fmt.Sprintf("release-%d", i),
			loadgen.RateKey:         strconv.Itoa(tasks), // one record per task and second
			loadgen.TotalRecordsKey: strconv.Itoa(tasks),
		}
	}
	names := make([]string, connectors)
	for i := range names {
		names[i] = fmt.Sprintf("release-%d", i)
		if _, err := c.CreateConnector(ctx, names[i], config(i), messages.TargetState_TARGET_STATE_UNSPECIFIED); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range names {
		waitUntil(t, fmt.Sprintf("%s and its %d tasks RUNNING", name, tasks), func() bool {
			st, err := c.ConnectorStatus(ctx, name)
			if err != nil || st.GetConnector().GetState() != messages.State_STATE_RUNNING || len(st.GetTasks()) != tasks {
				return false
			}
			for _, ts := range st.GetTasks() {
				if ts.GetStatus().GetState() != messages.State_STATE_RUNNING {
					return false
				}
			}
			return true
		})
	}
	if n := rt.member.Activations(taskKind); n < connectors*tasks {
		t.Fatalf("%d task grains active, want at least %d", n, connectors*tasks)
	}
	// A name only looked up activates a grain too (GET /connectors/{c}/status → 404).
	if _, err := c.rt.request(ctx, connectorIdentity("never-created"), connectorKind, &messages.GetConnectorStatus{Name: "never-created"}); err == nil {
		t.Fatal("status of a connector never created: no error")
	}

	for _, name := range names {
		if err := c.DeleteConnector(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "every grain of the deleted connectors released", func() bool {
		return rt.member.Activations(connectorKind) == 0 && rt.member.Activations(taskKind) == 0
	})
	for _, name := range append(names, "never-created") {
		if rt.member.Cached(connectorIdentity(name), connectorKind) {
			t.Errorf("the PID cache still holds connector %s", name)
		}
		for i := range int32(tasks) {
			if rt.member.Cached(taskIdentity(name, i), taskKind) {
				t.Errorf("the PID cache still holds task %s-%d", name, i)
				break
			}
		}
		if _, ok := rt.stores.Status.Connector(name); ok {
			t.Errorf("the status store still holds connector %s", name)
		}
		if n := len(rt.stores.Status.Tasks(name)); n > 0 {
			t.Errorf("the status store still holds %d tasks of %s", n, name)
		}
		if n := len(rt.stores.Status.Topics(name)); n > 0 {
			t.Errorf("the status store still holds %d active topics of %s", n, name)
		}
	}

	// A released name is created again: a new grain runs it.
	if _, err := c.CreateConnector(ctx, names[0], config(0), messages.TargetState_TARGET_STATE_UNSPECIFIED); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, names[0]+" RUNNING again after its grain was released", func() bool {
		st, err := c.ConnectorStatus(ctx, names[0])
		return err == nil && st.GetConnector().GetState() == messages.State_STATE_RUNNING && len(st.GetTasks()) == tasks
	})
}

// startTestRuntime starts a one-member runtime on an in-process kfake broker with the
// in-memory config and status stores, releasing idle grains after 50 ms; tune, if set,
// changes its config first.
func startTestRuntime(t *testing.T, tune func(*Config)) (*Runtime, *kfake.Cluster) {
	t.Helper()
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	admin, err := sarama.NewClient(kc.ListenAddrs(), pipeline.BaseConfig("release-admin"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	offsets, err := store.NewFileOffsetStore(filepath.Join(t.TempDir(), "offsets"))
	if err != nil {
		t.Fatal(err)
	}
	stores := Stores{Config: store.NewMemoryConfigStore(), Status: store.NewMemoryStatusStore(), Offsets: offsets}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range []interface {
		Start(context.Context) error
		Close() error
	}{stores.Config, stores.Status, offsets} {
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
	}
	cfg := Config{
		WorkerID:         "127.0.0.1:8083",
		FlushInterval:    100 * time.Millisecond,
		IdleGrainTimeout: 50 * time.Millisecond,
		Member:           member.Config{},
		Logger:           slog.New(slog.DiscardHandler),
	}
	if tune != nil {
		tune(&cfg)
	}
	rt, err := New(cfg, stores, builtin.Registry(), &pipeline.Clients{Brokers: kc.ListenAddrs(), Admin: admin, Hash: store.PartitionFor})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := rt.Stop(ctx); err != nil {
			t.Errorf("stop runtime: %v", err)
		}
	})
	return rt, kc
}

// waitUntil polls cond every 20 ms until it holds, or fails the test after 30 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
