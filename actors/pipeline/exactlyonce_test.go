package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/filestream"
	"github.com/connectd/connectd/internal/wait"
)

// topicOffsets adapts a real offsets store (read committed, Kafka Connect's format) to one
// connector, for exactly-once tasks.
type topicOffsets struct {
	st        *store.OffsetStore
	connector string
}

func (o topicOffsets) Offset(p map[string]any) (map[string]any, error) {
	return o.st.Offset(o.connector, p)
}

func (o topicOffsets) Put(context.Context, []connectors.SourceOffset) error {
	return errors.New("an exactly-once task must not write offsets outside its transaction")
}

func (o topicOffsets) exactlyOnce(interval time.Duration) *ExactlyOnce {
	return &ExactlyOnce{
		Interval:    interval,
		ReadOffsets: o.st.ReadToEnd,
		OffsetMessages: func(list []connectors.SourceOffset) ([]*sarama.ProducerMessage, error) {
			in := make([]store.Offset, len(list))
			for i, x := range list {
				in[i] = store.Offset{Partition: x.Partition, Offset: x.Offset}
			}
			topic, recs, err := o.st.TxnRecords(o.connector, in)
			if err != nil {
				return nil, err
			}
			msgs := make([]*sarama.ProducerMessage, len(recs))
			for i, r := range recs {
				msgs[i] = OffsetMessage(topic, r.Partition, r.Key, r.Value)
			}
			return msgs, nil
		},
	}
}

// newOffsetStore starts an offsets store on topic "offsets" of c.
func newOffsetStore(t testing.TB, c *kfake.Cluster) *store.OffsetStore {
	t.Helper()
	st, err := store.NewOffsetStore(store.Kafka{Addrs: c.ListenAddrs(), Config: baseConfig("offsets")}, store.Topic{Name: "offsets", Partitions: 5, ReplicationFactor: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Start(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// eosFileSource is an exactly-once FileStream source task of connector src, task 0, with
// the worker's transactional producer made when it runs.
func eosFileSource(t testing.TB, c *kfake.Cluster, st *store.OffsetStore, file string, batch int, interval time.Duration) *Source {
	return eosFileSourceOn(t, c, st, file, batch, interval, false)
}

// eosFileSourceOn is eosFileSource on the sarama producer, or on franz-go's (the worker's).
func eosFileSourceOn(t testing.TB, c *kfake.Cluster, st *store.OffsetStore, file string, batch int, interval time.Duration, franz bool) *Source {
	t.Helper()
	props := sourceProps(file, "t")
	props[filestream.BatchSizeKey] = fmt.Sprint(batch)
	offs := topicOffsets{st: st, connector: "src"}
	src := newFileSource(t, c, props, offs)
	clients := &Clients{Brokers: c.ListenAddrs(), Hash: store.PartitionFor, TransactionalIDPrefix: "connect-cluster"}
	src.Producer, src.NewProducer = nil, func() (sarama.SyncProducer, error) { return clients.Producer("src", 0, nil) }
	src.ExactlyOnce = offs.exactlyOnce(interval)
	if franz {
		src.ExactlyOnce.NewProducer = func(d Delivery) (*kgo.Client, error) { return clients.TransactionalProducer("src", 0, nil, d) }
	}
	return src
}

// TestExactlyOnceBoundaries: with transaction.boundary=poll every poll batch is one
// transaction; with interval, many polls share one. In both, the records and the offsets
// of a transaction become visible together, and the offsets reach the offsets topic only
// inside transactions (the store's Put is never called).
func TestExactlyOnceBoundaries(t *testing.T) {
	tests := []struct {
		name             string
		interval         time.Duration
		minTxns, maxTxns int64
	}{
		{"poll", 0, 20, 20},
		{"interval", time.Hour, 1, 1}, // only the commit on stop
	}
	for _, franz := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(map[bool]string{false: "sarama ", true: "franz-go "}[franz]+tt.name, func(t *testing.T) {
				c := newCluster(t, "t")
				st := newOffsetStore(t, c)
				file := emptyFile(t, "in.txt")
				appendLines(t, file, numbered("a", 0, 200)...)
				src := eosFileSourceOn(t, c, st, file, 10, tt.interval, franz)
				run := start(t, src.Run)
				if tt.interval == 0 {
					if got := readCommitted(t, c, "t", 200, testTimeout); len(got) != 200 {
						t.Fatalf("read_committed sees %d records, want 200", len(got))
					}
				} else {
					// Nothing is committed before the interval: wait until the task polled
					// everything (its transaction holds 200 records), then stop it.
					wait.For(t, testTimeout, "200 records sent in the open transaction", func() bool {
						return endOffset(t, newAdmin(t, c), "t") >= 200
					})
					if got := readCommitted(t, c, "t", 1, 300*time.Millisecond); len(got) != 0 {
						t.Fatalf("read_committed sees %d records of an open transaction", len(got))
					}
				}
				if err := run.stop(t); err != nil {
					t.Fatalf("Run = %v, want nil after cancel", err)
				}
				if got := readCommitted(t, c, "t", 200, testTimeout); len(got) != 200 || !slices.Equal(got, envelopeValues(numbered("a", 0, 200))) {
					t.Fatalf("read_committed sees %d records, want the 200 lines once each in order", len(got))
				}
				txns := endOffset(t, newAdmin(t, c), "t") - 200
				if txns < tt.minTxns || txns > tt.maxTxns {
					t.Errorf("%d transactions, want %d to %d", txns, tt.minTxns, tt.maxTxns)
				}
				if err := st.ReadToEnd(testCtx(t)); err != nil {
					t.Fatal(err)
				}
				if pos := storedPosition(t, st, file); pos != fileSize(t, file) {
					t.Errorf("stored position %d, want the file's size %d", pos, fileSize(t, file))
				}
			})
		}
	}
}

// TestExactlyOnceFencesZombie: a restarted task resumes from the offsets committed with its
// records; a newer instance of the task fences the running one as its producer starts, the
// fenced one's open transaction (records and offsets) is aborted, and a read_committed reader
// sees every line once. The fenced instance ends with ErrFenced, not a failure.
func TestExactlyOnceFencesZombie(t *testing.T) {
	for _, franz := range []bool{false, true} {
		t.Run(map[bool]string{false: "sarama", true: "franz-go"}[franz], func(t *testing.T) { fencesZombie(t, franz) })
	}
}

func fencesZombie(t *testing.T, franz bool) {
	c := newCluster(t, "t")
	st := newOffsetStore(t, c)
	file := emptyFile(t, "in.txt")
	appendLines(t, file, numbered("a", 0, 50)...)
	first := eosFileSourceOn(t, c, st, file, 10, 0, franz)
	run := start(t, first.Run)
	if got := readCommitted(t, c, "t", 50, testTimeout); len(got) != 50 {
		t.Fatalf("read_committed sees %d records, want 50", len(got))
	}
	if err := run.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
	// The next instance resumes after the a lines, and keeps its transaction open for an
	// hour: it becomes the zombie.
	zombie := eosFileSourceOn(t, c, st, file, 10, time.Hour, franz)
	zrun := start(t, zombie.Run)
	appendLines(t, file, numbered("b", 0, 30)...)
	wait.For(t, testTimeout, "the zombie's open transaction holds the b lines", func() bool {
		return endOffset(t, newAdmin(t, c), "t") >= 50+5+30 // five transaction markers
	})
	fresh := eosFileSourceOn(t, c, st, file, 10, 0, franz)
	frun := start(t, fresh.Run)
	all := envelopeValues(append(numbered("a", 0, 50), numbered("b", 0, 30)...))
	if got := readCommitted(t, c, "t", len(all), testTimeout); !slices.Equal(got, all) {
		t.Fatalf("read_committed sees %d records, want the 80 lines once each in order", len(got))
	}
	if err := zrun.stop(t); !errors.Is(err, ErrFenced) {
		t.Errorf("zombie Run = %v, want ErrFenced", err)
	}
	if err := frun.stop(t); err != nil {
		t.Errorf("Run = %v, want nil after cancel", err)
	}
	if got := readCommitted(t, c, "t", len(all)+1, 500*time.Millisecond); !slices.Equal(got, all) {
		t.Errorf("read_committed sees %d records after both stopped, want 80", len(got))
	}
}

// storedPosition is the committed FileStream position of file in the offsets store.
func storedPosition(t testing.TB, st *store.OffsetStore, file string) int64 {
	t.Helper()
	off, err := st.Offset("src", map[string]any{"filename": file})
	if err != nil {
		t.Fatal(err)
	}
	pos, _ := off["position"].(int64)
	return pos
}

// envelopeValues are the JsonConverter values of string lines, as readCommitted returns them.
func envelopeValues(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = stringEnvelope(l)
	}
	return out
}

// TestFenceSourceTasks: the zombie fencing round bumps the epoch of every task's
// transactional id: each old producer's open transaction is aborted and its commit fails
// as fenced, so none of its records becomes visible.
func TestFenceSourceTasks(t *testing.T) {
	c := newCluster(t, "t")
	admin, err := sarama.NewClient(c.ListenAddrs(), baseConfig("admin"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	clients := &Clients{Brokers: c.ListenAddrs(), Admin: admin, TransactionalIDPrefix: "connect-cluster"}
	var old []sarama.SyncProducer
	for task := range int32(3) {
		p, err := clients.Producer("src", task, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.BeginTxn(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "t", Value: sarama.StringEncoder(fmt.Sprint("zombie ", task))}); err != nil {
			t.Fatal(err)
		}
		old = append(old, p)
	}
	if err := clients.FenceSourceTasks(testCtx(t), "src", 3); err != nil {
		t.Fatal(err)
	}
	for task, p := range old {
		if err := fencedOr(p.CommitTxn()); !errors.Is(err, ErrFenced) {
			t.Errorf("task %d: commit after fencing = %v, want fenced", task, err)
		}
	}
	if got := readCommitted(t, c, "t", 1, 500*time.Millisecond); len(got) != 0 {
		t.Errorf("read_committed sees %q, want nothing of the fenced transactions", got)
	}
}

// TestExactlyOnceStillCurrent: a task whose StillCurrent check fails once its producer
// fenced older instances (its config changed, or it moved, meanwhile) ends with that error
// before it reads offsets, starts the plugin task or writes a record; one whose check passes
// runs.
func TestExactlyOnceStillCurrent(t *testing.T) {
	for _, franz := range []bool{false, true} {
		t.Run(map[bool]string{false: "sarama", true: "franz-go"}[franz], func(t *testing.T) {
			c := newCluster(t, "t")
			st := newOffsetStore(t, c)
			file := emptyFile(t, "in.txt")
			appendLines(t, file, numbered("a", 0, 20)...)
			stale := eosFileSourceOn(t, c, st, file, 10, 0, franz)
			moved := fmt.Errorf("%w: the task moved to another worker while its producer started", ErrFenced)
			var asked int
			stale.ExactlyOnce.StillCurrent = func(context.Context) error { asked++; return moved }
			started := false
			stale.Started = func() { started = true }
			if err := stale.Run(testCtx(t)); !errors.Is(err, moved) || asked != 1 || started {
				t.Fatalf("Run = %v after %d checks, task started %v; want the check's error after one check, the task never started", err, asked, started)
			}
			if got := readCommitted(t, c, "t", 1, 500*time.Millisecond); len(got) != 0 {
				t.Fatalf("read_committed sees %d records of a task that was not current, want none", len(got))
			}
			current := eosFileSourceOn(t, c, st, file, 10, 0, franz)
			current.ExactlyOnce.StillCurrent = func(context.Context) error { return nil }
			run := start(t, current.Run)
			if got := readCommitted(t, c, "t", 20, testTimeout); len(got) != 20 {
				t.Fatalf("read_committed sees %d records, want 20", len(got))
			}
			if err := run.stop(t); err != nil {
				t.Fatalf("Run = %v, want nil after cancel", err)
			}
		})
	}
}
