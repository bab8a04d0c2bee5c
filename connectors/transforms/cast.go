package transforms

import (
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connectors"
)

var castConfig = connectors.ConfigDef{
	{Name: "spec", Type: connectors.List, Required: true, Validator: castSpecValidator, Importance: connectors.High,
		Doc: "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string."},
	replaceNullKey,
}

// wholeValue is the spec key of a cast of the entire key or value.
const wholeValue = ""

var castTypes = map[string]connectors.SchemaType{
	"int8": connectors.TypeInt8, "int16": connectors.TypeInt16, "int32": connectors.TypeInt32, "int64": connectors.TypeInt64,
	"float32": connectors.TypeFloat32, "float64": connectors.TypeFloat64, "boolean": connectors.TypeBoolean, "string": connectors.TypeString,
}

func castSpecValidator(v any) error {
	l, ok := v.([]string)
	if !ok {
		return nil
	}
	if len(l) == 0 {
		return fmt.Errorf("Must specify at least one field to cast.")
	}
	_, err := parseCastSpec(l)
	return err
}

// parseCastSpec reads "type" (the whole value) or "field:type,…".
func parseCastSpec(spec []string) (map[string]string, error) {
	out := map[string]string{}
	for _, m := range spec {
		parts := strings.Split(m, ":")
		if len(parts) > 2 {
			return nil, fmt.Errorf("Invalid cast mapping: %s", m)
		}
		field, typ := wholeValue, parts[0]
		if len(parts) == 2 {
			field, typ = parts[0], parts[1]
		}
		typ = strings.ToLower(strings.TrimSpace(typ))
		if _, ok := castTypes[typ]; !ok {
			return nil, fmt.Errorf("Invalid type found in casting spec: %s", strings.TrimSpace(parts[len(parts)-1]))
		}
		out[field] = typ
	}
	if _, whole := out[wholeValue]; whole && len(out) > 1 {
		return nil, fmt.Errorf("Cast transformations that specify a type to cast the entire value to may ony specify a single cast in their spec")
	}
	return out, nil
}

// cast is Kafka's Cast: it casts fields, or the whole key or value, to primitive types.
type cast struct {
	nopClose
	side
	casts       map[string]string
	replaceNull bool
}

func (*cast) Config() connectors.ConfigDef { return castConfig }

func (t *cast) Configure(props map[string]string) error {
	v, err := castConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure Cast: %w", err)
	}
	if t.casts, err = parseCastSpec(v.List("spec")); err != nil {
		return fmt.Errorf("configure Cast: %w", err)
	}
	t.replaceNull = v.Bool("replace.null.with.default")
	return nil
}

func (t *cast) Apply(r *connectors.Record) (*connectors.Record, error) {
	const purpose = "cast types"
	schema, value := t.get(r)
	if value == nil && schema == nil {
		return r, nil
	}
	if typ, ok := t.casts[wholeValue]; ok {
		v, err := castTo(value, typ)
		if err != nil {
			return nil, err
		}
		var ns *connectors.Schema
		if schema != nil {
			ns = &connectors.Schema{Type: castTypes[typ], Optional: schema.Optional}
			if schema.Default != nil {
				ns.Default, _ = castTo(schema.Default, typ)
			}
		}
		t.set(r, ns, v)
		return r, nil
	}
	if schema == nil {
		m, err := requireMap(value, purpose)
		if err != nil {
			return nil, err
		}
		out := maps.Clone(m)
		for field, typ := range t.casts {
			if x, ok := m[field]; ok {
				if out[field], err = castTo(x, typ); err != nil {
					return nil, err
				}
			}
		}
		t.set(r, nil, out)
		return r, nil
	}
	if value == nil {
		return r, nil
	}
	st, err := requireStruct(value, purpose)
	if err != nil {
		return nil, err
	}
	ns := copyBasics(schema)
	out := &connectors.Struct{Schema: ns, Values: make([]any, len(schema.Fields))}
	for i, f := range schema.Fields {
		v := getField(st, i, t.replaceNull)
		typ, ok := t.casts[f.Name]
		if !ok {
			ns.Fields = append(ns.Fields, f)
			out.Values[i] = v
			continue
		}
		fs := &connectors.Schema{Type: castTypes[typ], Optional: f.Schema.Optional}
		if f.Schema.Default != nil {
			if fs.Default, err = castTo(f.Schema.Default, typ); err != nil {
				return nil, err
			}
		}
		ns.Fields = append(ns.Fields, connectors.Field{Name: f.Name, Schema: fs})
		if out.Values[i], err = castTo(v, typ); err != nil {
			return nil, err
		}
	}
	t.set(r, ns, out)
	return r, nil
}

// castTo converts v to the Go value of cast type typ as Kafka's Cast does: numbers truncate,
// booleans are 1 and 0, strings parse, anything prints as a string.
func castTo(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if typ == "string" {
		switch x := v.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(x), nil
		case time.Time:
			return x.UTC().Format("2006-01-02T15:04:05.000Z"), nil
		}
		return connectors.JavaString(v), nil
	}
	var f float64
	var isFloat bool
	var n int64
	switch x := v.(type) {
	case bool:
		if x {
			n = 1
		}
	case int8:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case float32:
		f, isFloat = float64(x), true
	case float64:
		f, isFloat = x, true
	case *big.Rat:
		f, _ = x.Float64()
		isFloat = true
	case time.Time:
		n = x.UnixMilli()
	case string:
		s := strings.TrimSpace(x)
		switch typ {
		case "boolean":
			return strings.EqualFold(s, "true"), nil
		case "float32", "float64":
			p, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, dataErr("Value (%s) was out of range for requested data type: %v", x, err)
			}
			f, isFloat = p, true
		default:
			p, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, dataErr("Value (%s) was out of range for requested data type: %v", x, err)
			}
			n = p
		}
	default:
		return nil, dataErr("Unexpected type in Cast transformation: %s", connectors.JavaClassName(v))
	}
	if isFloat {
		switch typ {
		case "boolean":
			return f != 0, nil
		case "float32":
			return float32(f), nil
		case "float64":
			return f, nil
		}
		n = int64(math.Trunc(f))
	} else {
		f = float64(n)
	}
	switch typ {
	case "boolean":
		return n != 0, nil
	case "int8":
		return int8(n), nil
	case "int16":
		return int16(n), nil
	case "int32":
		return int32(n), nil
	case "int64":
		return n, nil
	case "float32":
		return float32(f), nil
	case "float64":
		return f, nil
	}
	return nil, dataErr("Invalid type found in casting spec: %s", typ)
}
