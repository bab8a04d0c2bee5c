package transforms

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connectors"
)

// --- ReplaceField ---

var replaceFieldConfig = connectors.ConfigDef{
	{Name: "exclude", Type: connectors.List, Default: "", Importance: connectors.Medium,
		Doc: "Fields to exclude. This takes precedence over the fields to include."},
	{Name: "include", Type: connectors.List, Default: "", Importance: connectors.Medium,
		Doc: "Fields to include. If specified, only these fields will be used."},
	{Name: "renames", Type: connectors.List, Default: "", Validator: renamesValidator, Importance: connectors.Medium,
		Doc: "Field rename mappings."},
	replaceNullKey,
}

func renamesValidator(v any) error {
	for _, pair := range asList(v) {
		if parts := strings.Split(pair, ":"); len(parts) != 2 {
			return fmt.Errorf("Invalid rename mapping: %s", pair)
		}
	}
	return nil
}

func asList(v any) []string { l, _ := v.([]string); return l }

// replaceField is Kafka's ReplaceField: it drops, keeps and renames fields.
type replaceField struct {
	nopClose
	side
	exclude, include []string
	renames          map[string]string
	replaceNull      bool
}

func (*replaceField) Config() connectors.ConfigDef { return replaceFieldConfig }

func (t *replaceField) Configure(props map[string]string) error {
	v, err := replaceFieldConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure ReplaceField: %w", err)
	}
	t.exclude, t.include = v.List("exclude"), v.List("include")
	t.renames = map[string]string{}
	for _, pair := range v.List("renames") {
		from, to, _ := strings.Cut(pair, ":")
		t.renames[from] = to
	}
	t.replaceNull = v.Bool("replace.null.with.default")
	return nil
}

func (t *replaceField) keep(name string) bool {
	return !slices.Contains(t.exclude, name) && (len(t.include) == 0 || slices.Contains(t.include, name))
}

func (t *replaceField) renamed(name string) string {
	if to, ok := t.renames[name]; ok {
		return to
	}
	return name
}

func (t *replaceField) Apply(r *connectors.Record) (*connectors.Record, error) {
	const purpose = "field replacement"
	schema, value := t.get(r)
	if value == nil {
		return r, nil
	}
	if schema == nil {
		m, err := requireMap(value, purpose)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m))
		for k, v := range m {
			if t.keep(k) {
				out[t.renamed(k)] = v
			}
		}
		t.set(r, nil, out)
		return r, nil
	}
	st, err := requireStruct(value, purpose)
	if err != nil {
		return nil, err
	}
	ns := copyBasics(schema)
	var vals []any
	for i, f := range schema.Fields {
		if t.keep(f.Name) {
			ns.Fields = append(ns.Fields, connectors.Field{Name: t.renamed(f.Name), Schema: f.Schema})
			vals = append(vals, getField(st, i, t.replaceNull))
		}
	}
	t.set(r, ns, &connectors.Struct{Schema: ns, Values: vals})
	return r, nil
}

// --- MaskField ---

var maskFieldConfig = connectors.ConfigDef{
	{Name: "fields", Type: connectors.List, Required: true, Validator: nonEmptyList, Importance: connectors.High,
		Doc: "Names of fields to mask."},
	{Name: "replacement", Type: connectors.String, Default: nil, Validator: connectors.NonEmpty(), Importance: connectors.Low,
		Doc: "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."},
	replaceNullKey,
}

// nonEmptyList is Kafka's ConfigDef.NonEmptyList-style check on a required list.
func nonEmptyList(v any) error {
	if l, ok := v.([]string); ok && len(l) == 0 {
		return fmt.Errorf("Empty list")
	}
	return nil
}

// maskField is Kafka's MaskField: it replaces fields with their type's zero value, or with
// a configured replacement.
type maskField struct {
	nopClose
	side
	fields      []string
	replacement *string
	replaceNull bool
}

func (*maskField) Config() connectors.ConfigDef { return maskFieldConfig }

func (t *maskField) Configure(props map[string]string) error {
	v, err := maskFieldConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure MaskField: %w", err)
	}
	t.fields = v.List("fields")
	if v.Has("replacement") {
		t.replacement = stringPtr(v.String("replacement"))
	}
	t.replaceNull = v.Bool("replace.null.with.default")
	return nil
}

func (t *maskField) mask(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if t.replacement != nil {
		return maskWith(v, *t.replacement)
	}
	switch v.(type) {
	case bool:
		return false, nil
	case int8:
		return int8(0), nil
	case int16:
		return int16(0), nil
	case int32:
		return int32(0), nil
	case int64:
		return int64(0), nil
	case float32:
		return float32(0), nil
	case float64:
		return float64(0), nil
	case string:
		return "", nil
	case *big.Rat:
		return new(big.Rat), nil
	case time.Time:
		return time.UnixMilli(0).UTC(), nil
	case []any:
		return []any{}, nil
	case map[string]any:
		return map[string]any{}, nil
	case map[any]any:
		return map[any]any{}, nil
	}
	return nil, dataErr("Cannot mask value of type: %s", connectors.JavaClassName(v))
}

// maskWith parses the replacement as v's type, as Kafka's MaskField does for numbers and
// strings.
func maskWith(v any, repl string) (any, error) {
	fail := func(err error) (any, error) {
		return nil, dataErr("Unable to convert %s (%s) to number: %v", repl, connectors.JavaClassName(v), err)
	}
	switch v.(type) {
	case string:
		return repl, nil
	case int8, int16, int32, int64:
		n, err := strconv.ParseInt(repl, 10, 64)
		if err != nil {
			return fail(err)
		}
		return castTo(n, map[any]string{int8(0): "int8", int16(0): "int16", int32(0): "int32", int64(0): "int64"}[zeroOf(v)])
	case float32, float64:
		f, err := strconv.ParseFloat(repl, 64)
		if err != nil {
			return fail(err)
		}
		if _, ok := v.(float32); ok {
			return float32(f), nil
		}
		return f, nil
	case *big.Rat:
		x, ok := new(big.Rat).SetString(repl)
		if !ok {
			return fail(fmt.Errorf("not a decimal"))
		}
		return x, nil
	}
	return nil, dataErr("Cannot mask value of type %s with custom replacement.", connectors.JavaClassName(v))
}

func zeroOf(v any) any {
	switch v.(type) {
	case int8:
		return int8(0)
	case int16:
		return int16(0)
	case int32:
		return int32(0)
	}
	return int64(0)
}

func (t *maskField) Apply(r *connectors.Record) (*connectors.Record, error) {
	const purpose = "mask fields"
	schema, value := t.get(r)
	if value == nil {
		return r, nil
	}
	if schema == nil {
		m, err := requireMap(value, purpose)
		if err != nil {
			return nil, err
		}
		out := maps.Clone(m)
		for _, f := range t.fields {
			if x, ok := m[f]; ok {
				if out[f], err = t.mask(x); err != nil {
					return nil, err
				}
			}
		}
		t.set(r, nil, out)
		return r, nil
	}
	st, err := requireStruct(value, purpose)
	if err != nil {
		return nil, err
	}
	out := &connectors.Struct{Schema: st.Schema, Values: make([]any, len(st.Values))}
	for i, f := range st.Schema.Fields {
		out.Values[i] = getField(st, i, t.replaceNull)
		if slices.Contains(t.fields, f.Name) {
			if out.Values[i], err = t.mask(out.Values[i]); err != nil {
				return nil, err
			}
		}
	}
	t.set(r, schema, out)
	return r, nil
}

// --- ValueToKey ---

var valueToKeyConfig = connectors.ConfigDef{
	{Name: "fields", Type: connectors.List, Required: true, Validator: nonEmptyList, Importance: connectors.High,
		Doc: "Field names on the record value to extract as the record key."},
	replaceNullKey,
}

// valueToKey is Kafka's ValueToKey: the key becomes a struct or map of some value fields.
type valueToKey struct {
	nopClose
	fields      []string
	replaceNull bool
}

func (*valueToKey) Config() connectors.ConfigDef { return valueToKeyConfig }

func (t *valueToKey) Configure(props map[string]string) error {
	v, err := valueToKeyConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure ValueToKey: %w", err)
	}
	t.fields, t.replaceNull = v.List("fields"), v.Bool("replace.null.with.default")
	return nil
}

func (t *valueToKey) Apply(r *connectors.Record) (*connectors.Record, error) {
	const purpose = "copying fields from value to key"
	if r.ValueSchema == nil {
		m, err := requireMap(r.Value, purpose)
		if err != nil {
			return nil, err
		}
		key := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			key[f] = m[f]
		}
		r.KeySchema, r.Key = nil, key
		return r, nil
	}
	st, err := requireStruct(r.Value, purpose)
	if err != nil {
		return nil, err
	}
	ks := &connectors.Schema{Type: connectors.TypeStruct}
	key := &connectors.Struct{Schema: ks}
	for _, name := range t.fields {
		i := slices.IndexFunc(st.Schema.Fields, func(f connectors.Field) bool { return f.Name == name })
		if i < 0 {
			return nil, dataErr("Field does not exist: %s", name)
		}
		ks.Fields = append(ks.Fields, st.Schema.Fields[i])
		key.Values = append(key.Values, getField(st, i, t.replaceNull))
	}
	r.KeySchema, r.Key = ks, key
	return r, nil
}

// --- ExtractField ---

var extractFieldConfig = connectors.ConfigDef{
	{Name: "field", Type: connectors.String, Required: true, Importance: connectors.Medium,
		Doc: "Field name to extract."},
	replaceNullKey,
	fieldSyntaxKey,
}

// extractField is Kafka's ExtractField: the key or value becomes one of its fields, nested
// ones too with field.syntax.version=V2.
type extractField struct {
	nopClose
	side
	path        fieldPath
	replaceNull bool
}

func (*extractField) Config() connectors.ConfigDef { return extractFieldConfig }

func (t *extractField) Configure(props map[string]string) error {
	v, err := extractFieldConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure ExtractField: %w", err)
	}
	if t.path, err = parseFieldPath(v.String("field"), v.String("field.syntax.version")); err != nil {
		return fmt.Errorf("configure ExtractField: %w", err)
	}
	t.replaceNull = v.Bool("replace.null.with.default")
	return nil
}

func (t *extractField) Apply(r *connectors.Record) (*connectors.Record, error) {
	const purpose = "field extraction"
	schema, value := t.get(r)
	if schema == nil {
		if value == nil {
			t.set(r, nil, nil)
			return r, nil
		}
		m, err := requireMap(value, purpose)
		if err != nil {
			return nil, err
		}
		v, err := t.path.mapValue(m)
		if err != nil {
			return nil, err
		}
		t.set(r, nil, v)
		return r, nil
	}
	if schema.Type != connectors.TypeStruct {
		return nil, dataErr("Only Struct objects supported for [%s], found: %s", purpose, connectors.JavaClassName(value))
	}
	f := t.path.field(schema)
	if f == nil {
		return nil, dataErr("Unknown field: %s", t.path.text)
	}
	if value == nil {
		t.set(r, f.Schema, nil)
		return r, nil
	}
	st, err := requireStruct(value, purpose)
	if err != nil {
		return nil, err
	}
	v, err := t.path.structValue(st, t.replaceNull)
	if err != nil {
		return nil, err
	}
	t.set(r, f.Schema, v)
	return r, nil
}

// --- HoistField ---

var hoistFieldConfig = connectors.ConfigDef{
	{Name: "field", Type: connectors.String, Required: true, Importance: connectors.Medium,
		Doc: "Field name for the single field that will be created in the resulting Struct or Map."},
}

// hoistField is Kafka's HoistField: the key or value is wrapped in a one-field struct or map.
type hoistField struct {
	nopClose
	side
	field string
}

func (*hoistField) Config() connectors.ConfigDef { return hoistFieldConfig }

func (t *hoistField) Configure(props map[string]string) error {
	v, err := hoistFieldConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure HoistField: %w", err)
	}
	t.field = v.String("field")
	return nil
}

func (t *hoistField) Apply(r *connectors.Record) (*connectors.Record, error) {
	schema, value := t.get(r)
	if schema == nil {
		t.set(r, nil, map[string]any{t.field: value})
		return r, nil
	}
	ns := &connectors.Schema{Type: connectors.TypeStruct, Fields: []connectors.Field{{Name: t.field, Schema: schema}}}
	t.set(r, ns, &connectors.Struct{Schema: ns, Values: []any{value}})
	return r, nil
}
