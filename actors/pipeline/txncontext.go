package pipeline

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/connectd/connectd/connectors"
)

// txnContext is a task's connectors.TransactionContext with
// transaction.boundary=connector (Kafka Connect's WorkerTransactionContext): the task asks,
// from any goroutine, and the exactly-once loop reads and clears the requests at the points
// they name.
type txnContext struct {
	mu                      sync.Mutex
	commitBatch, abortBatch bool
	commitRecs, abortRecs   []connectors.SourceRecord
}

var _ connectors.TransactionContext = (*txnContext)(nil)

func (c *txnContext) CommitTransaction() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commitBatch = true
}

func (c *txnContext) CommitTransactionFor(r connectors.SourceRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commitRecs = append(c.commitRecs, r)
}

func (c *txnContext) AbortTransaction() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.abortBatch = true
}

func (c *txnContext) AbortTransactionFor(r connectors.SourceRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.abortRecs = append(c.abortRecs, r)
}

// txnAction is what a transaction boundary does.
type txnAction int

const (
	txnNone txnAction = iota
	txnCommit
	txnAbort // abort the records, then commit their offsets in a transaction of their own
)

// errBothOnBatch is Kafka's IllegalStateException for a task that asked to commit and to
// abort the same poll's transaction.
var errBothOnBatch = errors.New("Connector requested both commit and abort of same transaction")

// batch reads and clears the requests for the poll just sent (Kafka's shouldAbortBatch, then
// shouldCommitBatch).
func (c *txnContext) batch() (txnAction, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.commitBatch && c.abortBatch {
		return txnNone, errBothOnBatch
	}
	a := txnNone
	switch {
	case c.abortBatch:
		a = txnAbort
	case c.commitBatch:
		a = txnCommit
	}
	c.commitBatch, c.abortBatch = false, false
	return a, nil
}

// cut is the first boundary a record request sets in records: the number of records up to
// and including the record it names, and the action; len(records) and txnNone when no
// request names one of them. A matched request is used up (Kafka's shouldAbortOn, then
// shouldCommitOn, per record in poll order).
func (c *txnContext) cut(records []connectors.SourceRecord) (int, txnAction, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.commitRecs) == 0 && len(c.abortRecs) == 0 {
		return len(records), txnNone, nil
	}
	for i := range records {
		r := &records[i]
		ci := indexRecord(c.commitRecs, r)
		ai := indexRecord(c.abortRecs, r)
		if ci >= 0 && ai >= 0 {
			return 0, txnNone, fmt.Errorf("Connector requested both commit and abort of same record against topic/partition %s/%s", r.Topic, partitionText(r.Partition))
		}
		if ai >= 0 {
			c.abortRecs = slices.Delete(c.abortRecs, ai, ai+1)
			return i + 1, txnAbort, nil
		}
		if ci >= 0 {
			c.commitRecs = slices.Delete(c.commitRecs, ci, ci+1)
			return i + 1, txnCommit, nil
		}
	}
	return len(records), txnNone, nil
}

// indexRecord is the index of the first of recs equal to r, or -1.
func indexRecord(recs []connectors.SourceRecord, r *connectors.SourceRecord) int {
	for i := range recs {
		if recs[i].Topic == r.Topic && reflect.DeepEqual(recs[i], *r) {
			return i
		}
	}
	return -1
}

// partitionText is a record's Kafka partition as Java prints an Integer: null when unset.
func partitionText(p *int32) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
