package actors

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/messages"
)

// Texts of the offsets API (spec §3.20, §3.21), verbatim from Kafka Connect.
const (
	msgNoOffsets  = "Partitions / offsets need to be provided for an alter offsets request"
	msgNotStopped = "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint"

	msgSinkPartitionNull     = "The partition for a sink connector offset cannot be null or missing"
	msgSinkPartitionKeys     = "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"
	msgSinkTopicNull         = "Kafka topic names must be valid strings and may not be null"
	msgSinkPartitionNumNull  = "Kafka partitions must be valid numbers and may not be null"
	msgSinkPartitionNotInt   = "Failed to parse the following Kafka partition value in the provided offsets: '%s'. Partition values for sink connectors need to be integers."
	msgSinkOffsetKey         = "The offset for a sink connector should either be null or contain the key 'kafka_offset'"
	msgSinkOffsetNotInt      = "Failed to parse the following Kafka offset value in the provided offsets: '%s'. Offset values for sink connectors need to be integers."
	msgOffsetsNotPrimitive   = "Offsets may only contain primitive types as values, but field %s contains %s"
	msgSinkAlterZombie       = "Failed to alter consumer group offsets for connector %s either because its tasks haven't stopped completely yet or the connector was resumed before the request to alter its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks."
	msgSinkResetZombie       = "Failed to reset consumer group offsets for connector %s either because its tasks haven't stopped completely yet or the connector was resumed before the request to reset its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks."
	msgSinkAlterFailed       = "Failed to alter consumer group offsets for connector %s"
	msgSinkResetFailed       = "Failed to reset consumer group offsets for sink connector %s"
	msgSinkListBeforeReset   = "Failed to list offsets prior to resetting offsets for sink connector %s"
	msgSinkGetFailed         = "Failed to retrieve consumer group offsets for sink connector %s"
	msgSourceGetFailed       = "Failed to retrieve offsets for source connector %s"
	msgSourceModifyFailed    = "Failed to modify offsets for source connector %s"
	msgOffsetsDone           = "The offsets for this connector have been %s successfully"
	msgOffsetsDoneFramework  = "The Connect framework-managed offsets for this connector have been %[1]s successfully. However, if this connector manages offsets externally, they will need to be manually %[1]s in the system that the connector uses."
	msgOffsetsUnknownType    = "Connector %s is neither a source nor a sink connector"
	sinkTopicKey             = "kafka_topic"
	sinkPartitionKey         = "kafka_partition"
	sinkOffsetKey            = "kafka_offset"
	offsetsRequestTimeout    = 60 * time.Second
	sinkGroupDrainTimeout    = 5 * time.Second
	sinkGroupDrainRetryEvery = 100 * time.Millisecond
)

// ConnectorOffsets returns a connector's offsets (spec §3.20): a source connector's from the
// offsets store, read to its end first; a sink connector's from its consumer group. Any
// target state is accepted.
func (c *Client) ConnectorOffsets(ctx context.Context, name string) ([]*messages.ConnectorOffset, error) {
	v, ok := c.rt.connectorView(name)
	if !ok {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	switch c.rt.validator.ConnectorType(v.Config) {
	case string(connectors.Source):
		if err := c.rt.readOffsetsToEnd(ctx); err != nil {
			c.rt.log.Warn("read offsets to end", "connector", name, "err", err)
			return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgSourceGetFailed, name)
		}
		out := []*messages.ConnectorOffset{}
		for _, o := range c.rt.stores.Offsets.Offsets(name) {
			co, err := offsetMessage(o.Partition, o.Offset)
			if err != nil {
				return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "%s: %v", fmt.Sprintf(msgSourceGetFailed, name), err)
			}
			out = append(out, co)
		}
		return out, nil
	case string(connectors.Sink):
		offsets, err := c.rt.kafka.SinkOffsets(name)
		if err != nil {
			c.rt.log.Warn("list sink offsets", "connector", name, "err", err)
			return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgSinkGetFailed, name)
		}
		out := []*messages.ConnectorOffset{}
		for _, tp := range sortedPartitions(offsets) {
			co, err := offsetMessage(sinkPartition(tp), map[string]any{sinkOffsetKey: offsets[tp]})
			if err != nil {
				return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "%s: %v", fmt.Sprintf(msgSinkGetFailed, name), err)
			}
			out = append(out, co)
		}
		return out, nil
	default:
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgOffsetsUnknownType, name)
	}
}

// AlterConnectorOffsets alters the offsets of a STOPPED connector (spec §3.21) and returns
// the success message. The connector grain does the work, so no resume overtakes it.
func (c *Client) AlterConnectorOffsets(ctx context.Context, name string, offsets []*messages.ConnectorOffset) (string, error) {
	if len(offsets) == 0 {
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, msgNoOffsets)
	}
	if _, ok := c.rt.connectorView(name); !ok {
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	ctx, cancel := context.WithTimeout(ctx, offsetsRequestTimeout)
	defer cancel()
	reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, &messages.AlterConnectorOffsets{Name: name, Offsets: offsets})
	if err != nil {
		return "", err
	}
	return reply.(*messages.AlterConnectorOffsetsReply).Message, nil
}

// ResetConnectorOffsets removes every offset of a STOPPED connector (spec §3.21) and returns
// the success message.
func (c *Client) ResetConnectorOffsets(ctx context.Context, name string) (string, error) {
	if _, ok := c.rt.connectorView(name); !ok {
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	ctx, cancel := context.WithTimeout(ctx, offsetsRequestTimeout)
	defer cancel()
	reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, &messages.ResetConnectorOffsets{Name: name})
	if err != nil {
		return "", err
	}
	return reply.(*messages.ResetConnectorOffsetsReply).Message, nil
}

// onModifyOffsets serves AlterConnectorOffsets and ResetConnectorOffsets in every behaviour:
// the grain is the single writer of its connector, so the STOPPED check and the writes are
// not interleaved with a resume. It blocks the grain for the writes, as every command does.
func (g *connectorGrain) onModifyOffsets(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *messages.AlterConnectorOffsets:
		msg, err := g.rt.modifyOffsets(g.name, m.Offsets, false)
		if err != nil {
			g.log.Info("alter offsets refused", "err", err)
		}
		ctx.Respond(&messages.AlterConnectorOffsetsReply{Error: toWire(err), Message: msg})
	case *messages.ResetConnectorOffsets:
		msg, err := g.rt.modifyOffsets(g.name, nil, true)
		if err != nil {
			g.log.Info("reset offsets refused", "err", err)
		}
		ctx.Respond(&messages.ResetConnectorOffsetsReply{Error: toWire(err), Message: msg})
	}
}

// modifyOffsets alters (offsets) or resets a connector's offsets, with Kafka Connect's checks
// in its order (spec §3.21): the connector exists, is STOPPED with no tasks, the offsets parse,
// the plugin's OffsetAlterer agrees; then the write.
func (rt *Runtime) modifyOffsets(name string, offsets []*messages.ConnectorOffset, reset bool) (string, error) {
	v, ok := rt.connectorView(name)
	if !ok {
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	if v.Target != messages.TargetState_TARGET_STATE_STOPPED || len(v.Tasks) > 0 {
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, msgNotStopped, name)
	}
	conn, _, err := rt.registry.NewConnector(v.Config["connector.class"])
	if err != nil {
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "%v", err)
	}
	switch conn.(type) {
	case connectors.SinkConnector:
		return rt.modifySinkOffsets(name, v.Config, conn, offsets, reset)
	case connectors.SourceConnector:
		return rt.modifySourceOffsets(name, v.Config, conn, offsets, reset)
	}
	return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgOffsetsUnknownType, name)
}

func (rt *Runtime) modifySinkOffsets(name string, config map[string]string, conn connectors.Connector, offsets []*messages.ConnectorOffset, reset bool) (string, error) {
	var parsed map[connectors.TopicPartition]*int64
	if reset {
		current, err := rt.kafka.SinkOffsets(name)
		if err != nil {
			rt.log.Warn("list sink offsets before reset", "connector", name, "err", err)
			return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgSinkListBeforeReset, name)
		}
		parsed = make(map[connectors.TopicPartition]*int64, len(current))
		for tp := range current {
			parsed[tp] = nil
		}
	} else {
		var err error
		if parsed, err = parseSinkOffsets(offsets); err != nil {
			return "", err
		}
	}
	hook := make([]connectors.SourceOffset, 0, len(parsed))
	for _, tp := range sortedPartitions(parsed) {
		so := connectors.SourceOffset{Partition: sinkPartition(tp)}
		if o := parsed[tp]; o != nil {
			so.Offset = map[string]any{sinkOffsetKey: *o}
		}
		hook = append(hook, so)
	}
	managed, err := alterOffsetsHook(conn, config, hook)
	if err != nil {
		return "", err
	}
	if reset {
		err = drainGroup(func() error { return rt.kafka.ResetSinkOffsets(name) })
	} else {
		err = drainGroup(func() error { return rt.kafka.AlterSinkOffsets(name, parsed) })
	}
	switch {
	case err == nil:
		return successMessage(managed, reset), nil
	case errors.Is(err, pipeline.ErrGroupNotEmpty):
		rt.log.Warn("sink consumer group still has members", "connector", name, "err", err)
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, map[bool]string{false: msgSinkAlterZombie, true: msgSinkResetZombie}[reset], name)
	default:
		rt.log.Warn("modify sink offsets", "connector", name, "err", err)
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, map[bool]string{false: msgSinkAlterFailed, true: msgSinkResetFailed}[reset], name)
	}
}

// drainGroup runs f until the consumer group has no members or sinkGroupDrainTimeout passed:
// the tasks of a connector that was just stopped leave its group moments later, and a client
// that stops and then alters should not have to retry (Kafka Connect answers 500 at once).
func drainGroup(f func() error) error {
	deadline := time.Now().Add(sinkGroupDrainTimeout)
	for {
		err := f()
		if !errors.Is(err, pipeline.ErrGroupNotEmpty) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(sinkGroupDrainRetryEvery)
	}
}

func (rt *Runtime) modifySourceOffsets(name string, config map[string]string, conn connectors.Connector, offsets []*messages.ConnectorOffset, reset bool) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	var list []store.Offset
	if reset {
		// Kafka Connect reads the offsets topic to its end before listing the partitions.
		if err := rt.readOffsetsToEnd(ctx); err != nil {
			rt.log.Warn("read offsets to end", "connector", name, "err", err)
			return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgSourceModifyFailed, name)
		}
		for _, o := range rt.stores.Offsets.Offsets(name) {
			list = append(list, store.Offset{Partition: o.Partition})
		}
	} else {
		for _, o := range offsets {
			p, err := sourceOffsetMap(o.Partition)
			if err != nil {
				return "", err
			}
			off, err := sourceOffsetMap(o.Offset)
			if err != nil {
				return "", err
			}
			list = append(list, store.Offset{Partition: p, Offset: off})
		}
	}
	hook := make([]connectors.SourceOffset, len(list))
	for i, o := range list {
		hook[i] = connectors.SourceOffset{Partition: o.Partition, Offset: o.Offset}
	}
	managed, err := alterOffsetsHook(conn, config, hook)
	if err != nil {
		return "", err
	}
	if len(list) == 0 { // a reset with nothing stored
		return successMessage(managed, reset), nil
	}
	if err := rt.stores.Offsets.Put(ctx, name, list); err != nil {
		rt.log.Warn("write source offsets", "connector", name, "err", err)
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgSourceModifyFailed, name)
	}
	return successMessage(managed, reset), nil
}

// readOffsetsToEnd catches the local offsets store up with the topic, where the store has
// one (the standalone file store is always current).
func (rt *Runtime) readOffsetsToEnd(ctx context.Context) error {
	r, ok := rt.stores.Offsets.(interface{ ReadToEnd(context.Context) error })
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return r.ReadToEnd(ctx)
}

// alterOffsetsHook calls the plugin's OffsetAlterer, if it has one; true means the plugin
// manages no other offsets (the short success message). Its error, or a panic, is a 500
// with its text, as Kafka Connect shows a ConnectException's message.
func alterOffsetsHook(conn connectors.Connector, config map[string]string, offsets []connectors.SourceOffset) (managed bool, err error) {
	a, ok := conn.(connectors.OffsetAlterer)
	if !ok {
		return false, nil
	}
	defer func() {
		if v := recover(); v != nil {
			managed, err = false, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "%v", v)
		}
	}()
	managed, err = a.AlterOffsets(config, offsets)
	if err != nil {
		return false, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "%s", err.Error())
	}
	return managed, nil
}

func successMessage(managed, reset bool) string {
	verb := "altered"
	if reset {
		verb = "reset"
	}
	if managed {
		return fmt.Sprintf(msgOffsetsDone, verb)
	}
	return fmt.Sprintf(msgOffsetsDoneFramework, verb)
}

// parseSinkOffsets is Kafka Connect's SinkUtils.parseSinkConnectorOffsets: each partition
// names a topic and an integer partition, each offset is null (delete) or holds an integer
// kafka_offset; numbers may come as JSON strings. A later entry for the same partition wins.
func parseSinkOffsets(offsets []*messages.ConnectorOffset) (map[connectors.TopicPartition]*int64, error) {
	bad := func(format string, args ...any) error {
		return api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, format, args...)
	}
	out := make(map[connectors.TopicPartition]*int64, len(offsets))
	for _, o := range offsets {
		p, err := rawObject(o.Partition)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, bad(msgSinkPartitionNull)
		}
		topic, hasTopic := p[sinkTopicKey]
		partition, hasPartition := p[sinkPartitionKey]
		if !hasTopic || !hasPartition {
			return nil, bad(msgSinkPartitionKeys)
		}
		if topic == nil {
			return nil, bad(msgSinkTopicNull)
		}
		if partition == nil {
			return nil, bad(msgSinkPartitionNumNull)
		}
		n, err := strconv.ParseInt(javaText(partition), 10, 32)
		if err != nil {
			return nil, bad(msgSinkPartitionNotInt, javaText(partition))
		}
		tp := connectors.TopicPartition{Topic: javaText(topic), Partition: int32(n)}
		off, err := rawObject(o.Offset)
		if err != nil {
			return nil, err
		}
		if off == nil {
			out[tp] = nil
			continue
		}
		v, ok := off[sinkOffsetKey]
		if !ok {
			return nil, bad(msgSinkOffsetKey)
		}
		offset, err := strconv.ParseInt(javaText(v), 10, 64)
		if err != nil {
			return nil, bad(msgSinkOffsetNotInt, javaText(v))
		}
		out[tp] = &offset
	}
	return out, nil
}

// rawObject decodes a JSON object keeping numbers as their text; empty or null is nil.
func rawObject(b []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, "Invalid offsets entry: %v", err)
	}
	return m, nil
}

// javaText is String.valueOf of the value Jackson would have made of a JSON value, for
// Kafka Connect's parse rules and messages.
func javaText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = javaText(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			parts = append(parts, k+"="+javaText(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return fmt.Sprint(v)
	}
}

// sourceOffsetMap reads a source partition or offset as Kafka Connect normalises it through
// its internal JsonConverter (integers become longs, other numbers doubles) and checks
// OffsetUtils.validateFormat's rule: values are primitives or null.
func sourceOffsetMap(b []byte) (map[string]any, error) {
	m, err := rawObject(b)
	if err != nil || m == nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch x := m[k].(type) {
		case json.Number:
			n, err := store.JSONNumber(string(x))
			if err != nil {
				return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, "Invalid number %s in offsets: %v", x, err)
			}
			m[k] = n
		case map[string]any:
			return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgOffsetsNotPrimitive, k, "MAP")
		case []any:
			return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgOffsetsNotPrimitive, k, "ARRAY")
		}
	}
	return m, nil
}

// offsetMessage encodes one partition and offset for a reply; nil maps are JSON null.
func offsetMessage(partition, offset map[string]any) (*messages.ConnectorOffset, error) {
	p, err := json.Marshal(partition)
	if err != nil {
		return nil, fmt.Errorf("encode partition: %w", err)
	}
	o, err := json.Marshal(offset)
	if err != nil {
		return nil, fmt.Errorf("encode offset: %w", err)
	}
	return &messages.ConnectorOffset{Partition: p, Offset: o}, nil
}

func sinkPartition(tp connectors.TopicPartition) map[string]any {
	return map[string]any{sinkTopicKey: tp.Topic, sinkPartitionKey: int64(tp.Partition)}
}

func sortedPartitions[V any](m map[connectors.TopicPartition]V) []connectors.TopicPartition {
	return slices.SortedFunc(maps.Keys(m), func(a, b connectors.TopicPartition) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
}
