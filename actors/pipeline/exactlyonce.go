package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connectors"
)

// ExactlyOnce makes a Source an exactly-once source task (KIP-618,
// exactly.once.source.support=enabled): each producer transaction carries a batch of
// records and the source offsets of those records, written to the offsets topic, so a
// read_committed reader sees both or neither whatever fails when. The producer is made before
// the task starts: its InitProducerId fences every older instance of the task and aborts
// their open transaction, and only then are the offsets read that the task resumes from.
type ExactlyOnce struct {
	// Interval is transaction.boundary=interval's transaction.boundary.interval.ms: a
	// transaction spans polls until it is this old. Zero commits one transaction per poll
	// batch (transaction.boundary=poll).
	Interval time.Duration
	// ConnectorDefined is transaction.boundary=connector: the task gets a
	// connectors.TransactionContext, and a transaction is committed or aborted only where
	// the task asks (Interval is then ignored). It needs NewProducer.
	ConnectorDefined bool
	// OffsetMessages encodes source offsets as records of the offsets topic in Kafka
	// Connect's format, each with its topic and partition set (they go there as they are).
	OffsetMessages func([]connectors.SourceOffset) ([]*sarama.ProducerMessage, error)
	// ReadOffsets, if set, catches the offsets the task reads up with the offsets topic;
	// it runs after the producer fenced older instances and before the task starts.
	ReadOffsets func(context.Context) error
	// StillCurrent, if set, runs once the producer fenced older instances, before the
	// offsets are read: an error (wrapping ErrFenced when another instance is the task now)
	// ends the run before anything is read or written. Kafka Connect checks the same after
	// initTransactions (verifyTaskGenerationAndOwnership): a task whose config changed, or
	// that moved to another worker, while its producer started would otherwise run beside
	// its successor until the successor's producer fences it.
	StillCurrent func(context.Context) error
	// NewProducer, if set, makes the task's transactional franz-go producer
	// (exactlyonce_franz.go): a transaction's records go out pipelined, several batches in
	// flight, and only its end waits. Unset, the Source's sarama Producer or NewProducer
	// is used, one request in flight.
	NewProducer func(Delivery) (*kgo.Client, error)
}

// runExactlyOnce is Run for an exactly-once task: poll, send inside the open transaction,
// and at each boundary write the batch's offsets into the same transaction and commit it.
// Offsets are never written outside a transaction.
func (s *Source) runExactlyOnce(ctx context.Context, log *slog.Logger) (err error) {
	eos := s.ExactlyOnce
	if eos.OffsetMessages == nil {
		return errors.New("exactly-once source pipeline: no offsets encoder")
	}
	if eos.NewProducer != nil {
		return s.runExactlyOnceFranz(ctx, log)
	}
	if eos.ConnectorDefined {
		return errors.New("exactly-once source pipeline: connector-defined transaction boundaries need the franz-go producer")
	}
	if s.Producer == nil {
		p, err := s.NewProducer()
		if err != nil {
			return fmt.Errorf("producer: %w", fencedOr(err))
		}
		s.Producer = p
		defer func() { _ = s.Producer.Close() }()
	}
	if !s.Producer.IsTransactional() {
		return errors.New("exactly-once source pipeline: the producer is not transactional")
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
	if err := s.Task.Start(sourceContext{offsets: s.Offsets}, s.Props); err != nil {
		_ = s.Task.Stop()
		return fmt.Errorf("start task: %w", err)
	}
	if s.Started != nil {
		s.Started()
	}
	s.staged = map[string]connectors.SourceOffset{}
	defer func() {
		if ferr := s.finishExactlyOnce(log); ferr != nil && err == nil {
			err = ferr
		}
	}()
	retries := 0
	for {
		if s.gate.isPaused() && (s.txnOpen || len(s.staged) > 0) {
			if err := s.commitExactlyOnce(ctx, log); err != nil {
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
			if err := s.deliver(ctx, log, records); err != nil {
				return err
			}
			if s.txnOpen && s.txnStart.IsZero() {
				s.txnStart = time.Now()
			}
		}
		due := eos.Interval <= 0 || (s.txnOpen && time.Since(s.txnStart) >= eos.Interval)
		if (s.txnOpen || len(s.staged) > 0) && due {
			if err := s.commitExactlyOnce(ctx, log); err != nil {
				return err
			}
		}
	}
}

// commitExactlyOnce writes the staged offsets into the open transaction (begun if only
// offsets are staged) and commits it. A retriable failure aborts the transaction and sends
// its records and offsets again in a new one until RetryTimeout; a fenced producer ends the
// task (ErrFenced). On return without error, the records and their offsets are committed.
func (s *Source) commitExactlyOnce(ctx context.Context, log *slog.Logger) error {
	offsets := make([]connectors.SourceOffset, 0, len(s.staged))
	for _, o := range s.staged {
		offsets = append(offsets, o)
	}
	offsetMsgs, err := s.ExactlyOnce.OffsetMessages(offsets)
	if err != nil {
		return fmt.Errorf("encode source offsets: %w", err)
	}
	backoff, backoffMax := cmp.Or(s.RetryBackoff, 100*time.Millisecond), cmp.Or(s.RetryBackoffMax, time.Second)
	started := time.Now()
	for attempt := 1; ; attempt++ {
		if !s.live() {
			s.abortTxn()
			return ErrLapsed
		}
		err := s.commitAttempt(offsetMsgs)
		if err == nil {
			s.Metrics.OffsetsCommitted(time.Since(started), nil)
			s.txnOpen, s.txnMsgs, s.txnStart = false, nil, time.Time{}
			clear(s.staged)
			if rc, ok := s.Task.(connectors.RecordCommitter); ok {
				s.commitRecords(log, rc, s.txnAcks)
			}
			s.txnAcks = nil
			if c, ok := s.Task.(connectors.Committer); ok {
				if err := c.Commit(); err != nil {
					log.Warn("task commit failed", "err", err)
				}
			}
			if attempt > 1 {
				log.Info("transaction committed after retries", "attempts", attempt)
			}
			return nil
		}
		err = fencedOr(NameKafkaError(err))
		if s.txnOpen {
			_ = s.Producer.AbortTxn()
			s.txnOpen = false
		}
		elapsed := time.Since(started)
		if errors.Is(err, ErrFenced) || !retriable(err) || (s.RetryTimeout >= 0 && elapsed+backoff > s.RetryTimeout) {
			s.Metrics.OffsetsCommitted(elapsed, err)
			s.txnMsgs, s.txnAcks, s.txnStart = nil, nil, time.Time{}
			clear(s.staged) // the aborted records are polled again after a restart
			return fmt.Errorf("commit transaction: %w", err)
		}
		s.Metrics.Retried()
		log.Warn("transaction failed with a retriable error; sending it again", "err", err, "attempt", attempt, "records", len(s.txnMsgs), "backoff", backoff)
		if !sleep(ctx, backoff) {
			return fmt.Errorf("stopped while retrying a transaction: %w", err)
		}
		backoff = min(2*backoff, backoffMax)
	}
}

// commitAttempt runs one try: a new transaction resends the records of the aborted one,
// then the offsets go in and the transaction is committed.
func (s *Source) commitAttempt(offsetMsgs []*sarama.ProducerMessage) error {
	if !s.txnOpen {
		if err := s.Producer.BeginTxn(); err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		s.txnOpen = true
		if len(s.txnMsgs) > 0 {
			again := freshMessages(s.txnMsgs)
			if err := s.Producer.SendMessages(again); err != nil {
				return fmt.Errorf("produce %d records: %w", len(s.txnMsgs), &producerErrors{all: err, first: firstProducerError(err)})
			}
			acked(again, nil) // where the records are now, for the RecordCommitter
			s.txnMsgs = again
		}
	}
	if len(offsetMsgs) > 0 {
		if err := s.Producer.SendMessages(freshMessages(offsetMsgs)); err != nil {
			return fmt.Errorf("write %d source offsets: %w", len(offsetMsgs), &producerErrors{all: err, first: firstProducerError(err)})
		}
	}
	if err := s.Producer.CommitTxn(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// finishExactlyOnce commits what was sent when the task stops (records and offsets in one
// transaction, so stopping between boundaries is as safe as at one), unless this worker's
// membership lapsed: then the transaction is aborted, and the task's new owner polls its
// records again. Then it stops the task.
func (s *Source) finishExactlyOnce(log *slog.Logger) error {
	var first error
	if s.txnOpen || len(s.staged) > 0 {
		if s.live() {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			first = s.commitExactlyOnce(cctx, log)
			cancel()
		} else if s.txnOpen {
			s.abortTxn()
		}
	}
	if err := s.Task.Stop(); err != nil && first == nil {
		first = fmt.Errorf("stop task: %w", err)
	}
	return first
}

// freshMessages copies messages for a new send: sarama keeps state in a message it handled.
func freshMessages(msgs []*sarama.ProducerMessage) []*sarama.ProducerMessage {
	fresh := make([]*sarama.ProducerMessage, len(msgs))
	for i, m := range msgs {
		fresh[i] = &sarama.ProducerMessage{Topic: m.Topic, Key: m.Key, Value: m.Value, Headers: m.Headers,
			Metadata: m.Metadata, Partition: m.Partition, Timestamp: m.Timestamp}
	}
	return fresh
}

// OffsetMessage is a record of the offsets topic for a transaction: its partition is the
// one the offsets store chose (murmur2 of the key, as a Java worker's).
func OffsetMessage(topic string, partition int32, key, value []byte) *sarama.ProducerMessage {
	m := &sarama.ProducerMessage{Topic: topic, Key: sarama.ByteEncoder(key), Partition: partition, Metadata: &sendMeta{explicit: true}}
	if value != nil {
		m.Value = sarama.ByteEncoder(value)
	}
	return m
}

// stillCurrent runs StillCurrent, when set.
func (eos *ExactlyOnce) stillCurrent(ctx context.Context) error {
	if eos.StillCurrent == nil {
		return nil
	}
	return eos.StillCurrent(ctx)
}
