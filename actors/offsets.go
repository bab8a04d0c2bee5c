package actors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/messages"
)

// The keys of a sink connector's offsets, and the bounds of an offsets request.
const (
	sinkTopicKey             = "kafka_topic"
	sinkPartitionKey         = "kafka_partition"
	sinkOffsetKey            = "kafka_offset"
	offsetsRequestTimeout    = 60 * time.Second
	sinkGroupDrainTimeout    = 5 * time.Second
	sinkGroupDrainRetryEvery = 100 * time.Millisecond
)

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

// readOffsets reads a connector's offsets (spec §3.20): a source connector's from the offsets
// store, read to its end first; a sink connector's from its consumer group.
func (rt *Runtime) readOffsets(ctx context.Context, name string, config map[string]string) ([]*messages.ConnectorOffset, error) {
	switch rt.validator.ConnectorType(config) {
	case string(connectors.Source):
		so, err := rt.sourceOffsets(ctx, name, config)
		if err == nil {
			err = so.readToEnd(ctx)
		}
		if err != nil {
			rt.log.Warn("read offsets to end", "connector", name, "err", err)
			return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgSourceGetFailed, name)
		}
		out := []*messages.ConnectorOffset{}
		for _, o := range so.all() {
			co, err := offsetMessage(o.Partition, o.Offset)
			if err != nil {
				return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "%s: %v", fmt.Sprintf(msgSourceGetFailed, name), err)
			}
			out = append(out, co)
		}
		return out, nil
	case string(connectors.Sink):
		admin, err := rt.adminOverrides(config)
		if err != nil {
			return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "%s: %v", fmt.Sprintf(msgSinkGetFailed, name), err)
		}
		offsets, err := rt.kafka.SinkOffsets(sinkGroupID(name, config), admin)
		if err != nil {
			rt.log.Warn("list sink offsets", "connector", name, "err", err)
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
	conn, _, err := rt.registry.SelectConnector(v.Config["connector.class"], v.Config[pluginVersionKey])
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
	admin, err := rt.adminOverrides(config)
	if err != nil {
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "Failed to modify offsets for sink connector %s: %v", name, err)
	}
	var parsed map[connectors.TopicPartition]*int64
	if reset {
		current, err := rt.kafka.SinkOffsets(sinkGroupID(name, config), admin)
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
		err = drainGroup(func() error { return rt.kafka.ResetSinkOffsets(sinkGroupID(name, config), admin) })
	} else {
		err = drainGroup(func() error { return rt.kafka.AlterSinkOffsets(sinkGroupID(name, config), parsed, admin) })
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
	so, err := rt.sourceOffsets(ctx, name, config)
	if err != nil {
		rt.log.Warn("offsets store", "connector", name, "err", err)
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgSourceModifyFailed, name)
	}
	// spec §3.21: with exactly-once sources a zombie fencing round runs first, so that no
	// producer of the stopped connector's tasks can commit offsets over the new ones. The
	// stopped connector has no task configs left: every id tasks.max allows is fenced.
	if rt.cfg.exactlyOnce() {
		if err := rt.kafka.FenceSourceTasks(ctx, name, maxTasks(config)); err != nil {
			rt.log.Warn("fence source tasks before modifying offsets", "connector", name, "err", err)
			return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgSourceModifyFailed, name)
		}
	}
	if reset {
		// Kafka Connect reads the offsets topic to its end before listing the partitions.
		if err := so.readToEnd(ctx); err != nil {
			rt.log.Warn("read offsets to end", "connector", name, "err", err)
			return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgSourceModifyFailed, name)
		}
		for _, o := range so.all() {
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
	if err := so.put(ctx, list); err != nil {
		rt.log.Warn("write source offsets", "connector", name, "err", err)
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgSourceModifyFailed, name)
	}
	return successMessage(managed, reset), nil
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

// sinkGroupID is the consumer group whose offsets a sink connector's offsets are:
// consumer.override.group.id when set, as in Kafka Connect's SinkUtils.consumerGroupId.
func sinkGroupID(name string, config map[string]string) string {
	return pipeline.SinkGroupID(name, kafkaconfig.Overrides(config, kafkaconfig.ConsumerOverridePrefix))
}

// adminOverrides are the connector's admin.override.* settings with their config-provider
// placeholders resolved, checked against the override policy.
func (rt *Runtime) adminOverrides(config map[string]string) (map[string]string, error) {
	res, err := rt.resolve(config)
	if err != nil {
		return nil, err
	}
	return rt.clientOverrides(res.Config, kafkaconfig.AdminOverridePrefix)
}
