package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connectors"
)

// Sink runs one sink task as a member of its connector's consumer group. Fill the fields,
// then call Run once.
type Sink struct {
	Task       connectors.SinkTask
	Props      map[string]string
	Key, Value connectors.Converter
	// Header converts the records' header values (the connector's header.converter, Kafka
	// Connect's SimpleHeaderConverter by default); required.
	Header connectors.HeaderConverter
	// Group must have auto-commit off; it is owned by the caller.
	Group  sarama.ConsumerGroup
	Topics []string
	// MaxBatch is the most records handed to one Put (max.poll.records); zero means 500,
	// Kafka's default.
	MaxBatch int
	// FlushInterval is how often the task is flushed and offsets committed
	// (offset.flush.interval.ms); zero means 60 s.
	FlushInterval time.Duration
	Logger        *slog.Logger // nil discards
	// Started, if set, is called once the task's Start returned without error.
	Started func()
	// TopicActive, if set, is called with the topic of every batch consumed (topic
	// tracking, spec §3.18); it must not block.
	TopicActive func(topic string)
	// Transform, if set, runs the connector's transformation chain after convert, before
	// put (spec §9.1).
	Transform TransformFunc
	// Errors applies the connector's errors.* settings to conversion and transformation
	// failures; nil fails the task at the first one (errors.tolerance=none).
	Errors *ErrorHandling
	// Metrics, if set, receives the task's measurements once per batch.
	Metrics SinkMetrics
	// Live, if set, is asked before every put: false means this worker's group membership
	// may have lapsed, and Run ends with ErrLapsed instead of delivering.
	Live func() bool

	gate gate

	mu         sync.Mutex // serialises Put and Flush, as a SinkTask expects one caller
	consumed   map[connectors.TopicPartition]int64
	unflushed  int // records put and not yet committed, for Metrics.Active
	assignment []connectors.TopicPartition
	failure    error
	cancel     context.CancelFunc
}

// Pause stops delivery until Resume; the consumer keeps its partitions.
func (s *Sink) Pause() {
	s.gate.pause()
	s.Group.PauseAll()
}

// Resume continues delivery after Pause.
func (s *Sink) Resume() {
	s.Group.ResumeAll()
	s.gate.resume()
}

// Assignment is the set of partitions assigned to this task right now.
func (s *Sink) Assignment() []connectors.TopicPartition {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]connectors.TopicPartition(nil), s.assignment...)
}

// Run starts the task and consumes until ctx ends (nil) or the task fails (its error).
func (s *Sink) Run(ctx context.Context) error {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.FlushInterval <= 0 {
		s.FlushInterval = 60 * time.Second
	}
	if s.Metrics == nil {
		s.Metrics = noMetrics{}
	}
	if s.Header == nil {
		return errors.New("sink pipeline: no header converter")
	}
	s.consumed = map[connectors.TopicPartition]int64{}
	if err := s.Task.Start(s, s.Props); err != nil {
		_ = s.Task.Stop()
		return fmt.Errorf("start task: %w", err)
	}
	if s.Started != nil {
		s.Started()
	}
	ctx, s.cancel = context.WithCancel(ctx)
	defer s.cancel()
	for ctx.Err() == nil {
		err := s.Group.Consume(ctx, s.Topics, (*sinkHandler)(s))
		if f := s.failed(); f != nil {
			_ = s.Task.Stop()
			return NameKafkaError(f)
		}
		if err != nil && ctx.Err() == nil {
			s.Metrics.Retried()
			s.Logger.Warn("consume failed, retrying", "err", NameKafkaError(err))
			sleep(ctx, time.Second)
		}
	}
	if err := s.Task.Stop(); err != nil {
		return fmt.Errorf("stop task: %w", err)
	}
	return nil
}

func (s *Sink) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failure
}

// fail records the first failure and ends Run; callers hold s.mu.
func (s *Sink) fail(err error) {
	if s.failure == nil {
		s.failure = err
	}
	s.cancel()
}

// flush hands the consumed offsets to the task's Flush and commits them after it returned.
func (s *Sink) flush(ctx context.Context, sess sarama.ConsumerGroupSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.consumed) == 0 || s.failure != nil {
		return
	}
	offsets := make(map[connectors.TopicPartition]int64, len(s.consumed))
	for tp, o := range s.consumed {
		offsets[tp] = o
	}
	start := time.Now()
	if err := s.Task.Flush(ctx, offsets); err != nil {
		s.Metrics.OffsetsCommitted(time.Since(start), err)
		s.fail(fmt.Errorf("flush: %w", err))
		return
	}
	for tp, o := range offsets {
		sess.MarkOffset(tp.Topic, tp.Partition, o, "")
	}
	sess.Commit()
	s.Metrics.OffsetsCommitted(time.Since(start), nil)
	clear(s.consumed)
	s.unflushed = 0
	s.Metrics.Active(0)
}

// sinkHandler is the Sink seen as sarama's group handler.
type sinkHandler Sink

func (h *sinkHandler) Setup(sess sarama.ConsumerGroupSession) error {
	s := (*Sink)(h)
	s.mu.Lock()
	s.assignment = s.assignment[:0]
	for topic, parts := range sess.Claims() {
		for _, p := range parts {
			s.assignment = append(s.assignment, connectors.TopicPartition{Topic: topic, Partition: p})
		}
	}
	s.Metrics.Assigned(len(s.assignment))
	s.mu.Unlock()
	go func() {
		t := time.NewTicker(s.FlushInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.flush(sess.Context(), sess)
			case <-sess.Context().Done():
				return
			}
		}
	}()
	return nil
}

func (h *sinkHandler) Cleanup(sess sarama.ConsumerGroupSession) error {
	s := (*Sink)(h)
	// The session context is already done; the final flush gets its own deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.flush(ctx, sess)
	return nil
}

func (h *sinkHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	s := (*Sink)(h)
	maxBatch := s.MaxBatch
	if maxBatch <= 0 {
		maxBatch = 500
	}
	batch := make([]*sarama.ConsumerMessage, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case m, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			batch = append(batch, m)
		case <-sess.Context().Done():
			return nil
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case m, ok := <-claim.Messages():
				if !ok {
					break drain
				}
				batch = append(batch, m)
			default:
				break drain
			}
		}
		if err := s.gate.wait(sess.Context()); err != nil {
			return nil
		}
		if err := s.put(sess.Context(), batch); err != nil {
			return err
		}
	}
}

func (s *Sink) put(ctx context.Context, batch []*sarama.ConsumerMessage) error {
	if s.TopicActive != nil {
		s.TopicActive(batch[0].Topic) // a batch comes from one claim: one topic
	}
	s.Metrics.Read(len(batch))
	records := make([]connectors.SinkRecord, 0, len(batch))
	for _, m := range batch {
		r, err := s.convert(ctx, m)
		if err != nil {
			s.Metrics.RecordFailed(false)
			return s.failWith(err)
		}
		if r != nil {
			records = append(records, *r)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failure != nil {
		return s.failure
	}
	if s.Live != nil && !s.Live() {
		s.fail(ErrLapsed)
		return s.failure
	}
	start := time.Now()
	if err := s.Task.Put(ctx, records); err != nil {
		if ctx.Err() != nil {
			return nil // stopping: the records are consumed again from the committed offset
		}
		s.Metrics.RecordFailed(false)
		s.fail(fmt.Errorf("put %d records: %w", len(records), err))
		return s.failure
	}
	s.Metrics.Put(len(records), time.Since(start))
	s.unflushed += len(batch)
	s.Metrics.Active(s.unflushed)
	last := batch[len(batch)-1]
	s.consumed[connectors.TopicPartition{Topic: last.Topic, Partition: last.Partition}] = last.Offset + 1
	return nil
}

func (s *Sink) failWith(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail(err)
	return err
}

// convert turns a consumed message into the record put, through the converters and the
// transformation chain, each stage under the connector's error handling: nil, nil means the
// record is skipped (dropped by a transform, or its failure tolerated).
func (s *Sink) convert(ctx context.Context, m *sarama.ConsumerMessage) (*connectors.SinkRecord, error) {
	r := connectors.SinkRecord{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Timestamp: m.Timestamp}
	rec := errant{consumed: m}
	stage := func(st Stage, op func() error) (bool, error) {
		ok, err := s.Errors.do(ctx, st, rec, s.Metrics.Retried, op)
		if !ok && err == nil {
			s.Metrics.RecordFailed(true)
		}
		return ok, err
	}
	at := func() string { return fmt.Sprintf("%s-%d@%d", m.Topic, m.Partition, m.Offset) } // only on failure
	if m.Key != nil {
		ok, err := stage(StageKeyConverter, func() (err error) {
			if r.KeySchema, r.Key, err = s.Key.ToConnectData(m.Topic, m.Key); err != nil {
				return fmt.Errorf("convert key at %s: %w", at(), err)
			}
			return nil
		})
		if !ok {
			return nil, err
		}
	}
	ok, err := stage(StageValueConverter, func() (err error) {
		if r.ValueSchema, r.Value, err = s.Value.ToConnectData(m.Topic, m.Value); err != nil {
			return fmt.Errorf("convert value at %s: %w", at(), err)
		}
		return nil
	})
	if !ok {
		return nil, err
	}
	ok, err = stage(StageHeaderConverter, func() error {
		r.Headers = r.Headers[:0]
		for _, h := range m.Headers {
			schema, v, err := s.Header.ToConnectHeader(m.Topic, string(h.Key), h.Value)
			if err != nil {
				return fmt.Errorf("convert header %s at %s: %w", h.Key, at(), err)
			}
			r.Headers = append(r.Headers, connectors.Header{Key: string(h.Key), Schema: schema, Value: v})
		}
		return nil
	})
	if !ok {
		return nil, err
	}
	if s.Transform == nil {
		return &r, nil
	}
	var out *connectors.Record
	ok, err = stage(StageTransformation, func() (err error) {
		out, err = s.Transform(r.Record())
		if err != nil {
			return fmt.Errorf("at %s: %w", at(), err)
		}
		return nil
	})
	if !ok || out == nil {
		return nil, err
	}
	r.SetRecord(out)
	return &r, nil
}
