package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	// TransformBatch, if set, runs the chain on each consumed batch at once instead (a
	// chain with a Java transformation crosses to the host once per batch); Transform must be
	// set with it: a failed record's retries run it alone.
	TransformBatch BatchTransformFunc
	// Errors applies the connector's errors.* settings to conversion and transformation
	// failures; nil fails the task at the first one (errors.tolerance=none).
	Errors *ErrorHandling
	// Metrics, if set, receives the task's measurements once per batch.
	Metrics SinkMetrics
	// Live, if set, is asked before every put: false means this worker's group membership
	// may have lapsed, and Run ends with ErrLapsed instead of delivering.
	Live func() bool

	gate gate

	putMu     sync.Mutex // serialises puts, a batch's retries included: no other batch is put meanwhile
	mu        sync.Mutex // serialises the task's calls, as a SinkTask expects one caller
	consumed  map[connectors.TopicPartition]int64
	unflushed int // records put and not yet committed, for Metrics.Active
	failure   error
	cancel    context.CancelFunc
	// committed is what PreCommit's answers committed, per partition, so an unchanged answer
	// commits nothing; lastCommit is when offsets were last committed.
	committed  map[connectors.TopicPartition]int64
	lastCommit time.Time
	// committing is set while commitAsync's commit runs; commitAgain asks it for one more
	// round (offsets were marked after it began); commits counts the commit in flight.
	committing, commitAgain atomic.Bool
	commits                 sync.WaitGroup
	commitNow               chan struct{} // RequestCommit: one pending request
	// delivered is set when a batch is put: the poll cycle (a flush interval) that ends
	// without one makes an empty put (idlePut).
	delivered atomic.Bool

	// The task context's state, under ctxMu: the context is called from inside the task's
	// calls, which hold mu.
	ctxMu      sync.Mutex
	assignment []connectors.TopicPartition
	positions  map[connectors.TopicPartition]int64         // the next offset to put, per assigned partition
	seeks      map[connectors.TopicPartition]int64         // Seek calls not yet applied
	paused     map[connectors.TopicPartition]chan struct{} // partitions the task paused; closed on Resume
	retryAfter time.Duration                               // RetryAfter; negative: unset
	reportErr  error                                       // an errant record report that fails the task
}

// Pause stops delivery until Resume; the consumer keeps its partitions.
func (s *Sink) Pause() {
	s.gate.pause()
	s.Group.PauseAll()
}

// Resume continues delivery after Pause; the partitions the task itself paused stay paused.
func (s *Sink) Resume() {
	s.Group.ResumeAll()
	s.ctxMu.Lock()
	if len(s.paused) > 0 {
		s.Group.Pause(partitionMap(slices.Collect(maps.Keys(s.paused))))
	}
	s.ctxMu.Unlock()
	s.gate.resume()
}

// Assignment is the set of partitions assigned to this task right now.
func (s *Sink) Assignment() []connectors.TopicPartition {
	s.ctxMu.Lock()
	defer s.ctxMu.Unlock()
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
	s.committed = map[connectors.TopicPartition]int64{}
	s.commitNow = make(chan struct{}, 1)
	s.ctxMu.Lock()
	s.positions = map[connectors.TopicPartition]int64{}
	s.seeks = map[connectors.TopicPartition]int64{}
	if s.paused == nil {
		s.paused = map[connectors.TopicPartition]chan struct{}{}
	}
	s.retryAfter = -1
	s.ctxMu.Unlock()
	if err := s.Task.Start((*sinkContext)(s), s.Props); err != nil {
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

// flush commits offsets after the task made its records durable: through PreCommit, what it
// answers; otherwise the consumed offsets, after Flush returned.
func (s *Sink) flush(ctx context.Context, sess sarama.ConsumerGroupSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failure != nil {
		return
	}
	if pc, ok := s.Task.(connectors.PreCommitter); ok {
		s.preCommit(ctx, sess, pc)
		return
	}
	if len(s.consumed) == 0 {
		return
	}
	offsets := maps.Clone(s.consumed)
	start := time.Now()
	if err := s.Task.Flush(ctx, offsets); err != nil {
		s.Metrics.OffsetsCommitted(time.Since(start), err)
		s.fail(fmt.Errorf("flush: %w", err))
		return
	}
	for tp, o := range offsets {
		sess.MarkOffset(tp.Topic, tp.Partition, o, "")
	}
	s.commitAsync(sess)
	s.committedNow(start)
}

// commitAsync commits the marked offsets without making the task wait for the coordinator's
// answer: delivery goes on while the commit is in flight. One commit is in flight at a time;
// offsets marked meanwhile go with the next one, and Cleanup commits what is left and waits
// (waitCommits) before the partitions are given up. Offsets are marked only after the task's
// Flush returned for them, so whichever commit carries them, it carries flushed offsets.
func (s *Sink) commitAsync(sess sarama.ConsumerGroupSession) {
	if !s.committing.CompareAndSwap(false, true) {
		s.commitAgain.Store(true)
		return
	}
	s.commits.Add(1)
	go func() {
		defer s.commits.Done()
		for {
			s.commitAgain.Store(false)
			sess.Commit()
			if !s.commitAgain.Load() {
				break
			}
		}
		s.committing.Store(false)
	}()
}

// waitCommits waits for the commit in flight, if any.
func (s *Sink) waitCommits() { s.commits.Wait() }

// committedNow records a commit that started at start; callers hold s.mu.
func (s *Sink) committedNow(start time.Time) {
	s.Metrics.OffsetsCommitted(time.Since(start), nil)
	s.lastCommit = time.Now()
	clear(s.consumed)
	s.unflushed = 0
	s.Metrics.Active(0)
}

// preCommit commits what the task's PreCommit answers for the positions of the assigned
// partitions, as Kafka's WorkerSinkTask.commitOffsets: an offset past a partition's position
// or of a partition not assigned is ignored with a warning; an empty answer commits nothing.
// Callers hold s.mu.
func (s *Sink) preCommit(ctx context.Context, sess sarama.ConsumerGroupSession, pc connectors.PreCommitter) {
	s.ctxMu.Lock()
	positions := maps.Clone(s.positions)
	s.ctxMu.Unlock()
	if len(positions) == 0 {
		return
	}
	start := time.Now()
	answer, err := pc.PreCommit(ctx, positions)
	if err != nil {
		s.Metrics.OffsetsCommitted(time.Since(start), err)
		s.fail(fmt.Errorf("preCommit: %w", err))
		return
	}
	changed := false
	for tp, o := range answer {
		pos, ok := positions[tp]
		if !ok || o > pos {
			s.Logger.Warn("ignoring an offset the task returned from preCommit: not assigned, or not yet consumed",
				"topic", tp.Topic, "partition", tp.Partition, "offset", o, "position", pos, "assigned", ok)
			continue
		}
		if c, ok := s.committed[tp]; ok && c == o {
			continue
		}
		setOffset(sess, tp, o)
		s.committed[tp] = o
		changed = true
	}
	if changed {
		sess.Commit()
	}
	s.committedNow(start)
}

// setOffset makes o the offset committed next for tp, before or after the current one.
func setOffset(sess sarama.ConsumerGroupSession, tp connectors.TopicPartition, o int64) {
	sess.ResetOffset(tp.Topic, tp.Partition, o, "") // moves back only
	sess.MarkOffset(tp.Topic, tp.Partition, o, "")  // moves forward only
}

// applySeeks makes the seeks the task asked for the offsets the next session starts from (or,
// in Setup, this one), and forgets them.
func (s *Sink) applySeeks(sess sarama.ConsumerGroupSession) bool {
	s.ctxMu.Lock()
	seeks := s.seeks
	s.seeks = map[connectors.TopicPartition]int64{}
	for tp, o := range seeks {
		if _, ok := s.positions[tp]; ok {
			s.positions[tp] = o
		}
	}
	s.ctxMu.Unlock()
	if len(seeks) == 0 {
		return false
	}
	s.mu.Lock()
	for tp, o := range seeks {
		setOffset(sess, tp, o)
		s.committed[tp] = o
		delete(s.consumed, tp)
	}
	s.mu.Unlock()
	sess.Commit()
	return true
}

func (s *Sink) seeking() bool {
	s.ctxMu.Lock()
	defer s.ctxMu.Unlock()
	return len(s.seeks) > 0
}

// errRestart ends a consumer group session so that the next one starts at the offsets the
// task seeked to: sarama cannot move a running claim.
var errRestart = errors.New("sink task seeked: restarting the session")

// sinkHandler is the Sink seen as sarama's group handler.
type sinkHandler Sink

// Setup opens the session's partitions in the task (OpenPartitions) and applies the seeks it
// asked for there before any record is fetched.
func (h *sinkHandler) Setup(sess sarama.ConsumerGroupSession) error {
	s := (*Sink)(h)
	var assigned []connectors.TopicPartition
	for topic, parts := range sess.Claims() {
		for _, p := range parts {
			assigned = append(assigned, connectors.TopicPartition{Topic: topic, Partition: p})
		}
	}
	slices.SortFunc(assigned, compareTP)
	s.ctxMu.Lock()
	s.assignment = assigned
	for tp := range s.paused {
		if !slices.Contains(assigned, tp) {
			delete(s.paused, tp) // Kafka Connect forgets the pauses of revoked partitions
		}
	}
	s.ctxMu.Unlock()
	s.Metrics.Assigned(len(assigned))
	if po, ok := s.Task.(connectors.PartitionOpener); ok && len(assigned) > 0 {
		s.mu.Lock()
		err := po.OpenPartitions(sess.Context(), assigned)
		if err != nil {
			s.fail(fmt.Errorf("open partitions: %w", err))
		}
		s.mu.Unlock()
		if err != nil {
			return err
		}
	}
	s.applySeeks(sess)
	s.mu.Lock()
	s.lastCommit = time.Now()
	s.mu.Unlock()
	go func() {
		t := time.NewTicker(s.FlushInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.idlePut(sess.Context())
			case <-s.commitNow:
			case <-sess.Context().Done():
				return
			}
			s.flush(sess.Context(), sess)
		}
	}()
	return nil
}

// Cleanup flushes and commits, then closes the partitions in the task (ClosePartitions), as
// Kafka Connect commits before close(); a seek asked for meanwhile becomes the committed
// offset the next session starts from.
func (h *sinkHandler) Cleanup(sess sarama.ConsumerGroupSession) error {
	s := (*Sink)(h)
	// The session context is already done; the final flush gets its own deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.flush(ctx, sess)
	s.waitCommits()
	sess.Commit() // whatever the last flush marked, before the partitions are given up
	s.applySeeks(sess)
	s.ctxMu.Lock()
	revoked := s.assignment
	s.assignment = nil
	clear(s.positions)
	s.ctxMu.Unlock()
	if po, ok := s.Task.(connectors.PartitionOpener); ok && len(revoked) > 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.failure == nil {
			if err := po.ClosePartitions(ctx, revoked); err != nil {
				s.fail(fmt.Errorf("close partitions: %w", err))
			}
		}
	}
	return nil
}

func compareTP(a, b connectors.TopicPartition) int {
	return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
}

func partitionMap(tps []connectors.TopicPartition) map[string][]int32 {
	out := map[string][]int32{}
	for _, tp := range tps {
		out[tp.Topic] = append(out[tp.Topic], tp.Partition)
	}
	return out
}

func (h *sinkHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	s := (*Sink)(h)
	maxBatch := s.MaxBatch
	if maxBatch <= 0 {
		maxBatch = 500
	}
	tp := connectors.TopicPartition{Topic: claim.Topic(), Partition: claim.Partition()}
	s.ctxMu.Lock()
	if o := claim.InitialOffset(); o >= 0 {
		s.positions[tp] = o
	}
	_, paused := s.paused[tp]
	s.ctxMu.Unlock()
	if paused {
		s.Group.Pause(partitionMap([]connectors.TopicPartition{tp}))
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
		if err := s.partitionGate(sess.Context(), tp); err != nil {
			return nil
		}
		if err := s.put(sess.Context(), batch); err != nil {
			if errors.Is(err, errRestart) {
				return nil // ends the session; Cleanup applies the seek
			}
			return err
		}
	}
}

// partitionGate waits while the task keeps tp paused.
func (s *Sink) partitionGate(ctx context.Context, tp connectors.TopicPartition) error {
	for {
		s.ctxMu.Lock()
		resumed, paused := s.paused[tp]
		s.ctxMu.Unlock()
		if !paused {
			return nil
		}
		select {
		case <-resumed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Sink) put(ctx context.Context, batch []*sarama.ConsumerMessage) error {
	if s.TopicActive != nil {
		s.TopicActive(batch[0].Topic) // a batch comes from one claim: one topic
	}
	s.Metrics.Read(len(batch))
	pre, err := s.preconvert(batch)
	if err != nil {
		s.Metrics.RecordFailed(false)
		return s.failWith(err)
	}
	records := make([]connectors.SinkRecord, 0, len(batch))
	var from []*sarama.ConsumerMessage // TransformBatch: the message of each record
	for i, m := range batch {
		r, err := s.convert(ctx, m, pre, i)
		if err != nil {
			s.Metrics.RecordFailed(false)
			return s.failWith(err)
		}
		if r != nil {
			records = append(records, *r)
			if s.TransformBatch != nil {
				from = append(from, m)
			}
		}
	}
	if s.TransformBatch != nil && len(records) > 0 {
		rs := make([]*connectors.Record, len(records))
		for i := range records {
			rs[i] = records[i].Record()
		}
		out, err := transformBatch(ctx, s.Errors, s.TransformBatch, s.Transform, rs,
			func(i int) errant { return errant{consumed: from[i]} },
			func(i int) string { return fmt.Sprintf("%s-%d@%d", from[i].Topic, from[i].Partition, from[i].Offset) },
			s.Metrics.Retried, func() { s.Metrics.RecordFailed(true) })
		if err != nil {
			s.Metrics.RecordFailed(false)
			return s.failWith(err)
		}
		kept := records[:0]
		for i := range records {
			if out[i] != nil {
				records[i].SetRecord(out[i])
				kept = append(kept, records[i])
			}
		}
		records = kept
	}
	s.putMu.Lock()
	defer s.putMu.Unlock()
	s.delivered.Store(true) // a fetched batch: this poll cycle was not empty
	for {
		if s.seeking() {
			return errRestart // the batch may precede a seek: it is fetched again if still wanted
		}
		retry, err := s.putOnce(ctx, records, func() { s.consumedBatch(batch) })
		if err != nil || !retry {
			break
		}
		s.Metrics.Retried()
		if !sleep(ctx, s.retryDelay()) {
			return nil // stopping: the records are consumed again from the committed offset
		}
	}
	if f := s.failed(); f != nil {
		return f
	}
	if ctx.Err() != nil {
		return nil // stopping: the records are consumed again from the committed offset
	}
	if s.seeking() {
		return errRestart
	}
	return nil
}

// consumedBatch records that batch was put: the offsets to flush, and the partition's
// position that PreCommit is handed. Callers hold s.mu, the lock of the Put that took the
// batch, so a commit the task requested from inside Put (RequestCommit) sees the batch
// consumed, as Kafka Connect's next iteration does.
func (s *Sink) consumedBatch(batch []*sarama.ConsumerMessage) {
	s.unflushed += len(batch)
	s.Metrics.Active(s.unflushed)
	last := batch[len(batch)-1]
	tp := connectors.TopicPartition{Topic: last.Topic, Partition: last.Partition}
	s.consumed[tp] = last.Offset + 1
	s.ctxMu.Lock()
	if _, seeked := s.seeks[tp]; !seeked && slices.Contains(s.assignment, tp) {
		s.positions[tp] = last.Offset + 1
	}
	s.ctxMu.Unlock()
}

// idlePut calls Put with no records when a flush interval went by without a batch put, as
// Kafka Connect's WorkerSinkTask calls put() after every consumer poll, an empty one included,
// and that poll waits at most until the next offset commit (offset.flush.interval.ms). Sinks
// that act on time rather than on records (a scheduled file rotation, a time-based failure)
// depend on those calls. Like Kafka Connect, it calls while the task is paused too; a batch
// being put meanwhile means this cycle was not empty. A retriable error is retried at the
// next cycle; another fails the task as a put with records would.
func (s *Sink) idlePut(ctx context.Context) {
	if !s.putMu.TryLock() {
		return
	}
	defer s.putMu.Unlock()
	if s.delivered.Swap(false) || s.seeking() {
		return
	}
	_, _ = s.putOnce(ctx, []connectors.SinkRecord{}, func() {})
}

// putOnce hands records to Put once; retry true means Put asked for a retry (a Retriable
// error), which Kafka Connect makes after the task's timeout, delivering the same batch again.
// done runs, under s.mu, once Put accepted the records.
func (s *Sink) putOnce(ctx context.Context, records []connectors.SinkRecord, done func()) (retry bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failure != nil {
		return false, s.failure
	}
	if s.Live != nil && !s.Live() {
		s.fail(ErrLapsed)
		return false, s.failure
	}
	start := time.Now()
	err = s.Task.Put(ctx, records)
	s.ctxMu.Lock()
	reportErr := s.reportErr
	s.ctxMu.Unlock()
	switch {
	case reportErr != nil:
		s.Metrics.RecordFailed(false)
		s.fail(reportErr)
		return false, s.failure
	case err == nil:
		s.Metrics.Put(len(records), time.Since(start))
		if ctx.Err() == nil { // stopping: the records are consumed again from the committed offset
			done()
		}
		return false, nil
	case ctx.Err() != nil:
		return false, nil // stopping: the records are consumed again from the committed offset
	case connectors.IsRetriable(err):
		s.Logger.Warn("put failed with a retriable error; the batch is delivered again", "records", len(records), "err", err)
		return true, nil
	}
	s.Metrics.RecordFailed(false)
	s.fail(fmt.Errorf("put %d records: %w", len(records), err))
	return false, s.failure
}

// retryDelay is how long a batch waits before Put is retried: the task's RetryAfter, used
// once, else until the next offset commit is due, as Kafka Connect's consumer poll waits.
func (s *Sink) retryDelay() time.Duration {
	s.ctxMu.Lock()
	d := s.retryAfter
	s.retryAfter = -1
	s.ctxMu.Unlock()
	if d >= 0 {
		return d
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(0, s.FlushInterval-time.Since(s.lastCommit))
}

func (s *Sink) failWith(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail(err)
	return err
}

// preconvert converts the batch's keys and values in one call each where the converter is a
// BatchConverter (a Java one); nil when neither is.
func (s *Sink) preconvert(batch []*sarama.ConsumerMessage) (*preconverted, error) {
	_, bk := s.Key.(connectors.BatchConverter)
	_, bv := s.Value.(connectors.BatchConverter)
	if !bk && !bv {
		return nil, nil
	}
	pre := &preconverted{}
	var err error
	if bk {
		pre.keyItem = make([]int, len(batch))
		var items []connectors.RawData
		for i, m := range batch {
			pre.keyItem[i] = -1
			if m.Key != nil {
				pre.keyItem[i] = len(items)
				items = append(items, connectors.RawData{Topic: m.Topic, Data: m.Key})
			}
		}
		if pre.keys, err = toConnectBatch(s.Key, items); err != nil {
			return nil, fmt.Errorf("key converter: %w", err)
		}
	}
	if bv {
		items := make([]connectors.RawData, len(batch))
		for i, m := range batch {
			items[i] = connectors.RawData{Topic: m.Topic, Data: m.Value}
		}
		if pre.values, err = toConnectBatch(s.Value, items); err != nil {
			return nil, fmt.Errorf("value converter: %w", err)
		}
	}
	return pre, nil
}

// convert turns consumed message i of the batch into the record put, through the converters
// (pre holds what batch converters made of the batch) and the transformation chain, each
// stage under the connector's error handling: nil, nil means the record is skipped (dropped
// by a transform, or its failure tolerated).
func (s *Sink) convert(ctx context.Context, m *sarama.ConsumerMessage, pre *preconverted, i int) (*connectors.SinkRecord, error) {
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
			if ks, k := pre.keysOrNil(), pre.keyOf(i); ks.take(k) {
				r.KeySchema, r.Key, err = ks.to[k].Schema, ks.to[k].Value, ks.err(k)
			} else {
				r.KeySchema, r.Key, err = s.Key.ToConnectData(m.Topic, m.Key)
			}
			if err != nil {
				return fmt.Errorf("convert key at %s: %w", at(), err)
			}
			return nil
		})
		if !ok {
			return nil, err
		}
	}
	ok, err := stage(StageValueConverter, func() (err error) {
		if vs := pre.valuesOrNil(); vs.take(i) {
			r.ValueSchema, r.Value, err = vs.to[i].Schema, vs.to[i].Value, vs.err(i)
		} else {
			r.ValueSchema, r.Value, err = s.Value.ToConnectData(m.Topic, m.Value)
		}
		if err != nil {
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
	if s.Transform == nil || s.TransformBatch != nil {
		return &r, nil // TransformBatch: put transforms the batch
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
