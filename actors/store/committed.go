package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/IBM/sarama"
)

// The Logs read committed records only (isolation.level read_committed): an offsets topic
// holds the source offsets exactly-once source tasks write inside their transactions, and
// an aborted transaction's offsets must never be applied. Their end is the last stable
// offset, and a partition whose last records are transaction markers (or aborted records)
// is read to the end once nothing the consumer would deliver lies before that end: sarama
// does not expose the consumer's position, which moves past them silently.

// stableEnd returns partition p's last stable offset, the end of what a read_committed
// consumer can read now; retried as getOffset is while the partition has no leader.
func stableEnd(ctx context.Context, client sarama.Client, topic string, p int32) (int64, error) {
	delay := 20 * time.Millisecond
	for {
		off, err := lastStable(client, topic, p)
		if err == nil || !leaderMissing(err) {
			return off, err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 500*time.Millisecond)
		_ = client.RefreshMetadata(topic)
	}
}

// lastStable asks p's leader for its last stable offset (ListOffsets, latest, read_committed).
func lastStable(client sarama.Client, topic string, p int32) (int64, error) {
	broker, err := client.Leader(topic, p)
	if err != nil {
		return -1, err
	}
	req := sarama.NewOffsetRequest(client.Config().Version)
	if req.Version < 2 { // isolation levels came with version 2 (Kafka 0.11)
		return client.GetOffset(topic, p, sarama.OffsetNewest)
	}
	req.IsolationLevel = sarama.ReadCommitted
	req.AddBlock(topic, p, sarama.OffsetNewest, 1)
	resp, err := broker.GetAvailableOffsets(req)
	if err != nil {
		return -1, err
	}
	b := resp.GetBlock(topic, p)
	if b == nil {
		return -1, sarama.ErrIncompleteResponse
	}
	if !errors.Is(b.Err, sarama.ErrNoError) {
		return -1, b.Err
	}
	return b.Offset, nil
}

// nothingToDeliver reports whether a read_committed consumer at from would deliver no
// record before to: everything in [from, to) is a transaction marker or belongs to an
// aborted transaction. It reads the range with one fetch and decides as sarama's consumer
// does; when the fetch does not cover the range it answers false.
func nothingToDeliver(client sarama.Client, topic string, p int32, from, to int64) (bool, error) {
	broker, err := client.Leader(topic, p)
	if err != nil {
		return false, err
	}
	req := &sarama.FetchRequest{Version: 4, MaxWaitTime: 0, MinBytes: 0, MaxBytes: 1 << 20, Isolation: sarama.ReadCommitted}
	req.AddBlock(topic, p, from, 1<<20, -1)
	resp, err := broker.Fetch(req)
	if err != nil {
		return false, err
	}
	b := resp.GetBlock(topic, p)
	if b == nil {
		return false, sarama.ErrIncompleteResponse
	}
	if !errors.Is(b.Err, sarama.ErrNoError) {
		return false, b.Err
	}
	aborted := slices.Clone(b.AbortedTransactions)
	slices.SortFunc(aborted, func(a, b *sarama.AbortedTransaction) int { return int(a.FirstOffset - b.FirstOffset) })
	abortedNow := map[int64]bool{}
	covered := from
	for _, rs := range b.RecordsSet {
		batch := rs.RecordBatch
		if batch == nil { // a legacy message set: not written by a transaction
			return false, nil
		}
		if batch.FirstOffset >= to {
			return true, nil
		}
		for len(aborted) > 0 && aborted[0].FirstOffset <= batch.LastOffset() {
			abortedNow[aborted[0].ProducerID] = true
			aborted = aborted[1:]
		}
		last := batch.LastOffset()
		switch {
		case batch.Control:
			if len(batch.Records) > 0 && controlType(batch.Records[0].Key) == 0 { // an abort marker
				delete(abortedNow, batch.ProducerID)
			}
		case batch.IsTransactional && abortedNow[batch.ProducerID]:
		case last < from:
		default:
			for _, r := range batch.Records {
				if o := batch.FirstOffset + r.OffsetDelta; o >= from && o < to {
					return false, nil
				}
			}
		}
		covered = max(covered, last+1)
	}
	return covered >= to, nil
}

// controlType is the type of a control record (0 abort, 1 commit), from its key: version
// (int16) then type (int16); -1 when the key is too short.
func controlType(key []byte) int16 {
	if len(key) < 4 {
		return -1
	}
	return int16(binary.BigEndian.Uint16(key[2:4]))
}
