package store

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	configTopic = "connect-configs"
	statusTopic = "connect-status"
	offsetTopic = "connect-offsets"
)

// testTimeout bounds every wait of a test.
const testTimeout = 20 * time.Second

// newCluster starts an in-process Kafka-protocol broker, closed on cleanup.
func newCluster(t testing.TB) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// kafkaOf is how the stores under test reach c.
func kafkaOf(c *kfake.Cluster) Kafka {
	cfg := sarama.NewConfig()
	cfg.ClientID = "store-test"
	return Kafka{Addrs: c.ListenAddrs(), Config: cfg}
}

// testLogger is quiet unless STORE_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("STORE_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testCtx is a context bounded by testTimeout, cancelled on cleanup.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// starter is what every store has.
type starter interface {
	Start(context.Context) error
	Close() error
}

// start starts s, closing it on cleanup.
func start[S starter](t testing.TB, s S, err error) S {
	t.Helper()
	if err != nil {
		t.Fatalf("new store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Start(testCtx(t)); err != nil {
		t.Fatalf("start: %v", err)
	}
	return s
}

func startConfigStore(t testing.TB, c *kfake.Cluster) *ConfigStore {
	t.Helper()
	s, err := NewConfigStore(kafkaOf(c), Topic{Name: configTopic}, WithLogger(testLogger()))
	return start(t, s, err)
}

func startStatusStore(t testing.TB, c *kfake.Cluster) *StatusStore {
	t.Helper()
	s, err := NewStatusStore(kafkaOf(c), Topic{Name: statusTopic}, WithLogger(testLogger()))
	return start(t, s, err)
}

func startOffsetStore(t testing.TB, c *kfake.Cluster) *OffsetStore {
	t.Helper()
	s, err := NewOffsetStore(kafkaOf(c), Topic{Name: offsetTopic}, WithLogger(testLogger()))
	return start(t, s, err)
}

// rec is a record as read back by an independent client.
type rec struct {
	Partition int32
	Key       string
	Value     *string // nil = tombstone
}

func val(s string) *string { return &s }

// readTopic reads every record of topic with kgo, sorted by partition and offset.
func readTopic(t testing.TB, c *kfake.Cluster, topic string) []rec {
	t.Helper()
	ends := map[int32]int64{}
	for _, p := range c.PartitionInfos(topic) {
		if p.HighWatermark > p.LogStartOffset {
			ends[p.Partition] = p.HighWatermark
		}
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(50*time.Millisecond),
	)
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	defer cl.Close()
	ctx := testCtx(t)
	var got []*kgo.Record
	for len(ends) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: %v (still waiting for %v)", topic, ctx.Err(), ends)
		}
		fs.EachError(func(_ string, _ int32, err error) { t.Logf("fetch: %v", err) })
		fs.EachRecord(func(r *kgo.Record) {
			got = append(got, r)
			if end, ok := ends[r.Partition]; ok && r.Offset+1 >= end {
				delete(ends, r.Partition)
			}
		})
	}
	slices.SortFunc(got, func(a, b *kgo.Record) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	out := make([]rec, len(got))
	for i, r := range got {
		out[i] = rec{Partition: r.Partition, Key: string(r.Key)}
		if r.Value != nil {
			out[i].Value = val(string(r.Value))
		}
	}
	return out
}

// produceRaw writes records as another worker (a Java one) would, to the given partition.
func produceRaw(t testing.TB, c *kfake.Cluster, topic string, recs ...rec) {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.DisableIdempotentWrite(),
	)
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	defer cl.Close()
	krs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		krs[i] = &kgo.Record{Topic: topic, Partition: r.Partition, Key: []byte(r.Key)}
		if r.Value != nil {
			krs[i].Value = []byte(*r.Value)
		}
	}
	if err := cl.ProduceSync(testCtx(t), krs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// javaPartition is the partition Java's default partitioner picks, computed by kgo's own
// murmur2 implementation (independent of ours).
func javaPartition(key string, n int) int32 {
	p := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	return int32(p.Partition(&kgo.Record{Key: []byte(key)}, n))
}
