package pipeline

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connectors"
)

// Offsets stores source offsets of one connector.
type Offsets interface {
	Offset(partition map[string]any) (map[string]any, error)
	Put(ctx context.Context, offsets []connectors.SourceOffset) error
}

// Source runs one source task. Fill the fields, then call Run once.
type Source struct {
	Task       connectors.SourceTask
	Props      map[string]string
	Key, Value connectors.Converter
	// Header converts the records' header values (the connector's header.converter, Kafka
	// Connect's SimpleHeaderConverter by default); required.
	Header connectors.HeaderConverter
	// Producer sends the records; it is owned by the caller. When nil, NewProducer makes
	// one at the first record and Run closes it: an idle task then holds no Kafka
	// connections (a worker with 10 000 idle sources would otherwise hold tens of thousands),
	// and a transactional producer fences older instances of the task the first time this
	// one writes.
	Producer    sarama.SyncProducer
	NewProducer func() (sarama.SyncProducer, error)
	Offsets     Offsets
	// FlushInterval is how often offsets are committed (offset.flush.interval.ms); zero
	// means 60 s, Kafka Connect's default.
	FlushInterval time.Duration
	Logger        *slog.Logger // nil discards
	// Started, if set, is called once the task's Start returned without error.
	Started func()
	// EnsureTopic, if set, is called once per topic before the first record goes to it, so
	// topics are created explicitly rather than by the broker's auto-creation.
	EnsureTopic func(topic string) error
	// TopicActive, if set, is called with the topic of every batch produced, once per
	// topic per batch (topic tracking, spec §3.18); it must not block.
	TopicActive func(topic string)
	// Transform, if set, runs the connector's transformation chain after poll, before
	// convert (spec §9.1).
	Transform TransformFunc
	// Errors applies the connector's errors.* settings to transformation and conversion
	// failures (no dead letter queue: Kafka Connect has none for sources); nil fails the
	// task at the first one (errors.tolerance=none).
	Errors *ErrorHandling
	// Metrics, if set, receives the task's measurements once per batch.
	Metrics SourceMetrics
	// RetryTimeout bounds how long a send that fails with a retriable error (a retriable
	// Kafka error such as KAFKA_STORAGE_ERROR or NOT_ENOUGH_REPLICAS, or lost brokers) is
	// retried before the task fails: Kafka's producer delivery.timeout.ms, or Kafka
	// Connect's errors.retry.timeout when longer. Zero fails at the first error; negative
	// retries until the task stops.
	RetryTimeout time.Duration
	// RetryBackoff and RetryBackoffMax are the first and the longest wait between retries
	// (the producer's retry.backoff.ms and retry.backoff.max.ms); zero means 100 ms and 1 s.
	RetryBackoff, RetryBackoffMax time.Duration
	// Live, if set, is asked before every poll and every send: false means this worker's
	// group membership may have lapsed (another worker may run the task already), and Run
	// ends with ErrLapsed without polling, sending or committing offsets again.
	Live func() bool
	// ExactlyOnce, if set, makes this an exactly-once task (exactlyonce.go): records and
	// their offsets are committed in one transaction; Offsets is then only read, and the
	// producer must be transactional.
	ExactlyOnce *ExactlyOnce

	gate   gate
	topics map[string]bool // topics EnsureTopic has succeeded for

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

// Pause stops polling until Resume; the task keeps its resources.
func (s *Source) Pause() { s.gate.pause() }

// Resume continues polling after Pause.
func (s *Source) Resume() { s.gate.resume() }

type sourceContext struct{ offsets Offsets }

func (c sourceContext) Offsets() connectors.OffsetReader { return c }
func (c sourceContext) Offset(p map[string]any) (map[string]any, error) {
	return c.offsets.Offset(p)
}

// Run starts the task and polls until ctx ends (nil) or the task fails (its error). Offsets
// are committed on the way out.
func (s *Source) Run(ctx context.Context) (err error) {
	defer func() { err = NameKafkaError(err) }() // runs last: names a broker's error however it came
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	interval := s.FlushInterval
	if interval <= 0 {
		interval = 60 * time.Second
	}
	if s.Metrics == nil {
		s.Metrics = noMetrics{}
	}
	if s.Header == nil {
		return errors.New("source pipeline: no header converter")
	}
	if s.ExactlyOnce != nil {
		return s.runExactlyOnce(ctx, log)
	}
	if s.Producer == nil {
		defer func() {
			if s.Producer != nil {
				_ = s.Producer.Close()
			}
		}()
	}
	if err := s.Task.Start(sourceContext{s.Offsets}, s.Props); err != nil {
		_ = s.Task.Stop()
		return fmt.Errorf("start task: %w", err)
	}
	if s.Started != nil {
		s.Started()
	}
	pending := map[string]connectors.SourceOffset{}
	s.staged = map[string]connectors.SourceOffset{}
	commit := func(ctx context.Context) error { return s.commitOffsets(ctx, log, pending) }
	defer func() {
		if ferr := s.finish(log, pending); ferr != nil && err == nil {
			err = ferr
		}
	}()
	lastCommit := time.Now()
	retries := 0
	for {
		if s.gate.isPaused() {
			if err := s.settle(true, pending); err != nil {
				return err
			}
			if err := commit(ctx); err != nil {
				return err
			}
		}
		if err := s.gate.wait(ctx); err != nil {
			return nil
		}
		if ctx.Err() != nil {
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
		}
		if err := s.settle(len(records) == 0 || time.Since(lastCommit) >= interval, pending); err != nil {
			return err
		}
		if time.Since(lastCommit) >= interval {
			if err := commit(ctx); err != nil {
				return err
			}
			lastCommit = time.Now()
		}
	}
}

// deliver transforms, converts and sends one poll's records, then stages their source
// offsets: they are committed once the records are settled (settle).
func (s *Source) deliver(ctx context.Context, log *slog.Logger, records []connectors.SourceRecord) error {
	rc, _ := s.Task.(connectors.RecordCommitter)
	var acks []connectors.RecordAck // for rc: one per polled record, filled in as messages are written
	var outFrom []int               // for rc: the polled record of each of out
	if rc != nil {
		acks = make([]connectors.RecordAck, len(records))
		for i := range records {
			acks[i].Record = &records[i]
		}
	}
	out := make([]connectors.SourceRecord, 0, len(records))
	for i := range records {
		r, err := s.transform(ctx, records[i])
		if err != nil {
			s.Metrics.RecordFailed(false)
			return err
		}
		if r != nil {
			out = append(out, *r)
			if rc != nil {
				outFrom = append(outFrom, i)
			}
		}
	}
	if err := s.ensureTopics(out); err != nil {
		return err
	}
	msgs := make([]*sarama.ProducerMessage, 0, len(out))
	for i := range out {
		m, err := s.convert(ctx, &out[i])
		if err != nil {
			s.Metrics.RecordFailed(false)
			return err
		}
		if m != nil {
			if rc != nil {
				sm, _ := m.Metadata.(*sendMeta)
				if sm == nil {
					sm = &sendMeta{}
					m.Metadata = sm
				}
				sm.ack = &acks[outFrom[i]]
			}
			msgs = append(msgs, m)
		}
	}
	if !s.live() {
		return ErrLapsed
	}
	if len(msgs) > 0 {
		s.Metrics.Active(len(msgs))
		err := s.sendRetrying(ctx, log, msgs)
		s.Metrics.Active(0)
		if err != nil {
			s.Metrics.RecordFailed(false)
			return err
		}
		s.Metrics.Written(len(msgs))
	}
	if rc != nil {
		if s.txnOpen {
			s.txnAcks = append(s.txnAcks, acks...) // acknowledged once the transaction commits
		} else {
			s.commitRecords(log, rc, acks)
		}
	}
	s.topicsActive(records)
	for _, r := range records {
		if r.SourcePartition == nil {
			continue
		}
		k, err := json.Marshal(r.SourcePartition)
		if err != nil {
			return fmt.Errorf("source partition %v: %w", r.SourcePartition, err)
		}
		s.staged[string(k)] = connectors.SourceOffset{Partition: r.SourcePartition, Offset: r.SourceOffset}
	}
	return nil
}

// commitRecords hands written (or dropped) records to the task's RecordCommitter; its error
// is logged, as Kafka Connect logs an exception from commitRecord.
func (s *Source) commitRecords(log *slog.Logger, rc connectors.RecordCommitter, acks []connectors.RecordAck) {
	if len(acks) == 0 {
		return
	}
	if err := rc.CommitRecords(acks); err != nil && log != nil {
		log.Warn("task commitRecord failed", "err", err)
	}
}

// acked records where each message of a successful send was written, for RecordCommitter.
func acked(msgs []*sarama.ProducerMessage, failed map[*sarama.ProducerMessage]bool) {
	for _, m := range msgs {
		if sm, ok := m.Metadata.(*sendMeta); ok && sm.ack != nil && !failed[m] {
			sm.ack.Metadata = &connectors.RecordMetadata{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Timestamp: m.Timestamp}
		}
	}
}

// commitOffsets writes the pending source offsets, then tells the task (Committer).
func (s *Source) commitOffsets(ctx context.Context, log *slog.Logger, pending map[string]connectors.SourceOffset) error {
	if len(pending) == 0 {
		return nil
	}
	offsets := make([]connectors.SourceOffset, 0, len(pending))
	for _, o := range pending {
		offsets = append(offsets, o)
	}
	start := time.Now()
	err := s.Offsets.Put(ctx, offsets)
	s.Metrics.OffsetsCommitted(time.Since(start), err)
	if err != nil {
		return fmt.Errorf("commit source offsets: %w", err)
	}
	clear(pending)
	if c, ok := s.Task.(connectors.Committer); ok {
		if err := c.Commit(); err != nil {
			log.Warn("task commit failed", "err", err)
		}
	}
	return nil
}

// finish runs when Run ends: it settles and commits what was sent, then stops the task, and
// returns the first of their errors. Stopping cancelled Run's ctx, so the final commit gets
// its own short deadline. A task whose membership lapsed commits nothing, neither its
// transaction nor offsets: the task's new owner polls those records again, and may have
// committed later offsets already, which an older position written after them would undo.
func (s *Source) finish(log *slog.Logger, pending map[string]connectors.SourceOffset) error {
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !s.live() {
		if s.txnOpen {
			s.abortTxn()
		}
		clear(s.staged)
		clear(pending)
	}
	first := s.settle(true, pending)
	if err := s.commitOffsets(cctx, log, pending); err != nil && first == nil {
		first = err
	}
	if err := s.Task.Stop(); err != nil && first == nil {
		first = fmt.Errorf("stop task: %w", err)
	}
	return first
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

// settle commits the open transaction when force is set or it is transactionSpan old; then,
// or at once without a transaction, the staged offsets move to pending: their records are
// durable and visible.
func (s *Source) settle(force bool, pending map[string]connectors.SourceOffset) error {
	if s.txnOpen {
		if !force && time.Since(s.txnStart) < transactionSpan {
			return nil
		}
		if err := s.Producer.CommitTxn(); err != nil {
			s.abortTxn()
			return fencedOr(fmt.Errorf("commit transaction: %w", err))
		}
		s.txnOpen, s.txnMsgs = false, nil
		if rc, ok := s.Task.(connectors.RecordCommitter); ok {
			s.commitRecords(s.Logger, rc, s.txnAcks)
		}
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

func (s *Source) live() bool { return s.Live == nil || s.Live() }

// ErrLapsed ends a task whose worker's group membership may have lapsed: the task may run
// on another worker already, so this instance stops without reporting a failure; its
// grain starts it again if the worker still owns it once it has rejoined.
var ErrLapsed = fmt.Errorf("%w: this worker's group membership lapsed (no heartbeat acknowledged for a session)", ErrFenced)

// ErrFenced ends a source task whose producer a newer instance of the same task fenced:
// that instance runs elsewhere, and this one must stop without reporting a failure.
var ErrFenced = errors.New("fenced by a newer instance of the task")

func fencedOr(err error) error {
	if errors.Is(err, sarama.ErrProducerFenced) || errors.Is(err, sarama.ErrInvalidProducerEpoch) ||
		errors.Is(err, sarama.ErrTransactionalIDAuthorizationFailed) {
		return fmt.Errorf("%w: %w", ErrFenced, err)
	}
	return err
}

func (s *Source) ensureTopics(records []connectors.SourceRecord) error {
	if s.EnsureTopic == nil {
		return nil
	}
	if s.topics == nil {
		s.topics = map[string]bool{}
	}
	for i := range records {
		t := records[i].Topic
		if s.topics[t] {
			continue
		}
		if err := s.EnsureTopic(t); err != nil {
			return fmt.Errorf("create topic %s: %w", t, err)
		}
		s.topics[t] = true
	}
	return nil
}

func (s *Source) topicsActive(records []connectors.SourceRecord) {
	if s.TopicActive == nil {
		return
	}
	last := ""
	for i := range records {
		if t := records[i].Topic; t != last {
			s.TopicActive(t)
			last = t
		}
	}
}

// stage runs op for stage on rec under the connector's error
// handling; false with a nil error means the record's failure was tolerated: skip it.
func (s *Source) stage(ctx context.Context, st Stage, rec *connectors.SourceRecord, op func() error) (bool, error) {
	ok, err := s.Errors.do(ctx, st, errant{source: rec}, s.Metrics.Retried, op)
	if !ok && err == nil {
		s.Metrics.RecordFailed(true)
	}
	return ok, err
}

// transform runs the transformation chain on a polled record; nil, nil means it is not
// sent (dropped by a transform, or its failure tolerated). Its offset is still committed,
// as Kafka commits filtered and skipped records'.
func (s *Source) transform(ctx context.Context, rec connectors.SourceRecord) (*connectors.SourceRecord, error) {
	if s.Transform == nil {
		return &rec, nil
	}
	var out *connectors.Record
	ok, err := s.stage(ctx, StageTransformation, &rec, func() (err error) {
		out, err = s.Transform(rec.Record())
		return err
	})
	if !ok || out == nil {
		return nil, err
	}
	rec.SetRecord(out)
	return &rec, nil
}

// convert serialises a record through the converters; nil, nil means a conversion failed
// and was tolerated.
func (s *Source) convert(ctx context.Context, r *connectors.SourceRecord) (*sarama.ProducerMessage, error) {
	m := &sarama.ProducerMessage{Topic: r.Topic, Timestamp: r.Timestamp}
	if r.Partition != nil {
		m.Partition, m.Metadata = *r.Partition, &sendMeta{explicit: true}
	}
	if m.Timestamp.IsZero() {
		m.Timestamp = time.Now()
	}
	if r.Key != nil || r.KeySchema != nil {
		ok, err := s.stage(ctx, StageKeyConverter, r, func() error {
			b, err := s.Key.FromConnectData(r.Topic, r.KeySchema, r.Key)
			if err != nil {
				return fmt.Errorf("convert key of record for topic %s: %w", r.Topic, err)
			}
			if b != nil {
				m.Key = sarama.ByteEncoder(b)
			}
			return nil
		})
		if !ok {
			return nil, err
		}
	}
	ok, err := s.stage(ctx, StageValueConverter, r, func() error {
		b, err := s.Value.FromConnectData(r.Topic, r.ValueSchema, r.Value)
		if err != nil {
			return fmt.Errorf("convert value of record for topic %s: %w", r.Topic, err)
		}
		if b != nil {
			m.Value = sarama.ByteEncoder(b)
		}
		return nil
	})
	if !ok {
		return nil, err
	}
	ok, err = s.stage(ctx, StageHeaderConverter, r, func() error {
		m.Headers = m.Headers[:0]
		for _, h := range r.Headers {
			hv, err := s.Header.FromConnectHeader(r.Topic, h.Key, h.Schema, h.Value)
			if err != nil {
				return fmt.Errorf("convert header %s: %w", h.Key, err)
			}
			m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(h.Key), Value: hv})
		}
		return nil
	})
	if !ok {
		return nil, err
	}
	return m, nil
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

// sleep waits d or until ctx ends; false means ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
