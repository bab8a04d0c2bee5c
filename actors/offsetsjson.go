package actors

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/messages"
)

// The JSON of the offsets API: Kafka Connect's parse rules for the partitions and offsets
// a client sends, and the encoding of those it reads.

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
