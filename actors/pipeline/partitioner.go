package pipeline

import (
	"fmt"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connectors"
)

// sendMeta is a source message's sarama Metadata, carried over to the fresh copies a retry
// sends: explicit marks a message whose source record named its partition (sarama's Partition
// field alone cannot tell "partition 0" from "not set"); ack, if set, receives where the
// message was written, for the task's RecordCommitter.
type sendMeta struct {
	explicit bool
	ack      *connectors.RecordAck
}

// NewPartitioner is the partitioner source producers use, Kafka's default rules: a partition
// the record names is kept, a keyed record goes to hash(key, partitions) (Java's murmur2, so
// it lands where a Java producer would put it), and the rest are spread at random.
func NewPartitioner(hash func(key []byte, partitions int32) int32) sarama.PartitionerConstructor {
	return func(topic string) sarama.Partitioner {
		return &partitioner{hash: hash, random: sarama.NewRandomPartitioner(topic)}
	}
}

type partitioner struct {
	hash   func([]byte, int32) int32
	random sarama.Partitioner
}

func (p *partitioner) Partition(m *sarama.ProducerMessage, partitions int32) (int32, error) {
	if sm, ok := m.Metadata.(*sendMeta); ok && sm.explicit {
		if m.Partition < 0 || m.Partition >= partitions {
			return -1, fmt.Errorf("record for %s names partition %d, but the topic has %d", m.Topic, m.Partition, partitions)
		}
		return m.Partition, nil
	}
	if m.Key != nil {
		key, err := m.Key.Encode()
		if err != nil {
			return -1, fmt.Errorf("encode key: %w", err)
		}
		return p.hash(key, partitions), nil
	}
	return p.random.Partition(m, partitions)
}

// RequiresConsistency is true: the same key must always map to the same partition.
func (p *partitioner) RequiresConsistency() bool { return true }
