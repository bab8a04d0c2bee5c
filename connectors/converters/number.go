package converters

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/connectd/connectd/connectors"
)

// Kafka Connect class names of the number and boolean converters (package
// org.apache.kafka.connect.converters, connect-runtime).
const (
	BooleanClass = "org.apache.kafka.connect.converters.BooleanConverter"
	DoubleClass  = "org.apache.kafka.connect.converters.DoubleConverter"
	FloatClass   = "org.apache.kafka.connect.converters.FloatConverter"
	IntegerClass = "org.apache.kafka.connect.converters.IntegerConverter"
	LongClass    = "org.apache.kafka.connect.converters.LongConverter"
	ShortClass   = "org.apache.kafka.connect.converters.ShortConverter"
)

// converterTypeConfig is the one key of Kafka's NumberConverterConfig and
// BooleanConverterConfig (ConverterConfig.TYPE_CONFIG): no group, order -1, width NONE.
var converterTypeConfig = connectors.ConfigDef{
	{Name: "converter.type", Type: connectors.String, Required: true, Importance: connectors.Low,
		Validator: connectors.OneOf("key", "value", "header"),
		Doc:       "How this converter will be used."},
}

// NumberConverter is one of Kafka's fixed-width converters: BooleanConverter (one byte, 0 or
// 1), ShortConverter, IntegerConverter, LongConverter (big-endian two's complement of 2, 4, 8
// bytes), FloatConverter and DoubleConverter (IEEE 754, 4 and 8 bytes), as Kafka's
// serializers of those types write them. It reads every record with the optional schema of
// its type and serves as a header converter too.
type NumberConverter struct {
	kind numberKind
}

var _ connectors.Converter = (*NumberConverter)(nil)

// numberKind describes one converter of the family.
type numberKind struct {
	name     string // Kafka's type name in messages, e.g. "long"
	javaName string // the simple class name, for BooleanConverter's messages
	schema   *connectors.Schema
	size     int
	encode   func(v any) ([]byte, bool)
	decode   func(b []byte) any
}

var (
	booleanKind = numberKind{name: "boolean", javaName: "BooleanConverter", size: 1,
		schema: &connectors.Schema{Type: connectors.TypeBoolean, Optional: true},
		encode: func(v any) ([]byte, bool) {
			b, ok := v.(bool)
			if !ok {
				return nil, false
			}
			if b {
				return []byte{1}, true
			}
			return []byte{0}, true
		},
		decode: func(b []byte) any { return b[0] == 1 }}
	shortKind = numberKind{name: "short", size: 2,
		schema: &connectors.Schema{Type: connectors.TypeInt16, Optional: true},
		encode: func(v any) ([]byte, bool) {
			i, ok := v.(int16)
			return binary.BigEndian.AppendUint16(nil, uint16(i)), ok
		},
		decode: func(b []byte) any { return int16(binary.BigEndian.Uint16(b)) }}
	integerKind = numberKind{name: "integer", size: 4,
		schema: &connectors.Schema{Type: connectors.TypeInt32, Optional: true},
		encode: func(v any) ([]byte, bool) {
			i, ok := v.(int32)
			return binary.BigEndian.AppendUint32(nil, uint32(i)), ok
		},
		decode: func(b []byte) any { return int32(binary.BigEndian.Uint32(b)) }}
	longKind = numberKind{name: "long", size: 8,
		schema: &connectors.Schema{Type: connectors.TypeInt64, Optional: true},
		encode: func(v any) ([]byte, bool) {
			i, ok := v.(int64)
			return binary.BigEndian.AppendUint64(nil, uint64(i)), ok
		},
		decode: func(b []byte) any { return int64(binary.BigEndian.Uint64(b)) }}
	floatKind = numberKind{name: "float", size: 4,
		schema: &connectors.Schema{Type: connectors.TypeFloat32, Optional: true},
		encode: func(v any) ([]byte, bool) {
			f, ok := v.(float32)
			return binary.BigEndian.AppendUint32(nil, math.Float32bits(f)), ok
		},
		decode: func(b []byte) any { return math.Float32frombits(binary.BigEndian.Uint32(b)) }}
	doubleKind = numberKind{name: "double", size: 8,
		schema: &connectors.Schema{Type: connectors.TypeFloat64, Optional: true},
		encode: func(v any) ([]byte, bool) {
			f, ok := v.(float64)
			return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)), ok
		},
		decode: func(b []byte) any { return math.Float64frombits(binary.BigEndian.Uint64(b)) }}
)

// Config returns the converter's configuration table.
func (*NumberConverter) Config() connectors.ConfigDef { return converterTypeConfig }

// Configure accepts the properties; converter.type, when given, must be key, value or header.
func (c *NumberConverter) Configure(props map[string]string, isKey bool) error {
	withType := map[string]string{"converter.type": "value"}
	if isKey {
		withType["converter.type"] = "key"
	}
	for k, v := range props {
		withType[k] = v
	}
	if _, err := converterTypeConfig.Parse(withType); err != nil {
		return fmt.Errorf("configure %s converter: %w", c.kind.name, err)
	}
	return nil
}

// FromConnectData writes value in the converter's fixed width; nil is a nil record. A value of
// another Go type than the converter's, or (BooleanConverter) a schema of another type, is a
// data error, as in Kafka.
func (c *NumberConverter) FromConnectData(_ string, schema *connectors.Schema, value any) ([]byte, error) {
	k := c.kind
	if k.javaName != "" && schema != nil && schema.Type != k.schema.Type {
		return nil, dataErrorf("Invalid schema type for %s: %s", k.javaName, javaTypeName(schema.Type))
	}
	if value == nil {
		return nil, nil
	}
	b, ok := k.encode(value)
	if !ok {
		if k.javaName != "" {
			return nil, dataErrorf("%s is not compatible with objects of type class %s", k.javaName, connectors.JavaClassName(value))
		}
		return nil, dataErrorf("Failed to serialize to %s (was class %s): ", k.name, connectors.JavaClassName(value))
	}
	return b, nil
}

// ToConnectData reads data of the converter's width; nil data is a nil value, any other
// length (and, for booleans, a byte other than 0 or 1) a data error.
func (c *NumberConverter) ToConnectData(_ string, data []byte) (*connectors.Schema, any, error) {
	k := c.kind
	if data == nil {
		return k.schema, nil, nil
	}
	if len(data) != k.size {
		return nil, nil, dataErrorf("Failed to deserialize %s: Size of data received by %s is not %d", k.name, deserializerName(k), k.size)
	}
	if k.javaName != "" && data[0] > 1 {
		return nil, nil, dataErrorf("Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: %d", data[0])
	}
	return k.schema, k.decode(data), nil
}

// deserializerName is the Kafka deserializer class a converter reads with, as its errors name it.
func deserializerName(k numberKind) string {
	switch k.name {
	case "boolean":
		return "BooleanDeserializer"
	case "short":
		return "ShortDeserializer"
	case "integer":
		return "IntegerDeserializer"
	case "long":
		return "LongDeserializer"
	default: // Kafka's FloatDeserializer and DoubleDeserializer name no class
		return "Deserializer"
	}
}
