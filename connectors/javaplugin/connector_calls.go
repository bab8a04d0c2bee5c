package javaplugin

import (
	"errors"
	"fmt"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

// The connector methods Kafka Connect calls on a fresh instance, outside the connector's run:
// exactly-once support and transaction boundaries (KIP-618, while validating) and
// alterOffsets (before it alters or resets offsets).
var (
	_ connectors.ExactlyOnceSupporter       = (*sourceConnector)(nil)
	_ connectors.TransactionBoundaryDefiner = (*sourceConnector)(nil)
	_ connectors.OffsetAlterer              = (*connector)(nil)
)

// ExactlyOnceSupport calls exactlyOnceSupport(config).
func (c *sourceConnector) ExactlyOnceSupport(config map[string]string) (connectors.ExactlyOnceSupport, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	r, err := c.h.classCall(ctx, &pb.Request{Call: &pb.Request_ExactlyOnceSupport{ExactlyOnceSupport: &pb.ExactlyOnceSupport{
		ClassName: c.class, Type: c.typ, Version: c.version, Props: config}}})
	if err != nil {
		return connectors.ExactlyOnceUndeclared, err
	}
	switch v := r.GetAnswer().GetValue(); v {
	case "SUPPORTED":
		return connectors.ExactlyOnceSupported, nil
	case "UNSUPPORTED":
		return connectors.ExactlyOnceUnsupported, nil
	case "":
		return connectors.ExactlyOnceUndeclared, nil
	default:
		return connectors.ExactlyOnceUndeclared, fmt.Errorf("exactlyOnceSupport() of %s answered %q", c.class, v)
	}
}

// CanDefineTransactionBoundaries calls canDefineTransactionBoundaries(config).
func (c *sourceConnector) CanDefineTransactionBoundaries(config map[string]string) (connectors.TransactionBoundaries, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	r, err := c.h.classCall(ctx, &pb.Request{Call: &pb.Request_CanDefineTransactionBoundaries{CanDefineTransactionBoundaries: &pb.CanDefineTransactionBoundaries{
		ClassName: c.class, Type: c.typ, Version: c.version, Props: config}}})
	if err != nil {
		return connectors.TransactionBoundariesUndeclared, err
	}
	switch v := r.GetAnswer().GetValue(); v {
	case "SUPPORTED":
		return connectors.TransactionBoundariesSupported, nil
	case "UNSUPPORTED":
		return connectors.TransactionBoundariesUnsupported, nil
	case "":
		return connectors.TransactionBoundariesUndeclared, nil
	default:
		return connectors.TransactionBoundariesUndeclared, fmt.Errorf("canDefineTransactionBoundaries() of %s answered %q", c.class, v)
	}
}

// The keys of a sink connector's offsets as the runtime hands them to AlterOffsets (Kafka
// Connect's SinkUtils).
const (
	sinkTopicKey     = "kafka_topic"
	sinkPartitionKey = "kafka_partition"
	sinkOffsetKey    = "kafka_offset"
)

// AlterOffsets calls alterOffsets(config, offsets): a source connector gets its source
// partitions and offsets, a sink connector its topic partitions and Kafka offsets (null for a
// reset). The error of a connector that throws UnsupportedOperationException, Kafka's default,
// says what Kafka Connect says; another exception's message is the error.
func (c *connector) AlterOffsets(config map[string]string, offsets []connectors.SourceOffset) (bool, error) {
	req := &pb.AlterOffsets{ClassName: c.class, Type: c.typ, Version: c.version, Props: config}
	for _, o := range offsets {
		if c.typ == pb.PluginType_PLUGIN_TYPE_SINK {
			tp, err := sinkTopicPartition(o.Partition)
			if err != nil {
				return false, err
			}
			if o.Offset == nil {
				req.ResetPartitions = append(req.ResetPartitions, &pb.TopicPartition{Topic: tp.Topic, Partition: tp.Partition})
				continue
			}
			off, ok := asInt64(o.Offset[sinkOffsetKey])
			if !ok {
				return false, fmt.Errorf("sink offset %v has no %s", o.Offset, sinkOffsetKey)
			}
			req.SinkOffsets = append(req.SinkOffsets, &pb.PartitionOffset{Topic: tp.Topic, Partition: tp.Partition, Offset: off})
			continue
		}
		e := &pb.OffsetEntry{}
		var err error
		if e.Partition, err = valueToProto(o.Partition, nil); err != nil {
			return false, fmt.Errorf("source partition: %w", err)
		}
		if o.Offset != nil {
			if e.Offset, err = valueToProto(o.Offset, nil); err != nil {
				return false, fmt.Errorf("source offset: %w", err)
			}
		}
		req.SourceOffsets = append(req.SourceOffsets, e)
	}
	ctx, cancel := c.ctx()
	defer cancel()
	r, err := c.h.classCall(ctx, &pb.Request{Call: &pb.Request_AlterOffsets{AlterOffsets: req}})
	var je *JavaError
	switch {
	case errors.As(err, &je) && je.Class == "java.lang.UnsupportedOperationException":
		return false, fmt.Errorf("Failed to modify offsets for connector %s because it doesn't support external modification of offsets", config["name"])
	case errors.As(err, &je):
		return false, errors.New(je.Message)
	case err != nil:
		return false, err
	}
	return r.GetAnswer().GetFlag(), nil
}

func sinkTopicPartition(p map[string]any) (connectors.TopicPartition, error) {
	topic, ok := p[sinkTopicKey].(string)
	part, ok2 := asInt64(p[sinkPartitionKey])
	if !ok || !ok2 {
		return connectors.TopicPartition{}, fmt.Errorf("sink partition %v needs %s and %s", p, sinkTopicKey, sinkPartitionKey)
	}
	return connectors.TopicPartition{Topic: topic, Partition: int32(part)}, nil
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case int:
		return int64(n), true
	case float64:
		return int64(n), n == float64(int64(n))
	}
	return 0, false
}
