package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/wait"
)

// listSource returns its polls in turn, then nothing (after a short wait, so an idle Run does
// not spin).
type listSource struct {
	polls [][]connectors.SourceRecord

	mu     sync.Mutex
	polled int
}

func (s *listSource) Start(connectors.SourceTaskContext, map[string]string) error { return nil }
func (s *listSource) Stop() error                                                 { return nil }

func (s *listSource) Poll(ctx context.Context) ([]connectors.SourceRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.polled < len(s.polls) {
		s.polled++
		return s.polls[s.polled-1], nil
	}
	s.mu.Unlock()
	sleep(ctx, 10*time.Millisecond)
	s.mu.Lock()
	return nil, nil
}

// TestSourceOffsetsWithinPolls: what a source partition's committed offset is after polls
// whose records carry offsets or null, as Kafka Connect commits them (SubmittedRecords,
// OffsetStorageWriter): the offset of the partition's last record written, whatever its
// earlier records carried; a null there is committed too, as a tombstone, which clears the
// partition's offset (the task then starts it from scratch); a record without a partition
// moves only the null partition's offset (Kafka Connect's key [connector, null]), which the
// task reads back with offset(null). In the pipelined mode and in an exactly-once
// transaction alike.
func TestSourceOffsetsWithinPolls(t *testing.T) {
	a, b := map[string]any{"file": "a"}, map[string]any{"file": "b"}
	rec := func(p map[string]any, off any) connectors.SourceRecord {
		r := connectors.SourceRecord{SourcePartition: p, Topic: "t", Value: "v", ValueSchema: &connectors.Schema{Type: connectors.TypeString}}
		if off != nil {
			r.SourceOffset = map[string]any{"pos": off}
		}
		return r
	}
	tests := []struct {
		name  string
		polls [][]connectors.SourceRecord
		want  map[string]any // the committed "pos" of a, b and the null partition; nil: none
	}{
		{"last record's offset", [][]connectors.SourceRecord{{rec(a, int64(1)), rec(a, int64(2))}, {rec(a, int64(3))}},
			map[string]any{"a": int64(3), "b": nil, "null": nil}},
		{"nulls before the last record", [][]connectors.SourceRecord{{rec(a, int64(1)), rec(a, nil), rec(a, nil), rec(a, int64(4))}},
			map[string]any{"a": int64(4), "b": nil, "null": nil}},
		{"null last: a tombstone", [][]connectors.SourceRecord{{rec(a, int64(1)), rec(b, int64(7))}, {rec(a, nil)}},
			map[string]any{"a": nil, "b": int64(7), "null": nil}},
		{"partitions apart", [][]connectors.SourceRecord{{rec(a, int64(1)), rec(b, int64(5)), rec(a, nil), rec(a, int64(2)), rec(b, nil), rec(nil, nil)}, {rec(b, int64(6))}},
			map[string]any{"a": int64(2), "b": int64(6), "null": nil}},
		{"records without a partition", [][]connectors.SourceRecord{{rec(nil, int64(8)), rec(a, int64(1)), rec(nil, int64(9))}, {rec(a, int64(2))}},
			map[string]any{"a": int64(2), "b": nil, "null": int64(9)}},
	}
	for _, mode := range []string{"pipelined", "exactly-once"} {
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				c := newCluster(t, "t")
				task := &listSource{polls: tt.polls}
				src := newFileSource(t, c, nil, newMemOffsets())
				src.Task, src.FlushInterval = task, 10*time.Millisecond
				var st *store.OffsetStore
				if mode == "exactly-once" {
					st = newOffsetStore(t, c)
					offs := topicOffsets{st: st, connector: "src"}
					clients := &Clients{Brokers: c.ListenAddrs(), Hash: store.PartitionFor, TransactionalIDPrefix: "connect-cluster"}
					src.Offsets, src.ExactlyOnce = offs, offs.exactlyOnce(0)
					src.ExactlyOnce.NewProducer = func(d Delivery) (*kgo.Client, error) { return clients.TransactionalProducer("src", 0, nil, d) }
				}
				run := start(t, src.Run)
				// Waiting for the final offsets, not for the polls, before stopping: a stop
				// may interrupt an exactly-once task's last commit (as the worker's does, which
				// takes that for a stop, not a failure), and every case's final offsets differ
				// from those after its earlier polls.
				wait.ForNil(t, testTimeout, "the last poll's offsets committed", func() error {
					got := committedPositions(t, src.Offsets, st, map[string]map[string]any{"a": a, "b": b, "null": nil})
					if !maps.Equal(got, tt.want) {
						return fmt.Errorf("committed positions %v, want %v", got, tt.want)
					}
					return nil
				})
				if err := run.stop(t); err != nil && !errors.Is(err, context.Canceled) {
					t.Fatal(err)
				}
			})
		}
	}
}

// committedPositions is the committed "pos" of each named partition (nil: no offset), read
// from offs (after reading the offsets topic st to its end, if set).
func committedPositions(t testing.TB, offs Offsets, st *store.OffsetStore, partitions map[string]map[string]any) map[string]any {
	t.Helper()
	if st != nil {
		if err := st.ReadToEnd(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]any{}
	for name, p := range partitions {
		off, err := offs.Offset(p)
		if err != nil {
			t.Fatal(err)
		}
		got[name] = nil
		if off != nil {
			got[name] = off["pos"]
		}
		if f, ok := got[name].(float64); ok {
			got[name] = int64(f)
		}
	}
	return got
}
