package converters

import "github.com/connectd/connectd/connectors"

// ByteArrayConverter is Kafka's org.apache.kafka.connect.converters.ByteArrayConverter: bytes
// pass through unchanged in both directions. It has no settings.
type ByteArrayConverter struct{}

var _ connectors.Converter = (*ByteArrayConverter)(nil)

// Config returns the converter's (empty) configuration table.
func (*ByteArrayConverter) Config() connectors.ConfigDef { return connectors.ConfigDef{} }

// Configure accepts any properties; there is nothing to set.
func (*ByteArrayConverter) Configure(map[string]string, bool) error { return nil }

// FromConnectData passes a []byte value through; any other schema than bytes, or a value that
// is not []byte, is an error.
func (*ByteArrayConverter) FromConnectData(_ string, schema *connectors.Schema, value any) ([]byte, error) {
	if schema != nil && schema.Type != connectors.TypeBytes {
		return nil, dataErrorf("Invalid schema type for ByteArrayConverter: %s", javaTypeName(schema.Type))
	}
	switch v := value.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	}
	return nil, dataErrorf("ByteArrayConverter is not compatible with objects of type %T", value)
}

// ToConnectData returns the bytes with an optional bytes schema; nil data is a nil value.
func (*ByteArrayConverter) ToConnectData(_ string, data []byte) (*connectors.Schema, any, error) {
	if data == nil {
		return connectors.OptionalBytesSchema, nil, nil
	}
	return connectors.OptionalBytesSchema, data, nil
}
