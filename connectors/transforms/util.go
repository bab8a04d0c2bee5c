package transforms

import (
	"errors"
	"fmt"
	"maps"

	"github.com/connectd/connectd/connectors"
)

// side selects what a $Key or $Value variant operates on.
type side bool

const (
	keySide   side = true
	valueSide side = false
)

func (s side) get(r *connectors.Record) (*connectors.Schema, any) {
	if s == keySide {
		return r.KeySchema, r.Key
	}
	return r.ValueSchema, r.Value
}

func (s side) set(r *connectors.Record, schema *connectors.Schema, v any) {
	if s == keySide {
		r.KeySchema, r.Key = schema, v
		return
	}
	r.ValueSchema, r.Value = schema, v
}

// errData is wrapped by every error a transform returns for a record it cannot handle, as
// Kafka's DataException.
var errData = errors.New("data error")

func dataErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errData}, args...)...)
}

// requireMap is Kafka's Requirements.requireMap.
func requireMap(v any, purpose string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, dataErr("Only Map objects supported in absence of schema for [%s], found: %s", purpose, connectors.JavaClassName(v))
	}
	return m, nil
}

// requireStruct is Kafka's Requirements.requireStruct.
func requireStruct(v any, purpose string) (*connectors.Struct, error) {
	s, ok := v.(*connectors.Struct)
	if !ok || s == nil {
		return nil, dataErr("Only Struct objects supported for [%s], found: %s", purpose, connectors.JavaClassName(v))
	}
	return s, nil
}

// copyBasics is Kafka's SchemaUtil.copySchemaBasics on a struct builder, keeping
// optionality: a new struct schema with s's name, version, doc and parameters.
func copyBasics(s *connectors.Schema) *connectors.Schema {
	return &connectors.Schema{Type: connectors.TypeStruct, Optional: s.Optional, Name: s.Name,
		Version: s.Version, Doc: s.Doc, Parameters: maps.Clone(s.Parameters)}
}

// withOptional returns s, or a copy of it that is optional.
func withOptional(s *connectors.Schema, optional bool) *connectors.Schema {
	if s == nil || s.Optional == optional {
		return s
	}
	c := *s
	c.Optional = optional
	return &c
}

// newStruct makes an empty struct of schema s.
func newStruct(s *connectors.Schema) *connectors.Struct {
	return &connectors.Struct{Schema: s, Values: make([]any, len(s.Fields))}
}

// put sets field name of st; it reports false if the schema has no such field.
func put(st *connectors.Struct, name string, v any) bool {
	for i, f := range st.Schema.Fields {
		if f.Name == name {
			st.Values[i] = v
			return true
		}
	}
	return false
}

// getField is Struct.get with Kafka's replace.null.with.default: a null field of a schema
// with a default reads as the default when replace is on.
func getField(st *connectors.Struct, i int, replaceNull bool) any {
	v := st.Values[i]
	if v == nil && replaceNull {
		return st.Schema.Fields[i].Schema.Default
	}
	return v
}

// replaceNullKey is the replace.null.with.default key many of Kafka's transforms have.
var replaceNullKey = connectors.ConfigKey{Name: "replace.null.with.default", Type: connectors.Boolean, Default: "true", Importance: connectors.Medium,
	Doc: "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."}

// stringPtr returns &s.
func stringPtr(s string) *string { return &s }

// nopClose is the Close of transforms that hold nothing.
type nopClose struct{}

func (nopClose) Close() error { return nil }
