package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/wait"
)

// produceTo writes n JsonConverter string envelopes to each of topic's partitions.
func produceTo(t testing.TB, c *kfake.Cluster, topic string, partitions int32, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DisableIdempotentWrite())
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for p := range partitions {
		for i := range n {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: []byte(stringEnvelope(fmt.Sprintf("p%d-%d", p, i)))})
		}
	}
	if err := cl.ProduceSync(testCtx(t), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// putLog records, per task, the partitions and offsets put and the partitions opened and
// closed; onPut, if set, answers each Put.
type putLog struct {
	mu     sync.Mutex
	puts   map[connectors.TopicPartition][]int64
	events []string
	onPut  func([]connectors.SinkRecord) error
}

func (l *putLog) Start(connectors.SinkTaskContext, map[string]string) error { return nil }
func (l *putLog) Stop() error                                               { return nil }
func (l *putLog) Flush(context.Context, map[connectors.TopicPartition]int64) error {
	return nil
}

func (l *putLog) Put(_ context.Context, records []connectors.SinkRecord) error {
	if l.onPut != nil {
		if err := l.onPut(records); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.puts == nil {
		l.puts = map[connectors.TopicPartition][]int64{}
	}
	for _, r := range records {
		tp := connectors.TopicPartition{Topic: r.Topic, Partition: r.Partition}
		l.puts[tp] = append(l.puts[tp], r.Offset)
	}
	return nil
}

func (l *putLog) OpenPartitions(_ context.Context, tps []connectors.TopicPartition) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, "open "+tpList(tps))
	return nil
}

func (l *putLog) ClosePartitions(_ context.Context, tps []connectors.TopicPartition) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, "close "+tpList(tps))
	return nil
}

func (l *putLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, offs := range l.puts {
		n += len(offs)
	}
	return n
}

func (l *putLog) offsets(tp connectors.TopicPartition) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.puts[tp])
}

func (l *putLog) eventLog() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

func newLogSink(t *testing.T, c *kfake.Cluster, task connectors.SinkTask, topic string) *Sink {
	return &Sink{
		Task: task, Props: map[string]string{"topics": topic},
		Key: jsonConverter(t, nil, true), Value: jsonConverter(t, nil, false),
		Header:   headerConverter(t, "org.apache.kafka.connect.storage.SimpleHeaderConverter", nil),
		Consumer: newConsumer(t, c, "conn"), Topics: []string{topic},
		FlushInterval: time.Hour, // offsets are committed only when partitions are given up
		Logger:        testLogger(t),
	}
}

// When a second task joins the group, the first gives its partitions up only after flushing
// and committing what it put, then closes them in the task: the second starts where the
// first stopped, so nothing is put twice and nothing is skipped.
func TestSinkRebalanceCommitsBeforeRevoke(t *testing.T) {
	c := newCluster(t)
	adm := newAdmin(t, c)
	if _, err := adm.CreateTopic(testCtx(t), 2, -1, nil, "two"); err != nil {
		t.Fatal(err)
	}
	const n = 20
	produceTo(t, c, "two", 2, n)
	a, b := &putLog{}, &putLog{}
	sinkA := newLogSink(t, c, a, "two")
	ra := start(t, sinkA.Run)
	wait.For(t, testTimeout, "the first task to put every record", func() bool { return a.count() == 2*n })
	sinkB := newLogSink(t, c, b, "two")
	rb := start(t, sinkB.Run)
	wait.For(t, testTimeout, "the partitions shared between the tasks", func() bool {
		return len(sinkA.Assignment()) == 1 && len(sinkB.Assignment()) == 1
	})
	produceTo(t, c, "two", 2, n)
	wait.For(t, testTimeout, "the new records put", func() bool { return a.count()+b.count() == 4*n })
	for _, r := range []*running{ra, rb} {
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
	}
	for p := range int32(2) {
		tp := connectors.TopicPartition{Topic: "two", Partition: p}
		got := append(a.offsets(tp), b.offsets(tp)...)
		slices.Sort(got)
		if !slices.Equal(got, offsetRange(0, 2*n)) {
			t.Errorf("partition %d: offsets put %v, want each of 0…%d once", p, got, 2*n-1)
		}
		if at, ok := committed(t, adm, "connect-conn", "two"); p == 0 && (!ok || at != 2*n) {
			t.Errorf("partition 0: committed %d (%v), want %d", at, ok, 2*n)
		}
	}
	if ev := a.eventLog(); len(ev) < 2 || ev[0] != "open two-0,two-1" || ev[1] != "close two-0,two-1" {
		t.Errorf("first task's open/close calls %q, want both partitions opened, then closed at the rebalance", ev)
	}
}

// A batch whose Put keeps asking for a retry does not hold the group up: when another task
// joins, the batch is given back, the partitions move, and the new owner puts the records.
func TestSinkRetryGivesBatchBackOnRebalance(t *testing.T) {
	c := newCluster(t)
	adm := newAdmin(t, c)
	if _, err := adm.CreateTopic(testCtx(t), 2, -1, nil, "two"); err != nil {
		t.Fatal(err)
	}
	produceTo(t, c, "two", 2, 5)
	var retries atomic.Int64
	busy := errors.New("the store is busy")
	a := &putLog{onPut: func(records []connectors.SinkRecord) error {
		if len(records) > 0 {
			retries.Add(1)
			return connectors.Retriable(busy) // never accepts a record
		}
		return nil
	}}
	b := &putLog{}
	sinkA := newLogSink(t, c, a, "two")
	ra := start(t, sinkA.Run)
	wait.For(t, testTimeout, "the first task retrying", func() bool { return retries.Load() > 0 })
	sinkB := newLogSink(t, c, b, "two")
	rb := start(t, sinkB.Run)
	wait.For(t, testTimeout, "the second task to put its partition's records", func() bool { return b.count() == 5 })
	for _, r := range []*running{ra, rb} {
		if err := r.stop(t); err != nil && !strings.Contains(err.Error(), busy.Error()) {
			t.Fatal(err)
		}
	}
	if a.count() != 0 {
		t.Errorf("the first task put %d records, want none", a.count())
	}
}

// A seek of an assigned partition that has not been fetched yet (the task paused it in
// OpenPartitions) holds: its first records put start where the task seeked. The consumer
// knows where every assigned partition starts from the assignment on, as a Java consumer's
// position does.
func TestSinkTaskSeekUnfetchedPartition(t *testing.T) {
	c := newCluster(t)
	adm := newAdmin(t, c)
	if _, err := adm.CreateTopic(testCtx(t), 2, -1, nil, "two"); err != nil {
		t.Fatal(err)
	}
	produceTo(t, c, "two", 2, 5)
	p1 := connectors.TopicPartition{Topic: "two", Partition: 1}
	var mu sync.Mutex
	var fromP1 []int64
	var once sync.Once
	task := &contextTask{
		onOpen: func(tc connectors.SinkTaskContext, _ []connectors.TopicPartition) { tc.Pause(p1) },
		onPut: func(tc connectors.SinkTaskContext, _ int, records []connectors.SinkRecord) error {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range records {
				if r.Partition == 1 {
					fromP1 = append(fromP1, r.Offset)
				}
			}
			if len(records) > 0 && records[0].Partition == 0 {
				once.Do(func() {
					tc.Seek(p1, 3)
					tc.Resume(p1)
				})
			}
			return nil
		},
	}
	sink := newLogSink(t, c, openingTask{task}, "two")
	r := start(t, sink.Run)
	wait.For(t, testTimeout, "partition 1's records put", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(fromP1) >= 2
	})
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(fromP1, []int64{3, 4}) {
		t.Errorf("partition 1: offsets put %v, want 3, 4 (seeked to 3 before its first fetch)", fromP1)
	}
}

// ctxLog is a putLog that keeps its task context.
type ctxLog struct {
	*putLog
	tc connectors.SinkTaskContext
}

func (c *ctxLog) Start(tc connectors.SinkTaskContext, _ map[string]string) error {
	c.tc = tc
	return nil
}

// A partition the task paused stays paused through a rebalance that leaves it assigned to
// the task (Kafka Connect forgets only the pauses of partitions no longer assigned); the
// partition that moves to another task is fetched there.
func TestSinkTaskPauseAcrossRebalance(t *testing.T) {
	c := newCluster(t)
	adm := newAdmin(t, c)
	if _, err := adm.CreateTopic(testCtx(t), 2, -1, nil, "two"); err != nil {
		t.Fatal(err)
	}
	produceTo(t, c, "two", 2, 3)
	both := []connectors.TopicPartition{{Topic: "two", Partition: 0}, {Topic: "two", Partition: 1}}
	a := &ctxLog{putLog: &putLog{}}
	// Both are paused by the Put that completes the first six records: the first poll may
	// hold one partition's records only, and pausing there would hold the other's back.
	paused := false // Put runs on the task's one goroutine
	a.onPut = func(records []connectors.SinkRecord) error {
		if !paused && a.count()+len(records) >= 6 {
			paused = true
			a.tc.Pause(both...)
		}
		return nil
	}
	sinkA := newLogSink(t, c, a, "two")
	ra := start(t, sinkA.Run)
	wait.For(t, testTimeout, "the first task to put every record", func() bool { return a.count() == 6 })
	produceTo(t, c, "two", 2, 3) // held back: the first task paused both partitions
	b := &putLog{}
	sinkB := newLogSink(t, c, b, "two")
	rb := start(t, sinkB.Run)
	wait.For(t, testTimeout, "the partitions shared between the tasks", func() bool {
		return len(sinkA.Assignment()) == 1 && len(sinkB.Assignment()) == 1
	})
	kept, moved := sinkA.Assignment()[0], sinkB.Assignment()[0]
	wait.For(t, testTimeout, "the moved partition's new records put by the second task", func() bool { return len(b.offsets(moved)) == 3 })
	wait.Holds(t, quietWindow, "nothing more put from the partition the first task kept paused", func() bool { return len(a.offsets(kept)) == 3 })
	a.tc.Resume(kept)
	wait.For(t, testTimeout, "the kept partition's records put after the task resumed it", func() bool { return len(a.offsets(kept)) == 6 })
	for _, r := range []*running{ra, rb} {
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.offsets(moved); !slices.Equal(got, offsetRange(3, 6)) {
		t.Errorf("the second task put %v from the moved partition, want 3…5 (after the first task's commit at the rebalance)", got)
	}
	if got := a.offsets(kept); !slices.Equal(got, offsetRange(0, 6)) {
		t.Errorf("the first task put %v from the kept partition, want 0…5", got)
	}
}
