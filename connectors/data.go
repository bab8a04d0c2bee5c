package connectors

import "time"

// SchemaType is the type of a Connect schema, spelled as Kafka Connect's JSON schemas spell
// it (spec §10.3).
type SchemaType string

// The Connect schema types.
const (
	TypeBoolean SchemaType = "boolean"
	TypeInt8    SchemaType = "int8"
	TypeInt16   SchemaType = "int16"
	TypeInt32   SchemaType = "int32"
	TypeInt64   SchemaType = "int64"
	TypeFloat32 SchemaType = "float"
	TypeFloat64 SchemaType = "double"
	TypeBytes   SchemaType = "bytes"
	TypeString  SchemaType = "string"
	TypeArray   SchemaType = "array"
	TypeMap     SchemaType = "map"
	TypeStruct  SchemaType = "struct"
)

// Schema describes a Connect value. A nil *Schema means schemaless data.
//
// Values by type: boolean → bool, int8..int64 → int8..int64, float → float32,
// double → float64, bytes → []byte, string → string, array → []any, map → map[any]any,
// struct → *Struct. Schemaless values use the same Go types, with map[string]any for objects.
type Schema struct {
	Type       SchemaType
	Optional   bool
	Name       string
	Version    int
	Doc        string
	Parameters map[string]string
	Default    any
	Fields     []Field // struct
	Items      *Schema // array
	Keys       *Schema // map
	Values     *Schema // map
}

// Field is one field of a struct schema.
type Field struct {
	Name   string
	Schema *Schema
}

// Field returns the field called name, or nil.
func (s *Schema) Field(name string) *Field {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// Predefined schemas for the primitive types, as Kafka Connect's Schema.STRING_SCHEMA etc.
var (
	StringSchema         = &Schema{Type: TypeString}
	OptionalStringSchema = &Schema{Type: TypeString, Optional: true}
	BytesSchema          = &Schema{Type: TypeBytes}
	OptionalBytesSchema  = &Schema{Type: TypeBytes, Optional: true}
	Int32Schema          = &Schema{Type: TypeInt32}
	Int64Schema          = &Schema{Type: TypeInt64}
	BooleanSchema        = &Schema{Type: TypeBoolean}
)

// Struct is a value of a struct schema; Values are in the schema's field order.
type Struct struct {
	Schema *Schema
	Values []any
}

// Get returns the value of the named field, or nil.
func (s *Struct) Get(name string) any {
	for i, f := range s.Schema.Fields {
		if f.Name == name && i < len(s.Values) {
			return s.Values[i]
		}
	}
	return nil
}

// Header is one record header.
type Header struct {
	Key    string
	Schema *Schema
	Value  any
}

// SourceRecord is what a source task produces: a Connect value bound for a Kafka topic,
// with the source partition and offset it came from.
type SourceRecord struct {
	SourcePartition map[string]any
	SourceOffset    map[string]any
	Topic           string
	Partition       *int32 // nil: the producer's partitioner decides
	KeySchema       *Schema
	Key             any
	ValueSchema     *Schema
	Value           any
	Timestamp       time.Time // zero: now
	Headers         []Header
}

// SinkRecord is what a sink task receives: a Kafka record converted to Connect data.
type SinkRecord struct {
	Topic       string
	Partition   int32
	Offset      int64
	KeySchema   *Schema
	Key         any
	ValueSchema *Schema
	Value       any
	Timestamp   time.Time
	Headers     []Header
}
