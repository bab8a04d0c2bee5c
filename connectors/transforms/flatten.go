package transforms

import (
	"fmt"

	"github.com/connectd/connectd/connectors"
)

var flattenConfig = connectors.ConfigDef{
	{Name: "delimiter", Type: connectors.String, Default: ".", Importance: connectors.Medium,
		Doc: "Delimiter to insert between field names from the input record when generating field names for the output record"},
	replaceNullKey,
}

// flatten is Kafka's Flatten: nested structs and maps become top-level fields named by
// joining the path with the delimiter. Arrays and maps under a schema are kept whole.
type flatten struct {
	nopClose
	side
	delimiter   string
	replaceNull bool
}

func (*flatten) Config() connectors.ConfigDef { return flattenConfig }

func (t *flatten) Configure(props map[string]string) error {
	v, err := flattenConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure Flatten: %w", err)
	}
	t.delimiter, t.replaceNull = v.String("delimiter"), v.Bool("replace.null.with.default")
	return nil
}

func (t *flatten) name(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + t.delimiter + field
}

func (t *flatten) Apply(r *connectors.Record) (*connectors.Record, error) {
	const purpose = "flattening"
	schema, value := t.get(r)
	if value == nil {
		return r, nil
	}
	if schema == nil {
		m, err := requireMap(value, purpose)
		if err != nil {
			return nil, err
		}
		out := map[string]any{}
		t.flattenMap("", m, out)
		t.set(r, nil, out)
		return r, nil
	}
	st, err := requireStruct(value, purpose)
	if err != nil {
		return nil, err
	}
	ns := copyBasics(schema)
	t.flattenSchema("", schema, false, ns)
	out := newStruct(ns)
	t.flattenStruct("", st, out)
	t.set(r, ns, out)
	return r, nil
}

func (t *flatten) flattenMap(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		if nested, ok := v.(map[string]any); ok {
			t.flattenMap(t.name(prefix, k), nested, out)
			continue
		}
		out[t.name(prefix, k)] = v
	}
}

// flattenSchema adds the flattened fields of s to out; a field under an optional struct
// becomes optional, as its parent may be null.
func (t *flatten) flattenSchema(prefix string, s *connectors.Schema, optional bool, out *connectors.Schema) {
	for _, f := range s.Fields {
		name, opt := t.name(prefix, f.Name), optional || f.Schema.Optional
		if f.Schema.Type == connectors.TypeStruct {
			t.flattenSchema(name, f.Schema, opt, out)
			continue
		}
		out.Fields = append(out.Fields, connectors.Field{Name: name, Schema: withOptional(f.Schema, opt)})
	}
}

func (t *flatten) flattenStruct(prefix string, st *connectors.Struct, out *connectors.Struct) {
	for i, f := range st.Schema.Fields {
		name := t.name(prefix, f.Name)
		var v any
		if st.Values != nil {
			v = getField(st, i, t.replaceNull)
		}
		if f.Schema.Type == connectors.TypeStruct {
			nested, _ := v.(*connectors.Struct)
			if nested == nil {
				nested = &connectors.Struct{Schema: f.Schema}
			}
			t.flattenStruct(name, nested, out)
			continue
		}
		put(out, name, v)
	}
}
