package converters

import (
	"fmt"

	"github.com/connectd/connectd/connectors"
)

// SimpleHeaderClass is Kafka's default header.converter.
const SimpleHeaderClass = "org.apache.kafka.connect.storage.SimpleHeaderConverter"

// headerConverter serves a Converter as a HeaderConverter, as Kafka's StringConverter,
// JsonConverter and ByteArrayConverter implement both interfaces: header values are
// converted as values are, configured with converter.type=header.
type headerConverter struct {
	c connectors.Converter
}

func (h headerConverter) Config() connectors.ConfigDef { return h.c.Config() }

func (h headerConverter) Configure(props map[string]string) error {
	withType := map[string]string{"converter.type": "header"}
	for k, v := range props {
		withType[k] = v
	}
	return h.c.Configure(withType, false)
}

func (h headerConverter) FromConnectHeader(topic, _ string, schema *connectors.Schema, value any) ([]byte, error) {
	return h.c.FromConnectData(topic, schema, value)
}

func (h headerConverter) ToConnectHeader(topic, _ string, data []byte) (*connectors.Schema, any, error) {
	return h.c.ToConnectData(topic, data)
}

// simpleHeaderConverter is Kafka's SimpleHeaderConverter reduced to scalars: a value is
// written as its string form, and read back as a string.
type simpleHeaderConverter struct{}

func (simpleHeaderConverter) Config() connectors.ConfigDef      { return connectors.ConfigDef{} }
func (simpleHeaderConverter) Configure(map[string]string) error { return nil }
func (simpleHeaderConverter) FromConnectHeader(_, _ string, _ *connectors.Schema, v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok {
		return b, nil
	}
	return []byte(connectors.JavaString(v)), nil
}

func (simpleHeaderConverter) ToConnectHeader(_, key string, data []byte) (*connectors.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	if len(data) > 1<<20 {
		return nil, nil, fmt.Errorf("header %s: value of %d bytes is too large", key, len(data))
	}
	return connectors.OptionalStringSchema, string(data), nil
}

var (
	_ connectors.HeaderConverter = headerConverter{}
	_ connectors.HeaderConverter = simpleHeaderConverter{}
)
