package actors

import (
	"context"
	"time"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/messages"
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

// ConnectorTopics lists the active topics of a connector from the local status store, sorted.
// Like Kafka Connect it does not check that the connector exists (spec §3.18, §16.8).
func (c *Client) ConnectorTopics(ctx context.Context, name string) ([]string, error) {
	topics := []string{}
	for _, t := range c.rt.stores.Status.Topics(name) {
		topics = append(topics, t.Topic)
	}
	return topics, nil
}

// ResetConnectorTopics tombstones the active-topic records of a connector and returns once
// they are visible; no existence check (spec §3.19). Tasks still running record their topics
// again as they use them.
func (c *Client) ResetConnectorTopics(ctx context.Context, name string) error {
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := c.rt.stores.Status.DeleteTopics(wctx, name); err != nil {
		return api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "Failed to reset the active topics of connector %s: %v", name, err)
	}
	return nil
}
