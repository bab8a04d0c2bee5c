package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/IBM/sarama"
)

// pipeline measures the data path of one task, in records/s and MB/s, on one worker with its
// embedded broker (or --bootstrap), and beside it raw clients on the same broker in the same
// run; the first comparison of each direction is against the ceiling (ceiling.go), the
// fastest client this benchmark runs, the others against sarama clients:
//
//   - source → Kafka: a DataGenSource connector (tasks.max 1, unlimited rate) against the
//     ceiling producer, a sarama SyncProducer sending batches of the same size (what the
//     worker's source pipeline did when this was written) and an AsyncProducer (sarama's best
//     case). Counted by the topic's end offsets.
//   - Kafka → sink: a DiscardSink connector (tasks.max 1) draining a pre-filled topic,
//     against the ceiling consumer and a sarama partition consumer draining another. Counted
//     by the connector's committed consumer-group offsets, and by the consumers' own count.
//
// Records carry no key; values are the record size in printable bytes; both connectors use
// ByteArrayConverter so that the runtime, not a converter, is what is measured.
func pipelineFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	duration := fs.Duration("duration", 5*time.Second, "measurement window of each source case")
	sizesFlag := fs.String("sizes", "100,1024", "record value sizes in bytes, comma-separated")
	sinkMB := fs.Float64("sink-mb", 100, "MB of records pre-filled for each sink case (records = MB / size), so every size runs a few seconds")
	sinkRecords := fs.Int("sink-records", 0, "records pre-filled for each sink case, instead of --sink-mb")
	batch := fs.Int("batch", 1000, "DataGenSource batch.size, and records per SyncProducer.SendMessages")
	flush := fs.Duration("flush", 50*time.Millisecond, "the worker's offset.flush.interval.ms: the sink's committed offsets advance in these steps")
	timeout := fs.Duration("timeout", 2*time.Minute, "deadline of one case")
	readyTimeout := fs.Duration("ready-timeout", 30*time.Second, "deadline for the worker to answer GET /")
	bootstrap := fs.String("bootstrap", "", "a Kafka broker (e.g. Apache Kafka: scripts/apache-kafka.sh start) for the worker and the raw clients, instead of the worker's embedded broker")
	return func(ctx context.Context) (*result, error) {
		if c.smoke {
			// One size: the code path is the same for every size.
			*duration, *sinkRecords, *sizesFlag = 150*time.Millisecond, 20000, "100"
		}
		var sizes []int
		for _, f := range strings.Split(*sizesFlag, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return nil, fmt.Errorf("--sizes: %q is not a positive size", f)
			}
			sizes = append(sizes, n)
		}
		if *duration <= 0 || *sinkRecords < 0 || *sinkMB <= 0 || *batch < 1 || *flush < time.Millisecond {
			return nil, errors.New("--duration, --sink-mb, --sink-records, --batch and --flush must be positive")
		}
		sinkCount := func(size int) int {
			if *sinkRecords > 0 {
				return *sinkRecords
			}
			return max(1000, int(*sinkMB*1e6)/size)
		}
		bin, err := connectdBinary(ctx, *c)
		if err != nil {
			return nil, err
		}
		props := map[string]string{}
		target := "connectd distributed, one worker, embedded broker; raw clients in the benchmark process on the same broker"
		// Names of topics and connectors: fresh on an embedded broker, prefixed by the run on
		// a broker that outlives it.
		prefix := ""
		if *bootstrap != "" {
			prefix = fmt.Sprintf("pl%d-", time.Now().Unix())
			props = externalProps(*bootstrap, prefix+"connect")
			target = "connectd distributed, one worker, on the broker " + *bootstrap + "; raw clients in the benchmark process on the same broker"
		}
		props["offset.flush.interval.ms"] = strconv.FormatInt(flush.Milliseconds(), 10)
		w, err := startWorkerWith(ctx, bin, *readyTimeout, props)
		if err != nil {
			return nil, err
		}
		broker := cmp.Or(*bootstrap, w.broker)
		progress("worker pid %d ready at %s, broker %s", w.pid(), w.url, broker)
		p, err := newPipelineBench(broker, w.url, *batch, *timeout)
		if err != nil {
			return nil, err
		}
		defer p.close()
		if prefix != "" {
			// The run's topics hold --sink-mb of records per case: on a broker that outlives
			// the run they go with it, or repeated runs fill the broker's disk (67 GB once).
			defer p.deleteTopics(prefix)
		}

		res := &result{
			Target:  target,
			Figures: map[string]stats{},
			Samples: map[string][]float64{},
		}
		var rows []pipelineRow
		for _, size := range sizes {
			label := fmt.Sprintf("%dB", size)
			name := func(s string) string { return prefix + s + "-" + label }
			// Source → Kafka: the raw producers first, then the connector, each on its own topic.
			sync, err := p.measureSource(ctx, "sarama SyncProducer", name("raw-sync"), *duration, func(ctx context.Context, topic string) error {
				return p.runSyncProducer(ctx, topic, size)
			})
			if err != nil {
				return nil, err
			}
			async, err := p.measureSource(ctx, "sarama AsyncProducer", name("raw-async"), *duration, func(ctx context.Context, topic string) error {
				return p.runAsyncProducer(ctx, topic, size, 0)
			})
			if err != nil {
				return nil, err
			}
			ceiling, err := p.measureSource(ctx, "kgo producer (ceiling)", name("raw-kgo"), *duration, func(ctx context.Context, topic string) error {
				return p.runKgoProducer(ctx, topic, size, 0)
			})
			if err != nil {
				return nil, err
			}
			conn, err := p.measureSource(ctx, "DataGenSource", name("datagen"), *duration, func(ctx context.Context, topic string) error {
				return p.runDataGen(ctx, name("datagen"), topic, size)
			})
			if err != nil {
				return nil, err
			}
			rows = append(rows,
				pipelineRow{"source → Kafka", size, conn, ceiling},
				pipelineRow{"", size, conn, sync},
				pipelineRow{"", size, conn, async})

			// Kafka → sink: two pre-filled topics, one per consumer.
			rawTopic, sinkTopic := name("raw-consume"), name("discard")
			for _, t := range []string{rawTopic, sinkTopic} {
				if err := p.prefill(ctx, t, size, sinkCount(size)); err != nil {
					return nil, err
				}
			}
			// Neither raw consumer is in a group, so both read the same topic.
			consumer, err := p.measureRawConsumer(ctx, rawTopic, int64(sinkCount(size)))
			if err != nil {
				return nil, err
			}
			ceilingConsumer, err := p.measureKgoConsumer(ctx, rawTopic, int64(sinkCount(size)))
			if err != nil {
				return nil, err
			}
			sink, err := p.measureDiscardSink(ctx, name("discard"), sinkTopic, int64(sinkCount(size)))
			if err != nil {
				return nil, err
			}
			rows = append(rows,
				pipelineRow{"Kafka → sink", size, sink, ceilingConsumer},
				pipelineRow{"", size, sink, consumer})
		}
		for _, r := range rows {
			for _, m := range []throughput{r.connectd, r.baseline} {
				key := figureKey(r.size, m.name)
				if _, done := res.Figures[key]; done {
					continue
				}
				res.Figures[key] = summarize("records/s", []float64{round3(m.recordsPerSec())})
				res.Figures[key+"_mb"] = summarize("MB/s", []float64{round3(m.recordsPerSec() * float64(r.size) / 1e6)})
				res.Samples[key+"_interval_records_per_s"] = m.intervals
			}
			res.Figures[figureKey(r.size, r.connectd.name)+"_vs_"+figureKey(r.size, r.baseline.name)] = summarize("ratio", []float64{round3(r.ratio())})
		}
		sinkDesc := fmt.Sprintf("%v MB of", *sinkMB)
		if *sinkRecords > 0 {
			sinkDesc = strconv.Itoa(*sinkRecords)
		}
		res.Notes = []string{
			"records/s = records counted over the measurement window / the window; one task, one partition, no key, acks=all",
			"ceiling: franz-go (kgo) clients tuned for throughput: producer with 1 MB batches, 5 ms linger, up to 5 idempotent requests in flight, no compression; consumer fetching up to 64 MiB per request (8 MiB per partition), timed from its first fetch to its last record, the first fetch's records not counted",
			fmt.Sprintf("source: %v window after the first record; counted by the topic's end offsets, polled every 250 ms; DataGenSource batch.size and SyncProducer batch %d", *duration, *batch),
			fmt.Sprintf("sink: %s pre-filled records; DiscardSink counted by committed offsets of group connect-<name> (offset.flush.interval.ms %d), polled every 5 ms, from the first commit to the last; the sarama consumer from its first record to its last; the ceiling consumer reads the sarama consumer's topic", sinkDesc, flush.Milliseconds()),
			"the worker process holds the broker and, in the connectd cases, the task; the raw clients run in the benchmark process; both share the machine's cores",
		}
		printPipelineTable(rows)
		return res, nil
	}
}

func figureKey(size int, name string) string {
	n := strings.NewReplacer("sarama ", "sarama_", " (", "_", ")", "", " ", "_").Replace(strings.ToLower(name))
	return fmt.Sprintf("%s_%dB", n, size)
}

// throughput is one case's count over its window.
type throughput struct {
	name      string
	records   int64
	window    time.Duration
	intervals []float64 // records/s in each sampling interval
	note      string
}

func (t throughput) recordsPerSec() float64 {
	if t.window <= 0 {
		return 0
	}
	return float64(t.records) / t.window.Seconds()
}

type pipelineRow struct {
	direction          string
	size               int
	connectd, baseline throughput
}

func (r pipelineRow) ratio() float64 {
	if b := r.baseline.recordsPerSec(); b > 0 {
		return r.connectd.recordsPerSec() / b
	}
	return 0
}

func printPipelineTable(rows []pipelineRow) {
	fmt.Println("pipeline: one task, one partition, per record size; ratio = connectd / baseline; the first baseline of each direction is the ceiling")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "direction\tsize\tconnectd\trecords/s\tMB/s\tbaseline\trecords/s\tMB/s\tratio\t")
	for _, r := range rows {
		mb := func(t throughput) string {
			return strconv.FormatFloat(t.recordsPerSec()*float64(r.size)/1e6, 'f', 1, 64)
		}
		fmt.Fprintf(tw, "%s\t%d B\t%s\t%.0f\t%s\t%s\t%.0f\t%s\t%.2f\t\n", r.direction, r.size,
			r.connectd.name, r.connectd.recordsPerSec(), mb(r.connectd),
			r.baseline.name, r.baseline.recordsPerSec(), mb(r.baseline), r.ratio())
	}
	tw.Flush()
	noted := map[string]bool{} // a connectd case is in several rows
	for _, r := range rows {
		for _, t := range []throughput{r.connectd, r.baseline} {
			if k := fmt.Sprintf("%s, %d B", t.name, r.size); t.note != "" && !noted[k] {
				noted[k] = true
				fmt.Printf("note (%s): %s\n", k, t.note)
			}
		}
	}
}

// pipelineBench holds the benchmark's own Kafka clients and REST client for one worker.
type pipelineBench struct {
	broker  string // host:port of the Kafka broker
	rest    *bench // the worker's REST API
	client  sarama.Client
	admin   sarama.ClusterAdmin
	batch   int
	timeout time.Duration
}

// saramaConfig is the configuration of the raw clients: the worker's (pipeline.BaseConfig and
// pipeline.Clients), so that a ratio compares the runtime, not client settings.
func saramaConfig(id string) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = id
	c.Version = sarama.V3_6_0_0
	c.Metadata.AllowAutoTopicCreation = false
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Producer.Retry.Max = 10
	c.Consumer.MaxWaitTime = 250 * time.Millisecond
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	return c
}

func newPipelineBench(broker, restURL string, batch int, timeout time.Duration) (*pipelineBench, error) {
	client, err := sarama.NewClient([]string{broker}, saramaConfig("bench-admin"))
	if err != nil {
		return nil, fmt.Errorf("kafka client on %s: %w", broker, err)
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("kafka admin: %w", err)
	}
	rest := &bench{base: restURL, client: &http.Client{Timeout: 30 * time.Second}}
	atExit(rest.deleteLeftovers)
	return &pipelineBench{broker: broker, rest: rest, client: client, admin: admin, batch: batch, timeout: timeout}, nil
}

// deleteTopics deletes the broker's topics named with prefix.
func (p *pipelineBench) deleteTopics(prefix string) {
	topics, err := p.admin.ListTopics()
	if err != nil {
		progress("list the run's topics to delete them: %v", err)
		return
	}
	n := 0
	for t := range topics {
		if !strings.HasPrefix(t, prefix) {
			continue
		}
		if err := p.admin.DeleteTopic(t); err != nil {
			progress("delete topic %s: %v", t, err)
			continue
		}
		n++
	}
	progress("deleted the run's %d topics (%s*)", n, prefix)
}

// close closes the admin, which closes the client it was made from.
func (p *pipelineBench) close() { _ = p.admin.Close() }

func (p *pipelineBench) createTopic(topic string) error {
	err := p.admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false)
	if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
		var terr *sarama.TopicError
		if !errors.As(err, &terr) || terr.Err != sarama.ErrTopicAlreadyExists {
			return fmt.Errorf("create topic %s: %w", topic, err)
		}
	}
	return nil
}

// endOffset is the sum of the topic's partitions' end offsets: the records written to it.
func (p *pipelineBench) endOffset(topic string) (int64, error) {
	parts, err := p.client.Partitions(topic)
	if err != nil {
		if rerr := p.client.RefreshMetadata(topic); rerr != nil {
			return 0, nil // not created yet
		}
		if parts, err = p.client.Partitions(topic); err != nil {
			return 0, nil
		}
	}
	var sum int64
	for _, part := range parts {
		o, err := p.partitionEnd(topic, part)
		if err != nil {
			return 0, fmt.Errorf("end offset of %s-%d: %w", topic, part, err)
		}
		sum += o
	}
	return sum, nil
}

// partitionEnd is one partition's end offset. A topic just created may have no leader yet
// in the client's metadata (NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE): the metadata is
// refreshed and the question asked again, for up to two seconds, instead of failing the run.
func (p *pipelineBench) partitionEnd(topic string, part int32) (int64, error) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		o, err := p.client.GetOffset(topic, part, sarama.OffsetNewest)
		retriable := errors.Is(err, sarama.ErrNotLeaderForPartition) || errors.Is(err, sarama.ErrLeaderNotAvailable) ||
			errors.Is(err, sarama.ErrUnknownTopicOrPartition)
		if err == nil || !retriable || time.Now().After(deadline) {
			return o, err
		}
		_ = p.client.RefreshMetadata(topic)
		time.Sleep(50 * time.Millisecond) // a backoff between two questions to the broker
	}
}

// value is size printable bytes, shared by every record of a case as DataGenSource shares
// its value.
func value(size int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, size)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return b
}

// measureSource starts run (which writes to topic until its ctx ends) and counts the topic's
// end offsets for window from the first record seen; then stops run and waits for the topic
// to stop growing, so the next case starts on a quiet broker.
func (p *pipelineBench) measureSource(ctx context.Context, name, topic string, window time.Duration, run func(context.Context, string) error) (throughput, error) {
	t := throughput{name: name}
	if err := p.createTopic(topic); err != nil {
		return t, err
	}
	rctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- run(rctx, topic) }()
	stop := func() error {
		cancel()
		if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	progress("%s → %s: waiting for the first record", name, topic)
	deadline := time.Now().Add(p.timeout)
	var start int64
	var t0 time.Time
	for {
		n, err := p.endOffset(topic)
		if err != nil {
			_ = stop()
			return t, err
		}
		if n > 0 {
			start, t0 = n, time.Now()
			break
		}
		select {
		case err := <-errc:
			return t, fmt.Errorf("%s ended before writing: %v", name, err)
		default:
		}
		if time.Now().After(deadline) {
			_ = stop()
			return t, fmt.Errorf("%s: no record in %s after %v", name, topic, p.timeout)
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			_ = stop()
			return t, err
		}
	}
	last, lastT := start, t0
	nextProgress := t0.Add(time.Second)
	for time.Since(t0) < window {
		if err := sleepCtx(ctx, min(250*time.Millisecond, window-time.Since(t0))); err != nil {
			_ = stop()
			return t, err
		}
		n, err := p.endOffset(topic)
		if err != nil {
			_ = stop()
			return t, err
		}
		now := time.Now()
		if d := now.Sub(lastT); d > 0 {
			t.intervals = append(t.intervals, round3(float64(n-last)/d.Seconds()))
		}
		last, lastT = n, now
		if now.After(nextProgress) {
			progress("%s: %d records, %.0f records/s so far", name, n-start, float64(n-start)/now.Sub(t0).Seconds())
			nextProgress = now.Add(time.Second)
		}
	}
	t.records, t.window = last-start, lastT.Sub(t0)
	if err := stop(); err != nil {
		return t, err
	}
	progress("%s: %.0f records/s over %v", name, t.recordsPerSec(), t.window.Round(time.Millisecond))
	return t, p.waitQuiet(ctx, topic)
}

// waitQuiet waits until topic has not grown for 50 ms (at most 10 s).
func (p *pipelineBench) waitQuiet(ctx context.Context, topic string) error {
	prev := int64(-1)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		n, err := p.endOffset(topic)
		if err != nil {
			return err
		}
		if n == prev {
			return nil
		}
		prev = n
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("topic %s still growing 10 s after its writer was stopped", topic)
}

// runSyncProducer sends batches as the worker's source pipeline does: one SendMessages of
// p.batch fresh messages at a time, acks=all.
func (p *pipelineBench) runSyncProducer(ctx context.Context, topic string, size int) error {
	prod, err := sarama.NewSyncProducer([]string{p.broker}, saramaConfig("bench-sync"))
	if err != nil {
		return fmt.Errorf("sync producer: %w", err)
	}
	defer prod.Close()
	v := sarama.ByteEncoder(value(size))
	for ctx.Err() == nil {
		msgs := make([]*sarama.ProducerMessage, p.batch)
		for i := range msgs {
			msgs[i] = &sarama.ProducerMessage{Topic: topic, Value: v, Timestamp: time.Now()}
		}
		if err := prod.SendMessages(msgs); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	return ctx.Err()
}

// runAsyncProducer feeds an AsyncProducer as fast as it takes messages, until ctx ends or,
// with limit > 0, limit records are acknowledged.
func (p *pipelineBench) runAsyncProducer(ctx context.Context, topic string, size int, limit int64) error {
	cfg := saramaConfig("bench-async")
	cfg.Producer.Return.Successes = limit > 0
	prod, err := sarama.NewAsyncProducer([]string{p.broker}, cfg)
	if err != nil {
		return fmt.Errorf("async producer: %w", err)
	}
	var (
		acked    atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	done := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range prod.Successes() {
			if acked.Add(1) == limit {
				close(done)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for e := range prod.Errors() {
			errOnce.Do(func() { firstErr = e.Err })
		}
	}()
	v := sarama.ByteEncoder(value(size))
	sent := int64(0)
feed:
	for limit == 0 || sent < limit {
		select {
		case prod.Input() <- &sarama.ProducerMessage{Topic: topic, Value: v, Timestamp: time.Now()}:
			sent++
		case <-ctx.Done():
			break feed
		}
	}
	if limit > 0 && ctx.Err() == nil {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	prod.AsyncClose()
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("produce: %w", firstErr)
	}
	return ctx.Err()
}

// runDataGen creates a DataGenSource connector writing to topic and deletes it when ctx ends.
func (p *pipelineBench) runDataGen(ctx context.Context, name, topic string, size int) error {
	cctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	if _, _, err := p.rest.createOne(cctx, name, map[string]string{
		"connector.class":    "DataGenSource",
		"tasks.max":          "1",
		"topic":              topic,
		"records.per.second": "0",
		"record.size":        strconv.Itoa(size),
		"batch.size":         strconv.Itoa(p.batch),
		"key.converter":      "org.apache.kafka.connect.converters.ByteArrayConverter",
		"value.converter":    "org.apache.kafka.connect.converters.ByteArrayConverter",
	}, p.timeout); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	<-ctx.Done()
	if _, err := p.rest.deleteOne(cctx, name); err != nil {
		return err
	}
	return ctx.Err()
}

// prefill writes n records of size bytes to a new topic with the ceiling producer.
func (p *pipelineBench) prefill(ctx context.Context, topic string, size, n int) error {
	if err := p.createTopic(topic); err != nil {
		return err
	}
	t0 := time.Now()
	if err := p.runKgoProducer(ctx, topic, size, int64(n)); err != nil {
		return fmt.Errorf("prefill %s: %w", topic, err)
	}
	got, err := p.endOffset(topic)
	if err != nil {
		return err
	}
	if got != int64(n) {
		return fmt.Errorf("prefill %s: %d records, want %d", topic, got, n)
	}
	progress("prefilled %s with %d records of %d B in %v", topic, n, size, time.Since(t0).Round(time.Millisecond))
	return nil
}

// measureRawConsumer drains topic's partition 0 with a sarama partition consumer, timing
// from its first record to its n-th.
func (p *pipelineBench) measureRawConsumer(ctx context.Context, topic string, n int64) (throughput, error) {
	t := throughput{name: "sarama consumer"}
	consumer, err := sarama.NewConsumer([]string{p.broker}, saramaConfig("bench-consumer"))
	if err != nil {
		return t, fmt.Errorf("consumer: %w", err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		return t, fmt.Errorf("consume %s: %w", topic, err)
	}
	defer pc.Close()
	deadline := time.NewTimer(p.timeout)
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var t0, lastT time.Time
	var got, last int64
	for got < n {
		select {
		case _, ok := <-pc.Messages():
			if !ok {
				return t, fmt.Errorf("consume %s: closed after %d records", topic, got)
			}
			if got == 0 {
				t0, lastT = time.Now(), time.Now()
			}
			got++
		case <-tick.C:
			if got > 0 {
				now := time.Now()
				t.intervals = append(t.intervals, round3(float64(got-last)/now.Sub(lastT).Seconds()))
				last, lastT = got, now
			}
		case <-deadline.C:
			return t, fmt.Errorf("consume %s: %d of %d records after %v", topic, got, n, p.timeout)
		case <-ctx.Done():
			return t, ctx.Err()
		}
	}
	// The first record opens the window, so n-1 records were received within it.
	t.records, t.window = n-1, time.Since(t0)
	progress("%s: %.0f records/s over %v", t.name, t.recordsPerSec(), t.window.Round(time.Millisecond))
	return t, nil
}

// measureDiscardSink creates a DiscardSink connector on topic and follows its group's
// committed offset until it reaches n, timing from the first commit to the last.
func (p *pipelineBench) measureDiscardSink(ctx context.Context, name, topic string, n int64) (throughput, error) {
	t := throughput{name: "DiscardSink"}
	created := time.Now()
	if _, _, err := p.rest.createOne(ctx, name, map[string]string{
		"connector.class": "DiscardSink",
		"tasks.max":       "1",
		"topics":          topic,
		"key.converter":   "org.apache.kafka.connect.converters.ByteArrayConverter",
		"value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
	}, p.timeout); err != nil {
		return t, fmt.Errorf("create %s: %w", name, err)
	}
	group := "connect-" + name
	deadline := time.Now().Add(p.timeout)
	var t0, lastT, nextProgress time.Time
	var first, last int64
	for {
		c, err := p.committed(group, topic)
		if err != nil {
			return t, err
		}
		now := time.Now()
		if c > 0 && t0.IsZero() {
			t0, first, lastT, last, nextProgress = now, c, now, c, now.Add(time.Second)
		}
		if !t0.IsZero() && now.Sub(lastT) >= 250*time.Millisecond {
			t.intervals = append(t.intervals, round3(float64(c-last)/now.Sub(lastT).Seconds()))
			last, lastT = c, now
		}
		if !t0.IsZero() && now.After(nextProgress) {
			progress("%s: committed %d of %d", name, c, n)
			nextProgress = now.Add(time.Second)
		}
		if c >= n {
			if c > first {
				t.records, t.window = c-first, now.Sub(t0)
			} else {
				// Everything was committed at once: only the time since creation is known,
				// and it includes the task's start and its group join.
				t.records, t.window = c, now.Sub(created)
				t.note = "all records were committed in the first flush: rate is from POST, including task start and group join (pre-fill more: --sink-mb, --sink-records)"
			}
			break
		}
		if now.After(deadline) {
			return t, fmt.Errorf("%s: committed %d of %d after %v", name, c, n, p.timeout)
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return t, err
		}
	}
	progress("%s: %.0f records/s over %v", name, t.recordsPerSec(), t.window.Round(time.Millisecond))
	if _, err := p.rest.deleteOne(ctx, name); err != nil {
		return t, err
	}
	return t, nil
}

// committed is group's committed offset on topic's partitions, summed; 0 before any commit.
func (p *pipelineBench) committed(group, topic string) (int64, error) {
	resp, err := p.admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0}})
	if errors.Is(err, sarama.ErrGroupIDNotFound) {
		return 0, nil // the task has not joined yet
	}
	if err != nil {
		return 0, fmt.Errorf("committed offsets of %s: %w", group, err)
	}
	var sum int64
	for _, b := range resp.Blocks[topic] {
		if b.Err == sarama.ErrGroupIDNotFound {
			return 0, nil
		}
		if b.Err != sarama.ErrNoError {
			return 0, fmt.Errorf("committed offsets of %s: %w", group, b.Err)
		}
		if b.Offset > 0 {
			sum += b.Offset
		}
	}
	return sum, nil
}
