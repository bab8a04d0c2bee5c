package actors

import (
	"time"

	"github.com/connectd/connectd/actors/store"
)

// topicTracker is the TopicActive hook of one task's pipeline: it records each topic the task
// produces to or consumes from in the status topic (spec §3.18, KIP-558); nil when
// topic.tracking.enable is false. The status store writes a topic only when it holds none for
// the connector, so a task writes each topic once, and again after a reset.
func (rt *Runtime) topicTracker(name string, task int32) func(topic string) {
	if rt.cfg.NoTopicTracking {
		return nil
	}
	return func(topic string) {
		rt.stores.Status.AddTopicAsync(store.TopicStatus{
			Topic: topic, Connector: name, Task: task, DiscoverTimestamp: time.Now().UnixMilli(),
		})
	}
}
