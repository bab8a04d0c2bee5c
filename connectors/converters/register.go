package converters

import "github.com/connectd/connectd/connectors"

// Kafka Connect class names of the converters.
const (
	StringClass    = "org.apache.kafka.connect.storage.StringConverter"
	JSONClass      = "org.apache.kafka.connect.json.JsonConverter"
	ByteArrayClass = "org.apache.kafka.connect.converters.ByteArrayConverter"
)

// version is the Kafka release these plugins reimplement (connectors.KafkaVersion).
const version = connectors.KafkaVersion

// Register adds the converters to r as converters and, as Kafka lists them, as header
// converters too, with SimpleHeaderConverter.
func Register(r *connectors.Registry) {
	r.Register(connectors.Plugin{Class: StringClass, Type: connectors.ConverterType, Version: version,
		New: func() any { return &StringConverter{} }})
	r.Register(connectors.Plugin{Class: JSONClass, Type: connectors.ConverterType, Version: version,
		New: func() any { return &JSONConverter{} }})
	r.Register(connectors.Plugin{Class: ByteArrayClass, Type: connectors.ConverterType, Version: version,
		New: func() any { return &ByteArrayConverter{} }})
	r.Register(connectors.Plugin{Class: StringClass, Type: connectors.HeaderConverterType, Version: version,
		New: func() any { return headerConverter{&StringConverter{}} }})
	r.Register(connectors.Plugin{Class: JSONClass, Type: connectors.HeaderConverterType, Version: version,
		New: func() any { return headerConverter{&JSONConverter{}} }})
	r.Register(connectors.Plugin{Class: ByteArrayClass, Type: connectors.HeaderConverterType, Version: version,
		New: func() any { return headerConverter{&ByteArrayConverter{}} }})
	r.Register(connectors.Plugin{Class: SimpleHeaderClass, Type: connectors.HeaderConverterType, Version: version,
		New: func() any { return simpleHeaderConverter{} }})
	for class, kind := range map[string]numberKind{BooleanClass: booleanKind, DoubleClass: doubleKind,
		FloatClass: floatKind, IntegerClass: integerKind, LongClass: longKind, ShortClass: shortKind} {
		r.Register(connectors.Plugin{Class: class, Type: connectors.ConverterType, Version: version,
			New: func() any { return &NumberConverter{kind: kind} }})
		r.Register(connectors.Plugin{Class: class, Type: connectors.HeaderConverterType, Version: version,
			New: func() any { return headerConverter{&NumberConverter{kind: kind}} }})
	}
}

// javaTypeName is the Java enum name of a schema type (Schema.Type.toString), as Kafka's
// messages print it.
func javaTypeName(t connectors.SchemaType) string {
	switch t {
	case connectors.TypeFloat32:
		return "FLOAT32"
	case connectors.TypeFloat64:
		return "FLOAT64"
	}
	b := []byte(t)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
