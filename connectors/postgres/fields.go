package postgres

import (
	"fmt"
	"slices"

	"github.com/connectd/connectd/connectors"
)

// The column names of pk.mode=kafka when pk.fields is empty (Confluent's defaults).
var kafkaPKNames = []string{"__connect_topic", "__connect_partition", "__connect_offset"}

var (
	kafkaPKSchemas = []*connectors.Schema{{Type: connectors.TypeString}, {Type: connectors.TypeInt32}, {Type: connectors.TypeInt64}}
)

// column is one column a record writes, with how to read its value from a record.
type column struct {
	name   string
	schema *connectors.Schema
	get    func(r *connectors.SinkRecord) any
}

// layout is the columns the records of one key and value schema write: the primary key
// columns (pk.mode) and the others (the value's fields, fields.whitelist applied), as
// Confluent's FieldsMetadata extracts them.
type layout struct {
	keys, values []column
}

// recordError is a record the sink cannot write by its nature (no schema, a type with no
// column, a table it may not create or change): retrying cannot help.
type recordError struct{ msg string }

func (e *recordError) Error() string { return e.msg }

func recordErrorf(format string, args ...any) error {
	return &recordError{fmt.Sprintf(format, args...)}
}

// where names a record as Confluent's RecordValidator does.
func where(r *connectors.SinkRecord) string {
	return fmt.Sprintf("(topic='%s',partition=%d,offset=%d,timestamp=%d)", r.Topic, r.Partition, r.Offset, r.Timestamp.UnixMilli())
}

func describe(v any, s *connectors.Schema) (string, string) {
	vs, ss := "null", "null"
	if v != nil {
		vs = "non-null"
		if _, ok := v.(*connectors.Struct); ok {
			vs = "Struct"
		}
	}
	if s != nil {
		ss = string(s.Type)
	}
	return vs, ss
}

// checkRecord applies Confluent's RecordValidator: the value must be a Struct with a struct
// schema unless it is a delete, and pk.mode=record_key needs a key with a schema.
func (c *config) checkRecord(r *connectors.SinkRecord) error {
	deleting := r.Value == nil && c.deleteEnabled
	if !deleting {
		if _, ok := r.Value.(*connectors.Struct); !ok || r.ValueSchema == nil || r.ValueSchema.Type != connectors.TypeStruct {
			v, s := describe(r.Value, r.ValueSchema)
			return recordErrorf("Sink connector '%s' is configured with 'delete.enabled=%t' and 'pk.mode=%s' and therefore "+
				"requires records with a non-null Struct value and non-null Struct schema, but found record at %s with a %s "+
				"value and %s value schema.", c.connectorName, c.deleteEnabled, c.pkMode, where(r), v, s)
		}
	}
	if c.pkMode == PKRecordKey {
		ok := r.Key != nil && r.KeySchema != nil && r.KeySchema.Type != connectors.TypeArray && r.KeySchema.Type != connectors.TypeMap
		if _, isStruct := r.Key.(*connectors.Struct); r.KeySchema != nil && r.KeySchema.Type == connectors.TypeStruct && !isStruct {
			ok = false
		}
		if !ok {
			k, s := describe(r.Key, r.KeySchema)
			return recordErrorf("Sink connector '%s' is configured with 'delete.enabled=%t' and 'pk.mode=%s' and therefore "+
				"requires records with a non-null key and non-null Struct or primitive key schema, but found record at %s "+
				"with a %s key and %s key schema.", c.connectorName, c.deleteEnabled, c.pkMode, where(r), k, s)
		}
	}
	return nil
}

// structField reads field i of a record's key or value struct.
func structField(fromKey bool, name string) func(r *connectors.SinkRecord) any {
	return func(r *connectors.SinkRecord) any {
		v := r.Value
		if fromKey {
			v = r.Key
		}
		if s, ok := v.(*connectors.Struct); ok {
			return s.Get(name)
		}
		return nil
	}
}

// extractLayout is Confluent's FieldsMetadata.extract for table, the key schema and the
// value schema (nil for a delete).
func (c *config) extractLayout(table string, keySchema, valueSchema *connectors.Schema) (*layout, error) {
	l := &layout{}
	keyNames := map[string]bool{}
	addKey := func(col column) {
		l.keys = append(l.keys, col)
		keyNames[col.name] = true
	}
	switch c.pkMode {
	case PKKafka:
		names := kafkaPKNames
		if len(c.pkFields) > 0 {
			names = c.pkFields
		}
		addKey(column{names[0], kafkaPKSchemas[0], func(r *connectors.SinkRecord) any { return r.Topic }})
		addKey(column{names[1], kafkaPKSchemas[1], func(r *connectors.SinkRecord) any { return r.Partition }})
		addKey(column{names[2], kafkaPKSchemas[2], func(r *connectors.SinkRecord) any { return r.Offset }})
	case PKRecordKey:
		if keySchema == nil {
			return nil, recordErrorf("PK mode for table '%s' is %s, but record key schema is missing", table, PKRecordKey)
		}
		if keySchema.Type == connectors.TypeStruct {
			names := c.pkFields
			if len(names) == 0 {
				for _, f := range keySchema.Fields {
					names = append(names, f.Name)
				}
			}
			for _, n := range names {
				f := keySchema.Field(n)
				if f == nil {
					return nil, recordErrorf("PK mode for table '%s' is %s with configured PK fields %v, but record key schema does not contain field: %s",
						table, PKRecordKey, c.pkFields, n)
				}
				addKey(column{n, f.Schema, structField(true, n)})
			}
		} else {
			if len(c.pkFields) != 1 {
				return nil, recordErrorf("Need exactly one PK column defined since the key schema for records is a primitive type, defined columns are: %v", c.pkFields)
			}
			addKey(column{c.pkFields[0], keySchema, func(r *connectors.SinkRecord) any { return r.Key }})
		}
	case PKRecordValue:
		if valueSchema == nil {
			return nil, recordErrorf("PK mode for table '%s' is %s, but record value schema is missing", table, PKRecordValue)
		}
		names := c.pkFields
		if len(names) == 0 {
			for _, f := range valueSchema.Fields {
				names = append(names, f.Name)
			}
		}
		for _, n := range names {
			f := valueSchema.Field(n)
			if f == nil {
				return nil, recordErrorf("PK mode for table '%s' is %s with configured PK fields %v, but record value schema does not contain field: %s",
					table, PKRecordValue, c.pkFields, n)
			}
			addKey(column{n, f.Schema, structField(false, n)})
		}
	}
	if valueSchema != nil {
		for _, f := range valueSchema.Fields {
			if keyNames[f.Name] || (c.whitelist != nil && !c.whitelist[f.Name]) {
				continue
			}
			l.values = append(l.values, column{f.Name, f.Schema, structField(false, f.Name)})
		}
	}
	if len(l.keys) == 0 && len(l.values) == 0 {
		return nil, recordErrorf("No fields found using key and value schemas for table: %s", table)
	}
	for _, col := range slices.Concat(l.keys, l.values) {
		if _, err := sqlType(col.schema); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// sqlType is the column type of a Connect schema, as Confluent's PostgreSqlDatabaseDialect
// maps it.
func sqlType(s *connectors.Schema) (string, error) {
	switch s.Name {
	case connectors.DecimalName:
		return "DECIMAL", nil
	case connectors.DateName:
		return "DATE", nil
	case connectors.TimeName:
		return "TIME", nil
	case connectors.TimestampName:
		return "TIMESTAMP", nil
	}
	switch s.Type {
	case connectors.TypeInt8, connectors.TypeInt16:
		return "SMALLINT", nil
	case connectors.TypeInt32:
		return "INT", nil
	case connectors.TypeInt64:
		return "BIGINT", nil
	case connectors.TypeFloat32:
		return "REAL", nil
	case connectors.TypeFloat64:
		return "DOUBLE PRECISION", nil
	case connectors.TypeBoolean:
		return "BOOLEAN", nil
	case connectors.TypeString:
		return "TEXT", nil
	case connectors.TypeBytes:
		return "BYTEA", nil
	}
	name := s.Name
	if name == "" {
		name = "null"
	}
	return "", recordErrorf("%s (%s) type doesn't have a mapping to the SQL database column type", name, s.Type)
}
