package javaplugin

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
	"github.com/connectd/connectd/internal/pluginfixture"
	"github.com/connectd/connectd/internal/wait"
)

const mirrorSource = "org.apache.kafka.connect.mirror.MirrorSourceConnector"

// newBroker is an embedded Kafka broker, closed when the test ends. As connectd's embedded
// broker (cmd/connectd/broker.go), it does not offer DescribeTopicPartitions (KIP-966): kfake
// answers it with null eligible-leader-replica lists, on which the Java admin client of 4.3.1
// throws a NullPointerException (Kafka's brokers send empty lists); without it, the Java client
// describes topics with Metadata, as on older brokers.
func newBroker(t *testing.T) *kfake.Cluster {
	t.Helper()
	versions := kversion.Tip()
	for key := int16(0); key < 1000; key++ {
		versions.SetMaxKeyVersion(key, math.MaxInt16) // kfake takes the lower of this and its own
	}
	versions.SetMaxKeyVersion(75, -1) // DescribeTopicPartitions
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.MaxVersions(versions))
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func newKgo(t *testing.T, c *kfake.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// readAll reads topic from its start until want records came, in partition and offset order.
func readAll(t *testing.T, ctx context.Context, c *kfake.Cluster, topic string, want int) []*kgo.Record {
	t.Helper()
	cl := newKgo(t, c, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	var got []*kgo.Record
	for len(got) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: %v (%d of %d records)", topic, ctx.Err(), len(got), want)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, r) })
	}
	slices.SortFunc(got, func(a, b *kgo.Record) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return got
}

// TestMirrorSourceConnectorReplicates runs MirrorMaker 2's MirrorSourceConnector, from
// connect-mirror 4.3.1 and its dependencies on plugin.path, between two brokers: the test plays
// the worker, producing what the task polls to the target as the runtime does (bytes through,
// as with MirrorMaker's ByteArrayConverter). Keys, values, headers, partitions and timestamps
// arrive intact in source.events, the topic the connector created on the target with the
// source's partition count.
func TestMirrorSourceConnectorReplicates(t *testing.T) {
	source, target := newBroker(t), newBroker(t)
	ctx := testContext(t)
	if _, err := kadm.NewClient(newKgo(t, source)).CreateTopic(ctx, 3, 1, nil, "events"); err != nil {
		t.Fatal(err)
	}
	var sent []*kgo.Record
	for i := range 12 {
		sent = append(sent, &kgo.Record{
			Topic: "events", Partition: int32(i % 3),
			Key: []byte(fmt.Sprintf("key-%d", i)), Value: []byte(fmt.Sprintf("value-%d", i)),
			Timestamp: time.UnixMilli(1_700_000_000_000 + int64(i)),
			Headers:   []kgo.RecordHeader{{Key: "h", Value: []byte(fmt.Sprintf("header-%d", i))}, {Key: "empty", Value: []byte{}}},
		})
	}
	if err := newKgo(t, source, kgo.RecordPartitioner(kgo.ManualPartitioner())).ProduceSync(ctx, sent...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	h := newTestHost(t, Config{PluginPath: []string{pluginfixture.ConnectMirror(t)}})
	conn := h.NewConnector(mirrorSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	props := map[string]string{
		"name": "mm2", "connector.class": mirrorSource,
		"source.cluster.alias": "source", "target.cluster.alias": "target",
		"source.cluster.bootstrap.servers":      source.ListenAddrs()[0],
		"target.cluster.bootstrap.servers":      target.ListenAddrs()[0],
		"topics":                                "events",
		"replication.factor":                    "1",
		"offset-syncs.topic.replication.factor": "1",
		"sync.topic.acls.enabled":               "false",
		"refresh.topics.interval.seconds":       "1",
	}
	if err := conn.Start(&connectorContext{}, props); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Stop() })
	var configs []map[string]string
	wait.For(t, time.Minute, "MirrorSourceConnector's task configs", func() bool {
		var err error
		if configs, err = conn.TaskConfigs(1); err != nil {
			t.Fatal(err)
		}
		return len(configs) == 1
	})
	task := conn.NewTask()
	if err := task.Start(offsetMap{}, configs[0]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { task.Stop() })

	producer := newKgo(t, target, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	polled := 0
	wait.For(t, 2*time.Minute, "12 records polled", func() bool {
		recs, err := task.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []*kgo.Record
		for _, r := range recs {
			if r.Partition == nil {
				t.Fatalf("record without a partition: %+v", r)
			}
			kr := &kgo.Record{Topic: r.Topic, Partition: *r.Partition, Timestamp: r.Timestamp}
			kr.Key, _ = r.Key.([]byte)
			kr.Value, _ = r.Value.([]byte)
			for _, h := range r.Headers {
				v, _ := h.Value.([]byte)
				kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: v})
			}
			out = append(out, kr)
		}
		if len(out) > 0 {
			if err := producer.ProduceSync(ctx, out...).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		polled += len(out)
		return polled >= len(sent)
	})

	topics, err := kadm.NewClient(newKgo(t, target)).ListTopics(ctx, "source.events")
	if err != nil || topics["source.events"].Err != nil {
		t.Fatalf("list source.events on the target: %v %v", err, topics)
	}
	if n := len(topics["source.events"].Partitions); n != 3 {
		t.Errorf("source.events has %d partitions on the target, want the source's 3", n)
	}
	got := readAll(t, ctx, target, "source.events", len(sent))
	if len(got) != len(sent) {
		t.Fatalf("target has %d records, want %d", len(got), len(sent))
	}
	want := slices.Clone(sent)
	slices.SortStableFunc(want, func(a, b *kgo.Record) int { return int(a.Partition - b.Partition) })
	for i, g := range got {
		w := want[i]
		if g.Partition != w.Partition || string(g.Key) != string(w.Key) || string(g.Value) != string(w.Value) ||
			!g.Timestamp.Equal(w.Timestamp) || !headersEqual(g.Headers, w.Headers) {
			t.Errorf("record %d: partition %d key %q value %q ts %v headers %q; want partition %d key %q value %q ts %v headers %q",
				i, g.Partition, g.Key, g.Value, g.Timestamp, g.Headers, w.Partition, w.Key, w.Value, w.Timestamp, w.Headers)
		}
	}
}

func headersEqual(a, b []kgo.RecordHeader) bool {
	return slices.EqualFunc(a, b, func(x, y kgo.RecordHeader) bool { return x.Key == y.Key && string(x.Value) == string(y.Value) })
}
