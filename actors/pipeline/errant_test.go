package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/metrics"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/builtin"
	"github.com/connectd/connectd/internal/wait"
)

// syncBuffer is a log sink written by the pipeline's goroutines and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines is each JSON log line written so far.
func (s *syncBuffer) lines(t testing.TB) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// dlqClients is the worker's Clients against c, for the dead letter queue's topic and
// producer.
func dlqClients(t testing.TB, c *kfake.Cluster) *Clients {
	t.Helper()
	admin, err := sarama.NewClient(c.ListenAddrs(), baseConfig("admin"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	return &Clients{Brokers: c.ListenAddrs(), Admin: admin}
}

func headerMap(hs []kgo.RecordHeader) map[string]string {
	m := map[string]string{}
	for _, h := range hs {
		m[h.Key] = string(h.Value)
	}
	return m
}

// A sink's poison record (a value its JsonConverter cannot read) under Kafka Connect's
// errors.* settings: with errors.tolerance=all it is skipped while the good records around
// it reach the task; with errors.tolerance=none the task fails naming the conversion. In
// both cases errors.log.enable logs it (its content only with include.messages) and a
// dead letter queue receives its original key, value and headers, plus the
// __connect.errors.* headers when context headers are enabled.
func TestSinkErrantRecords(t *testing.T) {
	const poison = "not json"
	tests := []struct {
		name           string
		tolerate       bool
		log, messages  bool
		dlq            string
		contextHeaders bool
		wantPut        []int64
	}{
		{"tolerance all, DLQ with context headers, logged", true, true, false, "dlq", true, []int64{0, 2}},
		{"tolerance all, DLQ without context headers, logged with messages", true, true, true, "dlq", false, []int64{0, 2}},
		{"tolerance all, nothing reported", true, false, false, "", false, []int64{0, 2}},
		{"tolerance none, DLQ and log still report", false, true, false, "dlq", true, []int64{0}},
		{"tolerance none", false, false, false, "", false, []int64{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, "t")
			produce(t, c, "t",
				kv{value: []byte(stringEnvelope("good 1"))},
				kv{key: []byte(`"k1"`), value: []byte(poison), headers: []kgo.RecordHeader{{Key: "h", Value: []byte("x")}}},
				kv{value: []byte(stringEnvelope("good 2"))},
			)
			sink, task := newFileSink(t, c, "conn", "t", filepath.Join(t.TempDir(), "out.txt"))
			sink.Key = jsonConverter(t, map[string]string{"schemas.enable": "false"}, true)
			logs := &syncBuffer{}
			m := metrics.New(metrics.Config{})
			stats := m.StartTask("conn", 0)
			stats.SetKind(metrics.SinkKind)
			sink.Metrics = stats
			errs := &ErrorHandling{
				Tolerate: tt.tolerate, Log: tt.log, LogMessages: tt.messages,
				Connector: "conn", Task: 0,
				Classes: map[string]string{"value.converter": "org.apache.kafka.connect.json.JsonConverter"},
				Logger:  slog.New(slog.NewJSONHandler(logs, nil)),
				Metrics: stats,
			}
			if tt.dlq != "" {
				k := dlqClients(t, c)
				if err := k.EnsureDLQTopic(tt.dlq, 1, nil); err != nil {
					t.Fatal(err)
				}
				p, err := k.DLQProducer("conn", 0, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = p.Close() })
				errs.DLQ, errs.DLQTopic, errs.ContextHeaders = p, tt.dlq, tt.contextHeaders
			}
			sink.Errors = errs
			r := start(t, sink.Run)
			if tt.tolerate {
				wait.For(t, testTimeout, "the good records put", func() bool { return len(task.put()) == len(tt.wantPut) })
				if err := r.stop(t); err != nil {
					t.Fatalf("Run: %v", err)
				}
			} else {
				err := r.wait(t)
				if err == nil || !strings.Contains(err.Error(), "Tolerance exceeded in error handler") ||
					!strings.Contains(err.Error(), "convert value at t-0@1") {
					t.Fatalf("Run ended with %v, want the task failed naming the value conversion at t-0@1", err)
				}
			}
			// Under tolerance=none the batch holding the poison record fails before its put:
			// good record 0 may or may not have been put in an earlier batch, nothing after it.
			if got := task.put(); !slices.Equal(got, tt.wantPut) && (tt.tolerate || len(got) != 0) {
				t.Errorf("offsets put %v, want %v", got, tt.wantPut)
			}

			var logged []map[string]any
			for _, l := range logs.lines(t) {
				if l["msg"] == "Error encountered in task" {
					logged = append(logged, l)
				}
			}
			if !tt.log {
				if len(logged) != 0 {
					t.Errorf("errors.log.enable=false, yet logged %v", logged)
				}
			} else {
				if len(logged) != 1 {
					t.Fatalf("logged %d errors, want 1: %v", len(logged), logged)
				}
				l := logged[0]
				if l["level"] != "ERROR" || l["topic"] != "t" || l["partition"] != 0.0 || l["offset"] != 1.0 ||
					l["stage"] != "VALUE_CONVERTER" || l["class"] != "org.apache.kafka.connect.json.JsonConverter" || !strings.Contains(l["err"].(string), "convert value") {
					t.Errorf("log line %v: want ERROR naming t-0@1, stage VALUE_CONVERTER, the converter class and the error", l)
				}
				if _, has := l["timestamp"]; has != tt.messages {
					t.Errorf("log line %v: record timestamp logged %v, want %v (errors.log.include.messages)", l, has, tt.messages)
				}
				if strings.Contains(fmt.Sprint(l), poison) {
					t.Errorf("log line %v holds the record's bytes, which Kafka Connect never logs for a sink", l)
				}
			}
			if got, want := taskValue(t, m, metrics.TaskErrorGroup, "total-errors-logged", "conn", "0"), float64(len(logged)); got != want {
				t.Errorf("total-errors-logged %v, want %v", got, want)
			}
			wantSkipped := 0.0
			if tt.tolerate {
				wantSkipped = 1
			}
			if got := taskValue(t, m, metrics.TaskErrorGroup, "total-records-skipped", "conn", "0"); got != wantSkipped {
				t.Errorf("total-records-skipped %v, want %v", got, wantSkipped)
			}

			if tt.dlq == "" {
				return
			}
			if got := taskValue(t, m, metrics.TaskErrorGroup, "deadletterqueue-produce-requests", "conn", "0"); got != 1 {
				t.Errorf("deadletterqueue-produce-requests %v, want 1", got)
			}
			if got := taskValue(t, m, metrics.TaskErrorGroup, "deadletterqueue-produce-failures", "conn", "0"); got != 0 {
				t.Errorf("deadletterqueue-produce-failures %v, want 0", got)
			}
			recs := readTopic(t, c, tt.dlq)
			if len(recs) != 1 {
				t.Fatalf("dead letter queue holds %d records, want 1", len(recs))
			}
			d := recs[0]
			if string(d.Key) != `"k1"` || string(d.Value) != poison {
				t.Errorf("dead letter record key %q value %q, want the original \"k1\", %q", d.Key, d.Value, poison)
			}
			hs := headerMap(d.Headers)
			if hs["h"] != "x" {
				t.Errorf("dead letter headers %v lost the original header h=x", hs)
			}
			want := map[string]string{
				HeaderErrorTopic: "t", HeaderErrorPartition: "0", HeaderErrorOffset: "1",
				HeaderErrorConnector: "conn", HeaderErrorTask: "0", HeaderErrorStage: "VALUE_CONVERTER",
				HeaderErrorClass: "org.apache.kafka.connect.json.JsonConverter",
			}
			for k, v := range want {
				if got, has := hs[k]; tt.contextHeaders && got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				} else if !tt.contextHeaders && has {
					t.Errorf("context headers disabled, yet %s = %q", k, got)
				}
			}
			if tt.contextHeaders && !strings.Contains(hs[HeaderErrorMessage], "convert value at t-0@1") {
				t.Errorf("%s = %q, want the conversion error", HeaderErrorMessage, hs[HeaderErrorMessage])
			}
		})
	}
}

// A sink's transform failure is judged like a conversion's: skipped under tolerance=all and
// sent to the dead letter queue with the transform's stage and class.
func TestSinkErrantTransform(t *testing.T) {
	c := newCluster(t, "t")
	produce(t, c, "t", envelopes("1", "two", "3")...)
	cast, err := builtin.Registry().NewTransformation("org.apache.kafka.connect.transforms.Cast$Value")
	if err != nil {
		t.Fatal(err)
	}
	if err := cast.Configure(map[string]string{"spec": "int32"}); err != nil {
		t.Fatal(err)
	}
	chain := NewTransformChain([]TransformStage{{Alias: "cast", Transform: cast}}, false, nil)
	sink, task := newFileSink(t, c, "conn", "t", filepath.Join(t.TempDir(), "out.txt"))
	sink.Transform = chain.Run
	k := dlqClients(t, c)
	if err := k.EnsureDLQTopic("dlq", 1, nil); err != nil {
		t.Fatal(err)
	}
	p, err := k.DLQProducer("conn", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	sink.Errors = &ErrorHandling{Tolerate: true, DLQ: p, DLQTopic: "dlq", ContextHeaders: true, Connector: "conn",
		Classes: map[string]string{"transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value"}}
	r := start(t, sink.Run)
	wait.For(t, testTimeout, "the castable records put", func() bool { return len(task.put()) == 2 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if got := task.put(); !slices.Equal(got, []int64{0, 2}) {
		t.Errorf("offsets put %v, want [0 2]", got)
	}
	recs := readTopic(t, c, "dlq")
	if len(recs) != 1 || string(recs[0].Value) != stringEnvelope("two") {
		t.Fatalf("dead letter queue %v, want the one record with the original value", recs)
	}
	hs := headerMap(recs[0].Headers)
	if hs[HeaderErrorStage] != "TRANSFORMATION" || hs[HeaderErrorClass] != "org.apache.kafka.connect.transforms.Cast$Value" || hs[HeaderErrorOffset] != "1" {
		t.Errorf("context headers %v, want stage TRANSFORMATION, class Cast$Value, offset 1", hs)
	}
}

// flakyConverter is a real converter whose ToConnectData fails retriably a set number of
// times first, as a converter reaching a schema registry that is briefly down would.
type flakyConverter struct {
	connectors.Converter
	mu    sync.Mutex
	fails int
	calls int
}

func (f *flakyConverter) ToConnectData(topic string, data []byte) (*connectors.Schema, any, error) {
	f.mu.Lock()
	f.calls++
	fail := f.calls <= f.fails
	f.mu.Unlock()
	if fail {
		return nil, nil, connectors.Retriable(errors.New("schema registry unavailable"))
	}
	return f.Converter.ToConnectData(topic, data)
}

// errors.retry.timeout bounds the retries of a retriable conversion failure: within it the
// record is retried until it converts, with zero (the default) the first failure is final.
func TestSinkConversionRetry(t *testing.T) {
	tests := []struct {
		name        string
		timeout     time.Duration
		wantRetries float64
		wantFail    bool
	}{
		{"retried within errors.retry.timeout", time.Minute, 2, false},
		{"no retries with errors.retry.timeout=0", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, "t")
			produce(t, c, "t", envelopes("a")...)
			sink, task := newFileSink(t, c, "conn", "t", filepath.Join(t.TempDir(), "out.txt"))
			sink.Value = &flakyConverter{Converter: sink.Value, fails: 2}
			m := metrics.New(metrics.Config{})
			stats := m.StartTask("conn", 0)
			stats.SetKind(metrics.SinkKind)
			sink.Metrics = stats
			// errors.retry.delay.max.ms=1: the waits are a random millisecond at most.
			sink.Errors = &ErrorHandling{RetryTimeout: tt.timeout, RetryDelayMax: time.Millisecond}
			r := start(t, sink.Run)
			if tt.wantFail {
				if err := r.wait(t); err == nil || !strings.Contains(err.Error(), "schema registry unavailable") {
					t.Fatalf("Run ended with %v, want the conversion failure", err)
				}
			} else {
				wait.For(t, testTimeout, "the record put", func() bool { return len(task.put()) == 1 })
				if err := r.stop(t); err != nil {
					t.Fatal(err)
				}
			}
			if got := taskValue(t, m, metrics.TaskErrorGroup, "total-retries", "conn", "0"); got != tt.wantRetries {
				t.Errorf("total-retries %v, want %v", got, tt.wantRetries)
			}
		})
	}
}

// The wait before a retry doubles from 300 ms and never exceeds errors.retry.delay.max.ms.
func TestRetryBackoff(t *testing.T) {
	tests := []struct {
		max     time.Duration
		attempt int
		lo, hi  time.Duration // inclusive bounds
	}{
		{time.Minute, 1, 300 * time.Millisecond, 300 * time.Millisecond},
		{time.Minute, 3, 1200 * time.Millisecond, 1200 * time.Millisecond},
		{time.Second, 3, 0, time.Second},
		{time.Second, 40, 0, time.Second},
		{0, 1, 300 * time.Millisecond, 300 * time.Millisecond}, // zero: the 60 s default
	}
	for _, tt := range tests {
		h := &ErrorHandling{RetryDelayMax: tt.max}
		for range 20 {
			if d := h.backoff(tt.attempt); d < tt.lo || d > tt.hi {
				t.Errorf("max %v attempt %d: waited %v, want within [%v, %v]", tt.max, tt.attempt, d, tt.lo, tt.hi)
			}
		}
	}
}

// A cancelled task stops waiting for a retry at once.
func TestRetryStopsWithTask(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := &ErrorHandling{RetryTimeout: -1}
	ok, err := h.do(ctx, StageValueConverter, errant{}, nil, func() error { return connectors.Retriable(errors.New("down")) })
	if ok || !errors.Is(err, context.Canceled) {
		t.Errorf("do = %v, %v; want the cancellation", ok, err)
	}
}

// A source's transform failure under errors.* settings: skipped and logged with
// tolerance=all (no dead letter queue: Kafka Connect has none for sources), the task failed
// with tolerance=none.
func TestSourceErrantRecords(t *testing.T) {
	for _, tolerate := range []bool{true, false} {
		t.Run(map[bool]string{true: "tolerance all", false: "tolerance none"}[tolerate], func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			path := emptyFile(t, "in.txt")
			appendLines(t, path, "1", "two", "3")
			cast, err := builtin.Registry().NewTransformation("org.apache.kafka.connect.transforms.Cast$Value")
			if err != nil {
				t.Fatal(err)
			}
			if err := cast.Configure(map[string]string{"spec": "int32"}); err != nil {
				t.Fatal(err)
			}
			src := newFileSource(t, c, sourceProps(path, "t"), newMemOffsets())
			src.Transform = NewTransformChain([]TransformStage{{Alias: "cast", Transform: cast}}, false, nil).Run
			logs := &syncBuffer{}
			// include.messages with tolerance all: a source record's content is logged.
			src.Errors = &ErrorHandling{Tolerate: tolerate, Log: true, LogMessages: tolerate, Connector: "src",
				Classes: map[string]string{"transforms.cast.type": "Cast$Value"}, Logger: slog.New(slog.NewJSONHandler(logs, nil))}
			r := start(t, src.Run)
			if tolerate {
				wait.For(t, testTimeout, "the castable lines on the topic", func() bool { return endOffset(t, adm, "t") == 2 })
				if err := r.stop(t); err != nil {
					t.Fatal(err)
				}
			} else if err := r.wait(t); err == nil || !strings.Contains(err.Error(), "Tolerance exceeded in error handler: TRANSFORMATION: transform cast") {
				t.Fatalf("Run ended with %v, want the task failed naming transform cast", err)
			}
			var logged int
			for _, l := range logs.lines(t) {
				if l["msg"] == "Error encountered in task" && l["stage"] == "TRANSFORMATION" && l["class"] == "Cast$Value" && l["topic"] == "t" {
					logged++
					if rec, _ := l["record"].(string); strings.Contains(rec, "two") != tolerate {
						t.Errorf("log line %v: source record logged %v, want %v (errors.log.include.messages)", l, !tolerate, tolerate)
					}
				}
			}
			if logged != 1 {
				t.Errorf("logged %d transform failures, want 1: %v", logged, logs.lines(t))
			}
		})
	}
}

// The dead letter queue topic is created with one partition and
// errors.deadletterqueue.topic.replication.factor replicas: a factor the cluster cannot meet
// fails, naming the topic and the factor, rather than being lowered silently.
func TestEnsureDLQTopic(t *testing.T) {
	c := newCluster(t, "t")
	k := dlqClients(t, c)
	if err := k.EnsureDLQTopic("dlq", 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := k.EnsureDLQTopic("dlq", 1, nil); err != nil {
		t.Fatalf("existing topic: %v", err)
	}
	td, err := newAdmin(t, c).ListTopics(testCtx(t), "dlq")
	if err != nil {
		t.Fatal(err)
	}
	if d := td["dlq"]; len(d.Partitions) != 1 || len(d.Partitions[0].Replicas) != 1 {
		t.Errorf("dlq has %d partitions (%v), want one with one replica", len(d.Partitions), d.Partitions)
	}
	err = k.EnsureDLQTopic("dlq3", 3, nil)
	if err == nil || !strings.Contains(err.Error(), "dlq3") || !strings.Contains(err.Error(), "replication factor 3") {
		t.Errorf("replication factor 3 on one broker: %v, want an error naming dlq3 and the factor", err)
	}
}
