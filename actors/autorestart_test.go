package actors

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/internal/brokerfault"
	"github.com/connectd/connectd/messages"
)

// TestFailedTaskRestartsAutomatically: with RestartFailedTasks set (the worker's
// connectd.task.restart.failed.* settings), a source task the broker keeps refusing fails
// and is restarted again and again, with backoff, without anyone asking; once the broker
// accepts writes, the task runs and every line reaches the topic exactly once.
func TestFailedTaskRestartsAutomatically(t *testing.T) {
	rt, kc := startTestRuntime(t, func(c *Config) {
		c.RestartFailedTasks = Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	})
	const topic = "auto-restart"
	var armed atomic.Bool
	var rejected atomic.Int64
	armed.Store(true)
	// Created first, so that its ID is known: the source producer names topics by ID.
	if err := kc.CreateTopic(topic, 1, nil); err != nil {
		t.Fatal(err)
	}
	id := kc.TopicInfo(topic).TopicID
	kc.ControlKey(kmsg.Produce.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		kc.KeepControl()
		req := kreq.(*kmsg.ProduceRequest)
		if !armed.Load() || !slices.ContainsFunc(req.Topics, func(t kmsg.ProduceRequestTopic) bool { return brokerfault.Names(t, topic, id) }) {
			return nil, nil, false
		}
		rejected.Add(1)
		return brokerfault.RejectProduce(req, kerr.InvalidRecord.Code), nil, true
	})
	file := filepath.Join(t.TempDir(), "in.txt")
	lines := []string{"one", "two", "three"}
	if err := os.WriteFile(file, []byte("one\ntwo\nthree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := rt.Client()
	ctx := context.Background()
	config := map[string]string{"name": "auto", "connector.class": "FileStreamSource", "tasks.max": "1", "file": file, "topic": topic}
	if _, err := c.CreateConnector(ctx, "auto", config, messages.TargetState_TARGET_STATE_UNSPECIFIED); err != nil {
		t.Fatal(err)
	}
	// INVALID_RECORD is not retriable: each rejection is one run of the task that failed.
	waitUntil(t, "the task failed and restarted by itself three times", func() bool { return rejected.Load() >= 3 })
	armed.Store(false)
	waitUntil(t, "the task RUNNING once the broker accepts writes", func() bool {
		st, err := c.ConnectorStatus(ctx, "auto")
		return err == nil && len(st.GetTasks()) == 1 && st.GetTasks()[0].GetStatus().GetState() == messages.State_STATE_RUNNING
	})
	if got := readValues(t, kc, topic, len(lines)); len(got) != len(lines) {
		t.Fatalf("topic holds %d records, want %d exactly once: %q", len(got), len(lines), got)
	}
}

// readValues reads topic from its start until it holds want records, then a little longer
// to see a surplus, and returns the values.
func readValues(t *testing.T, kc *kfake.Cluster, topic string, want int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kc.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []string
	for len(got) < want && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	short, cancelShort := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancelShort()
	cl.PollFetches(short).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	return got
}
