package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/wait"
)

// TestConnectorDefinedTransactions: with exactly-once sources, transaction.boundary=connector
// is refused with Kafka Connect's message for a connector that cannot define its
// transactions (DataGenSource without transaction.records); with it, the task's transactions
// end where it names them, every third one aborted, so a read_committed consumer sees
// exactly the records of the committed transactions, and the task's offsets cover every
// record, the aborted ones' too (as Kafka Connect's abortTransaction commits their offsets).
func TestConnectorDefinedTransactions(t *testing.T) {
	w := startWorker(t, map[string]string{"exactly.once.source.support": "enabled"})
	topic := w.topic("txn")
	config := map[string]string{"connector.class": "DataGenSource", "tasks.max": "1", "topic": topic,
		"records.per.second": "0", "total.records": "1000", "batch.size": "30", "key.cardinality": "1000000",
		"key.converter":        "org.apache.kafka.connect.converters.ByteArrayConverter",
		"value.converter":      "org.apache.kafka.connect.converters.ByteArrayConverter",
		"exactly.once.support": "required", "transaction.boundary": "connector"}

	var refusal struct {
		Message string `json:"message"`
	}
	w.mustDo("POST", "/connectors", map[string]any{"name": "txn", "config": config}, 400, &refusal)
	const unsupported = "The connector does not support connector-defined transaction boundaries with the given configuration. Please reconfigure it to use a different transaction boundary definition."
	if !strings.Contains(refusal.Message, unsupported) {
		t.Errorf("create without transaction.records: %q, want Kafka Connect's message %q", refusal.Message, unsupported)
	}

	config["transaction.records"] = "100"
	config["transaction.abort.every"] = "3"
	w.mustDo("POST", "/connectors", map[string]any{"name": "txn", "config": config}, 201, nil)
	w.waitState("txn", "RUNNING", 1)
	var want []string // transactions k = 0..9 of 100 records; k = 2, 5, 8 aborted
	for seq := range 1000 {
		if (seq/100+1)%3 != 0 {
			want = append(want, fmt.Sprintf("key-%d", seq))
		}
	}
	opts := append(rawClientOpts(t, w.broker), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	var got []string
	wait.For(t, 60*time.Second, "the committed transactions' 700 records", func() bool {
		got = got[:0]
		for _, r := range readUntilIdle(t, opts, []string{topic}, len(want))[topic] {
			got = append(got, string(r.Key))
		}
		return len(got) >= len(want)
	})
	if !slices.Equal(got, want) {
		t.Errorf("read_committed sees %d records, want the %d of the committed transactions, in order", len(got), len(want))
	}
	wait.For(t, 30*time.Second, "the task's offset at 1000 records", func() bool {
		var offs struct {
			Offsets []struct {
				Offset struct {
					Records int64 `json:"records"`
				} `json:"offset"`
			} `json:"offsets"`
		}
		w.mustDo("GET", "/connectors/txn/offsets", nil, 200, &offs)
		return len(offs.Offsets) == 1 && offs.Offsets[0].Offset.Records == 1000
	})
}

// TestJavaConnectorDefinedTransactions: a Java connector's canDefineTransactionBoundaries()
// is asked through the plugin host, and its task's context.transactionContext() ends the
// transactions where the task asks (connectors/javaplugin/testdata/contextual's
// TransactionSourceTask: commit after a1, commit an empty poll, abort a3 a4, commit a5): a
// read_committed consumer sees a0 a1 a2 a5; asking both to commit and to abort at one record
// fails the task with Kafka Connect's text.
func TestJavaConnectorDefinedTransactions(t *testing.T) {
	w := startWorker(t, map[string]string{"plugin.path": contextualPluginPath(t), "exactly.once.source.support": "enabled"},
		withStartTimeout(javaStart))
	topic := w.topic("t")
	config := map[string]string{"connector.class": "com.example.contextual.TransactionSourceConnector", "tasks.max": "1",
		"transforms": "route", "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex": "t", "transforms.route.replacement": topic,
		"value.converter": "org.apache.kafka.connect.storage.StringConverter", "transaction.boundary": "connector"}
	w.mustDo("POST", "/connectors", map[string]any{"name": "jtxn", "config": config}, 201, nil)
	var st connectorStatus
	wait.For(t, 60*time.Second, "the task FAILED at its fifth poll", func() bool {
		var ok bool
		st, ok = w.status("jtxn")
		return ok && len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	})
	if want := "Connector requested both commit and abort of same record against topic/partition t/null"; !strings.Contains(st.Tasks[0].Trace, want) {
		t.Errorf("task trace %q, want %q", st.Tasks[0].Trace, want)
	}
	opts := append(rawClientOpts(t, w.broker), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	var got []string
	for _, r := range readUntilIdle(t, opts, []string{topic}, 4)[topic] {
		got = append(got, string(r.Value))
	}
	if want := []string{"a0", "a1", "a2", "a5"}; !slices.Equal(got, want) {
		t.Errorf("read_committed sees %q, want %q", got, want)
	}
}
