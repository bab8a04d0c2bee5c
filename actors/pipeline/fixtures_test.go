package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/converters"
	"github.com/connectd/connectd/connectors/filestream"
)

// testTimeout bounds every wait of a test.
const testTimeout = 20 * time.Second

// quietWindow is how long a paused pipeline is watched for leaks: well above the
// FileStream source task's 1 s idle poll, so a poll that ignored the pause would show.
const quietWindow = 3 * time.Second

// newCluster starts an in-process broker with topics (default "t") of one partition each,
// closed on cleanup.
func newCluster(t testing.TB, topics ...string) *kfake.Cluster {
	t.Helper()
	if len(topics) == 0 {
		topics = []string{"t"}
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topics...))
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// baseConfig is cmd/connectd/kafka.go's baseConfig.
func baseConfig(clientID string) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = clientID
	c.Version = sarama.V3_6_0_0
	c.Metadata.AllowAutoTopicCreation = false
	return c
}

// newProducer is the worker's task producer (cmd/connectd/kafka.go), closed on cleanup.
func newProducer(t testing.TB, c *kfake.Cluster, connector string) sarama.SyncProducer {
	t.Helper()
	cfg := baseConfig("connector-producer-" + connector + "-0")
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Producer.Retry.Max = 10
	cfg.Producer.Partitioner = NewPartitioner(store.PartitionFor)
	p, err := sarama.NewSyncProducer(c.ListenAddrs(), cfg)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// newConsumer is the worker's sink consumer of group connect-<connector> (Clients.SinkConsumer
// with the worker's default session.timeout.ms and heartbeat.interval.ms).
func newConsumer(t testing.TB, c *kfake.Cluster, connector string) []kgo.Opt {
	t.Helper()
	k := &Clients{Brokers: c.ListenAddrs()}
	cons, err := k.SinkConsumer(connector, 0, nil)
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	return cons.Opts
}

// jsonConverter is a configured JsonConverter.
func jsonConverter(t testing.TB, props map[string]string, isKey bool) connectors.Converter {
	t.Helper()
	c := &converters.JSONConverter{}
	if err := c.Configure(props, isKey); err != nil {
		t.Fatalf("configure JsonConverter: %v", err)
	}
	return c
}

// stringEnvelope is what Kafka's JsonConverter (schemas.enable=true) writes for a string.
func stringEnvelope(s string) string {
	b, _ := json.Marshal(s)
	return `{"schema":{"type":"string","optional":false},"payload":` + string(b) + `}`
}

// newAdmin is an independent (franz-go) client of c, closed on cleanup.
func newAdmin(t testing.TB, c *kfake.Cluster) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// testCtx is a context bounded by testTimeout, cancelled on cleanup.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// endOffset is the sum of topic's partitions' end offsets; 0 while topic does not exist.
func endOffset(t testing.TB, adm *kadm.Client, topic string) int64 {
	t.Helper()
	ends, err := adm.ListEndOffsets(testCtx(t), topic)
	if err == nil {
		err = ends.Error()
	}
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return 0
	}
	if err != nil {
		t.Fatalf("list end offsets of %s: %v", topic, err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

// committed is the offset group committed for topic's partition 0; false if none.
func committed(t testing.TB, adm *kadm.Client, group, topic string) (int64, bool) {
	t.Helper()
	offs, err := adm.FetchOffsets(testCtx(t), group)
	if err == nil {
		err = offs.Error()
	}
	if errors.Is(err, kerr.GroupIDNotFound) {
		return 0, false // the group never joined
	}
	if err != nil {
		t.Fatalf("fetch offsets of %s: %v", group, err)
	}
	o, ok := offs.Lookup(topic, 0)
	if !ok || o.At < 0 {
		return 0, false
	}
	return o.At, true
}

// createTopic creates topic with one partition; an existing topic is fine.
func createTopic(ctx context.Context, adm *kadm.Client, topic string) error {
	_, err := adm.CreateTopic(ctx, 1, -1, nil, topic)
	if errors.Is(err, kerr.TopicAlreadyExists) {
		return nil
	}
	return err
}

// readTopic reads every record of topic up to its current end with kgo, in partition and
// offset order.
func readTopic(t testing.TB, c *kfake.Cluster, topic string) []*kgo.Record {
	t.Helper()
	ctx := testCtx(t)
	ends, err := newAdmin(t, c).ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatalf("list end offsets of %s: %v", topic, err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(50*time.Millisecond),
	)
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	defer cl.Close()
	var got []*kgo.Record
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: %v (still waiting for %v)", topic, ctx.Err(), want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if end, ok := want[r.Partition]; ok && r.Offset < end {
				got = append(got, r)
				if r.Offset+1 >= end {
					delete(want, r.Partition)
				}
			}
		})
	}
	slices.SortFunc(got, func(a, b *kgo.Record) int {
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(a.Offset - b.Offset)
	})
	return got
}

// produce writes records to partition 0 of topic with kgo, acks=all; a nil key or value
// stays null.
func produce(t testing.TB, c *kfake.Cluster, topic string, recs ...kv) {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.DisableIdempotentWrite(),
	)
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	defer cl.Close()
	krs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		krs[i] = &kgo.Record{Topic: topic, Key: r.key, Value: r.value, Headers: r.headers}
	}
	if err := cl.ProduceSync(testCtx(t), krs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// kv is a record's raw key, value and headers.
type kv struct {
	key, value []byte
	headers    []kgo.RecordHeader
}

// envelopes makes records with a null key and JsonConverter string envelopes of vals.
func envelopes(vals ...string) []kv {
	out := make([]kv, len(vals))
	for i, v := range vals {
		out[i] = kv{value: []byte(stringEnvelope(v))}
	}
	return out
}

// numbered is n strings prefix-NNNN, numbered from from.
func numbered(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, from+i)
	}
	return out
}

// emptyFile creates an empty file in a test directory.
func emptyFile(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// appendLines appends each line and a newline to path.
func appendLines(t testing.TB, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

// linesOf is the lines of path; a missing file has none.
func linesOf(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// sourceProps configures a FileStream source task.
func sourceProps(file, topic string) map[string]string {
	return map[string]string{filestream.FileKey: file, filestream.TopicKey: topic}
}

// headerConverter is the built-in header converter class, configured with props.
func headerConverter(t testing.TB, class string, props map[string]string) connectors.HeaderConverter {
	t.Helper()
	r := &connectors.Registry{}
	converters.Register(r)
	h, err := r.NewHeaderConverter(class)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Configure(props); err != nil {
		t.Fatal(err)
	}
	return h
}

// newFileSource is a Source around a fresh FileStream source task, with the worker's producer
// and JsonConverter (schemas.enable=true) for keys and values.
func newFileSource(t testing.TB, c *kfake.Cluster, props map[string]string, offs Offsets) *Source {
	t.Helper()
	src := &Source{
		Task:    (&filestream.SourceConnector{}).NewTask(),
		Props:   props,
		Key:     jsonConverter(t, nil, true),
		Value:   jsonConverter(t, nil, false),
		Header:  headerConverter(t, converters.SimpleHeaderClass, nil),
		Offsets: offs,
	}
	clients := &Clients{Brokers: c.ListenAddrs(), Hash: store.PartitionFor}
	src.NewPipelined = func(d Delivery) (*kgo.Client, error) { return clients.PipelinedProducer("src", 0, nil, d) }
	return src
}

// memOffsets is an in-memory Offsets: the last committed offset per source partition.
type memOffsets struct {
	mu   sync.Mutex
	m    map[string]map[string]any
	puts int
}

func newMemOffsets() *memOffsets { return &memOffsets{m: map[string]map[string]any{}} }

func partitionKey(p map[string]any) string {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // test partitions are plain maps
	}
	return string(b)
}

func (o *memOffsets) Offset(p map[string]any) (map[string]any, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maps.Clone(o.m[partitionKey(p)]), nil
}

func (o *memOffsets) Put(_ context.Context, offsets []connectors.SourceOffset) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.puts++
	for _, so := range offsets {
		o.m[partitionKey(so.Partition)] = maps.Clone(so.Offset)
	}
	return nil
}

// position is the committed FileStream position of file; false if none.
func (o *memOffsets) position(file string) (int64, bool) {
	off, _ := o.Offset(map[string]any{filestream.FilenameField: file})
	p, ok := off[filestream.PositionField].(int64)
	return p, ok
}

func (o *memOffsets) putCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.puts
}

// running is a pipeline's Run on its own goroutine; cleanup cancels it and waits.
type running struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func start(t testing.TB, run func(context.Context) error) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(testTimeout):
			t.Errorf("Run did not return within %v of its cancellation", testTimeout)
		}
	})
	return r
}

// stop cancels Run and returns its error.
func (r *running) stop(t testing.TB) error {
	t.Helper()
	r.cancel()
	return r.wait(t)
}

// wait returns Run's error once it returned by itself.
func (r *running) wait(t testing.TB) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(testTimeout):
		t.Fatalf("Run did not return within %v", testTimeout)
		return nil
	}
}

// scriptedSource wraps a real source task: poll number i (from 1) returns fail[i] instead
// of polling, and route, if set, rewrites each record's topic (as a RegexRouter would).
type scriptedSource struct {
	connectors.SourceTask
	fail  map[int]error
	route func(r *connectors.SourceRecord)

	mu      sync.Mutex
	polls   int
	stopped bool
}

func (s *scriptedSource) Poll(ctx context.Context) ([]connectors.SourceRecord, error) {
	s.mu.Lock()
	s.polls++
	err := s.fail[s.polls]
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	records, err := s.SourceTask.Poll(ctx)
	if s.route != nil {
		for i := range records {
			s.route(&records[i])
		}
	}
	return records, err
}

func (s *scriptedSource) Stop() error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	return s.SourceTask.Stop()
}

func (s *scriptedSource) state() (polls int, stopped bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls, s.stopped
}

// recordingSink wraps a real sink task and records what the pipeline handed it.
type recordingSink struct {
	connectors.SinkTask

	mu      sync.Mutex
	offsets []int64 // offsets of the records Put, in order
	headers [][]connectors.Header
	flushes []map[connectors.TopicPartition]int64
}

func (s *recordingSink) Put(ctx context.Context, records []connectors.SinkRecord) error {
	err := s.SinkTask.Put(ctx, records)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range records {
		s.offsets = append(s.offsets, r.Offset)
		s.headers = append(s.headers, r.Headers)
	}
	return err
}

// putHeaders is the headers of each record Put so far, in order.
func (s *recordingSink) putHeaders() [][]connectors.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.headers)
}

func (s *recordingSink) Flush(ctx context.Context, offsets map[connectors.TopicPartition]int64) error {
	err := s.SinkTask.Flush(ctx, offsets)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushes = append(s.flushes, maps.Clone(offsets))
	return err
}

func (s *recordingSink) put() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.offsets)
}

// flushed is the highest offset of tp handed to Flush so far; -1 if none.
func (s *recordingSink) flushed(tp connectors.TopicPartition) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := int64(-1)
	for _, f := range s.flushes {
		if o, ok := f[tp]; ok && o > last {
			last = o
		}
	}
	return last
}

// newFileSink is a Sink of a fresh FileStream sink task writing file, in group
// connect-<connector>, with JsonConverter (schemas.enable=true) for keys and values.
func newFileSink(t testing.TB, c *kfake.Cluster, connector, topic, file string) (*Sink, *recordingSink) {
	t.Helper()
	task := &recordingSink{SinkTask: (&filestream.SinkConnector{}).NewTask()}
	return &Sink{
		Task:     task,
		Props:    map[string]string{"topics": topic, filestream.FileKey: file},
		Key:      jsonConverter(t, nil, true),
		Value:    jsonConverter(t, nil, false),
		Header:   headerConverter(t, converters.SimpleHeaderClass, nil),
		Consumer: newConsumer(t, c, connector),
		Topics:   []string{topic},
	}, task
}
