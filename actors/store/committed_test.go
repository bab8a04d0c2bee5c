package store

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// TestOffsetsReadCommitted: offsets written inside a producer's transaction (an exactly-once
// source task's) are applied once committed and never when aborted, and ReadToEnd returns
// although the partitions end in transaction markers, which the consumer skips silently.
func TestOffsetsReadCommitted(t *testing.T) {
	c := newCluster(t)
	s := startOffsetStore(t, c)
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Idempotent = true
	cfg.Producer.Transaction.ID = "connect-cluster-src-0"
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Net.MaxOpenRequests = 1
	p, err := sarama.NewSyncProducer(c.ListenAddrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	write := func(position int64, commit bool) {
		t.Helper()
		topic, recs, err := s.TxnRecords("src", []Offset{{Partition: map[string]any{"filename": "f"}, Offset: map[string]any{"position": position}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.BeginTxn(); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: r.Partition, Key: sarama.ByteEncoder(r.Key), Value: sarama.ByteEncoder(r.Value)}); err != nil {
				t.Fatal(err)
			}
		}
		if commit {
			err = p.CommitTxn()
		} else {
			err = p.AbortTxn()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		position int64
		commit   bool
		want     int64
	}{
		{10, true, 10},
		{20, false, 10}, // aborted: never applied
		{30, true, 30},
		{40, false, 30},
	}
	for _, st := range steps {
		write(st.position, st.commit)
		ctx, cancel := context.WithTimeout(testCtx(t), 10*time.Second)
		err := s.ReadToEnd(ctx)
		cancel()
		if err != nil {
			t.Fatalf("ReadToEnd after the transaction writing %d: %v", st.position, err)
		}
		off, _ := s.Offset("src", map[string]any{"filename": "f"})
		if got, _ := off["position"].(int64); got != st.want {
			t.Fatalf("after the transaction writing %d (commit %v): position %d, want %d", st.position, st.commit, got, st.want)
		}
	}
	// A store started now reads the same: the aborted records are skipped from the start.
	fresh := startOffsetStore(t, c)
	off, _ := fresh.Offset("src", map[string]any{"filename": "f"})
	if got, _ := off["position"].(int64); got != 30 {
		t.Errorf("a new store reads position %d, want 30", got)
	}
}
