package javaplugin

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

const transactionSource = "com.example.contextual.TransactionSourceConnector"

// txnRecorder is the worker's TransactionContext as the test sees it: the requests asked of
// it since the last take, by the value of the record they name.
type txnRecorder struct {
	mu  sync.Mutex
	got []string
}

func (r *txnRecorder) add(s string) { r.mu.Lock(); r.got = append(r.got, s); r.mu.Unlock() }
func (r *txnRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}
func (r *txnRecorder) CommitTransaction() { r.add("commit") }
func (r *txnRecorder) AbortTransaction()  { r.add("abort") }
func (r *txnRecorder) CommitTransactionFor(rec connectors.SourceRecord) {
	r.add(fmt.Sprintf("commit@%v", rec.Value))
}
func (r *txnRecorder) AbortTransactionFor(rec connectors.SourceRecord) {
	r.add(fmt.Sprintf("abort@%v", rec.Value))
}

// txnContext is a source task context with a TransactionContext.
type txnContext struct {
	offsetMap
	txn connectors.TransactionContext
}

func (c txnContext) TransactionContext() connectors.TransactionContext { return c.txn }

// TestJavaTransactionContext: a Java task's context.transactionContext() is not null with a
// worker TransactionContext, and what the task asks of it (commitTransaction and
// abortTransaction, for a record named by an equal one, or for a poll, an empty one included)
// is asked of the worker's with the record it names, each poll's own request after that
// poll's records, however the host batched the polls; asking both for one record fails the
// poll with Kafka's IllegalStateException text. Without one, transactionContext() is null.
func TestJavaTransactionContext(t *testing.T) {
	h := newContextHost(t)
	ctx := testContext(t)
	newTask := func(tc connectors.SourceTaskContext) connectors.SourceTask {
		conn := h.NewConnector(transactionSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
		task := conn.NewTask()
		if err := task.Start(tc, map[string]string{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = task.Stop() })
		return task
	}

	rec := &txnRecorder{}
	task := newTask(txnContext{txn: rec})
	// Each Poll's records, then the record requests naming them, then the poll's own: the
	// order in which the worker acts on them, whatever the host's batching.
	var events []string
	var failure error
	for range 20 {
		records, err := task.Poll(ctx)
		if err != nil {
			failure = err
			break
		}
		reqs := rec.take()
		for _, r := range records {
			events = append(events, fmt.Sprint(r.Value))
			for _, q := range reqs {
				if strings.HasSuffix(q, fmt.Sprintf("@%v", r.Value)) {
					events = append(events, q)
				}
			}
		}
		for _, q := range reqs {
			if !strings.Contains(q, "@") {
				events = append(events, q)
			}
		}
	}
	want := []string{"a0", "a1", "commit@a1", "a2", "commit", "a3", "a4", "abort@a4", "abort", "a5", "commit"}
	if !slices.Equal(events, want) {
		t.Errorf("the worker saw %q,\nwant %q", events, want)
	}
	if failure == nil || !strings.Contains(failure.Error(), "Connector requested both commit and abort of same record against topic/partition t/null") {
		t.Errorf("poll 5 = %v, want Kafka's IllegalStateException", failure)
	}

	plain := newTask(offsetMap{})
	records, err := plain.Poll(ctx)
	if err != nil || len(records) != 1 || records[0].Value != "no transaction context" {
		t.Errorf("without a TransactionContext: %v, %v; want the task to see null", records, err)
	}
}
