package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/pluginfixture"
	"github.com/connectd/connectd/internal/wait"
)

// End-to-end tests of Apache Kafka's own Java plugins beyond FileStream, from plugin.path,
// through REST on a worker process: MirrorMaker 2's MirrorSourceConnector and the test
// connectors of connect-test-plugins.

// TestJavaMirrorSourceConnector replicates a topic from a second broker (a `connectd broker`
// process) into the worker's with MirrorMaker 2's MirrorSourceConnector, configured as on a
// Kafka Connect cluster (bytes through: ByteArrayConverter for keys, values and headers).
// Records, keys, headers, timestamps and partitions arrive intact in source.<topic>, which the
// connector creates on the target with the source's partition count.
func TestJavaMirrorSourceConnector(t *testing.T) {
	source := startBrokerProcess(t)
	w := startWorker(t, map[string]string{"plugin.path": pluginfixture.ConnectMirror(t)}, withStartTimeout(javaStart))
	topic := w.topic("events")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	src, err := kgo.NewClient(kgo.SeedBrokers(source), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := kadm.NewClient(src).CreateTopic(ctx, 3, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	var sent []*kgo.Record
	for i := range 30 {
		sent = append(sent, &kgo.Record{
			Topic: topic, Partition: int32(i % 3),
			Key: []byte(fmt.Sprintf("key-%d", i)), Value: []byte(fmt.Sprintf("value-%d", i)),
			Timestamp: time.UnixMilli(1_700_000_000_000 + int64(i)),
			Headers:   []kgo.RecordHeader{{Key: "h", Value: []byte{0, 1, byte(i)}}, {Key: "text", Value: []byte(fmt.Sprintf("header-%d", i))}},
		})
	}
	if err := src.ProduceSync(ctx, sent...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	const bytes = "org.apache.kafka.connect.converters.ByteArrayConverter"
	config := map[string]string{
		"connector.class":                       "org.apache.kafka.connect.mirror.MirrorSourceConnector",
		"source.cluster.alias":                  "source",
		"target.cluster.alias":                  "target",
		"source.cluster.bootstrap.servers":      source,
		"target.cluster.bootstrap.servers":      w.broker,
		"topics":                                topic,
		"key.converter":                         bytes,
		"value.converter":                       bytes,
		"header.converter":                      bytes,
		"replication.factor":                    "1",
		"offset-syncs.topic.replication.factor": "1",
		"sync.topic.acls.enabled":               "false",
		"tasks.max":                             "1",
	}
	for k, v := range externalKafkaProps(t) { // the worker's broker is a secured Apache Kafka
		config["target.cluster."+k] = v
	}
	w.mustDo("POST", "/connectors", map[string]any{"name": "mm2", "config": config}, 201, nil)
	w.waitState("mm2", "RUNNING", 1)

	remote := "source." + topic
	got := readRecords(t, rawClientOpts(t, w.broker), remote, len(sent), 2*time.Minute)
	if len(got) != len(sent) {
		w.dumpLog()
		t.Fatalf("%s holds %d records, want %d", remote, len(got), len(sent))
	}
	byKey := map[string]*kgo.Record{}
	for _, r := range got {
		byKey[string(r.Key)] = r
	}
	for _, s := range sent {
		g := byKey[string(s.Key)]
		if g == nil {
			t.Errorf("record %s was not replicated", s.Key)
			continue
		}
		if g.Partition != s.Partition || string(g.Value) != string(s.Value) || !g.Timestamp.Equal(s.Timestamp) ||
			!slices.EqualFunc(g.Headers, s.Headers, func(a, b kgo.RecordHeader) bool { return a.Key == b.Key && string(a.Value) == string(b.Value) }) {
			t.Errorf("%s: partition %d value %q timestamp %v headers %q; want partition %d value %q timestamp %v headers %q",
				s.Key, g.Partition, g.Value, g.Timestamp, g.Headers, s.Partition, s.Value, s.Timestamp, s.Headers)
		}
	}
	// per partition, in the source's order
	for p := int32(0); p < 3; p++ {
		var want, have []string
		for _, s := range sent {
			if s.Partition == p {
				want = append(want, string(s.Key))
			}
		}
		for _, g := range got {
			if g.Partition == p {
				have = append(have, string(g.Key))
			}
		}
		if !slices.Equal(have, want) {
			t.Errorf("partition %d holds %q, want %q", p, have, want)
		}
	}
	adm, err := kgo.NewClient(rawClientOpts(t, w.broker)...)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	topics, err := kadm.NewClient(adm).ListTopics(ctx, remote)
	if err != nil || topics[remote].Err != nil || len(topics[remote].Partitions) != 3 {
		t.Errorf("%s on the target: %v %+v, want 3 partitions as on the source", remote, err, topics[remote])
	}
	// The task's commitRecord(record, metadata) got each record's offset on the target: from
	// them it writes offset syncs (source offset → target offset) to the source cluster, one at
	// least for the first record of each partition.
	syncs := readRecords(t, []kgo.Opt{kgo.SeedBrokers(source)}, "mm2-offset-syncs.target.internal", 3, time.Minute)
	if len(syncs) < 3 {
		t.Errorf("%d offset syncs on the source cluster, want one per partition at least", len(syncs))
	}
}

// TestJavaTestConnectors runs Kafka's test connectors (connect-test-plugins) from plugin.path,
// as third-party client test suites create them: Apache Kafka Connect 4.4 lists them from
// plugin.path but refuses to create them there; connectd loads them in isolation like any
// plugin. They run, produce and fail as on Apache Kafka Connect's classpath.
func TestJavaTestConnectors(t *testing.T) {
	w := startWorker(t, map[string]string{"plugin.path": pluginfixture.ConnectTestPlugins(t)}, withStartTimeout(javaStart))
	const tools = "org.apache.kafka.connect.tools."
	var plugins []struct{ Class, Type, Version string }
	w.mustDo("GET", "/connector-plugins", nil, 200, &plugins)
	for _, want := range []string{"VerifiableSourceConnector source", "VerifiableSinkConnector sink", "MockSourceConnector source", "SchemaSourceConnector source"} {
		if !slices.ContainsFunc(plugins, func(p struct{ Class, Type, Version string }) bool {
			return p.Class+" "+p.Type == tools+want && p.Version == pluginfixture.KafkaVersion
		}) {
			t.Errorf("GET /connector-plugins lacks %s %s: %+v", tools+want, pluginfixture.KafkaVersion, plugins)
		}
	}
	schemaless := map[string]string{
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	}

	t.Run("verifiable source and sink", func(t *testing.T) {
		topic := w.topic("verifiable")
		source := map[string]string{"connector.class": tools + "VerifiableSourceConnector", "topic": topic, "throughput": "100", "tasks.max": "1"}
		maps.Copy(source, schemaless)
		w.mustDo("POST", "/connectors", map[string]any{"name": "verifiable-source", "config": source}, 201, nil)
		sink := map[string]string{"connector.class": tools + "VerifiableSinkConnector", "topics": topic, "tasks.max": "1"}
		maps.Copy(sink, schemaless)
		w.mustDo("POST", "/connectors", map[string]any{"name": "verifiable-sink", "config": sink}, 201, nil)
		w.waitState("verifiable-source", "RUNNING", 1)
		w.waitState("verifiable-sink", "RUNNING", 1)
		recs := readTopic(t, w.broker, topic, 20)
		if len(recs) < 20 {
			t.Fatalf("%d records on %s, want 20", len(recs), topic)
		}
		for i, r := range recs[:20] { // one partition: the task's seqnos in order, keyed by its id
			if string(r.Key) != "0" || string(r.Value) != fmt.Sprint(i) {
				t.Fatalf("record %d: key %s value %s, want task 0's seqno %d", i, r.Key, r.Value, i)
			}
		}
		// The sink got them: its consumer group committed past them once it flushed.
		wait.For(t, time.Minute, "the verifiable sink's committed offset", func() bool {
			var offs struct {
				Offsets []struct {
					Offset map[string]any `json:"offset"`
				} `json:"offsets"`
			}
			w.mustDo("GET", "/connectors/verifiable-sink/offsets", nil, 200, &offs)
			return len(offs.Offsets) == 1 && offs.Offsets[0].Offset["kafka_offset"].(float64) >= 20
		})
		// What both printed to System.out is in the worker's log, from the plugin host.
		wait.For(t, time.Minute, "the verifiable connectors' printed lines", func() bool {
			log, _ := os.ReadFile(w.logPath)
			return strings.Contains(string(log), `seqno\":19`) && strings.Contains(string(log), `flushed\":true`)
		})
	})

	t.Run("schema source", func(t *testing.T) {
		topic := w.topic("schemas")
		config := map[string]string{"connector.class": tools + "SchemaSourceConnector", "topic": topic, "num.messages": "6",
			"throughput": "100", "multiple.schema": "true", "tasks.max": "1"}
		w.mustDo("POST", "/connectors", map[string]any{"name": "schema-source", "config": config}, 201, nil)
		w.waitState("schema-source", "RUNNING", 1)
		recs := readTopic(t, w.broker, topic, 6)
		if len(recs) != 6 {
			t.Fatalf("%d records on %s, want num.messages=6", len(recs), topic)
		}
		for i, r := range recs {
			var v struct {
				Schema struct {
					Name    string `json:"name"`
					Version int    `json:"version"`
				} `json:"schema"`
				Payload map[string]any `json:"payload"`
			}
			if err := json.Unmarshal(r.Value, &v); err != nil {
				t.Fatalf("record %d: %v: %s", i, err, r.Value)
			}
			if v.Schema.Name != "record" || v.Schema.Version != 1+i%2 || v.Payload["seqno"] != float64(i) {
				t.Errorf("record %d = %s, want seqno %d in version %d of the record schema", i, r.Value, i, 1+i%2)
			}
		}
	})

	t.Run("mock source fails", func(t *testing.T) {
		for _, mode := range []string{"task-failure", "connector-failure"} {
			config := map[string]string{"connector.class": tools + "MockSourceConnector", "mock_mode": mode, "delay_ms": "100", "tasks.max": "1"}
			w.mustDo("POST", "/connectors", map[string]any{"name": mode, "config": config}, 201, nil)
		}
		var st connectorStatus
		wait.For(t, time.Minute, "MockSourceTask to fail", func() bool {
			var ok bool
			st, ok = w.status("task-failure")
			return ok && len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
		})
		if st.Connector.State != "RUNNING" || !strings.Contains(st.Tasks[0].Trace, "java.lang.RuntimeException\n\tat "+tools+"MockSourceTask.poll") {
			t.Errorf("task-failure: connector %s, task trace %q; want a RUNNING connector and poll's RuntimeException", st.Connector.State, st.Tasks[0].Trace)
		}
		wait.For(t, time.Minute, "MockConnector to fail", func() bool {
			var ok bool
			st, ok = w.status("connector-failure")
			return ok && st.Connector.State == "FAILED"
		})
		if !strings.Contains(st.Connector.Trace, "java.lang.RuntimeException\n\tat "+tools+"MockConnector") {
			t.Errorf("connector-failure: trace %q, want the RuntimeException MockConnector raised", st.Connector.Trace)
		}
	})

	// MockSinkTask throws from the first put() after delay_ms (0 here: any put). Kafka Connect
	// calls put() after each consumer poll, with no records if none came, and so does connectd
	// (once per offset.flush.interval.ms without a batch): the task fails on an empty topic.
	t.Run("mock sink fails", func(t *testing.T) {
		topic := w.topic("mock")
		cl, err := kgo.NewClient(rawClientOpts(t, w.broker)...)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, topic); err != nil {
			t.Fatal(err)
		}
		config := map[string]string{"connector.class": tools + "MockSinkConnector", "mock_mode": "task-failure", "delay_ms": "0",
			"tasks.max": "1", "topics": topic}
		maps.Copy(config, schemaless)
		w.mustDo("POST", "/connectors", map[string]any{"name": "mock-sink", "config": config}, 201, nil)
		var st connectorStatus
		wait.For(t, time.Minute, "MockSinkTask to fail", func() bool {
			var ok bool
			st, ok = w.status("mock-sink")
			return ok && len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
		})
		if !strings.Contains(st.Tasks[0].Trace, "java.lang.RuntimeException\n\tat "+tools+"MockSinkTask.put") {
			t.Errorf("task trace %q, want put's RuntimeException", st.Tasks[0].Trace)
		}
	})
}

// TestJavaPluginHostRepository: connectd.plugin.host.maven.repository is where a worker that
// has no plugin host built yet (an empty cache: a fresh HOME) fetches the host's jars. One it
// cannot reach leaves the worker running and refuses the Java plugin's connector with a 400
// naming the URL it could not fetch.
func TestJavaPluginHostRepository(t *testing.T) {
	home := t.TempDir()
	repo := fmt.Sprintf("http://127.0.0.1:%d/maven2", freePort(t))
	w := startWorker(t, map[string]string{"plugin.path": pluginfixture.ConnectTestPlugins(t), "connectd.plugin.host.maven.repository": repo},
		withStartTimeout(javaStart), withEnv("HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache")))
	config := map[string]string{"connector.class": "org.apache.kafka.connect.tools.VerifiableSourceConnector", "topic": w.topic("v"), "throughput": "1"}
	code, _, body := w.do("POST", "/connectors", map[string]any{"name": "verifiable", "config": config})
	if want := repo + "/org/apache/kafka/connect-api/4.3.1/connect-api-4.3.1.jar"; code != 400 || !strings.Contains(string(body), want) {
		t.Fatalf("create = %d %s, want a 400 naming %s", code, body, want)
	}
	w.mustDo("GET", "/", nil, 200, nil)
}
