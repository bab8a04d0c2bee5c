package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/converters"
	"github.com/connectd/connectd/connectors/loadgen"
	"github.com/connectd/connectd/internal/wait"
)

// stopAfterPolls is a source task that, once n of its polls returned records (n = 0: never),
// cancels its Run at the next poll and returns nothing: the task stops between polls, after
// the n-th poll's records were handed over.
type stopAfterPolls struct {
	connectors.SourceTask
	n    int
	stop context.CancelFunc

	mu    sync.Mutex
	polls int
}

func (s *stopAfterPolls) Poll(ctx context.Context) ([]connectors.SourceRecord, error) {
	s.mu.Lock()
	if s.n > 0 && s.polls == s.n {
		s.mu.Unlock()
		s.stop()
		return nil, nil
	}
	s.mu.Unlock()
	records, err := s.SourceTask.Poll(ctx)
	if len(records) > 0 {
		s.mu.Lock()
		s.polls++
		s.mu.Unlock()
	}
	return records, err
}

// TestSourceDataGenResumes runs DataGenSource, whose records carry their own count as source
// offset only where a poll or a transaction ends (the others carry the count before their
// poll), through each source mode: an instance stopped after its third poll and the next
// one, run to the task's total, write every record once and in order for a read_committed
// reader, and the stored offset ends at the total. With connector-defined boundaries (every
// 25th record, polls of 40) the first instance's open transaction is aborted at the stop and
// the next one resumes after the last record that ended a transaction.
func TestSourceDataGenResumes(t *testing.T) {
	const total, batch = 250, 40
	tests := []struct {
		mode       string
		txnRecords int // transaction.records, with transaction.boundary=connector
	}{
		{mode: "pipelined"},
		{mode: "transactional"},
		{mode: "exactly-once poll"},
		{mode: "exactly-once interval"},
		{mode: "exactly-once connector", txnRecords: 25},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			c := newCluster(t, "t")
			eos := strings.HasPrefix(tt.mode, "exactly-once")
			var offs Offsets = newMemOffsets()
			var st *store.OffsetStore
			if eos {
				st = newOffsetStore(t, c)
				offs = topicOffsets{st: st, connector: "gen"}
			}
			conn := &loadgen.SourceConnector{}
			if err := conn.Start(nil, map[string]string{"name": "gen", loadgen.TopicKey: "t", loadgen.RateKey: "0",
				loadgen.TotalRecordsKey: fmt.Sprint(total), loadgen.BatchSizeKey: fmt.Sprint(batch),
				loadgen.KeyCardinalityKey: "1000000", loadgen.TransactionRecordsKey: fmt.Sprint(tt.txnRecords)}); err != nil {
				t.Fatal(err)
			}
			configs, err := conn.TaskConfigs(1)
			if err != nil {
				t.Fatal(err)
			}
			clients := &Clients{Brokers: c.ListenAddrs(), Hash: store.PartitionFor, TransactionalIDPrefix: "connect-cluster"}
			// instance runs one task instance until it stops itself after stopAfter polls (0:
			// until its stored count reaches the total, then the test stops it).
			instance := func(stopAfter int) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				task := &stopAfterPolls{SourceTask: conn.NewTask(), n: stopAfter, stop: cancel}
				src := &Source{Task: task, Props: configs[0], Key: &converters.ByteArrayConverter{}, Value: &converters.ByteArrayConverter{},
					Header: headerConverter(t, converters.SimpleHeaderClass, nil), Offsets: offs,
					FlushInterval: 10 * time.Millisecond}
				switch {
				case tt.mode == "pipelined":
					src.NewPipelined = func(d Delivery) (*kgo.Client, error) { return clients.PipelinedProducer("gen", 0, nil, d) }
				case tt.mode == "transactional":
					src.NewProducer = func() (sarama.SyncProducer, error) { return clients.Producer("gen", 0, nil) }
				default:
					interval := time.Duration(0)
					if tt.mode == "exactly-once interval" {
						interval = 50 * time.Millisecond // transactions spanning polls
					}
					src.ExactlyOnce = offs.(topicOffsets).exactlyOnce(interval)
					src.ExactlyOnce.ConnectorDefined = tt.txnRecords > 0
					src.ExactlyOnce.NewProducer = func(d Delivery) (*kgo.Client, error) {
						return clients.TransactionalProducer("gen", 0, nil, d)
					}
				}
				done := make(chan error, 1)
				go func() { done <- src.Run(ctx) }()
				if stopAfter == 0 {
					wait.For(t, testTimeout, "the stored count at the total", func() bool { return storedCount(t, offs, st) == total })
					cancel()
				}
				select {
				case err := <-done:
					// A stop may interrupt an exactly-once task's commit; the worker takes that
					// for a stop (taskrunner.go), and so does this test.
					if err != nil && !errors.Is(err, context.Canceled) {
						t.Fatalf("Run = %v", err)
					}
				case <-time.After(testTimeout):
					t.Fatalf("Run did not return within %v", testTimeout)
				}
			}

			instance(3)
			first := storedCount(t, offs, st)
			want := int64(3 * batch)
			if tt.txnRecords > 0 {
				want = 3 * batch / int64(tt.txnRecords) * int64(tt.txnRecords) // the last transaction the task ended
			}
			if first != want {
				t.Errorf("stored count after three polls %d, want %d", first, want)
			}
			instance(0)
			var wantKeys []string
			for i := range total {
				wantKeys = append(wantKeys, fmt.Sprintf("key-%d", i))
			}
			if got := readCommittedKeys(t, c, "t", total+1, time.Second); !slices.Equal(got, wantKeys) {
				t.Errorf("read_committed sees %d records %q…, want key-0 … key-%d once each, in order", len(got), got[:min(len(got), 5)], total-1)
			}
		})
	}
}

// storedCount is DataGen task 0's stored count: from offs, or from the offsets topic st.
func storedCount(t testing.TB, offs Offsets, st *store.OffsetStore) int64 {
	t.Helper()
	if st != nil {
		if err := st.ReadToEnd(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	off, err := offs.Offset(map[string]any{loadgen.TaskField: int64(0)})
	if err != nil {
		t.Fatal(err)
	}
	switch n := off[loadgen.RecordsField].(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}
