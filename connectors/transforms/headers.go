package transforms

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/connectd/connectd/connectors"
)

// --- InsertHeader ---

var insertHeaderConfig = connectors.ConfigDef{
	{Name: "header", Type: connectors.String, Required: true, Validator: connectors.NonEmpty(), Importance: connectors.High,
		Doc: "The name of the header."},
	{Name: "value.literal", Type: connectors.String, Required: true, Validator: connectors.NonEmpty(), Importance: connectors.High,
		Doc: "The literal value that is to be set as the header value on all records."},
}

// insertHeader is Kafka's InsertHeader: every record gets one more header with a literal
// value, typed as Kafka's Values.parseString types it (boolean, the smallest integer type,
// double, else string).
type insertHeader struct {
	nopClose
	header Header
}

// Header is a header as InsertHeader adds it.
type Header = connectors.Header

func (*insertHeader) Config() connectors.ConfigDef { return insertHeaderConfig }

func (t *insertHeader) Configure(props map[string]string) error {
	v, err := insertHeaderConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure InsertHeader: %w", err)
	}
	schema, value := parseLiteral(v.String("value.literal"))
	t.header = Header{Key: v.String("header"), Schema: schema, Value: value}
	return nil
}

// parseLiteral types a literal header value as Kafka's Values.parseString does for scalars.
func parseLiteral(s string) (*connectors.Schema, any) {
	switch {
	case strings.EqualFold(s, "true"):
		return connectors.BooleanSchema, true
	case strings.EqualFold(s, "false"):
		return connectors.BooleanSchema, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n >= math.MinInt8 && n <= math.MaxInt8:
			return &connectors.Schema{Type: connectors.TypeInt8}, int8(n)
		case n >= math.MinInt16 && n <= math.MaxInt16:
			return &connectors.Schema{Type: connectors.TypeInt16}, int16(n)
		case n >= math.MinInt32 && n <= math.MaxInt32:
			return connectors.Int32Schema, int32(n)
		}
		return connectors.Int64Schema, n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && strings.ContainsAny(s, ".eE") {
		return &connectors.Schema{Type: connectors.TypeFloat64}, f
	}
	return connectors.StringSchema, s
}

func (t *insertHeader) Apply(r *connectors.Record) (*connectors.Record, error) {
	r.Headers = append(slices.Clip(r.Headers), t.header)
	return r, nil
}

// --- DropHeaders ---

var dropHeadersConfig = connectors.ConfigDef{
	{Name: "headers", Type: connectors.List, Required: true, Validator: nonEmptyList, Importance: connectors.High,
		Doc: "The name of the headers to be removed."},
}

// dropHeaders is Kafka's DropHeaders: every header with one of the names is removed.
type dropHeaders struct {
	nopClose
	names []string
}

func (*dropHeaders) Config() connectors.ConfigDef { return dropHeadersConfig }

func (t *dropHeaders) Configure(props map[string]string) error {
	v, err := dropHeadersConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure DropHeaders: %w", err)
	}
	t.names = v.List("headers")
	return nil
}

func (t *dropHeaders) Apply(r *connectors.Record) (*connectors.Record, error) {
	r.Headers = slices.DeleteFunc(slices.Clone(r.Headers), func(h Header) bool { return slices.Contains(t.names, h.Key) })
	return r, nil
}

// --- HeaderFrom ---

var headerFromConfig = connectors.ConfigDef{
	{Name: "fields", Type: connectors.List, Required: true, Validator: nonEmptyList, Importance: connectors.High,
		Doc: "Field names in the record whose values are to be copied or moved to headers."},
	{Name: "headers", Type: connectors.List, Required: true, Validator: nonEmptyList, Importance: connectors.High,
		Doc: "Header names, in the same order as the field names listed in the fields configuration property."},
	{Name: "operation", Type: connectors.String, Required: true, Validator: connectors.OneOf("move", "copy"), Importance: connectors.High,
		Doc: "Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value)."},
	replaceNullKey,
}

// headerFrom is Kafka's HeaderFrom: fields of the key or value are copied or moved into
// headers.
type headerFrom struct {
	nopClose
	side
	fields, headers []string
	move            bool
	replaceNull     bool
}

func (*headerFrom) Config() connectors.ConfigDef { return headerFromConfig }

func (t *headerFrom) Configure(props map[string]string) error {
	v, err := headerFromConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure HeaderFrom: %w", err)
	}
	t.fields, t.headers = v.List("fields"), v.List("headers")
	if len(t.fields) != len(t.headers) {
		return fmt.Errorf("configure HeaderFrom: 'fields' config must have the same number of elements as 'headers' config.")
	}
	t.move, t.replaceNull = v.String("operation") == "move", v.Bool("replace.null.with.default")
	return nil
}

func (t *headerFrom) Apply(r *connectors.Record) (*connectors.Record, error) {
	purpose := "header " + map[bool]string{true: "move", false: "copy"}[t.move]
	schema, value := t.get(r)
	if value == nil {
		return r, nil
	}
	headers := slices.Clip(r.Headers)
	if schema == nil {
		m, err := requireMap(value, purpose)
		if err != nil {
			return nil, err
		}
		out := maps.Clone(m)
		for i, f := range t.fields {
			headers = append(headers, Header{Key: t.headers[i], Value: m[f]})
			if t.move {
				delete(out, f)
			}
		}
		r.Headers = headers
		t.set(r, nil, out)
		return r, nil
	}
	st, err := requireStruct(value, purpose)
	if err != nil {
		return nil, err
	}
	for i, name := range t.fields {
		j := slices.IndexFunc(schema.Fields, func(f connectors.Field) bool { return f.Name == name })
		if j < 0 {
			return nil, dataErr("%s is not a valid field name", name)
		}
		headers = append(headers, Header{Key: t.headers[i], Schema: schema.Fields[j].Schema, Value: getField(st, j, t.replaceNull)})
	}
	r.Headers = headers
	if !t.move {
		return r, nil
	}
	ns := copyBasics(schema)
	var vals []any
	for i, f := range schema.Fields {
		if !slices.Contains(t.fields, f.Name) {
			ns.Fields = append(ns.Fields, f)
			vals = append(vals, getField(st, i, t.replaceNull))
		}
	}
	t.set(r, ns, &connectors.Struct{Schema: ns, Values: vals})
	return r, nil
}
