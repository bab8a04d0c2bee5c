package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// Record is one record of an internal topic. On write, Partition and Offset are ignored:
// the Log picks the partition from the key as Java's default partitioner would.
type Record struct {
	Partition int32
	Offset    int64
	Key       []byte
	// Value is the record's value; nil is a tombstone.
	Value []byte
}

// LogConfig configures a Log.
type LogConfig struct {
	// Kafka says how to reach the cluster.
	Kafka Kafka
	// Topic is the tailed topic. Partitions zero means 1.
	Topic Topic
	// Property is the worker property naming the topic (config.storage.topic); it only
	// appears in error messages. Empty means "the topic".
	Property string
	// Purpose says what the topic keeps ("connector configurations"); it only appears in
	// error messages. Empty means "its records".
	Purpose string
	// SinglePartition makes Start refuse an existing topic with more than one partition.
	SinglePartition bool
	// Apply is called for every record read, from the oldest on. Calls for one partition
	// come in offset order from one goroutine; calls for different partitions may run
	// concurrently. Apply must not block on the Log (no Write, no ReadToEnd). Nil ignores
	// records.
	Apply func(Record)
}

// Log tails one compacted internal topic, as Kafka Connect's KafkaBasedLog does: Start
// creates the topic if it is missing, a background reader per partition applies every
// record to LogConfig.Apply from the oldest offset on, and writes return once they are
// durable (acks=all) and applied by that reader, so they are visible to reads of the
// state Apply maintains.
//
// Records are partitioned by Java's murmur2 of the key, so a key lands on the partition a
// Java worker would pick and compaction and ordering hold across both.
type Log struct {
	cfg     LogConfig
	sarCf   *sarama.Config // the lasting clients': metadata of the topic only
	adminCf *sarama.Config // prepareTopic's: the whole cluster's metadata
	log     *slog.Logger

	done      chan struct{} // closed by Close
	closeOnce sync.Once
	startMu   sync.Mutex // serialises Start and Close

	mu       sync.Mutex
	started  bool
	client   sarama.Client // admin, metadata, end offsets, writes
	rclient  sarama.Client // the consumer's own connections, busy with long-poll fetches
	consumer sarama.Consumer
	writer   *writer
	parts    int32
	next     []int64       // per partition: the offset after the last applied record
	wake     chan struct{} // closed when next moves; nil while nobody waits
	stop     context.CancelFunc
	readers  sync.WaitGroup

	warn throttle

	flightMu sync.Mutex
	inFlight int           // writes handed to the producer and not yet acknowledged
	idle     chan struct{} // closed when inFlight drops to 0; nil while nobody waits
}

// NewLog validates cfg and allocates a Log; it opens no connection.
func NewLog(cfg LogConfig, opts ...Option) (*Log, error) {
	if len(cfg.Kafka.Addrs) == 0 {
		return nil, errors.New("store: no bootstrap servers")
	}
	if cfg.Topic.Name == "" {
		return nil, errors.New("store: empty topic name")
	}
	if cfg.Topic.Partitions == 0 {
		cfg.Topic.Partitions = 1
	}
	if cfg.Topic.Partitions < -1 {
		return nil, fmt.Errorf("store: topic %q: invalid partitions %d", cfg.Topic.Name, cfg.Topic.Partitions)
	}
	if cfg.Topic.ReplicationFactor == 0 {
		cfg.Topic.ReplicationFactor = -1
	}
	if cfg.Topic.ReplicationFactor < -1 {
		return nil, fmt.Errorf("store: topic %q: invalid replication factor %d", cfg.Topic.Name, cfg.Topic.ReplicationFactor)
	}
	if cfg.Property == "" {
		cfg.Property = "topic"
	}
	if cfg.Purpose == "" {
		cfg.Purpose = "its records"
	}
	sc, err := clientConfig(cfg.Kafka.Config)
	if err != nil {
		return nil, fmt.Errorf("store: topic %q: %w", cfg.Topic.Name, err)
	}
	ac := *sc
	ac.Metadata.Full = true
	o := buildOptions(opts)
	return &Log{
		cfg:     cfg,
		sarCf:   sc,
		adminCf: &ac,
		log:     o.logger.With("component", "store", "topic", cfg.Topic.Name),
		done:    make(chan struct{}),
		warn:    throttle{every: 10 * time.Second},
	}, nil
}

// clientConfig copies base and sets what the Log depends on.
func clientConfig(base *sarama.Config) (*sarama.Config, error) {
	var c sarama.Config
	if base == nil {
		c = *sarama.NewConfig()
	} else {
		c = *base
	}
	// Never auto-create an internal topic with broker defaults (it must be compacted).
	c.Metadata.AllowAutoTopicCreation = false
	c.Metadata.Full = false // prepareTopic says why
	// Ordered retries without idempotence: one request in flight per broker (writer.go).
	c.Net.MaxOpenRequests = 1
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Idempotent = false
	c.Producer.Transaction.ID = ""
	c.Consumer.Return.Errors = true
	c.Consumer.Interceptors = nil
	// committed.go: an aborted transaction's records are never applied.
	c.Consumer.IsolationLevel = sarama.ReadCommitted
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("client config: %w", err)
	}
	return &c, nil
}

// Partitions is the number of partitions of the topic, known once Start succeeded.
func (l *Log) Partitions() int32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.parts
}

// Run starts the Log, keeps it running until ctx ends, then closes it. It returns Start's
// error, or nil.
func (l *Log) Run(ctx context.Context) error {
	if err := l.Start(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-l.done:
	}
	return l.Close()
}

// Start connects, creates the topic if it is missing (compacted, Topic's partitions and
// replication factor), checks an existing one as Kafka Connect does, starts the readers and
// returns once every record up to the end of the topic has been applied. ctx bounds Start
// only; the readers run until Close. A failed Start leaves nothing open and may be retried.
func (l *Log) Start(ctx context.Context) error {
	l.startMu.Lock()
	defer l.startMu.Unlock()
	select {
	case <-l.done:
		return ErrClosed
	default:
	}
	l.mu.Lock()
	started := l.started
	l.mu.Unlock()
	if started {
		return ErrAlreadyStarted
	}
	if err := l.start(ctx); err != nil {
		l.teardown()
		return fmt.Errorf("topic %q: %w", l.cfg.Topic.Name, err)
	}
	return nil
}

func (l *Log) start(ctx context.Context) error {
	ctx, cancel := l.bound(ctx)
	defer cancel()

	parts, err := l.prepareTopic(ctx)
	if err != nil {
		return err
	}
	client, err := newClient(ctx, l.cfg.Kafka.Addrs, l.sarCf)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	l.mu.Lock()
	l.client = client
	l.mu.Unlock()

	next := make([]int64, parts)
	for p := range parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		oldest, err := getOffset(ctx, client, l.cfg.Topic.Name, p, sarama.OffsetOldest)
		if err != nil {
			return fmt.Errorf("partition %d: oldest offset: %w", p, err)
		}
		next[p] = oldest
	}
	// The readers get a client of their own: a broker answers the requests of one
	// connection in order, so writes and end-offset queries must not queue behind a
	// long-polling fetch.
	rclient, err := newClient(ctx, l.cfg.Kafka.Addrs, l.sarCf)
	if err != nil {
		return fmt.Errorf("connect reader: %w", err)
	}
	l.mu.Lock()
	l.rclient = rclient
	l.mu.Unlock()
	consumer, err := sarama.NewConsumerFromClient(rclient)
	if err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	wr, err := newWriter(client, l.cfg.Topic.Name, l.sarCf)
	if err != nil {
		_ = consumer.Close()
		return fmt.Errorf("writer: %w", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	l.mu.Lock()
	l.consumer, l.writer, l.parts, l.next, l.stop = consumer, wr, parts, next, stop
	l.mu.Unlock()

	for p := range parts {
		l.readers.Add(1)
		go l.read(runCtx, consumer, p, next[p])
	}

	l.mu.Lock()
	l.started = true
	l.mu.Unlock()
	if err := l.ReadToEnd(ctx); err != nil {
		l.mu.Lock()
		l.started = false
		l.mu.Unlock()
		return fmt.Errorf("initial read: %w", err)
	}
	l.log.Debug("store started", "partitions", parts)
	return nil
}

// prepareTopic creates the topic if it is missing and checks it as Kafka Connect does,
// through a client of its own, closed once done. That client fetches the whole cluster's
// metadata, as sarama's admin needs to find the controller; the Log's lasting clients ask
// for their topic only (Metadata.Full off), because a client that fetches everything keeps
// every topic's metadata for its life: with seven such clients a worker's idle RSS grew
// from 36 to 49 MiB on a broker of 3 290 partitions.
func (l *Log) prepareTopic(ctx context.Context) (int32, error) {
	admin, err := newClient(ctx, l.cfg.Kafka.Addrs, l.adminCf)
	if err != nil {
		return 0, fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = admin.Close() }()
	parts, err := l.ensureTopic(ctx, admin)
	if err != nil {
		return 0, err
	}
	if l.cfg.SinglePartition && parts > 1 {
		// Kafka Connect's KafkaConfigBackingStore refuses to start here (spec §8.2).
		return 0, fmt.Errorf("%w: topic '%s' supplied via the '%s' property is required to have a single partition in order to guarantee consistency of %s, but found %d partitions",
			ErrTopicPartitions, l.cfg.Topic.Name, l.cfg.Property, l.cfg.Purpose, parts)
	}
	if err := l.checkCleanupPolicy(admin); err != nil {
		return 0, err
	}
	return parts, nil
}

// bound derives a context that also ends when the Log closes.
func (l *Log) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case <-l.done:
			cancel(ErrClosed)
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(nil) }
}

// newClient makes a sarama client, giving up when ctx ends (sarama's own dial and metadata
// timeouts bound the abandoned attempt, whose client is then closed).
func newClient(ctx context.Context, addrs []string, cfg *sarama.Config) (sarama.Client, error) {
	type result struct {
		c   sarama.Client
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := sarama.NewClient(addrs, cfg)
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				_ = r.c.Close()
			}
		}()
		return nil, context.Cause(ctx)
	}
}

// ensureTopic returns the topic's partition count, creating the topic when it is missing.
// It asks the controller directly (no auto-creation, no client metadata retries), then
// loads the topic into the client's metadata.
func (l *Log) ensureTopic(ctx context.Context, client sarama.Client) (int32, error) {
	name := l.cfg.Topic.Name
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		return 0, fmt.Errorf("admin: %w", err)
	}
	// The admin is not closed: closing a ClusterAdmin closes the client it was made from.
	created := false
	backoff := 10 * time.Millisecond
	for {
		md, err := admin.DescribeTopics([]string{name})
		if err != nil {
			return 0, fmt.Errorf("describe: %w", err)
		}
		var tm *sarama.TopicMetadata
		for _, t := range md {
			if t.Name == name {
				tm = t
			}
		}
		switch {
		case tm != nil && errors.Is(tm.Err, sarama.ErrNoError) && len(tm.Partitions) > 0:
			parts, err := client.Partitions(name)
			if err != nil {
				return 0, fmt.Errorf("metadata: %w", err)
			}
			return int32(len(parts)), nil
		case tm == nil || errors.Is(tm.Err, sarama.ErrUnknownTopicOrPartition):
			if !created {
				if err := l.createTopic(admin); err != nil {
					return 0, err
				}
				created = true
				continue
			}
		case errors.Is(tm.Err, sarama.ErrNoError), errors.Is(tm.Err, sarama.ErrLeaderNotAvailable):
			// Being created: wait for its partitions.
		default:
			return 0, fmt.Errorf("describe: %w", tm.Err)
		}
		// A created topic takes a moment to appear in metadata.
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("wait for topic metadata: %w", context.Cause(ctx))
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

func (l *Log) createTopic(admin sarama.ClusterAdmin) error {
	t := l.cfg.Topic
	entries := map[string]*string{}
	for k, v := range t.Configs {
		entries[k] = &v
	}
	compact := "compact"
	entries["cleanup.policy"] = &compact
	err := admin.CreateTopic(t.Name, &sarama.TopicDetail{
		NumPartitions:     t.Partitions,
		ReplicationFactor: t.ReplicationFactor,
		ConfigEntries:     entries,
	}, false)
	switch {
	case err == nil:
		l.log.Info("created internal topic", "partitions", t.Partitions, "replication_factor", t.ReplicationFactor)
	case errors.Is(err, sarama.ErrTopicAlreadyExists):
		// Another worker created it first.
	default:
		return fmt.Errorf("create: %w", err)
	}
	return nil
}

// checkCleanupPolicy refuses an existing topic whose cleanup.policy is not exactly compact,
// as Kafka Connect's TopicAdmin.verifyTopicCleanupPolicyOnlyCompact does. When the policy
// cannot be read (no DescribeConfigs permission), it goes on, as Kafka Connect does.
func (l *Log) checkCleanupPolicy(client sarama.Client) error {
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	entries, err := admin.DescribeConfig(sarama.ConfigResource{
		Type: sarama.TopicResource, Name: l.cfg.Topic.Name, ConfigNames: []string{"cleanup.policy"},
	})
	if err != nil {
		l.log.Debug("cannot verify cleanup.policy", "err", err)
		return nil
	}
	for _, e := range entries {
		if e.Name != "cleanup.policy" {
			continue
		}
		policies := map[string]bool{}
		for p := range strings.SplitSeq(e.Value, ",") {
			if p = strings.TrimSpace(strings.ToLower(p)); p != "" {
				policies[p] = true
			}
		}
		if len(policies) != 1 || !policies["compact"] {
			return fmt.Errorf("%w: topic '%s' supplied via the '%s' property is required to have 'cleanup.policy=compact' to guarantee consistency and durability of %s, but found the topic currently has 'cleanup.policy=%s'",
				ErrTopicCleanupPolicy, l.cfg.Topic.Name, l.cfg.Property, l.cfg.Purpose, e.Value)
		}
	}
	return nil
}

// read applies the records of one partition until ctx ends, re-opening the partition
// consumer if sarama gives up on it.
func (l *Log) read(ctx context.Context, consumer sarama.Consumer, p int32, from int64) {
	defer l.readers.Done()
	offset := from
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		pc, err := consumer.ConsumePartition(l.cfg.Topic.Name, p, offset)
		if err != nil {
			if errors.Is(err, sarama.ErrOffsetOutOfRange) {
				offset = sarama.OffsetOldest
			}
			l.warnf("consume partition failed, retrying", "partition", p, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		offset = l.consume(ctx, pc, p, offset)
		if ctx.Err() != nil {
			// Closing: do not wait for the in-flight long-poll fetch; closing the
			// reader client next ends it.
			pc.AsyncClose()
			return
		}
		_ = pc.Close()
	}
}

// consume applies pc's records until ctx ends or pc stops; it returns where to resume.
func (l *Log) consume(ctx context.Context, pc sarama.PartitionConsumer, p int32, offset int64) int64 {
	for {
		select {
		case <-ctx.Done():
			return offset
		case m, ok := <-pc.Messages():
			if !ok {
				return offset
			}
			if l.cfg.Apply != nil {
				l.cfg.Apply(Record{Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value})
			}
			offset = m.Offset + 1
			l.mu.Lock()
			if offset > l.next[p] {
				l.next[p] = offset
			}
			if l.wake != nil {
				close(l.wake)
				l.wake = nil
			}
			l.mu.Unlock()
		case err, ok := <-pc.Errors():
			if !ok {
				return offset
			}
			if errors.Is(err.Err, sarama.ErrOffsetOutOfRange) {
				offset = sarama.OffsetOldest
			}
			l.warnf("read failed", "partition", p, "err", err.Err)
		}
	}
}

// ReadToEnd returns once every record up to the end offsets current at the call has been
// applied.
func (l *Log) ReadToEnd(ctx context.Context) error {
	l.mu.Lock()
	started, client, parts := l.started, l.client, l.parts
	l.mu.Unlock()
	if !started {
		return l.notRunning()
	}
	targets := make(map[int32]int64, parts)
	for p := range parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		end, err := stableEnd(ctx, client, l.cfg.Topic.Name, p)
		if err != nil {
			return fmt.Errorf("topic %q partition %d: end offset: %w", l.cfg.Topic.Name, p, err)
		}
		targets[p] = end
	}
	return l.waitReadable(ctx, client, targets)
}

// waitReadable is waitApplied for read_committed ends: a partition whose records before
// its target are all transaction markers or aborted (nothingToDeliver) counts as read,
// since the consumer skips them without a trace. Each partition is probed once per
// position it is found lagging at.
func (l *Log) waitReadable(ctx context.Context, client sarama.Client, targets map[int32]int64) error {
	probed := map[int32]int64{}
	for {
		l.mu.Lock()
		if !l.started {
			l.mu.Unlock()
			return l.notRunning()
		}
		lagging := map[int32]int64{}
		for p, t := range targets {
			if l.next[p] < t {
				lagging[p] = l.next[p]
			}
		}
		if len(lagging) == 0 {
			l.mu.Unlock()
			return nil
		}
		if l.wake == nil {
			l.wake = make(chan struct{})
		}
		wake := l.wake
		l.mu.Unlock()
		for p, at := range lagging {
			if last, ok := probed[p]; ok && last == at {
				continue
			}
			probed[p] = at
			if skip, err := nothingToDeliver(client, l.cfg.Topic.Name, p, at, targets[p]); err == nil && skip {
				targets[p] = at
			}
		}
		waiting := false
		for p, at := range lagging {
			waiting = waiting || targets[p] > at
		}
		if waiting {
			select {
			case <-wake:
			case <-ctx.Done():
				return context.Cause(ctx)
			case <-l.done:
				return ErrClosed
			}
		}
	}
}

// waitApplied returns once, for every partition p in targets, the records before
// targets[p] have been applied.
func (l *Log) waitApplied(ctx context.Context, targets map[int32]int64) error {
	for {
		l.mu.Lock()
		if !l.started {
			l.mu.Unlock()
			return l.notRunning()
		}
		reached := true
		for p, t := range targets {
			if l.next[p] < t {
				reached = false
				break
			}
		}
		if reached {
			l.mu.Unlock()
			return nil
		}
		if l.wake == nil {
			l.wake = make(chan struct{})
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-l.done:
			return ErrClosed
		}
	}
}

func (l *Log) notRunning() error {
	select {
	case <-l.done:
		return ErrClosed
	default:
		return ErrNotStarted
	}
}

// Write produces recs (acks=all) in order, each to the partition Java's default partitioner
// picks for its key, and returns once all are durable and applied by the reader. When ctx
// ends first the outcome is unknown: the records may still be written.
func (l *Log) Write(ctx context.Context, recs ...Record) error {
	if len(recs) == 0 {
		return nil
	}
	type outcome struct {
		written []Record
		err     error
	}
	result := make(chan outcome, 1)
	if err := l.send(recs, func(written []Record, err error) { result <- outcome{written, err} }); err != nil {
		return err
	}
	var o outcome
	select {
	case o = <-result:
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-l.done:
		return ErrClosed
	}
	if o.err != nil {
		return fmt.Errorf("topic %q: write: %w", l.cfg.Topic.Name, o.err)
	}
	targets := make(map[int32]int64, 1)
	for _, r := range o.written {
		if r.Offset+1 > targets[r.Partition] {
			targets[r.Partition] = r.Offset + 1
		}
	}
	return l.waitApplied(ctx, targets)
}

// WriteAsync produces recs (acks=all) in order after every earlier write, without waiting.
// done, when not nil, is called once with the outcome (nil when all are durable) from the
// writer's goroutine; it must not block.
func (l *Log) WriteAsync(recs []Record, done func(error)) {
	if len(recs) == 0 {
		if done != nil {
			done(nil)
		}
		return
	}
	if err := l.send(recs, func(_ []Record, err error) {
		if done != nil {
			done(err)
		}
	}); err != nil && done != nil {
		done(err)
	}
}

// send queues recs as one write, their partitions set. On error, done is not called.
func (l *Log) send(recs []Record, done func([]Record, error)) error {
	l.mu.Lock()
	started, wr, parts := l.started, l.writer, l.parts
	l.mu.Unlock()
	if !started {
		return l.notRunning()
	}
	out := make([]Record, len(recs))
	for i, r := range recs {
		if len(r.Key) == 0 {
			return errors.New("store: record without key")
		}
		out[i] = Record{Partition: PartitionFor(r.Key, parts), Key: r.Key, Value: r.Value}
	}
	select {
	case <-l.done:
		return ErrClosed
	default:
	}
	l.beginWrite()
	err := wr.enqueue(out, func(written []Record, err error) {
		l.endWrite()
		done(written, err)
	})
	if err != nil {
		l.endWrite()
	}
	return err
}

// Flush returns once every write handed over before it has its outcome, or when ctx ends.
// A worker that hands its tasks over flushes first, so that its last statuses (UNASSIGNED)
// reach the topic before the new owners write theirs.
func (l *Log) Flush(ctx context.Context) error {
	l.flightMu.Lock()
	if l.inFlight == 0 {
		l.flightMu.Unlock()
		return nil
	}
	if l.idle == nil {
		l.idle = make(chan struct{})
	}
	idle := l.idle
	l.flightMu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("topic %q: flush: %w", l.cfg.Topic.Name, context.Cause(ctx))
	}
}

func (l *Log) beginWrite() {
	l.flightMu.Lock()
	l.inFlight++
	l.flightMu.Unlock()
}

func (l *Log) endWrite() {
	l.flightMu.Lock()
	defer l.flightMu.Unlock()
	if l.inFlight--; l.inFlight == 0 && l.idle != nil {
		close(l.idle)
		l.idle = nil
	}
}

// Close stops the readers, sends the queued writes, stops the writer and closes the clients. It is
// safe to call more than once and concurrently with other methods; pending writes and
// waits return ErrClosed.
func (l *Log) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	l.startMu.Lock()
	defer l.startMu.Unlock()
	l.teardown()
	return nil
}

// teardown releases whatever start opened. startMu is held.
func (l *Log) teardown() {
	l.mu.Lock()
	wasStarted := l.started || l.client != nil
	l.started = false
	stop, consumer, wr, client, rclient := l.stop, l.consumer, l.writer, l.client, l.rclient
	l.stop, l.consumer, l.writer, l.client, l.rclient = nil, nil, nil, nil, nil
	l.mu.Unlock()
	if stop != nil {
		stop()
	}
	l.readers.Wait()
	if wr != nil {
		wr.close() // sends what was handed over once more, then stops
	}
	if consumer != nil {
		_ = consumer.Close()
	}
	if rclient != nil {
		_ = rclient.Close()
	}
	if client != nil {
		_ = client.Close()
	}
	if wasStarted {
		l.log.Debug("store stopped")
	}
}

func (l *Log) warnf(msg string, args ...any) { warnThrottled(l.log, &l.warn, msg, args...) }

// warnThrottled logs at Warn, at most once per throttle period, counting what it drops.
func warnThrottled(log *slog.Logger, t *throttle, msg string, args ...any) {
	if ok, dropped := t.allow(); ok {
		if dropped > 0 {
			args = append(slices.Clone(args), "suppressed", dropped)
		}
		log.Warn(msg, args...)
	}
}

// throttle lets one event through per period.
type throttle struct {
	every   time.Duration
	mu      sync.Mutex
	last    time.Time
	dropped int
}

func (t *throttle) allow() (bool, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if !t.last.IsZero() && now.Sub(t.last) < t.every {
		t.dropped++
		return false, 0
	}
	d := t.dropped
	t.last, t.dropped = now, 0
	return true, d
}

// PartitionFor is Java's default partitioner for a keyed record:
// toPositive(murmur2(key)) % partitions.
func PartitionFor(key []byte, partitions int32) int32 {
	if partitions <= 1 {
		return 0
	}
	return (murmur2(key) & 0x7fffffff) % partitions
}

// murmur2 is Kafka's org.apache.kafka.common.utils.Utils.murmur2 (seed 0x9747b28c).
func murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	n := len(data)
	h := seed ^ uint32(n)
	for i := 0; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := n &^ 3
	switch n % 4 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// getOffset is client.GetOffset, retried while the partition has no leader yet. Apache Kafka
// answers CreateTopics before the new partitions have elected leaders, so the first offset
// request after creating a topic can fail with NOT_LEADER_OR_FOLLOWER or
// LEADER_NOT_AVAILABLE; metadata is refreshed and the request retried until ctx ends.
func getOffset(ctx context.Context, client sarama.Client, topic string, p int32, which int64) (int64, error) {
	delay := 20 * time.Millisecond
	for {
		off, err := client.GetOffset(topic, p, which)
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

// leaderMissing reports whether err means the partition's leader is not known or not
// elected yet, a passing state.
func leaderMissing(err error) bool {
	return errors.Is(err, sarama.ErrNotLeaderForPartition) || errors.Is(err, sarama.ErrLeaderNotAvailable) ||
		errors.Is(err, sarama.ErrUnknownTopicOrPartition) || errors.Is(err, sarama.ErrOffsetsLoadInProgress) ||
		errors.Is(err, sarama.ErrNotEnoughReplicas) || errors.Is(err, sarama.ErrRequestTimedOut)
}
