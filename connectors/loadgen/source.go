package loadgen

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connectd/connectd/connectors"
)

// maxRecordSize bounds record.size: 10 MiB, far above a default broker's 1 MB
// max.message.bytes, but low enough that a typo cannot make a task allocate gigabytes.
const maxRecordSize = 10 << 20

var sourceConfig = connectors.ConfigDef{
	{Name: TopicKey, Type: connectors.String, Required: true, Validator: connectors.NonEmpty(),
		Importance: connectors.High, Group: "Load", Doc: "Topic the generated records go to."},
	{Name: RateKey, Type: connectors.Long, Default: "1000", Validator: connectors.AtLeast(0),
		Importance: connectors.High, Group: "Load",
		Doc: "Records per second over all tasks (each task gets an even share); 0 means as fast as the runtime takes them."},
	{Name: RecordSizeKey, Type: connectors.Int, Default: "100", Validator: connectors.Between(0, maxRecordSize),
		Importance: connectors.High, Group: "Load",
		Doc: "Size of each record's value in bytes: printable ASCII, a bytes value (ByteArrayConverter writes it " +
			"unchanged, StringConverter as text, JsonConverter base64-encoded). The broker's max.message.bytes still applies."},
	{Name: KeyCardinalityKey, Type: connectors.Long, Default: "0", Validator: connectors.AtLeast(0),
		Importance: connectors.Medium, Group: "Load",
		Doc: "Number of distinct keys, \"key-0\" … \"key-<n-1>\" as bytes, used round-robin over all tasks' records; 0 means records have no key."},
	{Name: TotalRecordsKey, Type: connectors.Long, Default: "0", Validator: connectors.AtLeast(0),
		Importance: connectors.Medium, Group: "Load",
		Doc: "Records to generate over all tasks, then stay idle (RUNNING); 0 means no end. The count survives restarts: it is the tasks' source offsets."},
	{Name: BatchSizeKey, Type: connectors.Int, Default: "1000", Validator: connectors.Between(1, 1000000),
		Importance: connectors.Low, Group: "Load",
		Doc: "Most records a task returns from one poll; the runtime sends each poll's records as one batch."},
	{Name: TransactionRecordsKey, Type: connectors.Long, Default: "0", Validator: connectors.AtLeast(0),
		Importance: connectors.Low, Group: "Transactions",
		Doc: "With exactly-once source support and transaction.boundary=connector: each task ends a transaction after " +
			"every n-th of its records, naming that record through its TransactionContext, so every transaction holds n " +
			"records of one task. 0 defines no transactions, and the connector then answers that it cannot define " +
			"transaction boundaries."},
	{Name: TransactionAbortEveryKey, Type: connectors.Long, Default: "0", Validator: connectors.AtLeast(0),
		Importance: connectors.Low, Group: "Transactions",
		Doc: "With transaction.records: every n-th transaction of a task (its transactions counted from its first record, " +
			"across restarts) is aborted instead of committed: its records never reach a read_committed reader, but their " +
			"offsets are committed, so they are not generated again. 0 aborts none."},
	logIntervalKey,
}

// SourceConnector generates records: DataGenSourceConnector.
type SourceConnector struct {
	props map[string]string
	vals  connectors.Values
}

var (
	_ connectors.SourceConnector            = (*SourceConnector)(nil)
	_ connectors.TransactionBoundaryDefiner = (*SourceConnector)(nil)
	_ connectors.ExactlyOnceSupporter       = (*SourceConnector)(nil)
)

// ExactlyOnceSupport is SUPPORTED: a task's records follow from its offset alone (the count
// it resumes from), so records and offsets in one transaction are exactly once.
func (*SourceConnector) ExactlyOnceSupport(map[string]string) (connectors.ExactlyOnceSupport, error) {
	return connectors.ExactlyOnceSupported, nil
}

// CanDefineTransactionBoundaries is SUPPORTED when config sets transaction.records, which is
// how the tasks define their transactions; UNSUPPORTED otherwise.
func (*SourceConnector) CanDefineTransactionBoundaries(config map[string]string) (connectors.TransactionBoundaries, error) {
	vals, err := sourceConfig.Parse(config)
	if err != nil {
		return connectors.TransactionBoundariesUnsupported, fmt.Errorf("DataGenSourceConnector: %w", err)
	}
	if vals.Long(TransactionRecordsKey) > 0 {
		return connectors.TransactionBoundariesSupported, nil
	}
	return connectors.TransactionBoundariesUnsupported, nil
}

// Version is connectd's.
func (*SourceConnector) Version() string { return version }

// Config returns the generator's keys.
func (*SourceConnector) Config() connectors.ConfigDef { return sourceConfig }

// Start checks the configuration and keeps it for the tasks.
func (c *SourceConnector) Start(_ connectors.ConnectorContext, props map[string]string) error {
	vals, err := sourceConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("start DataGenSourceConnector: %w", err)
	}
	c.props, c.vals = maps.Clone(props), vals
	return nil
}

// TaskConfigs splits records.per.second and total.records evenly over at most maxTasks
// tasks; each task's config holds its own share, its index and the task count.
func (c *SourceConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	rate, total := c.vals.Long(RateKey), c.vals.Long(TotalRecordsKey)
	n := taskCount(maxTasks, rate, total)
	configs := make([]map[string]string, n)
	for i := range configs {
		cfg := maps.Clone(c.props)
		cfg[RateKey] = strconv.FormatInt(share(rate, n, i), 10)
		cfg[TotalRecordsKey] = strconv.FormatInt(share(total, n, i), 10)
		cfg[TaskIDKey] = strconv.Itoa(i)
		cfg[TaskCountKey] = strconv.Itoa(n)
		configs[i] = cfg
	}
	return configs, nil
}

// taskCount is maxTasks, lowered so that no task's share of a positive rate or total is 0
// (a 0 share would read as "unlimited" or "endless").
func taskCount(maxTasks int, rate, total int64) int {
	n := int64(max(maxTasks, 1))
	if rate > 0 {
		n = min(n, rate)
	}
	if total > 0 {
		n = min(n, total)
	}
	return int(n)
}

// share is task i's part of amount split over n tasks: the first amount%n tasks get one more.
func share(amount int64, n, i int) int64 {
	s := amount / int64(n)
	if int64(i) < amount%int64(n) {
		s++
	}
	return s
}

// Stop has nothing to release.
func (*SourceConnector) Stop() error { return nil }

// NewTask returns an unstarted generator task.
func (*SourceConnector) NewTask() connectors.SourceTask { return newSourceTask() }

// idleWait is how long a task that has produced its total waits per poll.
const idleWait = time.Second

// sourceTask generates one task's share. Poll runs on one goroutine; Stop may come from
// another, so what both touch is atomic or behind the reporter's lock.
type sourceTask struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) // returns early on ctx or Stop
	log   *slog.Logger

	stop     chan struct{}
	stopOnce sync.Once

	// Set by Start.
	connector   string
	id, tasks   int
	topic       string
	rate        int64 // this task's records per second; 0 unlimited
	total       int64 // this task's records in all; 0 endless
	cardinality int64
	batch       int
	payload     []byte // the value of every record
	// value is payload as an interface, boxed once: assigning a []byte to a record's Value
	// (an any) would allocate a slice header per record.
	value     any
	keys      []any // keys[k] is "key-<k>" as a boxed []byte, filled lazily up to maxCachedKeys
	partition map[string]any
	counter   *counter // the registry's
	report    *reporter

	produced atomic.Int64 // this task's records ever, including before a restart: the offset

	// The token bucket (rate > 0): tokens are records that may be sent now.
	tokens   float64
	refilled time.Time

	finished bool // total reached and logged

	// transaction.boundary=connector: txn is nil without it, or without transaction.records.
	txn                    connectors.TransactionContext
	txnRecords, abortEvery int64
}

var _ connectors.SourceTask = (*sourceTask)(nil)

func newSourceTask() *sourceTask {
	t := &sourceTask{now: time.Now, log: slog.Default(), stop: make(chan struct{})}
	t.sleep = t.wait
	return t
}

// wait sleeps d, or less if ctx ends or Stop is called.
func (t *sourceTask) wait(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-t.stop:
	case <-timer.C:
	}
}

// Start parses the task config and reads the task's stored count.
func (t *sourceTask) Start(ctx connectors.SourceTaskContext, props map[string]string) error {
	vals, err := connectors.Merge(sourceConfig, taskKeys).Parse(props)
	if err != nil {
		return fmt.Errorf("start DataGenSourceTask: %w", err)
	}
	t.connector = props["name"]
	t.id, t.tasks = vals.Int(TaskIDKey), vals.Int(TaskCountKey)
	t.topic = vals.String(TopicKey)
	t.rate, t.total = vals.Long(RateKey), vals.Long(TotalRecordsKey)
	t.cardinality = vals.Long(KeyCardinalityKey)
	t.batch = vals.Int(BatchSizeKey)
	t.payload = payload(vals.Int(RecordSizeKey), uint64(t.id))
	t.value = t.payload
	t.partition = map[string]any{TaskField: int64(t.id)}
	if t.txnRecords = vals.Long(TransactionRecordsKey); t.txnRecords > 0 && ctx != nil {
		t.txn, t.abortEvery = ctx.TransactionContext(), vals.Long(TransactionAbortEveryKey)
	}
	stored, err := t.storedCount(ctx)
	if err != nil {
		return fmt.Errorf("start DataGenSourceTask %d: %w", t.id, err)
	}
	t.produced.Store(stored)
	t.log = t.log.With("component", "loadgen", "connector", t.connector, "task", t.id)
	now := t.now()
	t.refilled = now
	t.counter = counterFor(t.connector, t.id)
	t.report = newReporter(t.log, "DataGenSource progress", time.Duration(vals.Long(LogIntervalKey))*time.Millisecond, now)
	return nil
}

// storedCount reads the task's committed record count; 0 when there is none.
func (t *sourceTask) storedCount(ctx connectors.SourceTaskContext) (int64, error) {
	if ctx == nil || ctx.Offsets() == nil {
		return 0, nil
	}
	off, err := ctx.Offsets().Offset(t.partition)
	if err != nil {
		return 0, fmt.Errorf("read stored offset: %w", err)
	}
	raw, ok := off[RecordsField]
	if !ok || raw == nil {
		return 0, nil
	}
	var n int64
	switch x := raw.(type) {
	case int64:
		n = x
	case float64: // a JSON number decoded without integer support
		if x != math.Trunc(x) || x > math.MaxInt64 {
			return 0, fmt.Errorf("%w (got %v)", ErrOffsetType, x)
		}
		n = int64(x)
	default:
		return 0, fmt.Errorf("%w (got %T)", ErrOffsetType, raw)
	}
	if n < 0 {
		return 0, fmt.Errorf("%w (got %d)", ErrOffsetType, n)
	}
	return n, nil
}

// payload is size printable ASCII bytes, pseudo-random with a fixed seed so runs repeat and
// the value is not trivially compressible.
func payload(size int, seed uint64) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	r := rand.New(rand.NewPCG(seed, 0x6c6f616467656e)) // "loadgen"
	b := make([]byte, size)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

// Poll returns up to batch.size records, as many as the rate allows; it waits when the
// rate allows none yet, and idles once the task's total is reached.
func (t *sourceTask) Poll(ctx context.Context) ([]connectors.SourceRecord, error) {
	now := t.now()
	t.report.tick(now, "offset", t.produced.Load())
	n := int64(t.batch)
	if t.total > 0 {
		left := t.total - t.produced.Load()
		if left <= 0 {
			if !t.finished {
				t.finished = true
				t.log.Info("DataGenSource task reached its total", "records", t.produced.Load())
			}
			t.sleep(ctx, idleWait)
			return nil, nil
		}
		n = min(n, left)
	}
	if t.rate > 0 {
		t.refill(now)
		// Wait for a useful batch: about 1/100 s of records, so a modest rate is sent in
		// batches rather than one produce request per record.
		want := min(n, max(1, t.rate/100))
		if t.tokens < float64(want) {
			d := time.Duration((float64(want) - t.tokens) / float64(t.rate) * float64(time.Second))
			t.sleep(ctx, min(max(d, time.Millisecond), time.Second))
			if ctx.Err() != nil {
				return nil, nil
			}
			t.refill(t.now())
			if t.tokens < 1 {
				return nil, nil
			}
		}
		n = min(n, int64(t.tokens))
		t.tokens -= float64(n)
	}
	return t.generate(int(n)), nil
}

// refill adds the tokens earned since the last refill, holding at most one second's worth,
// so a pause or a slow broker is not followed by an unbounded burst.
func (t *sourceTask) refill(now time.Time) {
	if d := now.Sub(t.refilled); d > 0 {
		t.tokens += d.Seconds() * float64(t.rate)
		t.refilled = now
	}
	t.tokens = min(t.tokens, float64(t.rate))
}

// generate makes n records continuing the task's count.
//
// Only the records a restart could resume right after carry their own count as offset: the
// last of the poll, and each that ends a transaction (defineTransactions). The others share
// one offset, the count before the poll: a runtime that commits the offset of a record in the
// middle of the poll resumes at the poll's start (its records are sent again, at least once),
// never beyond a record it has not written. A map per record was most of the generator's cost
// (4 allocations and about 500 bytes of a 100-byte record's), and the runtime commits the
// last offset of a poll, or of a transaction, only.
func (t *sourceTask) generate(n int) []connectors.SourceRecord {
	if n <= 0 {
		return nil
	}
	first := t.produced.Load()
	records := make([]connectors.SourceRecord, n)
	bytes := int64(n) * int64(len(t.payload))
	resume := t.offset(first)
	for i := range records {
		r := &records[i]
		r.Topic = t.topic
		r.ValueSchema, r.Value = connectors.BytesSchema, t.value
		r.SourcePartition = t.partition
		r.SourceOffset = resume
		if t.cardinality > 0 {
			// Interleave the tasks' sequences, so the keys cycle over all tasks' records.
			seq := first + int64(i)
			k, size := t.key((seq*int64(t.tasks) + int64(t.id)) % t.cardinality)
			r.KeySchema, r.Key = connectors.BytesSchema, k
			bytes += int64(size)
		}
	}
	records[n-1].SourceOffset = t.offset(first + int64(n))
	t.defineTransactions(first, records)
	t.produced.Add(int64(n))
	t.counter.add(int64(n), bytes)
	t.report.count.add(int64(n), bytes)
	return records
}

// offset is the source offset of a task that has produced count records: where it resumes.
func (t *sourceTask) offset(count int64) map[string]any {
	return map[string]any{RecordsField: count}
}

// defineTransactions names the records that end a transaction (every transaction.records-th
// of the task's, counted from its first record ever), asking for a commit or, for every
// transaction.abort.every-th transaction, an abort.
func (t *sourceTask) defineTransactions(first int64, records []connectors.SourceRecord) {
	if t.txn == nil {
		return
	}
	for i := range records {
		seq := first + int64(i)
		if (seq+1)%t.txnRecords != 0 {
			continue
		}
		// The task resumes right after this record if its transaction is the last committed
		// (or aborted: an aborted transaction's offsets are committed too); the request names
		// the record with that offset, which no other record of the poll has.
		records[i].SourceOffset = t.offset(seq + 1)
		if k := seq / t.txnRecords; t.abortEvery > 0 && (k+1)%t.abortEvery == 0 {
			t.txn.AbortTransactionFor(records[i])
		} else {
			t.txn.CommitTransactionFor(records[i])
		}
	}
}

// maxCachedKeys bounds the key cache: beyond it, keys are formatted per record.
const maxCachedKeys = 1 << 16

// key is key number k, boxed, and its length.
func (t *sourceTask) key(k int64) (any, int) {
	if k >= maxCachedKeys {
		b := []byte("key-" + strconv.FormatInt(k, 10))
		return b, len(b)
	}
	if t.keys == nil {
		t.keys = make([]any, min(t.cardinality, maxCachedKeys))
	}
	if t.keys[k] == nil {
		t.keys[k] = []byte("key-" + strconv.FormatInt(k, 10))
	}
	return t.keys[k], len(t.keys[k].([]byte))
}

// Stop ends a waiting Poll and logs the task's summary. It is safe to call twice.
func (t *sourceTask) Stop() error {
	t.stopOnce.Do(func() {
		close(t.stop)
		if t.report != nil {
			t.report.final(t.now(), "offset", t.produced.Load())
		}
	})
	return nil
}
