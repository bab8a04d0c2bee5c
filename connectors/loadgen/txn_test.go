package loadgen

import (
	"fmt"
	"slices"
	"testing"

	"github.com/connectd/connectd/connectors"
)

// recordingTxn is a TransactionContext that notes each request as "commit@<seq>" or
// "abort@<seq>", the record's count offset minus one.
type recordingTxn struct{ got []string }

func (r *recordingTxn) note(kind string, rec connectors.SourceRecord) {
	r.got = append(r.got, fmt.Sprintf("%s@%d", kind, rec.SourceOffset[RecordsField].(int64)-1))
}
func (r *recordingTxn) CommitTransaction()                             { r.got = append(r.got, "commit") }
func (r *recordingTxn) AbortTransaction()                              { r.got = append(r.got, "abort") }
func (r *recordingTxn) CommitTransactionFor(c connectors.SourceRecord) { r.note("commit", c) }
func (r *recordingTxn) AbortTransactionFor(c connectors.SourceRecord)  { r.note("abort", c) }

// TestSourceDefinesTransactions: with transaction.records the task names every n-th of its
// records (counted across restarts, from its stored offset) as a transaction's last, and
// with transaction.abort.every every m-th such transaction is aborted; without a
// TransactionContext (any boundary but connector) it asks nothing.
func TestSourceDefinesTransactions(t *testing.T) {
	tests := []struct {
		name string
		txn  bool
		want []string
	}{
		{"connector boundary", true, []string{"commit@3", "commit@7", "abort@11", "commit@15", "commit@19"}},
		{"no transaction context", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingTxn{}
			tc := taskContext{offsets: offsets{0: {RecordsField: int64(2)}}}
			if tt.txn {
				tc.txn = rec
			}
			props := sourceProps(t.Name(), RateKey, "0", BatchSizeKey, "5", TotalRecordsKey, "20",
				TransactionRecordsKey, "4", TransactionAbortEveryKey, "3")
			task := startTask(t, props, tc)
			if n := len(drain(t, task, 100)); n != 18 {
				t.Fatalf("%d records, want the 18 after the stored offset", n)
			}
			if !slices.Equal(rec.got, tt.want) {
				t.Errorf("requests %q, want %q", rec.got, tt.want)
			}
		})
	}
}

// TestCanDefineTransactionBoundaries: SUPPORTED only with transaction.records set.
func TestCanDefineTransactionBoundaries(t *testing.T) {
	for records, want := range map[string]connectors.TransactionBoundaries{
		"0": connectors.TransactionBoundariesUnsupported, "100": connectors.TransactionBoundariesSupported,
	} {
		got, err := (&SourceConnector{}).CanDefineTransactionBoundaries(sourceProps("c", TransactionRecordsKey, records))
		if err != nil || got != want {
			t.Errorf("transaction.records=%s: %v, %v; want %v", records, got, err, want)
		}
	}
}
