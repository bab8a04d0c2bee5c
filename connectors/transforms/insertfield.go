package transforms

import (
	"fmt"
	"maps"
	"strings"

	"github.com/connectd/connectd/connectors"
)

var insertFieldConfig = connectors.ConfigDef{
	{Name: "topic.field", Type: connectors.String, Default: nil, Importance: connectors.Medium,
		Doc: "Field name for Kafka topic. Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default)."},
	{Name: "partition.field", Type: connectors.String, Default: nil, Importance: connectors.Medium,
		Doc: "Field name for Kafka partition. Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default)."},
	{Name: "offset.field", Type: connectors.String, Default: nil, Importance: connectors.Medium,
		Doc: "Field name for Kafka offset - only applicable to sink connectors.<br/>Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default)."},
	{Name: "timestamp.field", Type: connectors.String, Default: nil, Importance: connectors.Medium,
		Doc: "Field name for record timestamp. Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default)."},
	{Name: "static.field", Type: connectors.String, Default: nil, Importance: connectors.Medium,
		Doc: "Field name for static data field. Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default)."},
	{Name: "static.value", Type: connectors.String, Default: nil, Importance: connectors.Medium,
		Doc: "Static field value, if field name configured."},
	replaceNullKey,
}

// insertSpec is one field InsertField adds: its name and whether it is optional.
type insertSpec struct {
	name     string
	optional bool
}

// parseInsertSpec reads "name", "name?" (optional, the default) or "name!" (required).
func parseInsertSpec(s string) *insertSpec {
	if s == "" {
		return nil
	}
	switch {
	case strings.HasSuffix(s, "?"):
		return &insertSpec{s[:len(s)-1], true}
	case strings.HasSuffix(s, "!"):
		return &insertSpec{s[:len(s)-1], false}
	}
	return &insertSpec{s, true}
}

// insertField is Kafka's InsertField: it adds the record's topic, partition, offset,
// timestamp and a static value as fields of a struct or map.
type insertField struct {
	nopClose
	side
	topic, partition, offset, timestamp, static *insertSpec
	staticValue                                 any // nil when static.value is unset
	replaceNull                                 bool
}

func (*insertField) Config() connectors.ConfigDef { return insertFieldConfig }

func (t *insertField) Configure(props map[string]string) error {
	v, err := insertFieldConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure InsertField: %w", err)
	}
	t.topic, t.partition = parseInsertSpec(v.String("topic.field")), parseInsertSpec(v.String("partition.field"))
	t.offset, t.timestamp = parseInsertSpec(v.String("offset.field")), parseInsertSpec(v.String("timestamp.field"))
	t.static = parseInsertSpec(v.String("static.field"))
	if v.Has("static.value") {
		t.staticValue = v.String("static.value")
	}
	t.replaceNull = v.Bool("replace.null.with.default")
	return nil
}

const insertPurpose = "field insertion"

func (t *insertField) Apply(r *connectors.Record) (*connectors.Record, error) {
	schema, value := t.get(r)
	if value == nil { // tombstones pass, as in Kafka
		return r, nil
	}
	if t.offset != nil && r.Offset == nil {
		return nil, dataErr("Offset insertion is only supported for sink connectors, record is of type: class org.apache.kafka.connect.source.SourceRecord")
	}
	var partition, offset, ts any
	if r.Partition != nil {
		partition = *r.Partition
	}
	if r.Offset != nil {
		offset = *r.Offset
	}
	if schema == nil {
		m, err := requireMap(value, insertPurpose)
		if err != nil {
			return nil, err
		}
		if !r.Timestamp.IsZero() {
			ts = r.Timestamp.UnixMilli()
		}
		out := maps.Clone(m)
		for _, f := range []struct {
			spec *insertSpec
			v    any
		}{{t.topic, r.Topic}, {t.partition, partition}, {t.offset, offset}, {t.timestamp, ts}, {t.static, t.staticValue}} {
			if f.spec != nil {
				out[f.spec.name] = f.v
			}
		}
		t.set(r, nil, out)
		return r, nil
	}
	st, err := requireStruct(value, insertPurpose)
	if err != nil {
		return nil, err
	}
	if !r.Timestamp.IsZero() {
		ts = r.Timestamp.UTC()
	}
	ns := copyBasics(schema)
	ns.Fields = append(ns.Fields, schema.Fields...)
	type add struct {
		spec   *insertSpec
		schema *connectors.Schema
		v      any
	}
	adds := []add{
		{t.topic, connectors.StringSchema, r.Topic},
		{t.partition, connectors.Int32Schema, partition},
		{t.offset, connectors.Int64Schema, offset},
		{t.timestamp, connectors.TimestampSchema, ts},
		{t.static, connectors.StringSchema, t.staticValue},
	}
	for _, a := range adds {
		if a.spec != nil {
			ns.Fields = append(ns.Fields, connectors.Field{Name: a.spec.name, Schema: withOptional(a.schema, a.spec.optional)})
		}
	}
	out := newStruct(ns)
	for i := range schema.Fields {
		out.Values[i] = getField(st, i, t.replaceNull)
	}
	i := len(schema.Fields)
	for _, a := range adds {
		if a.spec != nil {
			if a.v == nil && !a.spec.optional {
				return nil, dataErr("Invalid value: null used for required field: \"%s\", schema type: %s", a.spec.name, strings.ToUpper(string(a.schema.Type)))
			}
			out.Values[i] = a.v
			i++
		}
	}
	t.set(r, ns, out)
	return r, nil
}
