package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/connectors"
)

// The pipelined mode: a source task without exactly-once, as Kafka Connect runs every
// source task when exactly.once.source.support is disabled (its default). Records go to a
// franz-go producer that batches by bytes (batch.size, max.request.size) and time
// (linger.ms), compresses (compression.type) and keeps up to five batches in flight, while
// the task polls on; nothing waits for an acknowledgement but the offsets. Each poll's
// records are one pipelinedBatch: its source offsets become committable once every record
// of it and of every earlier batch is acknowledged, so a committed offset never covers a
// record that may be lost (at least once). A record that fails after the producer's own
// retries (delivery.timeout.ms, retries) fails the task, and no later offset is committed.
//
// The transactional mode (source_txn.go) is the other one: it exists for fencing and
// exactly-once, and pays a transaction per span of polls with one request in flight.

// pipelined is the state of a source in pipelined mode; only Run's goroutine touches it,
// except the producer's promises, which touch the batches' counters and failure only.
type pipelined struct {
	client *kgo.Client
	log    *franzLog
	pctx   context.Context // see produceCtx
	// deadline bounds each batch's delivery from when it is handed over; 0: no bound.
	deadline time.Duration
	queue    []*pipelinedBatch // handed to the producer, oldest first, not yet settled
	failed   atomic.Pointer[error]
	// spare holds the record slices of settled batches, for the next polls' records: a
	// fresh slice per poll (160 kB at 1 000 records) was zeroed, written again and collected,
	// a quarter of a 100-byte source's CPU. A produce request acknowledges several polls'
	// batches at once (ten at 100 B), so several are kept, bounded by maxSpare and by the
	// keys and values they keep reachable (maxSpareBytes); an idle poll drops them.
	spare      []spareRecords
	spareBytes int
}

type spareRecords struct {
	recs  []kgo.Record
	bytes int // its records' keys and values
}

// maxSpare and maxSpareBytes bound pipelined.spare.
const (
	maxSpare      = 16
	maxSpareBytes = 4 << 20
)

// recordSlice is a slice for n converted records: a settled batch's in the pipelined mode
// when one is spare, else a new one (one allocation per poll, not per record).
func (s *Source) recordSlice(n int) []kgo.Record {
	if p := s.fast; p != nil {
		for len(p.spare) > 0 {
			last := &p.spare[len(p.spare)-1]
			r := last.recs
			p.spareBytes -= last.bytes
			*last = spareRecords{}
			p.spare = p.spare[:len(p.spare)-1]
			if cap(r) >= n {
				return r[:n]
			}
		}
	}
	return make([]kgo.Record, n)
}

// reuse keeps a settled batch's records for recordSlice: every promise of them has been
// called, and franz-go touches no record after its promise.
func (p *pipelined) reuse(b *pipelinedBatch) {
	if b.recs != nil && len(p.spare) < maxSpare && p.spareBytes+b.bytes <= maxSpareBytes {
		p.spare = append(p.spare, spareRecords{recs: b.recs, bytes: b.bytes})
		p.spareBytes += b.bytes
	}
	b.recs = nil
}

// pipelinedBatch is one poll's records in flight and the source offsets they cover.
type pipelinedBatch struct {
	remaining atomic.Int64
	// failed is the error of a record of the batch that failed, set before that record's
	// remaining count is: a batch seen at zero remaining shows its failure too, even when
	// settle read the pipeline's error before the failure came.
	failed  atomic.Pointer[error]
	records int
	offsets map[string]connectors.SourceOffset
	recs    []kgo.Record       // the records, allocated at once; the producer holds pointers into it
	bytes   int                // the records' keys and values
	commits commits            // for a RecordCommitter
	cancel  context.CancelFunc // ends the delivery deadline's timer once every record is acknowledged
}

// Delivery is how a pipelined producer retries a record (Source's RetryTimeout,
// RetryBackoff, RetryBackoffMax) and where its client logs.
type Delivery struct {
	// Timeout bounds how long a record is retried before it fails: zero fails at the first
	// error, negative never gives up; franz-go's shortest is 1 s.
	Timeout             time.Duration
	Backoff, BackoffMax time.Duration
	Logger              kgo.Logger
}

// Options are Delivery as franz-go options; a zero Backoff and BackoffMax keep the
// producer settings' backoff (kafkaconfig.FranzProducer).
//
// The timeout is a number of tries: those whose backoffs fit in it. franz-go's own record
// timeout fails a record with a bare "timed out", without the broker's error that was being
// retried, while a record that runs out of tries fails with that error, which is what an
// operator needs to see (KAFKA_STORAGE_ERROR, NOT_ENOUGH_REPLICAS). For a broker that does not
// answer at all, each batch's records carry a deadline (Deadline) in their context.
func (d Delivery) Options() []kgo.Opt {
	var opts []kgo.Opt
	first := cmp.Or(d.Backoff, 100*time.Millisecond)
	most := max(first, cmp.Or(d.BackoffMax, time.Second))
	backoff := kafkaconfig.ExponentialBackoff(first, most)
	if d.Backoff > 0 || d.BackoffMax > 0 {
		opts = append(opts, kgo.RetryBackoffFn(backoff), kgo.MetadataMinAge(first))
	}
	switch {
	case d.Timeout > 0:
		tries, waited := 1, time.Duration(0)
		for ; waited < d.Timeout; tries++ {
			waited += backoff(tries)
		}
		opts = append(opts, kgo.RecordRetries(tries))
	case d.Timeout == 0:
		opts = append(opts, kgo.RecordRetries(0))
	}
	if d.Logger != nil {
		opts = append(opts, kgo.WithLogger(d.Logger))
	}
	return opts
}

// Deadline is how long a record handed to the producer may take to be acknowledged: twice the
// timeout, at least 1 s more; 0 means no bound. It is not franz-go's RecordDeliveryTimeout,
// which counts from the record's timestamp: a record that carries an old timestamp of its own
// (MirrorMaker 2 keeps the source cluster's) would fail before it was sent.
func (d Delivery) Deadline() time.Duration {
	if d.Timeout <= 0 {
		return 0
	}
	return d.Timeout + max(d.Timeout, time.Second)
}

// franzLog is the pipelined producer's logger: it keeps the last error a broker answered a
// produce with, so that a record that times out in retries fails the task with Kafka's name
// for the cause (franz-go's timeout error does not carry it), counts each such answer as a
// retry and logs it with that name; the client's other messages go to Debug.
type franzLog struct {
	log     *slog.Logger
	retried func()
	last    atomic.Pointer[error]
}

func (l *franzLog) Level() kgo.LogLevel { return kgo.LogLevelInfo }

func (l *franzLog) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	for i := 0; i+1 < len(keyvals); i += 2 {
		if keyvals[i] != "err" {
			continue
		}
		var ke *kerr.Error
		if err, ok := keyvals[i+1].(error); ok && errors.As(err, &ke) {
			named := NameKafkaError(err)
			l.last.Store(&named)
			l.retried()
			l.log.Warn("produce failed; the producer retries", "err", named, "detail", msg)
			return
		}
	}
	if level <= kgo.LogLevelWarn {
		l.log.Warn(msg, keyvals...)
		return
	}
	l.log.Debug(msg, keyvals...)
}

func (l *franzLog) lastErr() error {
	if e := l.last.Load(); e != nil {
		return *e
	}
	return nil
}

// inFlight is the number of records handed over and not acknowledged, for Metrics.Active:
// the queued batches' counters summed once per poll (a counter of its own cost an atomic add
// per record in the promise).
func (p *pipelined) inFlight() int {
	n := int64(0)
	for _, b := range p.queue {
		n += b.remaining.Load()
	}
	return int(n)
}

func (p *pipelined) fail(err error) {
	p.failed.CompareAndSwap(nil, &err)
}

func (p *pipelined) err() error {
	if e := p.failed.Load(); e != nil {
		return *e
	}
	return nil
}

// sendPipelined hands one poll's converted records to the producer with the offsets they
// cover. It blocks only while the producer's buffer is full.
func (s *Source) sendPipelined(ctx context.Context, recs []kgo.Record, offsets map[string]connectors.SourceOffset, c commits) error {
	p := s.fast
	if err := p.err(); err != nil {
		return err
	}
	if p.client == nil {
		d := Delivery{Timeout: s.RetryTimeout, Backoff: s.RetryBackoff, BackoffMax: s.RetryBackoffMax, Logger: p.log}
		c, err := s.NewPipelined(d)
		if err != nil {
			return fmt.Errorf("producer: %w", err)
		}
		p.client = c
	}
	b := &pipelinedBatch{records: len(recs), offsets: offsets, recs: recs, commits: c}
	b.remaining.Store(int64(len(recs)))
	p.queue = append(p.queue, b)
	if len(recs) == 0 {
		return nil
	}
	s.Metrics.Active(p.inFlight())
	if p.deadline > 0 {
		// One deadline per poll's batch, from now: franz-go fails a record whose context ended
		// before it was acknowledged (when it can do so without a gap, as its own timeout).
		var deadline context.Context
		deadline, b.cancel = context.WithTimeout(context.Background(), p.deadline)
		explicit := context.WithValue(deadline, explicitPartitionKey{}, true)
		for i := range recs {
			if recs[i].Context == explicitPartitionCtx { // as convert set it: no lookup per record
				recs[i].Context = explicit
			} else {
				recs[i].Context = deadline
			}
		}
	}
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			b.failed.CompareAndSwap(nil, &err)
			p.fail(err)
		}
		if b.remaining.Add(-1) == 0 && b.cancel != nil {
			b.cancel()
		}
	}
	pctx := p.produceCtx(ctx)
	for i := range recs {
		b.bytes += len(recs[i].Key) + len(recs[i].Value)
		p.client.Produce(pctx, &recs[i], promise)
	}
	return nil
}

// stopGrace is how long records handed to the producer may still be sent once the task is
// stopping: finish flushes them (and commits their offsets) within it, and a send blocked on a
// full buffer gives up after it.
const stopGrace = 5 * time.Second

// produceCtx is the context records are produced with: it ends stopGrace after runCtx, not
// with it, so that stopping a task does not fail the records it already handed over (which
// would fail the task's last flush) and a graceful stop delivers them.
func (p *pipelined) produceCtx(runCtx context.Context) context.Context {
	if p.pctx == nil {
		var cancel context.CancelFunc
		p.pctx, cancel = context.WithCancel(context.Background())
		context.AfterFunc(runCtx, func() { time.AfterFunc(stopGrace, cancel) })
	}
	return p.pctx
}

// settlePipelined moves the offsets of the acknowledged batches at the head of the queue to
// pending; with force, it first waits until every record handed over is acknowledged (pause,
// stop, an idle poll). A failed record fails the task, and nothing after it is settled.
func (s *Source) settlePipelined(ctx context.Context, force bool, pending map[string]connectors.SourceOffset) error {
	p := s.fast
	if force && p.client != nil && len(p.queue) > 0 {
		if err := p.client.Flush(ctx); err != nil && ctx.Err() == nil {
			return fmt.Errorf("flush producer: %w", err)
		}
	}
	if err := p.err(); err != nil {
		return s.produceFailed(ctx, err)
	}
	n, written := 0, 0
	var failed error
	for _, b := range p.queue {
		if b.remaining.Load() > 0 {
			break
		}
		if e := b.failed.Load(); e != nil { // failed since the check above: not settled
			failed = *e
			break
		}
		maps.Copy(pending, b.offsets)
		written += b.records
		n++
		if b.commits.acks != nil {
			b.commits.written(b.recs) // franz-go set each record's partition and offset
			s.commitRecords(s.Logger, b.commits.rc, b.commits.acks)
		}
		p.reuse(b)
	}
	if force {
		p.spare, p.spareBytes = nil, 0 // idle, pausing or stopping: keep nothing reachable
	}
	if n > 0 {
		clear(p.queue[:n])
		p.queue = p.queue[n:]
		s.Metrics.Written(written)
		s.Metrics.Active(p.inFlight())
	}
	if failed != nil {
		return s.produceFailed(ctx, failed)
	}
	return nil
}

// produceFailed is the error that ends the task when a record failed; nil when the failure
// is the task's own stop.
func (s *Source) produceFailed(ctx context.Context, err error) error {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // stopping: records not handed over are polled again from the committed offset
	}
	var named *kerr.Error
	if last := s.fast.log.lastErr(); last != nil && !errors.As(err, &named) {
		// A timeout or retry limit: name the broker's error that was being retried.
		return fmt.Errorf("produce: gave up (retry timeout %v): %w: %w", s.RetryTimeout, err, last)
	}
	return fmt.Errorf("produce: %w", err)
}

// dropPipelined forgets every batch in flight: their offsets are never committed (a task
// whose membership lapsed commits nothing).
func (s *Source) dropPipelined() {
	clear(s.fast.queue)
	s.fast.queue = nil
}

func (s *Source) closePipelined() {
	if s.fast.client != nil && s.Pipelined == nil {
		s.fast.client.Close()
	}
}

// explicitPartitionCtx marks a record whose source record named its partition: kgo.Record's
// Partition alone cannot tell "partition 0" from "not set". One shared value: no allocation
// per record.
var explicitPartitionCtx = context.WithValue(context.Background(), explicitPartitionKey{}, true)

type explicitPartitionKey struct{}

// explicitPartition reports whether r's source record named its partition (its context is
// explicitPartitionCtx, or a delivery deadline's derived from it).
func explicitPartition(r *kgo.Record) bool {
	return r.Context != nil && r.Context.Value(explicitPartitionKey{}) != nil
}

// FranzPartitioner is the pipelined producer's partitioner, Kafka's default rules: a
// partition the record names is kept (a partition the topic does not have fails the
// record), a keyed record goes to hash(key, partitions) (Java's murmur2, so it lands where a
// Java producer would put it), and the rest stick to one partition until its batch is full
// (Kafka's sticky partitioning, so that keyless records leave in large batches).
func FranzPartitioner(hash func(key []byte, partitions int32) int32) kgo.Partitioner {
	return franzPartitioner{hash}
}

type franzPartitioner struct {
	hash func([]byte, int32) int32
}

func (p franzPartitioner) ForTopic(string) kgo.TopicPartitioner {
	return &franzTopicPartitioner{hash: p.hash, sticky: -1}
}

// franzTopicPartitioner needs no lock: franz-go partitions one record of a topic at a time.
type franzTopicPartitioner struct {
	hash   func([]byte, int32) int32
	sticky int
}

func (p *franzTopicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Key != nil || explicitPartition(r)
}

func (p *franzTopicPartitioner) Partition(r *kgo.Record, n int) int {
	if explicitPartition(r) {
		if int(r.Partition) >= n {
			return -1 // franz-go fails the record: "invalid record partitioning choice"
		}
		return int(r.Partition)
	}
	if r.Key != nil {
		return int(p.hash(r.Key, int32(n)))
	}
	if p.sticky < 0 || p.sticky >= n {
		p.sticky = rand.IntN(n)
	}
	return p.sticky
}

// OnNewBatch moves keyless records to another partition once the current one's batch is full.
func (p *franzTopicPartitioner) OnNewBatch() {
	p.sticky = -1
}
