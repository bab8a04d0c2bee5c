package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/store"
)

// kafkaClients makes the data-plane clients of source and sink tasks (actors.Kafka).
type kafkaClients struct {
	brokers []string
	cfg     *workerConfig
	admin   sarama.Client // for topic listing; owned by the worker
}

// baseConfig is the client configuration every client of this worker starts from.
func baseConfig(clientID string) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = clientID
	c.Version = sarama.V3_6_0_0
	c.Metadata.AllowAutoTopicCreation = false // sources create their topics explicitly (EnsureTopic)
	return c
}

func (k *kafkaClients) Producer(connector string, task int32) (sarama.SyncProducer, error) {
	c := baseConfig(fmt.Sprintf("connector-producer-%s-%d", connector, task))
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Producer.Retry.Max = 10
	c.Producer.Partitioner = pipeline.NewPartitioner(store.PartitionFor)
	p, err := sarama.NewSyncProducer(k.brokers, c)
	if err != nil {
		return nil, fmt.Errorf("producer for %s-%d: %w", connector, task, err)
	}
	return p, nil
}

func (k *kafkaClients) ConsumerGroup(connector string, task int32) (sarama.ConsumerGroup, error) {
	c := baseConfig(fmt.Sprintf("connector-consumer-%s-%d", connector, task))
	c.Consumer.Offsets.AutoCommit.Enable = false // offsets are committed after the task's flush
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Return.Errors = false
	c.Consumer.Group.Session.Timeout = max(k.cfg.sessionTimeout, 6*time.Second)
	c.Consumer.Group.Heartbeat.Interval = min(k.cfg.heartbeatInterval, c.Consumer.Group.Session.Timeout/3)
	c.Consumer.MaxWaitTime = 250 * time.Millisecond
	g, err := sarama.NewConsumerGroup(k.brokers, "connect-"+connector, c)
	if err != nil {
		return nil, fmt.Errorf("consumer group connect-%s: %w", connector, err)
	}
	return g, nil
}

func (k *kafkaClients) Topics() ([]string, error) {
	if err := k.admin.RefreshMetadata(); err != nil {
		return nil, fmt.Errorf("refresh metadata: %w", err)
	}
	return k.admin.Topics()
}

// EnsureTopic creates topic with the broker's default partitions and replication unless it
// exists. Explicit creation, not the broker's auto-creation, is what a restarted embedded
// broker finds again after a crash.
func (k *kafkaClients) EnsureTopic(topic string) error {
	admin, err := sarama.NewClusterAdminFromClient(k.admin)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	// Not closed: closing a ClusterAdmin made from a client closes the client.
	err = admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: -1, ReplicationFactor: -1}, false)
	var terr *sarama.TopicError
	if err == nil || (errors.As(err, &terr) && terr.Err == sarama.ErrTopicAlreadyExists) || errors.Is(err, sarama.ErrTopicAlreadyExists) {
		return nil
	}
	return err
}
