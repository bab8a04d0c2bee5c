package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Topic-tracking keys (spec §12.2; KafkaStatusBackingStore TOPIC_STATUS_PREFIX and
// TOPIC_STATUS_SEPARATOR): status-topic-<topic>:connector-<connector>. A topic name cannot
// hold ':', so the first ':' ends the topic, as Java parses it.
const (
	topicStatusPrefix    = "status-topic-"
	topicStatusSeparator = ":connector-"
)

// TopicStatus records that a task of a connector produced to or consumed from a topic
// (KIP-558 active topics).
type TopicStatus struct {
	Topic     string
	Connector string
	Task      int32
	// DiscoverTimestamp is when the task first used the topic, in epoch milliseconds.
	DiscoverTimestamp int64
}

// topicValue is the record value: Java's TOPIC_STATUS_SCHEMA_V0, a map with the one key
// "topic" holding a struct whose fields come in this order.
type topicValue struct {
	Topic topicFields `json:"topic"`
}

type topicFields struct {
	Name              string `json:"name"`
	Connector         string `json:"connector"`
	Task              int32  `json:"task"`
	DiscoverTimestamp int64  `json:"discoverTimestamp"`
}

func topicStatusKey(connector, topic string) string {
	return topicStatusPrefix + topic + topicStatusSeparator + connector
}

// Topics returns the active topics of a connector, sorted by topic; empty when none.
func (s *StatusStore) Topics(connector string) []TopicStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Collect(maps.Values(s.topics[connector]))
	slices.SortFunc(out, func(a, b TopicStatus) int { return cmp.Compare(a.Topic, b.Topic) })
	return out
}

// Topic returns the record of one active topic of a connector.
func (s *StatusStore) Topic(connector, topic string) (TopicStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.topics[connector][topic]
	return st, ok
}

// AddTopicAsync writes st's record without waiting, unless the store already holds a record
// for its connector and topic or is writing one: a task records a topic once, and again
// only after a reset removed it (Kafka Connect's WorkerTask.recordActiveTopic). A failure is
// logged at Warn (throttled) and forgotten, so the next call tries again.
func (s *StatusStore) AddTopicAsync(st TopicStatus) {
	if st.Connector == "" || st.Topic == "" || strings.Contains(st.Topic, ":") {
		warnThrottled(s.logger, &s.warn, "not recording an invalid active topic", "connector", st.Connector, "topic", st.Topic)
		return
	}
	key := topicStatusKey(st.Connector, st.Topic)
	s.mu.Lock()
	_, held := s.topics[st.Connector][st.Topic]
	if held || s.topicWrites[key] {
		s.mu.Unlock()
		return
	}
	if s.topicWrites == nil {
		s.topicWrites = map[string]bool{}
	}
	s.topicWrites[key] = true
	s.mu.Unlock()

	v, err := marshal(topicValue{Topic: topicFields{Name: st.Topic, Connector: st.Connector, Task: st.Task, DiscoverTimestamp: st.DiscoverTimestamp}})
	if err != nil { // cannot happen: strings and integers only
		s.forgetTopicWrite(key)
		warnThrottled(s.logger, &s.warn, "active topic write failed", "key", key, "err", err)
		return
	}
	s.log.WriteAsync([]Record{{Key: []byte(key), Value: v}}, func(err error) {
		s.forgetTopicWrite(key)
		if err != nil {
			warnThrottled(s.logger, &s.warn, "active topic write failed", "key", key, "err", err)
		}
	})
}

func (s *StatusStore) forgetTopicWrite(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.topicWrites, key)
}

// DeleteTopics writes a tombstone for every active topic of a connector (spec §3.19) and
// returns once they are visible.
func (s *StatusStore) DeleteTopics(ctx context.Context, connector string) error {
	recs := s.topicTombstones(connector)
	if len(recs) == 0 {
		return nil
	}
	if err := s.log.Write(ctx, recs...); err != nil {
		return fmt.Errorf("connector %q: delete active topics: %w", connector, err)
	}
	return nil
}

func (s *StatusStore) topicTombstones(connector string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var recs []Record
	for _, t := range slices.Sorted(maps.Keys(s.topics[connector])) {
		recs = append(recs, Record{Key: []byte(topicStatusKey(connector, t))})
	}
	return recs
}

// parseTopicStatusKey splits status-topic-<topic>:connector-<connector> as Java's
// readTopicStatus does: the first ':' ends the topic and the separator's length is skipped
// without comparing it.
func parseTopicStatusKey(key string) (topic, connector string, ok bool) {
	rest := key[len(topicStatusPrefix):]
	i := strings.IndexByte(rest, ':')
	if i <= 0 {
		return "", "", false
	}
	topic = rest[:i]
	if i+len(topicStatusSeparator) >= len(rest) {
		return "", "", false
	}
	return topic, rest[i+len(topicStatusSeparator):], true
}

// applyTopic is apply for a status-topic-… record; a tombstone removes the topic.
func (s *StatusStore) applyTopic(key string, value []byte) {
	topic, connector, ok := parseTopicStatusKey(key)
	if !ok {
		warnThrottled(s.logger, &s.warn, "ignoring topic status record with an invalid key", "key", key)
		return
	}
	var st TopicStatus
	if value != nil {
		var err error
		if st, err = decodeTopicStatus(value); err != nil {
			warnThrottled(s.logger, &s.warn, "ignoring invalid topic status record", "key", key, "err", err)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if value == nil {
		delete(s.topics[connector], topic)
		if len(s.topics[connector]) == 0 {
			delete(s.topics, connector)
		}
		return
	}
	if s.topics == nil {
		s.topics = map[string]map[string]TopicStatus{}
	}
	if s.topics[connector] == nil {
		s.topics[connector] = map[string]TopicStatus{}
	}
	// Java keys its map by the key's topic and connector and keeps the value's fields.
	s.topics[connector][topic] = st
}

// decodeTopicStatus reads {"topic":{"name","connector","task","discoverTimestamp"}}; like
// Java's parseTopicStatus, task and discoverTimestamp must be integers.
func decodeTopicStatus(b []byte) (TopicStatus, error) {
	d, err := decodeJSON(b)
	if err != nil {
		return TopicStatus{}, err
	}
	outer, ok := d.(map[string]any)
	if !ok {
		return TopicStatus{}, fmt.Errorf("value is not an object")
	}
	m, ok := outer["topic"].(map[string]any)
	if !ok {
		return TopicStatus{}, fmt.Errorf("value has no topic object")
	}
	task, ok := m["task"].(int64)
	if !ok || task < -1<<31 || task >= 1<<31 {
		return TopicStatus{}, fmt.Errorf("task is not an int")
	}
	ts, ok := m["discoverTimestamp"].(int64)
	if !ok {
		return TopicStatus{}, fmt.Errorf("discoverTimestamp is not a long")
	}
	st := TopicStatus{Task: int32(task), DiscoverTimestamp: ts}
	st.Topic, _ = m["name"].(string)
	st.Connector, _ = m["connector"].(string)
	return st, nil
}
