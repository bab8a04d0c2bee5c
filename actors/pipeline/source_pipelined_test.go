package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/connectd/connectd/connectors"
)

// committedAcks is a RecordCommitter that keeps what it is told.
type committedAcks struct{ acks []connectors.RecordAck }

func (c *committedAcks) CommitRecords(acks []connectors.RecordAck) error {
	c.acks = append(c.acks, acks...)
	return nil
}

// TestAFailedBatchIsNotSettled: a batch whose last record failed after settle read the
// pipeline's error (the promise marked the batch, counted the record, and has not yet set the
// pipeline's error) is not settled: its offsets are not made committable, its records are not
// handed to commitRecord, and the task ends with the record's error. The batches before it
// settle as usual. Settling it would commit the offset of a record that was never written.
func TestAFailedBatchIsNotSettled(t *testing.T) {
	rc := &committedAcks{}
	polled := []connectors.SourceRecord{{Topic: "t"}, {Topic: "t"}}
	batch := func(key string, i int) *pipelinedBatch {
		return &pipelinedBatch{records: 1,
			offsets: map[string]connectors.SourceOffset{key: {Partition: map[string]any{"p": key}, Offset: map[string]any{"n": i}}},
			commits: commits{rc: rc, acks: []connectors.RecordAck{{Record: &polled[i]}}}}
	}
	written, failed := batch("a", 0), batch("b", 1)
	cause := errors.New("broker said no")
	failed.failed.Store(&cause)
	s := &Source{Metrics: noMetrics{}, Logger: slog.New(slog.DiscardHandler),
		fast: &pipelined{log: &franzLog{log: slog.New(slog.DiscardHandler), retried: func() {}},
			queue: []*pipelinedBatch{written, failed}}}
	pending := map[string]connectors.SourceOffset{}
	err := s.settlePipelined(context.Background(), false, pending)
	if err == nil || !strings.Contains(err.Error(), "broker said no") {
		t.Fatalf("settle: %v, want the failed record's error", err)
	}
	if _, ok := pending["b"]; ok || len(pending) != 1 {
		t.Errorf("committable offsets %v, want the written batch's alone", pending)
	}
	if len(rc.acks) != 1 || rc.acks[0].Record != &polled[0] {
		t.Errorf("commitRecord heard of %d records, want the written batch's one", len(rc.acks))
	}
}
