package rest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A sink connector's errors.* settings through the whole worker: a record its value
// converter cannot read is skipped under errors.tolerance=all, logged through the worker's
// log (errors.log.enable), and lands in the dead letter queue with its original bytes and
// the __connect.errors.* context headers, while the good records reach the file; with
// errors.tolerance=none the task fails with a trace naming the conversion.
func TestSinkErrantRecordsEndToEnd(t *testing.T) {
	srv, f := newTestServer(t)
	in := f.prefix + "errant-in"
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.stack.cluster.ListenAddrs()...), kgo.AllowAutoTopicCreation(),
		kgo.DefaultProduceTopic(in), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), 1, 1, nil, in); err != nil {
		t.Fatal(err)
	}
	recs := []*kgo.Record{{Value: []byte(`"good 1"`)}, {Value: []byte("not json"), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("x")}}}, {Value: []byte(`"good 2"`)}}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	sinkConfig := func(file string) map[string]string {
		return map[string]string{
			"connector.class": "FileStreamSink", "topics": in, "file": f.dir + "/" + file,
			"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
		}
	}

	tolerant := f.name("errant-all")
	dlq := f.prefix + "errant-dlq"
	c := sinkConfig("all.txt")
	c["errors.tolerance"] = "all"
	c["errors.log.enable"] = "true"
	c["errors.deadletterqueue.topic.name"] = dlq
	c["errors.deadletterqueue.topic.replication.factor"] = "1"
	c["errors.deadletterqueue.context.headers.enable"] = "true"
	mustCreate(t, srv, tolerant, c)
	got := readValues(t, f.stack, dlq, 1)
	if got[0] != "not json" {
		t.Errorf("dead letter queue holds %q, want the original value", got)
	}
	st := f.waitRunning(tolerant, 1)
	if st.Tasks[0].Trace != "" {
		t.Errorf("tolerant task has a trace: %s", st.Tasks[0].Trace)
	}
	dl, err := kgo.NewClient(kgo.SeedBrokers(f.stack.cluster.ListenAddrs()...), kgo.ConsumeTopics(dlq),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var dead *kgo.Record
	for dead == nil && ctx.Err() == nil {
		dl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { dead = r })
	}
	if dead == nil {
		t.Fatal("no dead letter record")
	}
	hs := map[string]string{}
	for _, h := range dead.Headers {
		hs[h.Key] = string(h.Value)
	}
	for k, v := range map[string]string{"h": "x", "__connect.errors.topic": in, "__connect.errors.offset": "1",
		"__connect.errors.connector.name": tolerant, "__connect.errors.task.id": "0", "__connect.errors.stage": "VALUE_CONVERTER",
		"__connect.errors.class.name": "org.apache.kafka.connect.json.JsonConverter"} {
		if hs[k] != v {
			t.Errorf("dead letter header %s = %q, want %q (all: %v)", k, hs[k], v, hs)
		}
	}
	for deadline := time.Now().Add(waitTimeout); ; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(f.dir + "/all.txt") // not there until the first put
		if strings.Count(string(b), "good") == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink file %q after %v, want both good records", b, waitTimeout)
		}
	}
	if log := f.stack.logs.String(); !strings.Contains(log, `msg="Error encountered in task"`) || !strings.Contains(log, "stage=VALUE_CONVERTER") {
		t.Errorf("worker log has no errors.log.enable line for the conversion failure:\n%s", log)
	}

	strict := f.name("errant-none")
	mustCreate(t, srv, strict, sinkConfig("none.txt"))
	st = f.waitStatus(strict, "task FAILED", func(st ConnectorStateInfo) bool {
		return len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	})
	if tr := st.Tasks[0].Trace; !strings.Contains(tr, "Tolerance exceeded in error handler") || !strings.Contains(tr, "convert value at "+in+"-0@1") {
		t.Errorf("trace does not name the conversion failure:\n%s", tr)
	}
}
