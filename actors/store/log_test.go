package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/wait"
)

// Vectors from Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/
// common/utils/UtilsTest.java).
func TestMurmur2(t *testing.T) {
	tests := []struct {
		in   string
		want int32
	}{
		{"21", -973932308},
		{"foobar", -790332482},
		{"a-little-bit-long-string", -985981536},
		{"a-little-bit-longer-string", -1486304829},
		{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
		{"abc", 479470107},
		{"string-f-24-chars-length", 124730809},
		{"string-fo-25-chars-length", 1269511650},
		{"string-foo-26-chars-length", 119165628},
		{"string-last-27-chars-length", 1089971754},
	}
	for _, tt := range tests {
		if got := murmur2([]byte(tt.in)); got != tt.want {
			t.Errorf("murmur2(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// partitionFor must agree with an independent Java-compatible partitioner (kgo's).
func TestPartitionForMatchesJava(t *testing.T) {
	keys := []string{"", "connector-a", "status-task-orders-0", `["src",{"filename":"/tmp/x"}]`, "é-unicode", "k"}
	for i := range 200 {
		keys = append(keys, fmt.Sprintf("status-connector-c%d", i))
	}
	for _, n := range []int{1, 5, 25, 7} {
		for _, k := range keys {
			if k == "" {
				continue
			}
			if got, want := PartitionFor([]byte(k), int32(n)), javaPartition(k, n); got != want {
				t.Errorf("PartitionFor(%q, %d) = %d, Java picks %d", k, n, got, want)
			}
		}
	}
	// toPositive, not abs: "21" hashes negative.
	if got := PartitionFor([]byte("21"), 25); got != int32((-973932308&0x7fffffff)%25) {
		t.Errorf("PartitionFor(21) = %d", got)
	}
}

func TestLogCreatesCompactedTopic(t *testing.T) {
	tests := []struct {
		name       string
		partitions int32
		configs    map[string]string
		wantParts  int
	}{
		{"one partition", 1, nil, 1},
		{"several, extra config", 3, map[string]string{"min.insync.replicas": "1"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			l, err := NewLog(LogConfig{Kafka: kafkaOf(c), Topic: Topic{Name: "t", Partitions: tt.partitions, ReplicationFactor: -1, Configs: tt.configs}})
			l = start(t, l, err)
			if got := l.Partitions(); got != int32(tt.wantParts) {
				t.Errorf("Partitions() = %d, want %d", got, tt.wantParts)
			}
			info := c.TopicInfo("t")
			if info == nil {
				t.Fatal("topic not created")
			}
			if p := info.Configs["cleanup.policy"]; p == nil || *p != "compact" {
				t.Errorf("cleanup.policy = %v, want compact", p)
			}
			for k, v := range tt.configs {
				if got := info.Configs[k]; got == nil || *got != v {
					t.Errorf("%s = %v, want %s", k, got, v)
				}
			}
			if n := len(c.PartitionInfos("t")); n != tt.wantParts {
				t.Errorf("topic has %d partitions, want %d", n, tt.wantParts)
			}
		})
	}
}

func TestStartRefusesExistingTopics(t *testing.T) {
	tests := []struct {
		name    string
		topic   string
		parts   int32
		configs map[string]string
		newS    func(Kafka) (starter, error)
		wantErr error
		wantMsg string
	}{
		{
			name: "config topic with 2 partitions", topic: configTopic, parts: 2,
			configs: map[string]string{"cleanup.policy": "compact"},
			newS:    func(k Kafka) (starter, error) { return NewConfigStore(k, Topic{Name: configTopic}) },
			wantErr: ErrTopicPartitions,
			wantMsg: "topic 'connect-configs' supplied via the 'config.storage.topic' property is required to have a single partition in order to guarantee consistency of connector configurations, but found 2 partitions",
		},
		{
			name: "offsets topic with delete policy", topic: offsetTopic, parts: 25,
			configs: map[string]string{"cleanup.policy": "delete"},
			newS:    func(k Kafka) (starter, error) { return NewOffsetStore(k, Topic{Name: offsetTopic}) },
			wantErr: ErrTopicCleanupPolicy,
			wantMsg: "'offset.storage.topic' property is required to have 'cleanup.policy=compact'",
		},
		{
			name: "status topic with compact,delete", topic: statusTopic, parts: 5,
			configs: map[string]string{"cleanup.policy": "compact,delete"},
			newS:    func(k Kafka) (starter, error) { return NewStatusStore(k, Topic{Name: statusTopic}) },
			wantErr: ErrTopicCleanupPolicy,
			wantMsg: "but found the topic currently has 'cleanup.policy=compact,delete'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			if err := c.CreateTopic(tt.topic, tt.parts, tt.configs); err != nil {
				t.Fatal(err)
			}
			s, err := tt.newS(kafkaOf(c))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = s.Start(testCtx(t))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Start() = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Start() = %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

// An existing single-partition compacted config topic, and a multi-partition status
// topic with a different count than the default, are adopted as they are.
func TestStartAdoptsExistingTopics(t *testing.T) {
	c := newCluster(t)
	if err := c.CreateTopic(configTopic, 1, map[string]string{"cleanup.policy": "compact"}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTopic(statusTopic, 3, map[string]string{"cleanup.policy": "compact"}); err != nil {
		t.Fatal(err)
	}
	startConfigStore(t, c)
	st := startStatusStore(t, c)
	if got := st.log.(*Log).Partitions(); got != 3 {
		t.Errorf("status partitions = %d, want 3", got)
	}
}

// ReadToEnd sees records another client wrote, and Write waits for its own reader.
func TestLogReadToEndAndWrite(t *testing.T) {
	c := newCluster(t)
	var (
		mu   sync.Mutex
		seen = map[string]string{}
	)
	apply := func(r Record) {
		mu.Lock()
		defer mu.Unlock()
		if r.Value == nil {
			delete(seen, string(r.Key))
		} else {
			seen[string(r.Key)] = string(r.Value)
		}
	}
	l, err := NewLog(LogConfig{Kafka: kafkaOf(c), Topic: Topic{Name: "t", Partitions: 4}, Apply: apply})
	l = start(t, l, err)
	get := func(k string) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		v, ok := seen[k]
		return v, ok
	}

	var raw []rec
	for i := range 20 {
		k := fmt.Sprintf("k%d", i)
		raw = append(raw, rec{Partition: javaPartition(k, 4), Key: k, Value: val("v")})
	}
	produceRaw(t, c, "t", raw...)
	ctx := testCtx(t)
	if err := l.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range raw {
		if _, ok := get(r.Key); !ok {
			t.Errorf("ReadToEnd returned before %s was applied", r.Key)
		}
	}

	for i := range 20 {
		k := fmt.Sprintf("w%d", i)
		if err := l.Write(ctx, Record{Key: []byte(k), Value: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		if v, ok := get(k); !ok || v != "x" {
			t.Fatalf("write %s not visible on return", k)
		}
	}
	if err := l.Write(ctx, Record{Key: []byte("w0")}); err != nil {
		t.Fatal(err)
	}
	if _, ok := get("w0"); ok {
		t.Error("tombstone not visible on return")
	}
	for _, r := range readTopic(t, c, "t") {
		if want := javaPartition(r.Key, 4); r.Partition != want {
			t.Errorf("%s on partition %d, Java would use %d", r.Key, r.Partition, want)
		}
	}

	done := make(chan error, 1)
	l.WriteAsync([]Record{{Key: []byte("async"), Value: []byte("1")}}, func(err error) { done <- err })
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("WriteAsync never completed")
	}
}

// Flush waits for every asynchronous write handed over before it, on every partition:
// a worker handing over its tasks relies on its UNASSIGNED records preceding the new
// owners' RUNNING ones.
func TestLogFlushWaitsForAsyncWrites(t *testing.T) {
	c := newCluster(t)
	l, err := NewLog(LogConfig{Kafka: kafkaOf(c), Topic: Topic{Name: "t", Partitions: 4}, Apply: func(Record) {}})
	l = start(t, l, err)
	ctx := testCtx(t)
	if err := l.Flush(ctx); err != nil {
		t.Fatalf("flush with nothing written: %v", err)
	}
	var acked atomic.Int32
	const n = 200
	for i := range n {
		l.WriteAsync([]Record{{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte("v")}}, func(err error) {
			if err != nil {
				t.Error(err)
			}
			acked.Add(1)
		})
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := acked.Load(); got != n {
		t.Fatalf("Flush returned with %d of %d writes acknowledged", got, n)
	}
	if got := len(readTopic(t, c, "t")); got != n {
		t.Errorf("topic holds %d records after Flush, want %d", got, n)
	}
}

func TestLogLifecycle(t *testing.T) {
	c := newCluster(t)
	l, err := NewLog(LogConfig{Kafka: kafkaOf(c), Topic: Topic{Name: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if err := l.Write(ctx, Record{Key: []byte("k")}); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Write before Start = %v, want ErrNotStarted", err)
	}
	if err := l.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Start(ctx); !errors.Is(err, ErrAlreadyStarted) {
		t.Errorf("second Start = %v, want ErrAlreadyStarted", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := l.Write(ctx, Record{Key: []byte("k")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := l.ReadToEnd(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadToEnd after Close = %v, want ErrClosed", err)
	}
	if err := l.Start(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
	var asyncErr error
	l.WriteAsync([]Record{{Key: []byte("k")}}, func(err error) { asyncErr = err })
	if !errors.Is(asyncErr, ErrClosed) {
		t.Errorf("WriteAsync after Close reported %v, want ErrClosed", asyncErr)
	}
}

// Run works until its context ends, then closes.
func TestLogRun(t *testing.T) {
	c := newCluster(t)
	l, err := NewLog(LogConfig{Kafka: kafkaOf(c), Topic: Topic{Name: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	ran := make(chan error, 1)
	go func() { ran <- l.Run(ctx) }()
	wait.For(t, testTimeout, "the log to read to its end", func() bool { return l.ReadToEnd(testCtx(t)) == nil })
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-testCtx(t).Done():
		t.Fatal("Run did not return")
	}
	if err := l.ReadToEnd(testCtx(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadToEnd after Run = %v, want ErrClosed", err)
	}
}

// A Start that cannot reach a broker gives up when its context ends.
func TestStartBoundedByContext(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	k := kafkaOf(c)
	c.Close()
	l, err := NewLog(LogConfig{Kafka: k, Topic: Topic{Name: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
	defer cancel()
	if err := l.Start(ctx); err == nil {
		t.Fatal("Start succeeded without a broker")
	}
}

func TestNewLogValidates(t *testing.T) {
	good := Kafka{Addrs: []string{"127.0.0.1:1"}}
	tests := []struct {
		name string
		cfg  LogConfig
	}{
		{"no addrs", LogConfig{Topic: Topic{Name: "t"}}},
		{"no topic", LogConfig{Kafka: good}},
		{"bad partitions", LogConfig{Kafka: good, Topic: Topic{Name: "t", Partitions: -2}}},
		{"bad replication", LogConfig{Kafka: good, Topic: Topic{Name: "t", ReplicationFactor: -3}}},
	}
	for _, tt := range tests {
		if _, err := NewLog(tt.cfg); err == nil {
			t.Errorf("%s: NewLog succeeded", tt.name)
		}
	}
	if _, err := NewConfigStore(good, Topic{Name: "c", Partitions: 3}); err == nil {
		t.Error("NewConfigStore accepted 3 partitions")
	}
}

// The Log's lasting clients keep the metadata of their topic only, however many topics the
// cluster has: a sarama client left to fetch the whole cluster's (Metadata.Full) keeps every
// topic's for its life, and a worker has two per internal topic.
func TestLogKeepsOnlyItsTopicsMetadata(t *testing.T) {
	c := newCluster(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopics(testCtx(t), 1, 1, nil, "other-0", "other-1", "other-2"); err != nil {
		t.Fatal(err)
	}
	l, err := NewLog(LogConfig{Kafka: kafkaOf(c), Topic: Topic{Name: "t", Partitions: 2}, Apply: func(Record) {}})
	l = start(t, l, err)
	if err := l.Write(testCtx(t), Record{Key: []byte("k"), Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	clients := map[string]sarama.Client{"client": l.client, "reader's client": l.rclient}
	l.mu.Unlock()
	for name, cl := range clients {
		topics, err := cl.Topics()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(topics, []string{"t"}) {
			t.Errorf("the Log's %s keeps the metadata of %q, want only its topic", name, topics)
		}
	}
}
