package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connectors"
)

// Offsets stores source offsets of one connector.
type Offsets interface {
	Offset(partition map[string]any) (map[string]any, error)
	Put(ctx context.Context, offsets []connectors.SourceOffset) error
}

// Source runs one source task. Fill the fields, then call Run once.
type Source struct {
	transactional // the transactional mode's state (source_txn.go)

	Task       connectors.SourceTask
	Props      map[string]string
	Key, Value connectors.Converter
	// Header converts the records' header values (the connector's header.converter, Kafka
	// Connect's SimpleHeaderConverter by default); required.
	Header connectors.HeaderConverter
	// Pipelined or NewPipelined selects the pipelined mode (source_pipelined.go): records go
	// to a franz-go producer with several batches in flight, and offsets are committed once
	// the records they cover are acknowledged. Pipelined is owned by the caller; when it is
	// nil, NewPipelined makes one at the first record and Run closes it: an idle task then
	// holds no Kafka connections (a worker with 10 000 idle sources would otherwise hold tens
	// of thousands). Either takes precedence over NewProducer, not over Producer.
	Pipelined    *kgo.Client
	NewPipelined func(Delivery) (*kgo.Client, error)
	// Producer or NewProducer selects the transactional mode (source_txn.go): a sarama
	// SyncProducer, one send per poll, in transactions spanning polls when it is
	// transactional. Ownership as for Pipelined; a transactional producer made by
	// NewProducer fences older instances of the task the first time this one writes.
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
	// TransformBatch, if set, runs the chain on each polled batch at once instead (a chain
	// with a Java transformation crosses to the host once per batch); Transform must be set
	// with it: a failed record's retries run it alone.
	TransformBatch BatchTransformFunc
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
	fast   *pipelined      // the pipelined mode's state; nil in the transactional mode

}

// Pause stops polling until Resume; the task keeps its resources.
func (s *Source) Pause() { s.gate.pause() }

// Resume continues polling after Pause.
func (s *Source) Resume() { s.gate.resume() }

// sourceContext is the task's connectors.SourceTaskContext; txn is set only with
// connector-defined transaction boundaries.
type sourceContext struct {
	offsets Offsets
	txn     *txnContext
}

func (c sourceContext) Offsets() connectors.OffsetReader { return c }

// TransactionContext is nil unless the task defines its transactions: a nil *txnContext
// must not become a non-nil interface.
func (c sourceContext) TransactionContext() connectors.TransactionContext {
	if c.txn == nil {
		return nil
	}
	return c.txn
}
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
	if s.Producer == nil && (s.Pipelined != nil || s.NewPipelined != nil) {
		s.fast = &pipelined{client: s.Pipelined, log: &franzLog{log: log, retried: s.Metrics.Retried},
			deadline: Delivery{Timeout: s.RetryTimeout}.Deadline()}
		defer s.closePipelined()
	} else if s.Producer == nil {
		defer func() {
			if s.Producer != nil {
				_ = s.Producer.Close()
			}
		}()
	}
	if err := s.Task.Start(sourceContext{offsets: s.Offsets}, s.Props); err != nil {
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
			if err := s.settle(ctx, true, pending); err != nil {
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
		due := time.Since(lastCommit) >= interval
		if err := s.settle(ctx, len(records) == 0 || due, pending); err != nil {
			return err
		}
		if due {
			if err := commit(ctx); err != nil {
				return err
			}
			lastCommit = time.Now()
		}
	}
}

// deliver transforms, converts and sends one poll's records with the source offsets they
// cover: those are committed once the records are settled (settle). A RecordCommitter task
// hears of the records once they are settled too, each with where it was written.
func (s *Source) deliver(ctx context.Context, log *slog.Logger, records []connectors.SourceRecord) error {
	var c commits // for a RecordCommitter: one ack per polled record, filled in once written
	if rc, ok := s.Task.(connectors.RecordCommitter); ok {
		c.rc, c.acks = rc, make([]connectors.RecordAck, len(records))
		for i := range records {
			c.acks[i].Record = &records[i]
		}
	}
	out, outFrom := records, []int(nil) // outFrom: the polled record of each of out; nil: the same index
	if s.TransformBatch != nil {
		rs := make([]*connectors.Record, len(records))
		for i := range records {
			rs[i] = records[i].Record()
		}
		res, err := transformBatch(ctx, s.Errors, s.TransformBatch, s.Transform, rs,
			func(i int) errant { return errant{source: &records[i]} }, nil,
			s.Metrics.Retried, func() { s.Metrics.RecordFailed(true) })
		if err != nil {
			s.Metrics.RecordFailed(false)
			return err
		}
		out = make([]connectors.SourceRecord, 0, len(records))
		for i := range records {
			if res[i] != nil {
				r := records[i]
				r.SetRecord(res[i])
				out = append(out, r)
				if c.acks != nil {
					outFrom = append(outFrom, i)
				}
			}
		}
	} else if s.Transform != nil {
		out = make([]connectors.SourceRecord, 0, len(records))
		for i := range records {
			r, err := s.transform(ctx, records[i])
			if err != nil {
				s.Metrics.RecordFailed(false)
				return err
			}
			if r != nil {
				out = append(out, *r)
				if c.acks != nil {
					outFrom = append(outFrom, i)
				}
			}
		}
	}
	if err := s.ensureTopics(out); err != nil {
		return err
	}
	recs := s.recordSlice(len(out))
	if c.acks != nil {
		c.from = make([]int, 0, len(out))
	}
	pre, err := s.preconvert(out)
	if err != nil {
		s.Metrics.RecordFailed(false)
		return err
	}
	// A record without a timestamp of its own gets the time its poll is handed to the
	// producer, read once per poll: Java's producer stamps each record as it is sent, and
	// franz-go would read the clock per record (8 % of the worker's CPU at 100 B records).
	now := time.Now()
	n := 0
	for i := range out {
		ok, err := s.convert(ctx, &out[i], &recs[n], pre, i, now)
		if err != nil {
			s.Metrics.RecordFailed(false)
			return err
		}
		if ok {
			n++
			if c.acks != nil {
				from := i
				if outFrom != nil {
					from = outFrom[i]
				}
				c.from = append(c.from, from)
			}
		}
	}
	recs = recs[:n]
	offsets, err := s.offsetsOf(records)
	if err != nil {
		return err
	}
	if !s.live() {
		return ErrLapsed
	}
	if s.fast != nil {
		err = s.sendPipelined(ctx, recs, offsets, c)
	} else {
		err = s.deliverTxn(ctx, log, recs, offsets, c)
	}
	if err != nil {
		return err
	}
	s.topicsActive(records)
	return nil
}

// commits are a poll's records as a RecordCommitter hears of them: acks has one per polled
// record, from the index of the polled record of each record sent. Both are nil when the
// task is no RecordCommitter.
type commits struct {
	rc   connectors.RecordCommitter
	acks []connectors.RecordAck
	from []int
}

// written fills in, for the ack of each record sent, where recs (as sent) were written.
func (c commits) written(recs []kgo.Record) {
	for i := range c.from {
		r := &recs[i]
		c.acks[c.from[i]].Metadata = &connectors.RecordMetadata{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp}
	}
}

// commitRecords hands written (or dropped) records to the task's RecordCommitter; its error
// is logged, as Kafka Connect logs an exception from commitRecord.
func (s *Source) commitRecords(log *slog.Logger, rc connectors.RecordCommitter, acks []connectors.RecordAck) {
	if rc == nil || len(acks) == 0 {
		return
	}
	if err := rc.CommitRecords(acks); err != nil && log != nil {
		log.Warn("task commitRecord failed", "err", err)
	}
}

// offsetsOf is the last source offset of each source partition in records, keyed by the
// partition's JSON. A task usually hands every record of a partition the same partition map,
// so the JSON is computed once per map, not per record. A record without a source partition
// counts too: Kafka Connect keeps its offset under the null partition (the key
// [connector, null]), where the task reads it back with offset(null).
func (s *Source) offsetsOf(records []connectors.SourceRecord) (map[string]connectors.SourceOffset, error) {
	offsets := map[string]connectors.SourceOffset{}
	var last map[string]any
	var lastKey string
	for i := range records {
		r := &records[i]
		if i == 0 || !samePartitionMap(last, r.SourcePartition) {
			k, err := json.Marshal(r.SourcePartition)
			if err != nil {
				return nil, fmt.Errorf("source partition %v: %w", r.SourcePartition, err)
			}
			last, lastKey = r.SourcePartition, string(k)
		}
		offsets[lastKey] = connectors.SourceOffset{Partition: r.SourcePartition, Offset: r.SourceOffset}
	}
	return offsets, nil
}

// samePartitionMap reports whether a and b are the same map (not merely equal ones).
func samePartitionMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// settle makes the offsets of acknowledged records committable (moves them to pending);
// force waits for every record sent (pipelined) or commits the open transaction.
func (s *Source) settle(ctx context.Context, force bool, pending map[string]connectors.SourceOffset) error {
	if s.fast != nil {
		return s.settlePipelined(ctx, force, pending)
	}
	return s.settleTxn(force, pending)
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
		if s.fast != nil {
			s.dropPipelined()
		}
		if s.txnOpen {
			s.abortTxn()
		}
		clear(s.staged)
		clear(pending)
	}
	first := s.settle(cctx, true, pending)
	if err := s.commitOffsets(cctx, log, pending); err != nil && first == nil {
		first = err
	}
	if err := s.Task.Stop(); err != nil && first == nil {
		first = fmt.Errorf("stop task: %w", err)
	}
	return first
}

func (s *Source) live() bool { return s.Live == nil || s.Live() }

// ErrLapsed ends a task whose worker's group membership may have lapsed: the task may run
// on another worker already, so this instance stops without reporting a failure; its
// grain starts it again if the worker still owns it once it has rejoined.
var ErrLapsed = fmt.Errorf("%w: this worker's group membership lapsed (no heartbeat acknowledged for a session)", ErrFenced)

// ErrFenced ends a source task whose producer a newer instance of the same task fenced:
// that instance runs elsewhere, and this one must stop without reporting a failure.
var ErrFenced = errors.New("fenced by a newer instance of the task")

func (s *Source) ensureTopics(records []connectors.SourceRecord) error {
	if s.EnsureTopic == nil {
		return nil
	}
	if s.topics == nil {
		s.topics = map[string]bool{}
	}
	last := ""
	for i := range records {
		t := records[i].Topic
		if t == last || s.topics[t] {
			last = t // a poll's records mostly share a topic: one lookup per run of them
			continue
		}
		if err := s.EnsureTopic(t); err != nil {
			return fmt.Errorf("create topic %s: %w", t, err)
		}
		s.topics[t], last = true, t
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

// preconvert converts the records' headers, keys and values, in one call each where the
// converter is a batch one (a Java one), before the per-record stages; nil when none is. The
// headers are converted first, as Kafka converts them first: the key and value converters are
// given each record's converted headers, and may change them.
func (s *Source) preconvert(records []connectors.SourceRecord) (*preconverted, error) {
	_, bh := s.Header.(connectors.BatchHeaderConverter)
	_, bk := s.Key.(connectors.BatchConverter)
	_, bv := s.Value.(connectors.BatchConverter)
	if !bh && !bk && !bv {
		return nil, nil
	}
	pre := &preconverted{}
	var err error
	if err = s.preconvertHeaders(records, pre); err != nil {
		return nil, fmt.Errorf("header converter: %w", err)
	}
	if bk {
		pre.keyItem = make([]int, len(records))
		var items []connectors.ConnectData
		for i, r := range records {
			pre.keyItem[i] = -1
			if r.Key != nil || r.KeySchema != nil {
				pre.keyItem[i] = len(items)
				items = append(items, connectors.ConnectData{Topic: r.Topic, Schema: r.KeySchema, Value: r.Key, Headers: &pre.hdrs[i]})
			}
		}
		if pre.keys, err = fromConnectBatch(s.Key, items); err != nil {
			return nil, fmt.Errorf("key converter: %w", err)
		}
	}
	if bv {
		items := make([]connectors.ConnectData, len(records))
		for i, r := range records {
			items[i] = connectors.ConnectData{Topic: r.Topic, Schema: r.ValueSchema, Value: r.Value, Headers: &pre.hdrs[i]}
		}
		if pre.values, err = fromConnectBatch(s.Value, items); err != nil {
			return nil, fmt.Errorf("value converter: %w", err)
		}
	}
	return pre, nil
}

// preconvertHeaders converts all the records' headers into pre.hdrs: in one call when the
// header converter is a batch one, else header by header; a record's failure is kept for its
// header stage.
func (s *Source) preconvertHeaders(records []connectors.SourceRecord, pre *preconverted) error {
	pre.hdrs = make([][]connectors.RawHeader, len(records))
	pre.hdrErr = make([]error, len(records))
	pre.hdrUsed = make([]bool, len(records))
	bh, ok := s.Header.(connectors.BatchHeaderConverter)
	if !ok {
		for i := range records {
			pre.hdrs[i], pre.hdrErr[i] = s.convertHeaders(&records[i])
		}
		return nil
	}
	var items []connectors.HeaderData
	for _, r := range records {
		for _, h := range r.Headers {
			items = append(items, connectors.HeaderData{Topic: r.Topic, Key: h.Key, Schema: h.Schema, Value: h.Value})
		}
	}
	if len(items) == 0 {
		return nil
	}
	data, errs, err := bh.FromConnectHeaderBatch(items)
	if err != nil {
		return fmt.Errorf("convert a batch of %d headers: %w", len(items), err)
	}
	k := 0
	for i, r := range records {
		if len(r.Headers) == 0 {
			continue
		}
		hs := make([]connectors.RawHeader, len(r.Headers))
		for j, h := range r.Headers {
			if errs != nil && errs[k] != nil && pre.hdrErr[i] == nil {
				pre.hdrErr[i] = fmt.Errorf("convert header %s: %w", h.Key, errs[k])
			}
			hs[j] = connectors.RawHeader{Key: h.Key, Value: data[k]}
			k++
		}
		if pre.hdrErr[i] == nil {
			pre.hdrs[i] = hs
		}
	}
	return nil
}

// convertHeaders converts r's headers one by one.
func (s *Source) convertHeaders(r *connectors.SourceRecord) ([]connectors.RawHeader, error) {
	if len(r.Headers) == 0 {
		return nil, nil
	}
	out := make([]connectors.RawHeader, 0, len(r.Headers))
	for _, h := range r.Headers {
		hv, err := s.Header.FromConnectHeader(r.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			return nil, fmt.Errorf("convert header %s: %w", h.Key, err)
		}
		out = append(out, connectors.RawHeader{Key: h.Key, Value: hv})
	}
	return out, nil
}

// convert serialises record i of the batch through the converters into m (pre holds what
// preconvert made of the batch), stamped now if r has no timestamp; false with a nil error
// means a conversion failed and was tolerated. As in Kafka's WorkerSourceTask, the headers
// are converted first, then the key, then the value, the key and value converters given (and
// able to change) the converted headers, with which the record is produced.
func (s *Source) convert(ctx context.Context, r *connectors.SourceRecord, m *kgo.Record, pre *preconverted, i int, now time.Time) (bool, error) {
	*m = kgo.Record{Topic: r.Topic, Timestamp: r.Timestamp}
	if m.Timestamp.IsZero() {
		m.Timestamp = now
	}
	if r.Partition != nil {
		m.Partition, m.Context = *r.Partition, explicitPartitionCtx
	}
	if pre == nil {
		// Go converters only: the key and value converters neither take nor change headers.
		if len(r.Headers) > 0 {
			ok, err := s.stage(ctx, StageHeaderConverter, r, func() error {
				hs, err := s.convertHeaders(r)
				if err != nil {
					return err
				}
				m.Headers = make([]kgo.RecordHeader, len(hs))
				for j, h := range hs {
					m.Headers[j] = kgo.RecordHeader(h)
				}
				return nil
			})
			if !ok {
				return false, err
			}
		}
		return s.convertKeyValue(ctx, r, m, nil, nil, i, false)
	}
	// The batch's key and value conversions were given the headers preconvert made; when those
	// failed, a retry that converts them makes the key's and value's first results stale.
	fresh := pre.hdrErr[i] == nil
	if len(r.Headers) > 0 {
		ok, err := s.stage(ctx, StageHeaderConverter, r, func() (err error) {
			if !pre.hdrUsed[i] {
				pre.hdrUsed[i] = true
				return pre.hdrErr[i]
			}
			pre.hdrs[i], err = s.convertHeaders(r)
			return err
		})
		if !ok {
			return false, err
		}
	}
	if ok, err := s.convertKeyValue(ctx, r, m, pre, &pre.hdrs[i], i, fresh); !ok {
		return false, err
	}
	if hs := pre.hdrs[i]; len(hs) > 0 {
		m.Headers = make([]kgo.RecordHeader, len(hs))
		for j, h := range hs {
			m.Headers[j] = kgo.RecordHeader(h)
		}
	}
	return true, nil
}

// convertKeyValue converts r's key and value into m, taking pre's batch results when fresh,
// and giving a batch converter called on r alone the record's headers hdrs.
func (s *Source) convertKeyValue(ctx context.Context, r *connectors.SourceRecord, m *kgo.Record, pre *preconverted, hdrs *[]connectors.RawHeader, i int, fresh bool) (bool, error) {
	if r.Key != nil || r.KeySchema != nil {
		ok, err := s.stage(ctx, StageKeyConverter, r, func() error {
			var b []byte
			var err error
			if ks, k := pre.keysOrNil(), pre.keyOf(i); fresh && ks.take(k) {
				b, err = ks.from[k], ks.err(k)
			} else {
				b, err = fromConnect(s.Key, r.Topic, hdrs, r.KeySchema, r.Key)
			}
			if err != nil {
				return fmt.Errorf("convert key of record for topic %s: %w", r.Topic, err)
			}
			m.Key = b
			return nil
		})
		if !ok {
			return false, err
		}
	}
	return s.stage(ctx, StageValueConverter, r, func() error {
		var b []byte
		var err error
		if vs := pre.valuesOrNil(); fresh && vs.take(i) {
			b, err = vs.from[i], vs.err(i)
		} else {
			b, err = fromConnect(s.Value, r.Topic, hdrs, r.ValueSchema, r.Value)
		}
		if err != nil {
			return fmt.Errorf("convert value of record for topic %s: %w", r.Topic, err)
		}
		m.Value = b
		return nil
	})
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
