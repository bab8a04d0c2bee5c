package pipeline

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/wait"
)

// txnRequest is one request a boundarySource makes through its TransactionContext during a
// poll: on the poll's record at index record, or on the poll itself when record is -1.
type txnRequest struct {
	record int
	abort  bool
}

// boundarySource wraps a real source task and defines transactions as script says: poll
// number i (from 1) makes the requests script[i] about the records it returns.
type boundarySource struct {
	connectors.SourceTask
	script map[int][]txnRequest

	mu    sync.Mutex
	txn   connectors.TransactionContext
	polls int
}

func (s *boundarySource) Start(ctx connectors.SourceTaskContext, props map[string]string) error {
	s.mu.Lock()
	s.txn = ctx.TransactionContext()
	s.mu.Unlock()
	return s.SourceTask.Start(ctx, props)
}

func (s *boundarySource) Poll(ctx context.Context) ([]connectors.SourceRecord, error) {
	records, err := s.SourceTask.Poll(ctx)
	if err != nil || len(records) == 0 {
		return records, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.polls++
	for _, r := range s.script[s.polls] {
		switch {
		case r.record < 0 && r.abort:
			s.txn.AbortTransaction()
		case r.record < 0:
			s.txn.CommitTransaction()
		case r.abort:
			s.txn.AbortTransactionFor(records[r.record])
		default:
			s.txn.CommitTransactionFor(records[r.record])
		}
	}
	return records, nil
}

func (s *boundarySource) pollCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

// eosBoundarySource is an exactly-once FileStream task of connector src (10 lines a poll)
// with transaction.boundary=connector, defining its transactions as script says.
func eosBoundarySource(t testing.TB, c *kfake.Cluster, st *store.OffsetStore, file string, script map[int][]txnRequest) (*Source, *boundarySource) {
	t.Helper()
	src := eosFileSourceOn(t, c, st, file, 10, 0, true)
	src.ExactlyOnce.ConnectorDefined = true
	task := &boundarySource{SourceTask: src.Task, script: script}
	src.Task = task
	return src, task
}

// TestExactlyOnceConnectorBoundaries ports ExactlyOnceSourceIntegrationTest's
// testConnectorBoundary and WorkerTransactionContext's contract: with
// transaction.boundary=connector a transaction ends only where the task asks, a request on
// a record ends it right after that record, one on a poll after the poll's records; an abort
// hides its records from read_committed readers but commits their offsets, so they are not
// polled again; what was polled after the last request is aborted when the task stops, and
// the next instance polls it again.
func TestExactlyOnceConnectorBoundaries(t *testing.T) {
	c := newCluster(t, "t")
	st := newOffsetStore(t, c)
	file := emptyFile(t, "in.txt")
	lines := numbered("a", 0, 60)
	appendLines(t, file, lines...)
	script := map[int][]txnRequest{
		1: {{record: 4}},                            // commit a-0000..a-0004
		2: nil,                                      // a-0005..a-0019 stay open
		3: {{record: 2, abort: true}, {record: -1}}, // abort a-0005..a-0022, then commit a-0023..a-0029
		4: {{record: -1, abort: true}},              // abort a-0030..a-0039
		5: {{record: 9}},                            // commit a-0040..a-0049
		6: nil,                                      // a-0050..a-0059: open when the task stops
	}
	src, task := eosBoundarySource(t, c, st, file, script)
	run := start(t, src.Run)
	want := envelopeValues(slices.Concat(lines[0:5], lines[23:30], lines[40:50]))
	if got := readCommitted(t, c, "t", len(want), testTimeout); !slices.Equal(got, want) {
		t.Fatalf("read_committed sees %q,\nwant %q", got, want)
	}
	wait.For(t, testTimeout, "the sixth poll", func() bool { return task.pollCount() >= 6 })
	if err := run.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
	if got := readCommitted(t, c, "t", len(want)+1, 500*time.Millisecond); !slices.Equal(got, want) {
		t.Fatalf("after stop, read_committed sees %d records, want %d: the open transaction is aborted", len(got), len(want))
	}
	if err := st.ReadToEnd(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	// The aborted transactions' offsets were committed, the open one's not: 50 lines of 7 bytes.
	if pos := storedPosition(t, st, file); pos != 50*7 {
		t.Errorf("stored position %d, want %d (after a-0049)", pos, 50*7)
	}

	// The next instance resumes after a-0049 and polls a-0050.. again.
	next, _ := eosBoundarySource(t, c, st, file, map[int][]txnRequest{1: {{record: 9}}})
	nrun := start(t, next.Run)
	want = append(want, envelopeValues(lines[50:60])...)
	if got := readCommitted(t, c, "t", len(want), testTimeout); !slices.Equal(got, want) {
		t.Fatalf("read_committed sees %q,\nwant %q", got, want)
	}
	if err := nrun.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
}

// TestExactlyOnceConnectorBoundaryConflicts: asking both to commit and to abort at the same
// record, or for the same poll, fails the task with Kafka Connect's texts, and nothing of
// the transaction becomes visible.
func TestExactlyOnceConnectorBoundaryConflicts(t *testing.T) {
	tests := []struct {
		name    string
		request []txnRequest
		want    string
	}{
		{"record", []txnRequest{{record: 3}, {record: 3, abort: true}}, "Connector requested both commit and abort of same record against topic/partition t/null"},
		{"poll", []txnRequest{{record: -1}, {record: -1, abort: true}}, "Connector requested both commit and abort of same transaction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, "t")
			st := newOffsetStore(t, c)
			file := emptyFile(t, "in.txt")
			appendLines(t, file, numbered("a", 0, 10)...)
			src, _ := eosBoundarySource(t, c, st, file, map[int][]txnRequest{1: tt.request})
			err := start(t, src.Run).wait(t)
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrFenced) {
				t.Fatalf("Run = %v, want a failure saying %q", err, tt.want)
			}
			if got := readCommitted(t, c, "t", 1, 500*time.Millisecond); len(got) != 0 {
				t.Errorf("read_committed sees %q, want nothing", got)
			}
		})
	}
}

// TestTransactionContextOnlyWithConnectorBoundaries: a task gets a TransactionContext only
// with transaction.boundary=connector (Kafka's transactionContext() is null otherwise).
func TestTransactionContextOnlyWithConnectorBoundaries(t *testing.T) {
	for _, connector := range []bool{false, true} {
		c := newCluster(t, "t")
		st := newOffsetStore(t, c)
		file := emptyFile(t, "in.txt")
		src, task := eosBoundarySource(t, c, st, file, nil)
		src.ExactlyOnce.ConnectorDefined = connector
		var started sync.WaitGroup
		started.Add(1)
		src.Started = started.Done
		run := start(t, src.Run)
		started.Wait() // Run's deadline is the test's
		if err := run.stop(t); err != nil {
			t.Fatal(err)
		}
		if got := task.txn != nil; got != connector {
			t.Errorf("connector boundaries %v: TransactionContext set = %v", connector, got)
		}
	}
}
