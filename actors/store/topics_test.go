package store

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/connectd/connectd/internal/wait"
)

// Active-topic records byte for byte (spec §12.2; KafkaStatusBackingStore.serializeTopicStatus:
// a map {"topic": struct(name, connector, task, discoverTimestamp)} through JsonConverter with
// schemas off), each on the partition a Java worker would pick, and read back.
func TestTopicRecordFormat(t *testing.T) {
	c := newCluster(t)
	s := startStatusStore(t, c)
	s.AddTopicAsync(TopicStatus{Topic: "foo-topic", Connector: "foo-source", Task: 2, DiscoverTimestamp: 1700000000123})
	s.AddTopicAsync(TopicStatus{Topic: "bar.topic_1", Connector: "my connector/ü", Task: 0, DiscoverTimestamp: 1})
	wait.For(t, testTimeout, "both connectors' topics", func() bool { return len(s.Topics("foo-source")) == 1 && len(s.Topics("my connector/ü")) == 1 })

	want := []rec{
		{Key: "status-topic-foo-topic:connector-foo-source",
			Value: val(`{"topic":{"name":"foo-topic","connector":"foo-source","task":2,"discoverTimestamp":1700000000123}}`)},
		{Key: "status-topic-bar.topic_1:connector-my connector/ü",
			Value: val(`{"topic":{"name":"bar.topic_1","connector":"my connector/ü","task":0,"discoverTimestamp":1}}`)},
	}
	for i := range want {
		want[i].Partition = javaPartition(want[i].Key, 5)
	}
	if got := readTopic(t, c, statusTopic); !sameRecords(got, want) {
		t.Errorf("records:\n got %s\nwant %s", fmtRecs(got), fmtRecs(want))
	}
	if got, ok := s.Topic("foo-source", "foo-topic"); !ok || got != (TopicStatus{Topic: "foo-topic", Connector: "foo-source", Task: 2, DiscoverTimestamp: 1700000000123}) {
		t.Errorf("Topic = %+v, %v", got, ok)
	}
}

// Records a Java worker wrote (KafkaStatusBackingStoreFormatTest's keys and values) are read
// back; invalid keys and values are ignored as Java ignores them; a tombstone removes a topic.
func TestTopicRecordsFromJava(t *testing.T) {
	c := newCluster(t)
	javaValue := func(topic, connector string, task int, ts string) *string {
		return val(`{"topic":{"name":"` + topic + `","connector":"` + connector + `","task":` + strconv.Itoa(task) + `,"discoverTimestamp":` + ts + `}}`)
	}
	recs := []rec{
		{Key: "status-topic-foo-topic:connector-foo-source", Value: javaValue("foo-topic", "foo-source", 0, "1600000000000")},
		{Key: "status-topic-bar-topic:connector-foo-source", Value: javaValue("bar-topic", "foo-source", 1, "1600000001000")},
		{Key: "status-topic-gone:connector-foo-source", Value: javaValue("gone", "foo-source", 0, "1")},
		{Key: "status-topic-gone:connector-foo-source"}, // tombstone after the record
		{Key: "status-topic-x:connector-other", Value: javaValue("x", "other", 3, "5")},
		// KafkaStatusBackingStoreFormatTest.readInvalidStatus and readInvalidStatusValue:
		{Key: "status-topic-", Value: val(``)},
		{Key: "status-topic-:connector-", Value: val(``)},
		{Key: "status-topic-foo-topic:", Value: val(``)},
		{Key: "status-topic-foo-topic:connector-", Value: val(``)},
		{Key: "status-topic-inv:connector-bad", Value: val(`invalid`)},
		{Key: "status-topic-inv:connector-bad", Value: val(`{"topic":{"name":"inv","connector":"bad","task":"0","discoverTimestamp":1}}`)},
		{Key: "status-topic-inv:connector-bad", Value: val(`{"name":"inv"}`)},
	}
	// Records of one key on one partition, in order, as a Java worker's producer puts them.
	for i := range recs {
		recs[i].Partition = javaPartition(recs[i].Key, 5)
	}
	s := startStatusStore(t, c) // creates the topic with 5 partitions
	produceRaw(t, c, statusTopic, recs...)
	if err := s.ReadToEnd(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	check := func(s *StatusStore) {
		t.Helper()
		want := []TopicStatus{
			{Topic: "bar-topic", Connector: "foo-source", Task: 1, DiscoverTimestamp: 1600000001000},
			{Topic: "foo-topic", Connector: "foo-source", Task: 0, DiscoverTimestamp: 1600000000000},
		}
		if got := s.Topics("foo-source"); !reflect.DeepEqual(got, want) {
			t.Errorf("Topics(foo-source) = %+v, want %+v", got, want)
		}
		if got := s.Topics("other"); len(got) != 1 || got[0].Task != 3 {
			t.Errorf("Topics(other) = %+v", got)
		}
		for _, cn := range []string{"bad", "", "connector-"} {
			if got := s.Topics(cn); len(got) != 0 {
				t.Errorf("Topics(%q) = %+v, want none", cn, got)
			}
		}
	}
	check(s)
	check(startStatusStore(t, c)) // rebuilt from the topic
}

// A topic is written once while the store holds it; after DeleteTopics (spec §3.19) it is
// written again, as Kafka Connect re-populates topics after a reset.
func TestTopicAddOnceResetAndDelete(t *testing.T) {
	c := newCluster(t)
	s := startStatusStore(t, c)
	ctx := testCtx(t)
	st := TopicStatus{Topic: "t1", Connector: "c", Task: 0, DiscoverTimestamp: 10}
	s.AddTopicAsync(st)
	wait.For(t, testTimeout, "topic t1 of c", func() bool { _, ok := s.Topic("c", "t1"); return ok })
	later := st
	later.DiscoverTimestamp = 20
	s.AddTopicAsync(later) // held: not written
	s.AddTopicAsync(TopicStatus{Topic: "t2", Connector: "c", Task: 1, DiscoverTimestamp: 30})
	wait.For(t, testTimeout, "two topics of c", func() bool { return len(s.Topics("c")) == 2 })
	if got, _ := s.Topic("c", "t1"); got.DiscoverTimestamp != 10 {
		t.Errorf("t1 rewritten: %+v", got)
	}

	if err := s.DeleteTopics(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if got := s.Topics("c"); len(got) != 0 {
		t.Fatalf("after DeleteTopics: %+v", got)
	}
	if err := s.DeleteTopics(ctx, "c"); err != nil { // nothing held: no write
		t.Fatal(err)
	}
	s.AddTopicAsync(later)
	wait.For(t, testTimeout, "the newer discover timestamp of t1", func() bool { got, ok := s.Topic("c", "t1"); return ok && got.DiscoverTimestamp == 20 })

	// Deleting the connector's statuses tombstones its topics too (spec §3.17).
	if err := s.DeleteConnector(ctx, "c", 0); err != nil {
		t.Fatal(err)
	}
	if got := s.Topics("c"); len(got) != 0 {
		t.Errorf("after DeleteConnector: %+v", got)
	}

	var keys []string
	for _, r := range readTopic(t, c, statusTopic) {
		v := "null"
		if r.Value != nil {
			v = "value"
		}
		keys = append(keys, r.Key+"="+v)
	}
	// Per key, in write order (keys may share a partition; compare counts instead of order).
	count := map[string]int{}
	for _, k := range keys {
		count[k]++
	}
	want := map[string]int{
		"status-topic-t1:connector-c=value": 2, "status-topic-t1:connector-c=null": 2,
		"status-topic-t2:connector-c=value": 1, "status-topic-t2:connector-c=null": 1,
		"status-connector-c=null": 1,
	}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("records per key = %v, want %v", count, want)
	}
}

func TestParseTopicStatusKey(t *testing.T) {
	tests := []struct {
		key, topic, connector string
		ok                    bool
	}{
		{"status-topic-foo:connector-bar", "foo", "bar", true},
		{"status-topic-foo:connector-a:b-c", "foo", "a:b-c", true},
		{"status-topic-foo:connector-connector-x", "foo", "connector-x", true},
		{"status-topic-", "", "", false},
		{"status-topic-:connector-bar", "", "", false},
		{"status-topic-foo", "", "", false},
		{"status-topic-foo:", "", "", false},
		{"status-topic-foo:connector-", "", "", false},
	}
	for _, tt := range tests {
		topic, connector, ok := parseTopicStatusKey(tt.key)
		if topic != tt.topic || connector != tt.connector || ok != tt.ok {
			t.Errorf("parseTopicStatusKey(%q) = %q, %q, %v; want %q, %q, %v", tt.key, topic, connector, ok, tt.topic, tt.connector, tt.ok)
		}
	}
}
