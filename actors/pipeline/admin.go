package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/connectors"
)

// ErrGroupNotEmpty is returned by AlterSinkOffsets and ResetSinkOffsets when the sink
// connector's consumer group still has members: tasks that have not stopped yet, or zombies.
var ErrGroupNotEmpty = errors.New("consumer group has members")

// admin is a ClusterAdmin for a connector's admin.override.* settings (prefix stripped): over
// the shared Admin client when there are none, else over a client of its own. release closes
// the latter; the shared one is never closed (closing a ClusterAdmin made from a client
// closes the client).
func (k *Clients) admin(overrides map[string]string) (a sarama.ClusterAdmin, release func(), err error) {
	client, release, err := k.adminClient(overrides)
	if err != nil {
		return nil, nil, err
	}
	// NewClusterAdminFromClient asks for the controller: with NewAdminClient's clients, the
	// first request to the broker, so an unreachable one is reported here.
	if a, err = sarama.NewClusterAdminFromClient(client); err != nil {
		release()
		return nil, nil, fmt.Errorf("admin client: %w", err)
	}
	return a, release, nil
}

// adminClient is the shared Admin client, or with overrides one of the connector's own,
// made from the worker's security and admin.* settings and the overrides (NewAdminClient's:
// it fetches no topic's metadata and contacts no broker until used).
func (k *Clients) adminClient(overrides map[string]string) (sarama.Client, func(), error) {
	if len(overrides) == 0 {
		return k.Admin, func() {}, nil
	}
	cl, err := k.configure(BaseConfig("connector-admin"), kafkaconfig.Admin, k.AdminProps, overrides)
	if err != nil {
		return nil, nil, fmt.Errorf("admin client: %w", err)
	}
	c, err := NewAdminClient(k.brokers(cl), cl.Config)
	if err != nil {
		return nil, nil, fmt.Errorf("admin client: %w", err)
	}
	return c, func() { _ = c.Close() }, nil
}

// SinkOffsets returns the committed offsets of the sink connector's consumer group (spec
// §3.20); none when the group has none or does not exist.
func (k *Clients) SinkOffsets(group string, adminOverrides map[string]string) (map[connectors.TopicPartition]int64, error) {
	a, release, err := k.admin(adminOverrides)
	if err != nil {
		return nil, err
	}
	defer release()
	resp, err := a.ListConsumerGroupOffsets(group, nil)
	if errors.Is(err, sarama.ErrGroupIDNotFound) {
		return map[connectors.TopicPartition]int64{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list offsets of consumer group %s: %w", group, err)
	}
	out := map[connectors.TopicPartition]int64{}
	for topic, parts := range resp.Blocks {
		for p, b := range parts {
			if b == nil {
				continue
			}
			if !errors.Is(b.Err, sarama.ErrNoError) {
				return nil, fmt.Errorf("list offsets of consumer group %s: %s-%d: %w", group, topic, p, b.Err)
			}
			if b.Offset >= 0 {
				out[connectors.TopicPartition{Topic: topic, Partition: p}] = b.Offset
			}
		}
	}
	return out, nil
}

// AlterSinkOffsets commits the given offsets for the sink connector's consumer group and
// deletes the committed offsets of the partitions mapped to nil (spec §3.21). It returns
// ErrGroupNotEmpty when the group has members, as the broker then refuses both.
func (k *Clients) AlterSinkOffsets(group string, offsets map[connectors.TopicPartition]*int64, adminOverrides map[string]string) error {
	a, release, err := k.admin(adminOverrides)
	if err != nil {
		return err
	}
	defer release()
	commit := map[string]map[int32]sarama.OffsetAndMetadata{}
	var deletes []connectors.TopicPartition
	for tp, o := range offsets {
		if o == nil {
			deletes = append(deletes, tp)
			continue
		}
		if commit[tp.Topic] == nil {
			commit[tp.Topic] = map[int32]sarama.OffsetAndMetadata{}
		}
		commit[tp.Topic][tp.Partition] = sarama.OffsetAndMetadata{Offset: *o, LeaderEpoch: -1}
	}
	if len(commit) > 0 {
		resp, err := a.AlterConsumerGroupOffsets(group, commit, nil)
		if err == nil {
			err = firstPartitionError(resp.Errors)
		}
		if err != nil {
			return groupError(fmt.Errorf("commit offsets of consumer group %s: %w", group, err))
		}
	}
	slices.SortFunc(deletes, func(x, y connectors.TopicPartition) int {
		return cmp.Or(strings.Compare(x.Topic, y.Topic), cmp.Compare(x.Partition, y.Partition))
	})
	for _, tp := range deletes {
		if err := a.DeleteConsumerGroupOffset(group, tp.Topic, tp.Partition); err != nil {
			// A group that never committed has nothing to delete.
			if errors.Is(err, sarama.ErrGroupIDNotFound) {
				continue
			}
			return groupError(fmt.Errorf("delete offset of consumer group %s for %s-%d: %w", group, tp.Topic, tp.Partition, err))
		}
	}
	return nil
}

// ResetSinkOffsets deletes the sink connector's consumer group and so its offsets (spec
// §3.21); a group that does not exist is success, so a reset is idempotent. It returns
// ErrGroupNotEmpty when the group has members.
func (k *Clients) ResetSinkOffsets(group string, adminOverrides map[string]string) error {
	a, release, err := k.admin(adminOverrides)
	if err != nil {
		return err
	}
	defer release()
	if err := a.DeleteConsumerGroup(group); err != nil && !errors.Is(err, sarama.ErrGroupIDNotFound) {
		return groupError(fmt.Errorf("delete consumer group %s: %w", group, err))
	}
	return nil
}

// firstPartitionError is the first error of an OffsetCommit response, in a stable order.
func firstPartitionError(errs map[string]map[int32]sarama.KError) error {
	for _, topic := range slices.Sorted(maps.Keys(errs)) {
		for _, p := range slices.Sorted(maps.Keys(errs[topic])) {
			if e := errs[topic][p]; !errors.Is(e, sarama.ErrNoError) {
				return fmt.Errorf("%s-%d: %w", topic, p, e)
			}
		}
	}
	return nil
}

// groupError adds ErrGroupNotEmpty to err's chain when the broker refused because the group
// has members: UNKNOWN_MEMBER_ID for a commit from outside the group, GROUP_SUBSCRIBED_TO_TOPIC
// or NON_EMPTY_GROUP for a delete (Kafka Connect's Worker checks the same three).
func groupError(err error) error {
	for _, e := range []error{sarama.ErrUnknownMemberId, sarama.ErrGroupSubscribedToTopic, sarama.ErrNonEmptyGroup} {
		if errors.Is(err, e) {
			return fmt.Errorf("%w: %w", ErrGroupNotEmpty, err)
		}
	}
	return err
}
