package pipeline

import (
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors/filestream"
	"github.com/connectd/connectd/internal/brokerfault"
	"github.com/connectd/connectd/internal/wait"
)

// TestSourceBrokerErrors makes the broker answer every Produce to the data topic with a
// Kafka error for a while. An error that clears within the retry timeout is retried and
// nothing is lost; one that outlasts it fails the task with an error naming Kafka's error,
// and a new run of the task (a restart) after the cause went away delivers every line
// exactly once. With a transactional producer the error strikes a transaction that spans
// several polls: the retry sends the whole aborted transaction again, and read_committed
// consumers see every line once.
func TestSourceBrokerErrors(t *testing.T) {
	tests := []struct {
		name     string
		code     *kerr.Error
		timeout  string // the source's RetryTimeout
		wantFail bool
		txn      bool // a transactional producer, batches of 2 lines, the first 2 produces accepted
	}{
		{"storage error clears within the retry timeout", kerr.KafkaStorageError, "30s", false, false},
		{"not enough replicas clears within the retry timeout", kerr.NotEnoughReplicas, "30s", false, false},
		{"storage error outlasts the retry timeout", kerr.KafkaStorageError, "200ms", true, false},
		{"a non-retriable error fails at once", kerr.InvalidRecord, "30s", true, false},
		{"storage error in a transaction spanning polls", kerr.KafkaStorageError, "30s", false, true},
		{"storage error outlasts the retry timeout in a transaction", kerr.KafkaStorageError, "200ms", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			var armed atomic.Bool
			var rejected atomic.Int64
			armed.Store(true)
			accept := int64(0)
			if tt.txn {
				accept = 2
			}
			rejectProduce(c, "t", tt.code.Code, accept, &armed, &rejected)
			path := emptyFile(t, "in.txt")
			lines := numbered("line", 1, 20)
			appendLines(t, path, lines[:10]...)
			offs := newMemOffsets()
			props := sourceProps(path, "t")
			clients := &Clients{Brokers: c.ListenAddrs(), Hash: store.PartitionFor, TransactionalIDPrefix: "connect-cluster"}
			newSource := func() *Source {
				src := newFileSource(t, c, props, offs)
				if tt.txn {
					p, err := clients.Producer("src", 0, nil)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { _ = p.Close() })
					src.Producer, src.NewPipelined = p, nil // the transactional mode
				}
				return src
			}
			if tt.txn {
				props[filestream.BatchSizeKey] = "2"
			}
			src := newSource()
			src.RetryTimeout = mustDuration(t, tt.timeout)
			src.RetryBackoffMax = 200 * time.Millisecond
			r := start(t, src.Run)

			if tt.wantFail {
				err := r.wait(t)
				var named *KafkaError
				if !errors.As(err, &named) || named.Name != tt.code.Message || !strings.Contains(err.Error(), tt.code.Message) {
					t.Fatalf("Run = %v; want an error naming %s", err, tt.code.Message)
				}
				armed.Store(false)
				// The cause went away: the task is started again on the same offsets.
				r = start(t, newSource().Run)
			} else {
				wait.For(t, testTimeout, "produce requests rejected", func() bool { return rejected.Load() >= 15 }) // past the client's own 10 retries
				armed.Store(false)
			}
			appendLines(t, path, lines[10:]...)
			if tt.txn {
				want := make([]string, len(lines))
				for i, l := range lines {
					want[i] = stringEnvelope(l)
				}
				got := readCommitted(t, c, "t", len(lines), testTimeout)
				if err := r.stop(t); err != nil {
					t.Fatalf("Run = %v after the cause went away", err)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("read_committed sees %q, want every line once, in order", got)
				}
				if more := readCommitted(t, c, "t", len(lines)+1, time.Second); len(more) > len(lines) {
					t.Fatalf("read_committed sees %d records, want %d", len(more), len(lines))
				}
				checkPosition(t, offs, path)
				return
			}
			wait.For(t, testTimeout, "every line on the topic", func() bool {
				return endOffset(t, adm, "t") >= int64(len(lines))
			})
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v after the cause went away", err)
			}
			checkPosition(t, offs, path)
			checkEnvelopes(t, c, "t", lines) // nothing lost, nothing twice
		})
	}
}

// rejectProduce answers every Produce request for topic after the first accept with code
// while armed holds, counting the requests it rejected.
func rejectProduce(c *kfake.Cluster, topic string, code int16, accept int64, armed *atomic.Bool, rejected *atomic.Int64) {
	var seen atomic.Int64
	id := c.TopicInfo(topic).TopicID // the topic exists (newCluster seeds it)
	c.ControlKey(kmsg.Produce.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.ProduceRequest)
		if !armed.Load() || len(req.Topics) == 0 || !brokerfault.Names(req.Topics[0], topic, id) || seen.Add(1) <= accept {
			return nil, nil, false
		}
		rejected.Add(1)
		return brokerfault.RejectProduce(req, code), nil, true
	})
}

func mustDuration(t testing.TB, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
