package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connectors"
)

// The transactional mode: a sarama SyncProducer, one send per poll, each waiting for its
// acknowledgement. With a transactional producer (Clients.TransactionalIDPrefix) the sends
// go in transactions spanning polls, so that a producer fenced by a newer instance of the
// task writes nothing visible; the source offsets of a transaction's records become
// committable once it is committed. sarama's idempotent and transactional producer keeps
// one request in flight, so this mode is for fencing and exactly-once, not for speed: the
// pipelined mode (source_pipelined.go) is the at-least-once one.

// transactional is the state of a source in transactional mode.
type transactional struct {
	// A transactional producer's transaction spans polls (see transactionSpan): txnOpen and
	// txnStart describe the open one, staged holds the source offsets of its records, which
	// become committable only once it is committed.
	txnOpen  bool
	txnStart time.Time
	staged   map[string]connectors.SourceOffset
	txnMsgs  []*sarama.ProducerMessage // sent in the open transaction: a retry sends them again
	txnAcks  []connectors.RecordAck    // the RecordCommitter's acks of the open transaction's records
}

// transactionSpan is how long a source task's transaction stays open across polls while
// records keep coming. A transaction per poll cost three round trips (AddPartitionsToTxn,
// Produce, EndTxn) for every poll batch, which made a distributed worker's source task a third
// as fast as the same producer without transactions (benchmarks/, issue 17). The transactions
// are there to fence zombie tasks, not for exactly-once, so they may span polls: a fenced
// producer still cannot write, and records are visible to read_committed consumers at most
// this much later. A transaction is committed earlier when a poll returns nothing, when
// offsets are due, and when the task pauses or stops; only then are its records' offsets
// committable.
const transactionSpan = 100 * time.Millisecond

// deliverTxn sends one poll's converted records and stages their source offsets: they are
// committed once the records are settled (settleTxn); so are c's acks, with a transaction.
func (s *Source) deliverTxn(ctx context.Context, log *slog.Logger, recs []kgo.Record, offsets map[string]connectors.SourceOffset, c commits) error {
	if len(recs) > 0 {
		msgs := make([]*sarama.ProducerMessage, len(recs))
		for i := range recs {
			msgs[i] = saramaMessage(&recs[i])
			if c.acks != nil {
				sm, _ := msgs[i].Metadata.(*sendMeta)
				if sm == nil {
					sm = &sendMeta{}
					msgs[i].Metadata = sm
				}
				sm.ack = &c.acks[c.from[i]]
			}
		}
		s.Metrics.Active(len(msgs))
		err := s.sendRetrying(ctx, log, msgs)
		s.Metrics.Active(0)
		if err != nil {
			s.Metrics.RecordFailed(false)
			return err
		}
		s.Metrics.Written(len(msgs))
	}
	if c.acks != nil {
		if s.txnOpen {
			s.txnAcks = append(s.txnAcks, c.acks...) // acknowledged once the transaction commits
		} else {
			s.commitRecords(log, c.rc, c.acks)
		}
	}
	maps.Copy(s.staged, offsets)
	return nil
}

// acked records where each message of a successful send was written, for RecordCommitter.
func acked(msgs []*sarama.ProducerMessage, failed map[*sarama.ProducerMessage]bool) {
	for _, m := range msgs {
		if sm, ok := m.Metadata.(*sendMeta); ok && sm.ack != nil && !failed[m] {
			sm.ack.Metadata = &connectors.RecordMetadata{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Timestamp: m.Timestamp}
		}
	}
}

// saramaMessage is a converted record as sarama's message.
func saramaMessage(r *kgo.Record) *sarama.ProducerMessage {
	m := &sarama.ProducerMessage{Topic: r.Topic, Timestamp: r.Timestamp}
	if explicitPartition(r) {
		m.Partition, m.Metadata = r.Partition, &sendMeta{explicit: true}
	}
	if m.Timestamp.IsZero() {
		m.Timestamp = time.Now()
	}
	if r.Key != nil {
		m.Key = sarama.ByteEncoder(r.Key)
	}
	if r.Value != nil {
		m.Value = sarama.ByteEncoder(r.Value)
	}
	if len(r.Headers) > 0 {
		m.Headers = make([]sarama.RecordHeader, len(r.Headers))
		for i, h := range r.Headers {
			m.Headers[i] = sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value}
		}
	}
	return m
}

// sendRetrying sends one poll's records, retrying with backoff, for RetryTimeout, what
// failed with a retriable error. Every failure is logged with Kafka's name for it, and the
// error that fails the task names it too.
func (s *Source) sendRetrying(ctx context.Context, log *slog.Logger, msgs []*sarama.ProducerMessage) error {
	backoff, backoffMax := cmp.Or(s.RetryBackoff, 100*time.Millisecond), cmp.Or(s.RetryBackoffMax, time.Second)
	started := time.Now()
	for attempt := 1; ; attempt++ {
		again, err := s.send(msgs)
		if err == nil {
			if attempt > 1 {
				log.Info("send succeeded after retries", "attempts", attempt, "records", len(msgs))
			}
			return nil
		}
		err = NameKafkaError(err)
		elapsed := time.Since(started)
		giveUp := errors.Is(err, ErrFenced) || !retriable(err) || (s.RetryTimeout >= 0 && elapsed+backoff > s.RetryTimeout)
		if !giveUp {
			s.Metrics.Retried()
			log.Warn("send failed with a retriable error; retrying", "err", err, "attempt", attempt, "records", len(again), "backoff", backoff)
			if !sleep(ctx, backoff) {
				err, giveUp = fmt.Errorf("stopped while retrying: %w", err), true
			}
		}
		if giveUp {
			// An aborted transaction's records are polled again after a restart.
			clear(s.staged)
			s.txnMsgs, s.txnAcks = nil, nil
			if retriable(err) && !errors.Is(err, ErrFenced) && ctx.Err() == nil {
				return fmt.Errorf("gave up after %d attempts in %v (retry timeout %v): %w", attempt, elapsed.Round(time.Millisecond), s.RetryTimeout, err)
			}
			return err
		}
		backoff = min(2*backoff, backoffMax)
		msgs = again
	}
}

// send produces one poll's records; with a transactional producer, inside the open
// transaction (begun if none is), so that a producer fenced by a newer instance of the task
// writes nothing visible. On error it returns what a retry sends: the failed messages, or,
// when the transaction was aborted, every message of that transaction (its staged offsets are
// kept for the retry), as fresh messages (sarama keeps state in a message it has handled).
func (s *Source) send(msgs []*sarama.ProducerMessage) ([]*sarama.ProducerMessage, error) {
	if s.Producer == nil {
		p, err := s.NewProducer()
		if err != nil {
			return msgs, fmt.Errorf("producer: %w", err)
		}
		s.Producer = p
	}
	if s.Producer.IsTransactional() && !s.txnOpen {
		if err := s.Producer.BeginTxn(); err != nil {
			return msgs, fencedOr(fmt.Errorf("begin transaction: %w", err))
		}
		s.txnOpen, s.txnStart = true, time.Now()
	}
	if err := s.Producer.SendMessages(msgs); err != nil {
		again := msgs
		var perrs sarama.ProducerErrors
		switch {
		case s.txnOpen:
			_ = s.Producer.AbortTxn()
			s.txnOpen = false
			again = append(s.txnMsgs, msgs...)
			s.txnMsgs = nil
		case errors.As(err, &perrs):
			again = make([]*sarama.ProducerMessage, 0, len(perrs))
			failed := make(map[*sarama.ProducerMessage]bool, len(perrs))
			for _, pe := range perrs {
				again = append(again, pe.Msg)
				failed[pe.Msg] = true
			}
			acked(msgs, failed) // the others were written
		}
		fresh := make([]*sarama.ProducerMessage, len(again))
		for i, m := range again {
			fresh[i] = &sarama.ProducerMessage{Topic: m.Topic, Key: m.Key, Value: m.Value, Headers: m.Headers,
				Metadata: m.Metadata, Partition: m.Partition, Timestamp: m.Timestamp}
		}
		return fresh, fencedOr(fmt.Errorf("produce %d records: %w", len(msgs), &producerErrors{all: err, first: firstProducerError(err)}))
	}
	acked(msgs, nil)
	if s.txnOpen {
		s.txnMsgs = append(s.txnMsgs, msgs...)
	}
	return nil, nil
}

// settleTxn commits the open transaction when force is set or it is transactionSpan old;
// then, or at once without a transaction, the staged offsets move to pending: their records
// are durable and visible.
func (s *Source) settleTxn(force bool, pending map[string]connectors.SourceOffset) error {
	if s.txnOpen {
		if !force && time.Since(s.txnStart) < transactionSpan {
			return nil
		}
		if err := s.Producer.CommitTxn(); err != nil {
			s.abortTxn()
			return fencedOr(fmt.Errorf("commit transaction: %w", err))
		}
		s.txnOpen, s.txnMsgs = false, nil
		rc, _ := s.Task.(connectors.RecordCommitter)
		s.commitRecords(s.Logger, rc, s.txnAcks)
		s.txnAcks = nil
	}
	maps.Copy(pending, s.staged)
	clear(s.staged)
	return nil
}

// abortTxn aborts the open transaction; its records' offsets are dropped, so that they are
// polled again after a restart (at least once).
func (s *Source) abortTxn() {
	_ = s.Producer.AbortTxn()
	s.txnOpen, s.txnMsgs, s.txnAcks = false, nil, nil
	clear(s.staged)
}

func fencedOr(err error) error {
	if errors.Is(err, sarama.ErrProducerFenced) || errors.Is(err, sarama.ErrInvalidProducerEpoch) ||
		errors.Is(err, sarama.ErrTransactionalIDAuthorizationFailed) {
		return fmt.Errorf("%w: %w", ErrFenced, err)
	}
	return err
}

// producerErrors reads as the first failure of a batch and keeps the whole list, so the
// failed messages can be sent again.
type producerErrors struct {
	all, first error
}

func (p *producerErrors) Error() string { return p.first.Error() }

func (p *producerErrors) Unwrap() []error { return []error{p.first, p.all} }

func firstProducerError(err error) error {
	var perrs sarama.ProducerErrors
	if errors.As(err, &perrs) && len(perrs) > 0 {
		return perrs[0].Err
	}
	return err
}
