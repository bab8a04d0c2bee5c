package actors

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
)

// sourceOffsets are the offsets of one source connector as Kafka Connect's
// ConnectorOffsetBackingStore keeps them: in the connector's offsets.storage.topic when it
// names one other than the worker's (distributed mode), with the worker's topic as a
// fallback for partitions the connector's topic has no offset for; else in the worker's.
type sourceOffsets struct {
	connector string
	primary   store.Offsets // where offsets are written
	secondary store.Offsets // the worker's store behind a connector's own; nil when primary is it
}

// sourceOffsets gives the offsets of connector name with config; a connector topic is
// created and read to its end the first time it is asked for.
func (rt *Runtime) sourceOffsets(ctx context.Context, name string, config map[string]string) (sourceOffsets, error) {
	so := sourceOffsets{connector: name, primary: rt.stores.Offsets}
	topic := strings.TrimSpace(config["offsets.storage.topic"])
	if topic == "" || rt.stores.OffsetsTopic == nil {
		return so, nil // standalone: offsets.storage.topic has no effect, as in Kafka Connect
	}
	if t, ok := rt.stores.Offsets.(interface{ Topic() string }); ok && t.Topic() == topic {
		return so, nil
	}
	own, err := rt.stores.OffsetsTopic(ctx, topic)
	if err != nil {
		return so, fmt.Errorf("offsets.storage.topic %s: %w", topic, err)
	}
	so.primary, so.secondary = own, rt.stores.Offsets
	return so, nil
}

// Offset implements pipeline.Offsets: the connector topic's offset, else the worker's.
func (o sourceOffsets) Offset(partition map[string]any) (map[string]any, error) {
	off, err := o.primary.Offset(o.connector, partition)
	if err != nil || off != nil || o.secondary == nil {
		return off, err
	}
	return o.secondary.Offset(o.connector, partition)
}

// Put implements pipeline.Offsets.
func (o sourceOffsets) Put(ctx context.Context, offsets []connectors.SourceOffset) error {
	out := make([]store.Offset, len(offsets))
	for i, so := range offsets {
		out[i] = store.Offset{Partition: so.Partition, Offset: so.Offset}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return o.put(ctx, out)
}

// put writes offsets to the primary store; tombstones go to the worker's store too, so a
// removed partition does not come back from the fallback (ConnectorOffsetBackingStore.set).
func (o sourceOffsets) put(ctx context.Context, offsets []store.Offset) error {
	if err := o.primary.Put(ctx, o.connector, offsets); err != nil {
		return err
	}
	if o.secondary == nil {
		return nil
	}
	var tombstones []store.Offset
	for _, off := range offsets {
		if off.Offset == nil {
			tombstones = append(tombstones, off)
		}
	}
	if len(tombstones) == 0 {
		return nil
	}
	return o.secondary.Put(ctx, o.connector, tombstones)
}

// all lists every partition with an offset, the connector topic's winning over the worker's.
func (o sourceOffsets) all() []store.Offset {
	if o.secondary == nil {
		return o.primary.Offsets(o.connector)
	}
	byKey := map[string]store.Offset{}
	for _, s := range []store.Offsets{o.secondary, o.primary} {
		for _, off := range s.Offsets(o.connector) {
			byKey[fmt.Sprint(off.Partition)] = off
		}
	}
	out := make([]store.Offset, 0, len(byKey))
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		out = append(out, byKey[k])
	}
	return out
}

// readToEnd catches the stores up with their topics (the standalone file store is always
// current), within writeTimeout.
func (o sourceOffsets) readToEnd(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	for _, s := range []store.Offsets{o.primary, o.secondary} {
		if r, ok := s.(interface{ ReadToEnd(context.Context) error }); ok {
			if err := r.ReadToEnd(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}
