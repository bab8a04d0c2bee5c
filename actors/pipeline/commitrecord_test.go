package pipeline

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/wait"
)

// committingSource is a source task written for this test: its first poll returns values,
// later polls nothing; it records what CommitRecords acknowledged.
type committingSource struct {
	values []string

	mu     sync.Mutex
	polled []connectors.SourceRecord
	acks   []connectors.RecordAck
}

func (c *committingSource) Start(connectors.SourceTaskContext, map[string]string) error { return nil }
func (c *committingSource) Stop() error                                                 { return nil }

func (c *committingSource) Poll(ctx context.Context) ([]connectors.SourceRecord, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.polled != nil {
		return nil, nil
	}
	c.polled = make([]connectors.SourceRecord, len(c.values))
	for i, v := range c.values {
		c.polled[i] = connectors.SourceRecord{SourcePartition: map[string]any{"p": "x"}, SourceOffset: map[string]any{"o": int64(i)},
			Topic: "t", Value: v, ValueSchema: &connectors.Schema{Type: connectors.TypeString}}
	}
	return c.polled, nil
}

func (c *committingSource) CommitRecords(acks []connectors.RecordAck) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.acks = append(c.acks, acks...)
	return nil
}

func (c *committingSource) acked() []connectors.RecordAck {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.acks)
}

// A RecordCommitter hears of every polled record once it is written, in poll order, as the
// record it polled (not the transformed copy) with the topic, partition and offset it landed
// at (with a transaction, once it committed; an exactly-once task's, once its offsets were
// committed with it); a record a transform dropped comes with no metadata.
func TestSourceCommitRecords(t *testing.T) {
	for _, mode := range []string{"plain producer", "transactional producer", "exactly-once", "exactly-once franz-go"} {
		transactional := mode != "plain producer"
		t.Run(mode, func(t *testing.T) {
			c := newCluster(t)
			task := &committingSource{values: []string{"a", "drop", "b"}}
			src := newFileSource(t, c, nil, newMemOffsets())
			src.Task = task
			if transactional {
				clients := &Clients{Brokers: c.ListenAddrs(), Hash: store.PartitionFor, TransactionalIDPrefix: "connect-cluster"}
				p, err := clients.Producer("src", 0, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = p.Close() })
				src.Producer, src.NewPipelined = p, nil // the transactional mode
			}
			if strings.HasPrefix(mode, "exactly-once") {
				offs := topicOffsets{st: newOffsetStore(t, c), connector: "src"}
				src.Offsets, src.ExactlyOnce = offs, offs.exactlyOnce(0)
				if mode == "exactly-once franz-go" {
					clients := &Clients{Brokers: c.ListenAddrs(), Hash: store.PartitionFor, TransactionalIDPrefix: "connect-cluster"}
					src.ExactlyOnce.NewProducer = func(d Delivery) (*kgo.Client, error) { return clients.TransactionalProducer("src", 0, nil, d) }
				}
			}
			src.Transform = func(r *connectors.Record) (*connectors.Record, error) {
				if r.Value == "drop" {
					return nil, nil
				}
				return r, nil
			}
			r := start(t, src.Run)
			wait.For(t, testTimeout, "three records acknowledged", func() bool { return len(task.acked()) == 3 })
			if err := r.stop(t); err != nil {
				t.Fatal(err)
			}
			acks := task.acked()
			if got := readCommitted(t, c, "t", 2, testTimeout); !slices.Equal(got, []string{stringEnvelope("a"), stringEnvelope("b")}) {
				t.Fatalf("written %q, want a and b", got)
			}
			for i, want := range []int{0, -1, 1} {
				a := acks[i]
				if a.Record != &task.polled[i] {
					t.Errorf("ack %d names %p, want the polled record %p", i, a.Record, &task.polled[i])
				}
				if want < 0 {
					if a.Metadata != nil {
						t.Errorf("ack of the dropped record has metadata %+v", a.Metadata)
					}
					continue
				}
				// The topic is fresh and has one partition: a and b are at offsets 0 and 1.
				if a.Metadata == nil || a.Metadata.Topic != "t" || a.Metadata.Partition != 0 || a.Metadata.Offset != int64(want) {
					t.Errorf("ack %d metadata %+v, want t-0@%d", i, a.Metadata, want)
				}
			}
		})
	}
}
