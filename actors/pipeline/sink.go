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

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/connectors"
)

// Sink runs one sink task as a member of its connector's consumer group. Fill the fields,
// then call Run once.
//
// One goroutine polls, converts, puts, flushes and commits, as Kafka Connect's
// WorkerSinkTask does; the consumer blocks rebalances from a poll until the records it
// returned are put (franz-go's BlockRebalanceOnPoll), so partitions are only given up between
// batches, after the task flushed them and their offsets are committed. Records polled and
// not put (a pause, a rebalance waiting behind a retry, a stop) are fetched again: the
// consumer is moved back to the first of them.
//
// A task whose Put crosses to another process (connectors.PutStarter: a Java task in the
// plugin host) is sent the next batch, from what the consumer has fetched already, while it
// puts the current one, so that it does not wait for the crossing between two puts. It skips
// that batch if the Put before asked something of its context or failed; the batch is then
// fetched again once the runtime acted, so the task sees Kafka Connect's order of calls.
type Sink struct {
	Task       connectors.SinkTask
	Props      map[string]string
	Key, Value connectors.Converter
	// Header converts the records' header values (the connector's header.converter, Kafka
	// Connect's SimpleHeaderConverter by default); required.
	Header connectors.HeaderConverter
	// Consumer are the options of the task's consumer (Clients.SinkConsumer: brokers, group,
	// security, consumer settings); Run makes the client from them, with the topics, its
	// rebalance callbacks and auto-commit off, and closes it before it returns.
	Consumer []kgo.Opt
	// ReadCommitted says the consumer reads committed records only: a partition with no
	// committed offset that starts at the end starts at its last stable offset.
	ReadCommitted bool
	Topics        []string
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

	// clientMu guards client, the consumer while Run has one, for Pause and Resume and the
	// task context's pause calls, which come from other goroutines.
	clientMu sync.Mutex
	client   *kgo.Client
	// kcl is the consumer, set once before ready is closed: for the callbacks that are not
	// handed it.
	kcl   *kgo.Client
	ready chan struct{}

	mu        sync.Mutex // serialises the task's calls, as a SinkTask expects one caller
	consumed  map[connectors.TopicPartition]int64
	unflushed int // records put and not yet committed, for Metrics.Active
	failure   error
	cancel    context.CancelFunc
	// committed is what PreCommit's answers committed, per partition, so an unchanged answer
	// commits nothing; nextFlush is when the task is next flushed and offsets committed.
	committed map[connectors.TopicPartition]int64
	nextFlush time.Time

	// pending are the offsets flushed and not yet handed to the consumer's commit, under
	// commitMu; committing is set while commitAsync's goroutine runs, commits counts it.
	commitMu   sync.Mutex
	pending    map[connectors.TopicPartition]int64
	committing bool
	commits    sync.WaitGroup

	commitNow atomic.Bool                        // RequestCommit: commit at the end of this cycle
	pollStop  atomic.Pointer[context.CancelFunc] // ends the poll in progress (RequestCommit)
	// asked is set when the task asks anything of its context, and cleared once the cycle
	// acted on it: a PutStarter task skips the batch sent behind the Put that asked.
	asked atomic.Bool
	// delivered is set when a batch is put: the poll cycle (a flush interval) that ends
	// without one makes an empty put (idlePut).
	delivered bool
	// rebalance is signalled when the consumer wants to rebalance while Run holds polled
	// records (a Put retried): the records are given back rather than make the group wait.
	rebalance chan struct{}
	// ahead is a batch sent to a PutStarter task while the Put before it was in flight
	// (sendAhead), put next; lastPollErr is when a consume failure was last logged.
	ahead       *aheadPut
	lastPollErr time.Time

	// The task context's state, under ctxMu: the context is called from inside the task's
	// calls, which hold mu.
	ctxMu      sync.Mutex
	assignment []connectors.TopicPartition
	positions  map[connectors.TopicPartition]int64 // the next offset to put, per assigned partition
	seeks      map[connectors.TopicPartition]int64 // Seek calls not yet applied
	paused     map[connectors.TopicPartition]bool  // partitions the task paused
	retryAfter time.Duration                       // RetryAfter; negative: unset
	reportErr  error                               // an errant record report that fails the task
}

// Pause stops delivery until Resume; the consumer keeps its partitions.
func (s *Sink) Pause() {
	s.gate.pause()
	s.clientMu.Lock()
	defer s.clientMu.Unlock()
	if s.client != nil {
		s.client.PauseFetchTopics(s.Topics...)
	}
}

// Resume continues delivery after Pause; the partitions the task itself paused stay paused
// (the consumer pauses them apart from the topics).
func (s *Sink) Resume() {
	s.clientMu.Lock()
	if s.client != nil {
		s.client.ResumeFetchTopics(s.Topics...)
	}
	s.clientMu.Unlock()
	s.gate.resume()
}

// setClient makes cl the client Pause, Resume and the task's pauses act on (nil: none), and
// applies to it the pauses asked for before it existed.
func (s *Sink) setClient(cl *kgo.Client) {
	s.clientMu.Lock()
	defer s.clientMu.Unlock()
	s.client = cl
	if cl == nil {
		return
	}
	if s.gate.isPaused() {
		cl.PauseFetchTopics(s.Topics...)
	}
	s.ctxMu.Lock()
	defer s.ctxMu.Unlock()
	if len(s.paused) > 0 {
		cl.PauseFetchPartitions(partitionMap(slices.Collect(maps.Keys(s.paused))))
	}
}

// withClient runs f with the client, if Run has one.
func (s *Sink) withClient(f func(cl *kgo.Client)) {
	s.clientMu.Lock()
	defer s.clientMu.Unlock()
	if s.client != nil {
		f(s.client)
	}
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
	s.pending = map[connectors.TopicPartition]int64{}
	s.rebalance = make(chan struct{}, 1)
	s.ready = make(chan struct{})
	s.ctxMu.Lock()
	s.positions = map[connectors.TopicPartition]int64{}
	s.seeks = map[connectors.TopicPartition]int64{}
	if s.paused == nil {
		s.paused = map[connectors.TopicPartition]bool{}
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
	opts := append(slices.Clip(s.Consumer),
		kgo.ConsumeTopics(s.Topics...),
		kgo.DisableAutoCommit(), // offsets are committed after the task flushed them
		kgo.BlockRebalanceOnPoll(),
		kgo.WithPools(fetchedRecords),
		kgo.OnPartitionsAssigned(s.onAssigned),
		kgo.AdjustFetchOffsetsFn(s.startOffsets),
		kgo.OnPartitionsRevoked(s.onRevoked),
		kgo.OnPartitionsLost(s.onLost),
		kgo.OnPartitionsCallbackBlocked(func(context.Context, *kgo.Client) {
			select {
			case s.rebalance <- struct{}{}:
			default:
			}
		}))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		_ = s.Task.Stop()
		return fmt.Errorf("sink consumer: %w", err)
	}
	s.kcl = cl
	close(s.ready)
	s.setClient(cl)
	s.consume(ctx, cl)
	// As Kafka Connect closes a sink task: flush, commit, close the partitions in the task,
	// then leave the group; after a failure nothing more is flushed or committed.
	s.release(cl, s.Assignment(), true, true)
	s.setClient(nil)
	cl.CloseAllowingRebalance()
	if f := s.failed(); f != nil {
		_ = s.Task.Stop()
		return NameKafkaError(f)
	}
	if err := s.Task.Stop(); err != nil {
		return fmt.Errorf("stop task: %w", err)
	}
	return nil
}

// fetchedRecords is where every sink consumer decodes fetched records: franz-go decodes each
// fetched batch into one slice of kgo.Record, and without a pool that slice (pointers, so the
// collector scans it) was a third of a sink's allocations at 100-byte records. A slice comes
// back once every record of it was recycled (consume, after the batch's Put); the records'
// keys, values and headers point into the fetch response, which is not pooled.
var fetchedRecords = &recordPool{}

// recordPool is a kgo.PoolRecords over a sync.Pool; a slice too small for a batch is dropped.
type recordPool struct{ p sync.Pool }

func (rp *recordPool) GetRecords(n int) []kgo.Record {
	if v, ok := rp.p.Get().(*[]kgo.Record); ok && cap(*v) >= n {
		return (*v)[:n]
	}
	return make([]kgo.Record, n)
}

func (rp *recordPool) PutRecords(rs []kgo.Record) { rp.p.Put(&rs) }

// maxBatch is the most records handed to one Put.
func (s *Sink) maxBatch() int {
	if s.MaxBatch <= 0 {
		return 500
	}
	return s.MaxBatch
}

// consume polls and delivers until ctx ends or the task fails.
func (s *Sink) consume(ctx context.Context, cl *kgo.Client) {
	s.mu.Lock()
	s.nextFlush = time.Now().Add(s.FlushInterval)
	s.mu.Unlock()
	batch := make([]*kgo.Record, 0, s.maxBatch())
	for ctx.Err() == nil {
		if a := s.ahead; a != nil {
			s.ahead = nil
			s.deliverAhead(ctx, cl, a, true)
		} else if !s.gate.isPaused() {
			pollCtx, stop := context.WithDeadline(ctx, s.flushDue())
			s.pollStop.Store(&stop)
			if s.commitNow.Load() {
				stop()
			}
			fetches := cl.PollRecords(pollCtx, s.maxBatch())
			s.pollStop.Store(nil)
			stop()
			s.pollErrors(fetches)
			batch = batch[:0]
			fetches.EachRecord(func(r *kgo.Record) { batch = append(batch, r) })
			if len(batch) > 0 {
				s.deliver(ctx, cl, batch)
				recycle(batch)
			}
		} else if !s.idle(ctx) {
			continue
		}
		if s.failed() != nil {
			return
		}
		if a := s.ahead; a != nil {
			if !s.betweenPuts(s.flushDue()) {
				continue // only the next put is due: the batch sent ahead is it
			}
			s.ahead = nil
			s.deliverAhead(ctx, cl, a, false)
			if s.failed() != nil {
				return
			}
		}
		due := !time.Now().Before(s.flushDue())
		if due {
			s.idlePut(ctx)
		}
		if s.commitNow.Swap(false) || due {
			s.flush(ctx, cl)
		}
		s.asked.Store(false) // acted on: flushed if asked, seeks applied next, pauses already in the consumer
		s.applySeeks(cl)
		select {
		case <-s.rebalance: // the rebalance it announced goes ahead now
		default:
		}
		cl.AllowRebalance()
	}
}

// recycle gives a batch's records back to fetchedRecords once it is done with: put, given
// back or failed (a record's key, value and headers are not in the pooled memory, so what the
// task kept of them stays valid).
func recycle(batch []*kgo.Record) {
	for _, r := range batch {
		r.Recycle()
	}
}

// pollErrors reports the partitions a poll could not fetch; the consumer retries them.
func (s *Sink) pollErrors(fetches kgo.Fetches) {
	fetches.EachError(func(topic string, partition int32, err error) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, kgo.ErrClientClosed) {
			return
		}
		s.Metrics.Retried()
		if time.Since(s.lastPollErr) >= 10*time.Second { // the consumer retries; say so now and then
			s.lastPollErr = time.Now()
			s.Logger.Warn("consume failed, retrying", "topic", topic, "partition", partition, "err", NameKafkaError(err))
		}
	})
}

// flushDue is when the task is next flushed.
func (s *Sink) flushDue() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextFlush
}

// idle waits while the sink is paused: false when it resumed or ctx ended, true when a
// flush is due (a flush interval went by, or the task asked for a commit). The consumer
// fetches nothing meanwhile; it keeps its partitions.
func (s *Sink) idle(ctx context.Context) bool {
	for !s.commitNow.Load() {
		d := time.Until(s.flushDue())
		if d <= 0 {
			return true
		}
		wctx, cancel := context.WithTimeout(ctx, min(d, 100*time.Millisecond))
		err := s.gate.wait(wctx)
		cancel()
		if err == nil || ctx.Err() != nil {
			return false
		}
	}
	return true
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
// answers; otherwise the consumed offsets, after Flush returned. The next flush is due a
// flush interval later.
func (s *Sink) flush(ctx context.Context, cl *kgo.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFlush = time.Now().Add(s.FlushInterval)
	if s.failure != nil {
		return
	}
	if pc, ok := s.Task.(connectors.PreCommitter); ok {
		s.preCommit(ctx, cl, pc)
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
	s.commitAsync(cl, offsets)
	s.committedNow(start)
}

// commitAsync commits offsets without making the task wait for the coordinator's answer:
// delivery goes on while the commit is in flight. One commit is in flight at a time; offsets
// flushed meanwhile go with the next one, and a revocation waits for them (waitCommits)
// before the partitions are given up. Only offsets the task flushed (or its PreCommit
// answered) are handed here, so whichever commit carries them, it carries flushed offsets.
func (s *Sink) commitAsync(cl *kgo.Client, offsets map[connectors.TopicPartition]int64) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	maps.Copy(s.pending, offsets)
	if s.committing {
		return
	}
	s.committing = true
	s.commits.Add(1)
	go func() {
		defer s.commits.Done()
		for {
			s.commitMu.Lock()
			next := s.pending
			if len(next) == 0 {
				s.committing = false
				s.commitMu.Unlock()
				return
			}
			s.pending = map[connectors.TopicPartition]int64{}
			s.commitMu.Unlock()
			s.commit(cl, next)
		}
	}()
}

// commit commits offsets and waits for the answer; a failure is logged: the offsets stay
// uncommitted and their records are delivered again after a rebalance (at least once).
func (s *Sink) commit(cl *kgo.Client, offsets map[connectors.TopicPartition]int64) {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	req := map[string]map[int32]kgo.EpochOffset{}
	for tp, o := range offsets {
		if req[tp.Topic] == nil {
			req[tp.Topic] = map[int32]kgo.EpochOffset{}
		}
		req[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: o}
	}
	var failure error
	cl.CommitOffsetsSync(ctx, req, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			failure = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil && failure == nil {
					failure = fmt.Errorf("%s-%d: %w", t.Topic, p.Partition, err)
				}
			}
		}
	})
	if failure != nil {
		s.Logger.Warn("offset commit failed; the records after the last committed offsets will be delivered again", "err", NameKafkaError(failure))
	}
}

// commitTimeout bounds one offset commit.
const commitTimeout = 30 * time.Second

// waitCommits waits for the commits of every offset flushed so far.
func (s *Sink) waitCommits() { s.commits.Wait() }

// committedNow records a commit that started at start; callers hold s.mu.
func (s *Sink) committedNow(start time.Time) {
	s.Metrics.OffsetsCommitted(time.Since(start), nil)
	clear(s.consumed)
	s.unflushed = 0
	s.Metrics.Active(0)
}

// preCommit commits what the task's PreCommit answers for the positions of the assigned
// partitions, as Kafka's WorkerSinkTask.commitOffsets: an offset past a partition's position
// or of a partition not assigned is ignored with a warning; an empty answer commits nothing.
// Callers hold s.mu.
func (s *Sink) preCommit(ctx context.Context, cl *kgo.Client, pc connectors.PreCommitter) {
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
	changed := map[connectors.TopicPartition]int64{}
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
		changed[tp] = o
		s.committed[tp] = o
	}
	if len(changed) > 0 {
		s.commitAsync(cl, changed)
	}
	s.committedNow(start)
}

// applySeeks moves the consumer to the offsets the task seeked to on its assigned
// partitions and forgets those seeks; the records put next for them start there, and the
// next flush hands the task that offset, as Kafka Connect's rewind. Seeks of partitions not
// assigned wait for their assignment (startOffsets). It returns the partitions moved.
func (s *Sink) applySeeks(cl *kgo.Client) map[connectors.TopicPartition]int64 {
	s.ctxMu.Lock()
	if len(s.seeks) == 0 {
		s.ctxMu.Unlock()
		return nil
	}
	moved := map[connectors.TopicPartition]int64{}
	for tp, o := range s.seeks {
		if _, assigned := s.positions[tp]; assigned || slices.Contains(s.assignment, tp) {
			moved[tp] = o
			s.positions[tp] = o
			delete(s.seeks, tp)
		}
	}
	s.ctxMu.Unlock()
	if len(moved) == 0 {
		return nil
	}
	s.mu.Lock()
	maps.Copy(s.consumed, moved)
	s.mu.Unlock()
	cl.SetOffsets(epochOffsets(moved))
	return moved
}

// rewind moves the consumer back to the first of records, which were polled and not put,
// so that they are fetched again; a partition seeked meanwhile goes where the task seeked.
func (s *Sink) rewind(cl *kgo.Client, records []*kgo.Record) {
	cl.SetOffsets(epochOffsets(firstOffsets(records, s.applySeeks(cl))))
}

// firstOffsets is the offset of the first of records in each partition, but those in skip.
func firstOffsets(records []*kgo.Record, skip map[connectors.TopicPartition]int64) map[connectors.TopicPartition]int64 {
	first := map[connectors.TopicPartition]int64{}
	for _, r := range records {
		tp := connectors.TopicPartition{Topic: r.Topic, Partition: r.Partition}
		if _, ok := skip[tp]; ok {
			continue
		}
		if o, ok := first[tp]; !ok || r.Offset < o {
			first[tp] = r.Offset
		}
	}
	return first
}

func epochOffsets(offsets map[connectors.TopicPartition]int64) map[string]map[int32]kgo.EpochOffset {
	out := map[string]map[int32]kgo.EpochOffset{}
	for tp, o := range offsets {
		if out[tp.Topic] == nil {
			out[tp.Topic] = map[int32]kgo.EpochOffset{}
		}
		out[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: o}
	}
	return out
}

func topicPartitions(m map[string][]int32) []connectors.TopicPartition {
	var out []connectors.TopicPartition
	for topic, parts := range m {
		for _, p := range parts {
			out = append(out, connectors.TopicPartition{Topic: topic, Partition: p})
		}
	}
	slices.SortFunc(out, compareTP)
	return out
}

// onAssigned opens newly assigned partitions in the task (OpenPartitions) before any of
// their records is fetched. With cooperative rebalancing only the added partitions come;
// franz-go calls it at the end of every rebalance, with nothing added too.
func (s *Sink) onAssigned(ctx context.Context, cl *kgo.Client, added map[string][]int32) {
	tps := topicPartitions(added)
	s.ctxMu.Lock()
	for _, tp := range tps {
		if !slices.Contains(s.assignment, tp) {
			s.assignment = append(s.assignment, tp)
		}
	}
	slices.SortFunc(s.assignment, compareTP)
	n := len(s.assignment)
	// Kafka Connect forgets the pauses of partitions no longer assigned; one revoked and
	// assigned again in the same rebalance (eager) stays paused, as it does there.
	var forgotten []connectors.TopicPartition
	for tp := range s.paused {
		if !slices.Contains(s.assignment, tp) {
			forgotten = append(forgotten, tp)
			delete(s.paused, tp)
		}
	}
	s.ctxMu.Unlock()
	if len(forgotten) > 0 {
		cl.ResumeFetchPartitions(partitionMap(forgotten)) // franz-go keeps pauses across assignments
	}
	s.Metrics.Assigned(n)
	if po, ok := s.Task.(connectors.PartitionOpener); ok && len(tps) > 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.failure == nil {
			if err := po.OpenPartitions(ctx, tps); err != nil {
				s.fail(fmt.Errorf("open partitions: %w", err))
			}
		}
	}
}

// startOffsets is where the newly assigned partitions start: where the task seeked (in
// OpenPartitions or before), else the committed offset, else auto.offset.reset's end of the
// partition, resolved to an offset so that the task's positions (PreCommit) and seeks hold
// for every assigned partition from the start, as a Java consumer's position does.
func (s *Sink) startOffsets(ctx context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	var start, end []connectors.TopicPartition
	seeked := map[connectors.TopicPartition]int64{}
	s.ctxMu.Lock()
	for topic, parts := range offsets {
		for p := range parts {
			tp := connectors.TopicPartition{Topic: topic, Partition: p}
			if at, ok := s.seeks[tp]; ok {
				parts[p] = kgo.NewOffset().At(at)
				delete(s.seeks, tp)
				seeked[tp] = at
			}
			switch at := parts[p].EpochOffset().Offset; {
			case at >= 0:
				s.positions[tp] = at
			case at == -2:
				start = append(start, tp)
			default:
				end = append(end, tp)
			}
		}
	}
	s.ctxMu.Unlock()
	if len(seeked) > 0 {
		s.mu.Lock()
		maps.Copy(s.consumed, seeked) // the next flush hands the task the offset it seeked to
		s.mu.Unlock()
	}
	if len(start)+len(end) == 0 {
		return offsets, nil
	}
	var adm *kadm.Client
	select {
	case <-s.ready: // the first assignment can come before NewClient returned in Run
		adm = kadm.NewClient(s.kcl)
	case <-ctx.Done():
		return offsets, nil
	}
	resolve := func(tps []connectors.TopicPartition, list func(context.Context, ...string) (kadm.ListedOffsets, error)) {
		if len(tps) == 0 {
			return
		}
		listed, err := list(ctx, slices.Compact(slices.Sorted(func(yield func(string) bool) {
			for _, tp := range tps {
				if !yield(tp.Topic) {
					return
				}
			}
		}))...)
		if err != nil {
			s.Logger.Debug("list offsets of newly assigned partitions", "err", err)
			return // franz-go resets them itself; their positions are known from their first records
		}
		s.ctxMu.Lock()
		defer s.ctxMu.Unlock()
		for _, tp := range tps {
			if l, ok := listed.Lookup(tp.Topic, tp.Partition); ok && l.Err == nil && l.Offset >= 0 {
				offsets[tp.Topic][tp.Partition] = kgo.NewOffset().At(l.Offset)
				s.positions[tp] = l.Offset
			}
		}
	}
	resolve(start, adm.ListStartOffsets)
	if s.ReadCommitted {
		resolve(end, adm.ListCommittedOffsets)
	} else {
		resolve(end, adm.ListEndOffsets)
	}
	return offsets, nil
}

// onRevoked flushes and commits, then closes the revoked partitions in the task
// (ClosePartitions), as Kafka Connect commits before close().
func (s *Sink) onRevoked(_ context.Context, cl *kgo.Client, revoked map[string][]int32) {
	s.release(cl, topicPartitions(revoked), true, false)
}

// onLost closes partitions the consumer lost without a rebalance (its membership expired):
// nothing is committed for them, another member may own them already.
func (s *Sink) onLost(_ context.Context, cl *kgo.Client, lost map[string][]int32) {
	s.release(cl, topicPartitions(lost), false, false)
}

// release gives up tps: with commit, the task is flushed and its offsets committed first;
// then the task closes them (ClosePartitions) and they leave the assignment, their positions
// with them (their pauses go at the next assignment, onAssigned). stopping is the release of
// a task that stops: its partition count stays as it was.
func (s *Sink) release(cl *kgo.Client, tps []connectors.TopicPartition, commit, stopping bool) {
	// The partitions leave the assignment first, so that a revocation that races the final
	// release (Run's) closes each partition once.
	s.ctxMu.Lock()
	tps = slices.DeleteFunc(tps, func(tp connectors.TopicPartition) bool { return !slices.Contains(s.assignment, tp) })
	s.assignment = slices.DeleteFunc(s.assignment, func(tp connectors.TopicPartition) bool { return slices.Contains(tps, tp) })
	n := len(s.assignment)
	s.ctxMu.Unlock()
	if len(tps) == 0 {
		return
	}
	// The consumer's context may be done already; the last flush gets its own deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if commit {
		s.flush(ctx, cl) // PreCommit is still handed the positions of tps
		s.waitCommits()
	}
	s.ctxMu.Lock()
	for _, tp := range tps {
		delete(s.positions, tp)
	}
	s.ctxMu.Unlock()
	if !stopping {
		s.Metrics.Assigned(n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tp := range tps {
		delete(s.consumed, tp)
		delete(s.committed, tp)
	}
	if po, ok := s.Task.(connectors.PartitionOpener); ok && s.failure == nil {
		if err := po.ClosePartitions(ctx, tps); err != nil {
			s.fail(fmt.Errorf("close partitions: %w", err))
		}
	}
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

// deliver converts, transforms and puts one polled batch, unless the sink was paused
// meanwhile; records not put are fetched again (rewind).
func (s *Sink) deliver(ctx context.Context, cl *kgo.Client, batch []*kgo.Record) {
	if moved := s.applySeeks(cl); len(moved) > 0 { // seeked before this batch: it may precede the seek
		batch = slices.DeleteFunc(batch, func(r *kgo.Record) bool {
			_, ok := moved[connectors.TopicPartition{Topic: r.Topic, Partition: r.Partition}]
			return ok
		})
		if len(batch) == 0 {
			return
		}
	}
	if s.gate.isPaused() {
		s.rewind(cl, batch)
		return
	}
	if !s.put(ctx, cl, batch) && ctx.Err() == nil && s.failed() == nil {
		s.rewind(cl, batch)
	}
}

// put hands one polled batch to the task, retrying as the task asks; false means the batch
// was not put and is to be fetched again (a rebalance waited behind a retry, or the task
// skipped it); a failure ends Run (s.failure).
func (s *Sink) put(ctx context.Context, cl *kgo.Client, batch []*kgo.Record) bool {
	s.read(batch)
	records, err := s.prepare(ctx, batch)
	if err != nil {
		s.Metrics.RecordFailed(false)
		s.failWith(err)
		return true
	}
	return s.putBatch(ctx, cl, batch, records, nil, true)
}

// read notes a polled batch: its topics are active, and it counts as read.
func (s *Sink) read(batch []*kgo.Record) {
	if s.TopicActive != nil {
		for i, r := range batch {
			if i == 0 || r.Topic != batch[i-1].Topic {
				s.TopicActive(r.Topic)
			}
		}
	}
	s.Metrics.Read(len(batch))
}

// prepare converts and transforms a polled batch into the records to put, under the
// connector's error handling; an error is a failure not tolerated, which fails the task.
func (s *Sink) prepare(ctx context.Context, batch []*kgo.Record) ([]connectors.SinkRecord, error) {
	pre, err := s.preconvert(batch)
	if err != nil {
		return nil, err
	}
	records := make([]connectors.SinkRecord, len(batch))
	var from []*kgo.Record // TransformBatch: the consumed record of each record
	n := 0
	for i, m := range batch {
		ok, err := s.convert(ctx, m, &records[n], pre, i) // in place: no record allocated apart
		if err != nil {
			return nil, err
		}
		if !ok {
			records[n] = connectors.SinkRecord{} // the skipped record's slot takes the next one
			continue
		}
		n++
		if s.TransformBatch != nil {
			from = append(from, m)
		}
	}
	records = records[:n]
	if s.TransformBatch == nil || len(records) == 0 {
		return records, nil
	}
	rs := make([]*connectors.Record, len(records))
	for i := range records {
		rs[i] = records[i].Record()
	}
	out, err := transformBatch(ctx, s.Errors, s.TransformBatch, s.Transform, rs,
		func(i int) errant { return errant{consumed: from[i]} },
		func(i int) string { return fmt.Sprintf("%s-%d@%d", from[i].Topic, from[i].Partition, from[i].Offset) },
		s.Metrics.Retried, func() { s.Metrics.RecordFailed(true) })
	if err != nil {
		return nil, err
	}
	kept := records[:0]
	for i := range records {
		if out[i] != nil {
			records[i].SetRecord(out[i])
			kept = append(kept, records[i])
		}
	}
	return kept, nil
}

// putBatch puts records, converted from batch, retrying as the task asks. sent is the result
// of a first attempt already sent ahead (nil when none was); goAhead lets the next batch be
// sent while this one is put (sendAhead). false means the batch was not put and is to be
// fetched again: a rebalance waited behind a retry, or the task skipped it.
func (s *Sink) putBatch(ctx context.Context, cl *kgo.Client, batch []*kgo.Record, records []connectors.SinkRecord,
	sent func(context.Context) (bool, error), goAhead bool) bool {
	s.delivered = true // a fetched batch: this poll cycle was not empty
	for {
		retry, skipped, err := s.putOnce(ctx, cl, records, func() { s.consumedBatch(batch) }, sent, goAhead)
		sent, goAhead = nil, false
		if skipped || retry || err != nil {
			s.settleAhead(ctx, cl)
		}
		if skipped {
			return false
		}
		if err != nil || !retry {
			return true
		}
		s.Metrics.Retried()
		d, asked := s.retryDelay()
		select {
		case <-time.After(d):
		case <-s.rebalance: // give the batch back rather than make the group wait for it
			return false
		case <-ctx.Done():
			return true // stopping: the records are consumed again from the committed offset
		}
		if !asked || !time.Now().Before(s.flushDue()) {
			// As Kafka Connect between retries: what was put before is flushed and committed.
			s.flush(ctx, cl)
		}
	}
}

// aheadPut is a batch sent to a PutStarter task while the Put before it was in flight
// (sendAhead), to be put next.
type aheadPut struct {
	batch   []*kgo.Record           // the polled records, in a slice of their own
	records []connectors.SinkRecord // what was sent, kept for a retry
	wait    func(context.Context) (skipped bool, err error)
}

// sendAhead polls the records the consumer has fetched already and sends them to the task
// behind the Put in flight, so that the task finds its next batch waiting when that Put
// returns instead of waiting for the crossing (connectors.PutStarter). Nothing goes ahead when
// anything but a put is due next (betweenPuts); a batch that cannot be converted in full is
// given back, to meet its failure in turn. Callers hold s.mu.
func (s *Sink) sendAhead(ctx context.Context, cl *kgo.Client) {
	ps, ok := s.Task.(connectors.PutStarter)
	if !ok || s.ahead != nil || ctx.Err() != nil || s.betweenPuts(s.nextFlush) || (s.Live != nil && !s.Live()) {
		return
	}
	fetches := cl.PollRecords(nil, s.maxBatch()) // without a context: only what is fetched already
	s.pollErrors(fetches)
	var batch []*kgo.Record
	fetches.EachRecord(func(r *kgo.Record) { batch = append(batch, r) })
	if len(batch) == 0 {
		return
	}
	s.read(batch)
	records, err := s.prepare(ctx, batch)
	if err == nil {
		var wait func(context.Context) (bool, error)
		if wait, err = ps.StartPut(ctx, records, true); err == nil {
			s.ahead = &aheadPut{batch: batch, records: records, wait: wait}
			return
		}
	}
	cl.SetOffsets(epochOffsets(firstOffsets(batch, nil))) // fetched again after the Put in flight
	recycle(batch)
}

// betweenPuts says whether anything but the next put is due: a flush (by the interval or
// asked for), what the task asked of its context, a seek to apply, a rebalance waiting, a
// pause. The batch sent ahead, if any, is
// then put first, and nothing more goes ahead.
func (s *Sink) betweenPuts(flushDue time.Time) bool {
	return !time.Now().Before(flushDue) || s.asked.Load() || s.commitNow.Load() || s.seeking() || len(s.rebalance) > 0 || s.gate.isPaused()
}

// deliverAhead puts a batch sent ahead, whose first attempt is in flight; goAhead lets the
// next batch go ahead of it in turn. A batch the task skipped, or that was not put, is fetched
// again.
func (s *Sink) deliverAhead(ctx context.Context, cl *kgo.Client, a *aheadPut, goAhead bool) {
	if !s.putBatch(ctx, cl, a.batch, a.records, a.wait, goAhead) && ctx.Err() == nil && s.failed() == nil {
		s.rewind(cl, a.batch)
	}
	recycle(a.batch)
}

// settleAhead gives back the batch sent ahead of a Put that did not go through cleanly (it
// asked something of the context, failed or was skipped itself): the task skipped the batch
// behind it. Being the later batch, it is given back before the one it followed.
func (s *Sink) settleAhead(ctx context.Context, cl *kgo.Client) {
	a := s.ahead
	if a == nil {
		return
	}
	s.ahead = nil
	// Whatever the answer, the batch is not counted as put: only a task that failed meanwhile
	// (which commits nothing more) puts it.
	_, _ = a.wait(ctx)
	if ctx.Err() == nil && s.failed() == nil {
		s.rewind(cl, a.batch)
	}
	recycle(a.batch)
}

// consumedBatch records that batch was put: the offsets to flush, and the partitions'
// positions that PreCommit is handed. Callers hold s.mu, the lock of the Put that took the
// batch, so a commit the task requested from inside Put (RequestCommit) sees the batch
// consumed, as Kafka Connect's next iteration does.
func (s *Sink) consumedBatch(batch []*kgo.Record) {
	s.unflushed += len(batch)
	s.Metrics.Active(s.unflushed)
	s.ctxMu.Lock()
	defer s.ctxMu.Unlock()
	for i, r := range batch {
		if i+1 < len(batch) && batch[i+1].Partition == r.Partition && batch[i+1].Topic == r.Topic {
			continue // a partition's records are in offset order: its last one counts
		}
		tp := connectors.TopicPartition{Topic: r.Topic, Partition: r.Partition}
		s.consumed[tp] = r.Offset + 1
		if _, seeked := s.seeks[tp]; !seeked {
			if _, assigned := s.positions[tp]; assigned || slices.Contains(s.assignment, tp) {
				s.positions[tp] = r.Offset + 1
			}
		}
	}
}

// idlePut calls Put with no records when a flush interval went by without a batch put, as
// Kafka Connect's WorkerSinkTask calls put() after every consumer poll, an empty one included,
// and that poll waits at most until the next offset commit (offset.flush.interval.ms). Sinks
// that act on time rather than on records (a scheduled file rotation, a time-based failure)
// depend on those calls. Like Kafka Connect, it calls while the task is paused too. A
// retriable error is retried at the next cycle; another fails the task as a put with records
// would.
func (s *Sink) idlePut(ctx context.Context) {
	if s.delivered {
		s.delivered = false
		return
	}
	if s.seeking() {
		return
	}
	_, _, _ = s.putOnce(ctx, nil, []connectors.SinkRecord{}, func() {}, nil, false)
}

func (s *Sink) seeking() bool {
	s.ctxMu.Lock()
	defer s.ctxMu.Unlock()
	return len(s.seeks) > 0
}

// putOnce hands records to Put once; retry true means Put asked for a retry (a Retriable
// error), which Kafka Connect makes after the task's timeout, delivering the same batch again;
// skipped means the task skipped a batch sent ahead. done runs, under s.mu, once Put accepted
// the records. sent is the result of the attempt if it was sent ahead already; goAhead lets
// the next batch be sent while this one is put.
func (s *Sink) putOnce(ctx context.Context, cl *kgo.Client, records []connectors.SinkRecord, done func(),
	sent func(context.Context) (bool, error), goAhead bool) (retry, skipped bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failure != nil {
		return false, false, s.failure
	}
	if s.Live != nil && !s.Live() {
		s.fail(ErrLapsed)
		return false, false, s.failure
	}
	start := time.Now()
	if ps, ok := s.Task.(connectors.PutStarter); ok && sent == nil {
		sent, err = ps.StartPut(ctx, records, false)
	}
	switch {
	case err != nil:
	case sent != nil:
		if goAhead {
			s.sendAhead(ctx, cl)
		}
		skipped, err = sent(ctx)
	default:
		err = s.Task.Put(ctx, records)
	}
	if skipped {
		return false, true, nil
	}
	s.ctxMu.Lock()
	reportErr := s.reportErr
	s.ctxMu.Unlock()
	switch {
	case reportErr != nil:
		s.Metrics.RecordFailed(false)
		s.fail(reportErr)
		return false, false, s.failure
	case err == nil:
		s.Metrics.Put(len(records), time.Since(start))
		if ctx.Err() == nil { // stopping: the records are consumed again from the committed offset
			done()
		}
		return false, false, nil
	case ctx.Err() != nil:
		return false, false, nil // stopping: the records are consumed again from the committed offset
	case connectors.IsRetriable(err):
		s.Logger.Warn("put failed with a retriable error; the batch is delivered again", "records", len(records), "err", err)
		return true, false, nil
	}
	s.Metrics.RecordFailed(false)
	s.fail(fmt.Errorf("put %d records: %w", len(records), err))
	return false, false, s.failure
}

// retryDelay is how long a batch waits before Put is retried: the task's RetryAfter, used
// once (asked true), else until the next offset commit is due, as Kafka Connect's consumer
// poll waits.
func (s *Sink) retryDelay() (d time.Duration, asked bool) {
	s.ctxMu.Lock()
	d = s.retryAfter
	s.retryAfter = -1
	s.ctxMu.Unlock()
	if d >= 0 {
		return d, true
	}
	return max(0, time.Until(s.flushDue())), false
}

func (s *Sink) failWith(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail(err)
}

// preconvert converts the batch's keys, values and headers in one call each where the
// converter is a batch one (a Java one); nil when none is. A batch key or value converter is
// given each record's Kafka headers, as Kafka's toConnectData(topic, headers, data) is.
func (s *Sink) preconvert(batch []*kgo.Record) (*preconverted, error) {
	bh, isBH := s.Header.(connectors.BatchHeaderConverter)
	_, bk := s.Key.(connectors.BatchConverter)
	_, bv := s.Value.(connectors.BatchConverter)
	if !isBH && !bk && !bv {
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
				items = append(items, connectors.RawData{Topic: m.Topic, Data: m.Key, Headers: rawHeaders(m.Headers)})
			}
		}
		if pre.keys, err = toConnectBatch(s.Key, items); err != nil {
			return nil, fmt.Errorf("key converter: %w", err)
		}
	}
	if bv {
		items := make([]connectors.RawData, len(batch))
		for i, m := range batch {
			items[i] = connectors.RawData{Topic: m.Topic, Data: m.Value, Headers: rawHeaders(m.Headers)}
		}
		if pre.values, err = toConnectBatch(s.Value, items); err != nil {
			return nil, fmt.Errorf("value converter: %w", err)
		}
	}
	if isBH {
		pre.hdrStart = make([]int, len(batch))
		var items []connectors.HeaderData
		for i, m := range batch {
			pre.hdrStart[i] = len(items)
			for _, h := range m.Headers {
				items = append(items, connectors.HeaderData{Topic: m.Topic, Key: h.Key, Data: h.Value})
			}
		}
		if len(items) > 0 {
			out, errs, err := bh.ToConnectHeaderBatch(items)
			if err != nil {
				return nil, fmt.Errorf("header converter: convert a batch of %d headers: %w", len(items), err)
			}
			pre.sinkHdrs = &headersConverted{to: out, errs: errs}
			pre.hdrUsed = make([]bool, len(batch))
		}
	}
	return pre, nil
}

// rawHeaders is a consumed record's headers for a converter; nil when it has none.
func rawHeaders(hs []kgo.RecordHeader) []connectors.RawHeader {
	if len(hs) == 0 {
		return nil
	}
	out := make([]connectors.RawHeader, len(hs))
	for i, h := range hs {
		out[i] = connectors.RawHeader(h)
	}
	return out
}

// takeHeaders puts record i's headers as the batch header converter read them into r, on the
// header stage's first attempt; false when there are none to take (a retry converts them
// again, header by header).
func (p *preconverted) takeHeaders(i int, m *kgo.Record, r *connectors.SinkRecord, at func() string) (bool, error) {
	if p == nil || p.sinkHdrs == nil || p.hdrUsed[i] {
		return false, nil
	}
	p.hdrUsed[i] = true
	r.Headers = r.Headers[:0]
	for j, h := range m.Headers {
		k := p.hdrStart[i] + j
		if err := p.sinkHdrs.err(k); err != nil {
			return true, fmt.Errorf("convert header %s at %s: %w", h.Key, at(), err)
		}
		r.Headers = append(r.Headers, connectors.Header{Key: h.Key, Schema: p.sinkHdrs.to[k].Schema, Value: p.sinkHdrs.to[k].Value})
	}
	return true, nil
}

// convert turns consumed message i of the batch into r, the record put, through the
// converters (pre holds what batch converters made of the batch) and the transformation
// chain, each stage under the connector's error handling: false with a nil error means the
// record is skipped (dropped by a transform, or its failure tolerated).
//
// r must be zero: filled field by field, a record in the batch's slice costs no copy of a
// whole struct (which, while the GC marks, goes through a bulk write barrier).
func (s *Sink) convert(ctx context.Context, m *kgo.Record, r *connectors.SinkRecord, pre *preconverted, i int) (bool, error) {
	r.Topic, r.Partition, r.Offset, r.Timestamp = m.Topic, m.Partition, m.Offset, m.Timestamp
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
				r.KeySchema, r.Key, err = toConnect(s.Key, m.Topic, m.Headers, m.Key)
			}
			if err != nil {
				return fmt.Errorf("convert key at %s: %w", at(), err)
			}
			return nil
		})
		if !ok {
			return false, err
		}
	}
	ok, err := stage(StageValueConverter, func() (err error) {
		if vs := pre.valuesOrNil(); vs.take(i) {
			r.ValueSchema, r.Value, err = vs.to[i].Schema, vs.to[i].Value, vs.err(i)
		} else {
			r.ValueSchema, r.Value, err = toConnect(s.Value, m.Topic, m.Headers, m.Value)
		}
		if err != nil {
			return fmt.Errorf("convert value at %s: %w", at(), err)
		}
		return nil
	})
	if !ok {
		return false, err
	}
	ok, err = stage(StageHeaderConverter, func() error {
		if took, err := pre.takeHeaders(i, m, r, at); took {
			return err
		}
		r.Headers = r.Headers[:0]
		for _, h := range m.Headers {
			schema, v, err := s.Header.ToConnectHeader(m.Topic, h.Key, h.Value)
			if err != nil {
				return fmt.Errorf("convert header %s at %s: %w", h.Key, at(), err)
			}
			r.Headers = append(r.Headers, connectors.Header{Key: h.Key, Schema: schema, Value: v})
		}
		return nil
	})
	if !ok {
		return false, err
	}
	if s.Transform == nil || s.TransformBatch != nil {
		return true, nil // TransformBatch: put transforms the batch
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
		return false, err
	}
	r.SetRecord(out)
	return true, nil
}
