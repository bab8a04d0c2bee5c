package pipeline

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/wait"
)

// datedSource is a source task written for this test: its first poll returns records that
// carry old timestamps of their own and name their partition, as MirrorMaker 2's records do
// (the source cluster's timestamps); later polls nothing.
type datedSource struct {
	stamps []time.Time
	mu     sync.Mutex
	done   bool
}

func (d *datedSource) Start(connectors.SourceTaskContext, map[string]string) error { return nil }
func (d *datedSource) Stop() error                                                 { return nil }

func (d *datedSource) Poll(context.Context) ([]connectors.SourceRecord, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done {
		return nil, nil
	}
	d.done = true
	var recs []connectors.SourceRecord
	partition := int32(0)
	for i, ts := range d.stamps {
		recs = append(recs, connectors.SourceRecord{SourcePartition: map[string]any{"p": "x"}, SourceOffset: map[string]any{"o": int64(i)},
			Topic: "t", Partition: &partition, Value: "v", ValueSchema: &connectors.Schema{Type: connectors.TypeString}, Timestamp: ts})
	}
	return recs, nil
}

// TestSourceKeepsOldTimestamps: records whose timestamps are far older than the delivery
// timeout are written with them by the pipelined producer. franz-go measures its record
// delivery timeout from the record's timestamp, not from when the record was handed over, so
// it failed them at once ("records have timed out"): MirrorMaker 2, which keeps the source
// cluster's timestamps, replicated nothing. The delivery deadline now runs from hand-over, as
// the Java producer's delivery.timeout.ms. A record without a timestamp (the zero time) is
// written with the time it was handed over, read once per poll.
func TestSourceKeepsOldTimestamps(t *testing.T) {
	stamps := []time.Time{time.UnixMilli(1_500_000_000_000), time.UnixMilli(1_700_000_000_123), time.Now().Add(-time.Hour).Truncate(time.Millisecond), {}}
	before := time.Now().Truncate(time.Millisecond)
	c := newCluster(t)
	src := newFileSource(t, c, nil, newMemOffsets())
	src.Task = &datedSource{stamps: stamps}
	src.RetryTimeout = 2 * time.Second
	r := start(t, src.Run)
	adm := newAdmin(t, c)
	wait.For(t, testTimeout, "the records on the topic", func() bool { return endOffset(t, adm, "t") >= int64(len(stamps)) })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	recs := readTopic(t, c, "t")
	if len(recs) != len(stamps) {
		t.Fatalf("%d records on the topic, want %d", len(recs), len(stamps))
	}
	after := time.Now()
	for i, rec := range recs {
		if stamps[i].IsZero() {
			if rec.Timestamp.Before(before) || rec.Timestamp.After(after) {
				t.Errorf("record %d without a timestamp written with %v, want the time it was sent (%v to %v)", i, rec.Timestamp, before, after)
			}
			continue
		}
		if !rec.Timestamp.Equal(stamps[i]) {
			t.Errorf("record %d written with timestamp %v, want its own %v", i, rec.Timestamp, stamps[i])
		}
	}
}
