package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connectors"
)

// runExactlyOnceFranz is runExactlyOnce on a transactional franz-go producer: within a
// transaction each poll's records are handed over as in the pipelined mode (several
// batches in flight, the task polling on), and at the boundary the producer is flushed, the
// offsets of every batch of the transaction are written into it, and it is committed. A
// transaction that fails is aborted and fails the task: its records and offsets are
// invisible to read_committed readers, and the task's next instance polls them again.
func (s *Source) runExactlyOnceFranz(ctx context.Context, log *slog.Logger) (err error) {
	eos := s.ExactlyOnce
	p := &pipelined{log: &franzLog{log: log, retried: s.Metrics.Retried}}
	cl, err := eos.NewProducer(Delivery{Timeout: s.RetryTimeout, Backoff: s.RetryBackoff, BackoffMax: s.RetryBackoffMax, Logger: p.log})
	if err != nil {
		return fmt.Errorf("producer: %w", err)
	}
	defer cl.Close()
	p.client, s.fast = cl, p
	// InitProducerId now, before the offsets are read: it fences every older instance of
	// the task and aborts its open transaction.
	if _, _, err := cl.ProducerID(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return franzFenced(fmt.Errorf("init transactional producer: %w", err))
	}
	if err := eos.stillCurrent(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if eos.ReadOffsets != nil {
		if err := eos.ReadOffsets(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read source offsets: %w", err)
		}
	}
	var txn *txnContext // transaction.boundary=connector: the task's TransactionContext
	if eos.ConnectorDefined {
		txn = &txnContext{}
	}
	if err := s.Task.Start(sourceContext{offsets: s.Offsets, txn: txn}, s.Props); err != nil {
		_ = s.Task.Stop()
		return fmt.Errorf("start task: %w", err)
	}
	if s.Started != nil {
		s.Started()
	}
	defer func() {
		var first error
		if s.txnOpen {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			switch {
			case !s.live():
				s.abortFranz(cctx)
			case txn != nil:
				// Only where the task asked (Kafka's maybeCommitFinalTransaction); otherwise
				// the open transaction is aborted and the next instance polls its records
				// again, as Kafka Connect leaves it to be aborted.
				if first = s.connectorBoundary(cctx, log, txn); first == nil && s.txnOpen {
					s.abortFranz(cctx)
				}
			default:
				first = s.commitFranz(cctx, log)
			}
			cancel()
		}
		if serr := s.Task.Stop(); serr != nil && first == nil {
			first = fmt.Errorf("stop task: %w", serr)
		}
		if first != nil && err == nil {
			err = first
		}
	}()
	retries := 0
	for {
		if s.gate.isPaused() && s.txnOpen {
			// Kafka Connect commits on pause so that no transaction hangs, but with
			// connector-defined boundaries only where the task asked.
			end := s.commitFranz
			if txn != nil {
				end = func(ctx context.Context, log *slog.Logger) error { return s.connectorBoundary(ctx, log, txn) }
			}
			if err := end(ctx, log); err != nil {
				return err
			}
		}
		if err := s.gate.wait(ctx); err != nil || ctx.Err() != nil {
			return nil
		}
		if !s.live() {
			return ErrLapsed
		}
		pollStart := time.Now()
		records, err := s.Task.Poll(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if connectors.IsRetriable(err) && retries < 100 {
				retries++
				s.Metrics.Retried()
				log.Warn("poll failed, retrying", "err", err, "attempt", retries)
				if !sleep(ctx, time.Duration(min(retries, 10))*100*time.Millisecond) {
					return nil
				}
				continue
			}
			return fmt.Errorf("poll: %w", err)
		}
		retries = 0
		if len(records) > 0 {
			s.Metrics.Polled(len(records), time.Since(pollStart))
		}
		for len(records) > 0 {
			// With connector-defined boundaries a record the task named ends the
			// transaction right after it is sent: the poll is sent in pieces.
			n, action := len(records), txnNone
			if txn != nil {
				if n, action, err = txn.cut(records); err != nil {
					return s.failFranz(ctx, err)
				}
			}
			if !s.txnOpen {
				if err := cl.BeginTransaction(); err != nil {
					return fmt.Errorf("begin transaction: %w", err)
				}
				s.txnOpen, s.txnStart = true, time.Now()
			}
			if err := s.deliver(ctx, log, records[:n]); err != nil {
				return err
			}
			if err := p.err(); err != nil {
				return s.failFranz(ctx, fmt.Errorf("produce: %w", err))
			}
			if err := s.endFranz(ctx, log, action); err != nil {
				return err
			}
			records = records[n:]
		}
		if txn != nil {
			if err := s.connectorBoundary(ctx, log, txn); err != nil {
				return err
			}
		} else if s.txnOpen && (eos.Interval <= 0 || time.Since(s.txnStart) >= eos.Interval) {
			if err := s.commitFranz(ctx, log); err != nil {
				return err
			}
		}
	}
}

// connectorBoundary ends the open transaction as the task asked for the poll just sent, if
// it did (transaction.boundary=connector, Kafka's shouldCommitTransactionForBatch).
func (s *Source) connectorBoundary(ctx context.Context, log *slog.Logger, txn *txnContext) error {
	action, err := txn.batch()
	if err != nil {
		return s.failFranz(ctx, err)
	}
	return s.endFranz(ctx, log, action)
}

// endFranz commits or aborts the open transaction; nothing for txnNone or when none is open.
func (s *Source) endFranz(ctx context.Context, log *slog.Logger, action txnAction) error {
	if !s.txnOpen {
		if action == txnAbort {
			log.Warn("ignoring the task's request to abort a transaction: the current transaction is empty")
		}
		return nil
	}
	switch action {
	case txnCommit:
		return s.commitFranz(ctx, log)
	case txnAbort:
		return s.abortKeepingOffsets(ctx, log)
	}
	return nil
}

// abortKeepingOffsets aborts the open transaction at the task's request: its records never
// reach a read_committed reader, but their source offsets are committed in a transaction of
// their own so that the task does not poll them again, as Kafka Connect's abortTransaction
// does. A RecordCommitter hears of the aborted records without metadata: none was written.
func (s *Source) abortKeepingOffsets(ctx context.Context, log *slog.Logger) error {
	p := s.fast
	log.Info("aborting the transaction as requested by the task")
	// Kafka's producer drops what it has not sent on abort; waiting for it instead changes
	// nothing a read_committed reader sees, and fails no record.
	if err := p.client.Flush(ctx); err != nil {
		return s.failFranz(ctx, fmt.Errorf("flush producer: %w", err))
	}
	if err := p.err(); err != nil {
		return s.failFranz(ctx, fmt.Errorf("produce: %w", err))
	}
	if err := p.client.EndTransaction(ctx, kgo.TryAbort); err != nil {
		return s.failFranz(ctx, fmt.Errorf("abort transaction: %w", err))
	}
	s.txnOpen, s.txnStart = false, time.Time{}
	for _, b := range p.queue {
		b.records, b.recs, b.commits.from = 0, nil, nil
	}
	if err := p.client.BeginTransaction(); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	s.txnOpen, s.txnStart = true, time.Now()
	return s.commitFranz(ctx, log)
}

// commitFranz ends the open transaction: it writes the offsets of the transaction's batches
// into it, waits for every record handed over and commits it; then the task hears of its
// records (RecordCommitter, Committer). Any failure aborts the transaction and fails the task.
func (s *Source) commitFranz(ctx context.Context, log *slog.Logger) error {
	p := s.fast
	started := time.Now()
	// The offsets go out behind the records, and one flush waits for both: a round trip
	// less per transaction than writing them after the records are acknowledged.
	offsets := map[string]connectors.SourceOffset{}
	written := 0
	for _, b := range p.queue {
		maps.Copy(offsets, b.offsets)
		written += b.records
	}
	if len(offsets) > 0 {
		list := make([]connectors.SourceOffset, 0, len(offsets))
		for _, o := range offsets {
			list = append(list, o)
		}
		msgs, err := s.ExactlyOnce.OffsetMessages(list)
		if err != nil {
			return s.failFranz(ctx, fmt.Errorf("encode source offsets: %w", err))
		}
		for _, m := range msgs {
			r := &kgo.Record{Topic: m.Topic, Partition: m.Partition, Context: explicitPartitionCtx}
			if m.Key != nil {
				r.Key, _ = m.Key.Encode()
			}
			if m.Value != nil {
				r.Value, _ = m.Value.Encode()
			}
			p.client.Produce(ctx, r, func(_ *kgo.Record, err error) {
				if err != nil {
					p.fail(fmt.Errorf("write source offsets: %w", err))
				}
			})
		}
	}
	if err := p.client.Flush(ctx); err != nil {
		return s.failFranz(ctx, fmt.Errorf("flush producer: %w", err))
	}
	if err := p.err(); err != nil {
		return s.failFranz(ctx, fmt.Errorf("produce: %w", err))
	}
	if err := p.client.EndTransaction(ctx, kgo.TryCommit); err != nil {
		s.Metrics.OffsetsCommitted(time.Since(started), err)
		return s.failFranz(ctx, fmt.Errorf("commit transaction: %w", err))
	}
	s.txnOpen, s.txnStart = false, time.Time{}
	s.Metrics.OffsetsCommitted(time.Since(started), nil)
	for _, b := range p.queue {
		if b.commits.acks != nil {
			b.commits.written(b.recs)
			s.commitRecords(log, b.commits.rc, b.commits.acks)
		}
		p.reuse(b)
	}
	clear(p.queue)
	p.queue = p.queue[:0]
	s.Metrics.Written(written)
	if c, ok := s.Task.(connectors.Committer); ok {
		if err := c.Commit(); err != nil {
			log.Warn("task commit failed", "err", err)
		}
	}
	return nil
}

// failFranz aborts the open transaction after err and returns err, as ErrFenced when a
// newer instance of the task fenced this one.
func (s *Source) failFranz(ctx context.Context, err error) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	s.abortFranz(actx)
	return franzFenced(err)
}

// abortFranz drops what is buffered and aborts the open transaction.
func (s *Source) abortFranz(ctx context.Context) {
	p := s.fast
	_ = p.client.AbortBufferedRecords(ctx)
	if s.txnOpen {
		_ = p.client.EndTransaction(ctx, kgo.TryAbort)
	}
	s.txnOpen, s.txnStart = false, time.Time{}
	clear(p.queue)
	p.queue = p.queue[:0]
}

// franzFenced marks err as ErrFenced when the broker says a newer producer of the same
// transactional id exists.
func franzFenced(err error) error {
	if errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) ||
		errors.Is(err, kerr.TransactionalIDAuthorizationFailed) {
		return fmt.Errorf("%w: %w", ErrFenced, err)
	}
	return err
}
