package converters

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connectors"
)

// reader turns a decoded JSON tree (nil, bool, json.Number, string, []any, map[string]any)
// into Connect data as Kafka's JsonConverter does (asConnectSchema, convertToConnect). Where
// Kafka silently reads a JSON value of the wrong kind as zero or null (Jackson's intValue of
// a string), this reader reports an error instead.
type reader struct {
	replaceNull bool
}

// nodeType names a JSON value as Jackson's JsonNodeType does, for Kafka's messages.
func nodeType(n any) string {
	switch n.(type) {
	case nil:
		return "NULL"
	case bool:
		return "BOOLEAN"
	case json.Number:
		return "NUMBER"
	case string:
		return "STRING"
	case []any:
		return "ARRAY"
	case map[string]any:
		return "OBJECT"
	}
	return "POJO"
}

// schema is Kafka's asConnectSchema.
func (r *reader) schema(node any) (*connectors.Schema, error) {
	if node == nil {
		return nil, nil
	}
	obj, _ := node.(map[string]any)
	typ, ok := obj["type"].(string)
	if !ok {
		return nil, dataErrorf("Schema must contain 'type' field")
	}
	s := &connectors.Schema{}
	var err error
	switch typ {
	case "boolean", "int8", "int16", "int32", "int64", "float", "double", "bytes", "string":
		s.Type = connectors.SchemaType(typ)
	case "array":
		s.Type = connectors.TypeArray
		items := obj["items"]
		if items == nil {
			return nil, dataErrorf("Array schema did not specify the element type")
		}
		if s.Items, err = r.schema(items); err != nil {
			return nil, err
		}
	case "map":
		s.Type = connectors.TypeMap
		keys, ok := obj["keys"]
		if !ok {
			return nil, dataErrorf("Map schema did not specify the key type")
		}
		values, ok := obj["values"]
		if !ok {
			return nil, dataErrorf("Map schema did not specify the value type")
		}
		if s.Keys, err = r.schema(keys); err != nil {
			return nil, err
		}
		if s.Values, err = r.schema(values); err != nil {
			return nil, err
		}
		if s.Keys == nil {
			return nil, dataErrorf("keySchema cannot be null.")
		}
		if s.Values == nil {
			return nil, dataErrorf("valueSchema cannot be null.")
		}
	case "struct":
		s.Type = connectors.TypeStruct
		fields, ok := obj["fields"].([]any)
		if !ok {
			return nil, dataErrorf(`Struct schema's "fields" argument is not an array.`)
		}
		seen := make(map[string]bool, len(fields))
		for _, f := range fields {
			fo, _ := f.(map[string]any)
			name, ok := fo["field"].(string)
			if !ok {
				return nil, dataErrorf("Struct schema's field name not specified properly")
			}
			if seen[name] {
				return nil, dataErrorf("Cannot create field because of field name duplication %s", name)
			}
			seen[name] = true
			fs, err := r.schema(fo)
			if err != nil {
				return nil, err
			}
			s.Fields = append(s.Fields, connectors.Field{Name: name, Schema: fs})
		}
	default:
		return nil, dataErrorf("Unknown schema type: %s", typ)
	}
	s.Optional, _ = obj["optional"].(bool)
	s.Name, _ = obj["name"].(string)
	if v, ok := obj["version"].(json.Number); ok && isIntegral(string(v)) {
		n, err := javaLong(v)
		if err != nil {
			return nil, err
		}
		s.Version = int(int32(n))
	}
	s.Doc, _ = obj["doc"].(string)
	if params, ok := obj["parameters"].(map[string]any); ok {
		s.Parameters = make(map[string]string, len(params))
		for k, v := range params {
			text, ok := v.(string)
			if !ok {
				return nil, dataErrorf("Schema parameters must have string values.")
			}
			s.Parameters[k] = text
		}
	}
	if def, ok := obj["default"]; ok {
		if s.Default, err = r.value(s, def); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// value is Kafka's convertToConnect.
func (r *reader) value(s *connectors.Schema, node any) (any, error) {
	if s == nil {
		return r.schemaless(node)
	}
	if node == nil {
		switch {
		case s.Default != nil && r.replaceNull:
			return s.Default, nil
		case s.Optional:
			return nil, nil
		}
		return nil, dataErrorf("Invalid null value for required %s field", javaTypeName(s.Type))
	}
	switch s.Name {
	case connectors.DecimalName:
		return r.decimal(s, node)
	case connectors.DateName, connectors.TimeName, connectors.TimestampName:
		return r.temporal(s, node)
	}
	wrongKind := func() (any, error) {
		return nil, dataErrorf("json %s cannot be read as %s", nodeType(node), s.Type)
	}
	switch s.Type {
	case connectors.TypeBoolean:
		b, ok := node.(bool)
		if !ok {
			return wrongKind()
		}
		return b, nil
	case connectors.TypeInt8, connectors.TypeInt16, connectors.TypeInt32, connectors.TypeInt64:
		n, ok := node.(json.Number)
		if !ok {
			return wrongKind()
		}
		l, err := javaLong(n)
		if err != nil {
			return nil, err
		}
		switch s.Type {
		case connectors.TypeInt8:
			return int8(l), nil
		case connectors.TypeInt16:
			return int16(l), nil
		case connectors.TypeInt32:
			return int32(l), nil
		}
		return l, nil
	case connectors.TypeFloat32, connectors.TypeFloat64:
		n, ok := node.(json.Number)
		if !ok {
			return wrongKind()
		}
		if s.Type == connectors.TypeFloat32 {
			f, _ := strconv.ParseFloat(string(n), 32) // out of range is ±Inf, as in Java
			return float32(f), nil
		}
		f, _ := strconv.ParseFloat(string(n), 64)
		return f, nil
	case connectors.TypeBytes:
		text, ok := node.(string)
		if !ok {
			return wrongKind()
		}
		b, err := decodeBase64(text)
		if err != nil {
			return nil, &dataError{text: "json STRING is not base64 for bytes: ", cause: err}
		}
		return b, nil
	case connectors.TypeString:
		text, ok := node.(string)
		if !ok {
			return wrongKind()
		}
		return text, nil
	case connectors.TypeArray:
		arr, ok := node.([]any)
		if !ok {
			return wrongKind()
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			v, err := r.value(s.Items, e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case connectors.TypeMap:
		return r.mapValue(s, node)
	case connectors.TypeStruct:
		obj, ok := node.(map[string]any)
		if !ok {
			return nil, dataErrorf("Structs should be encoded as JSON objects, but found %s", nodeType(node))
		}
		st := &connectors.Struct{Schema: s, Values: make([]any, len(s.Fields))}
		for i, f := range s.Fields {
			v, err := r.value(f.Schema, obj[f.Name])
			if err != nil {
				return nil, err
			}
			st.Values[i] = v
		}
		return st, nil
	}
	return nil, dataErrorf("Unknown schema type: %s", s.Type)
}

func (r *reader) mapValue(s *connectors.Schema, node any) (any, error) {
	out := map[any]any{}
	if s.Keys == nil || s.Keys.Type == connectors.TypeString {
		obj, ok := node.(map[string]any)
		if !ok {
			return nil, dataErrorf("Maps with string fields should be encoded as JSON objects, but found %s", nodeType(node))
		}
		for k, e := range obj {
			v, err := r.value(s.Values, e)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	arr, ok := node.([]any)
	if !ok {
		return nil, dataErrorf("Maps with non-string fields should be encoded as JSON array of tuples, but found %s", nodeType(node))
	}
	for _, e := range arr {
		pair, ok := e.([]any)
		if !ok {
			return nil, dataErrorf("Found invalid map entry instead of array tuple: %s", nodeType(e))
		}
		if len(pair) != 2 {
			return nil, dataErrorf("Found invalid map entry, expected length 2 but found :%d", len(pair))
		}
		k, err := r.value(s.Keys, pair[0])
		if err != nil {
			return nil, err
		}
		switch k.(type) {
		case []any, []byte, map[any]any, map[string]any:
			// Java hashes these by content; a Go map cannot hold them as keys.
			return nil, dataErrorf("map key of schema type %s cannot be a Go map key", s.Keys.Type)
		}
		v, err := r.value(s.Values, pair[1])
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// schemaless reads plain JSON: integers as int64, other numbers as float64, objects as
// map[string]any, arrays as []any (spec §10.4).
func (r *reader) schemaless(node any) (any, error) {
	switch n := node.(type) {
	case json.Number:
		if isIntegral(string(n)) {
			return javaLong(n)
		}
		f, _ := strconv.ParseFloat(string(n), 64)
		return f, nil
	case []any:
		for i, e := range n {
			v, err := r.schemaless(e)
			if err != nil {
				return nil, err
			}
			n[i] = v
		}
		return n, nil
	case map[string]any:
		for k, e := range n {
			v, err := r.schemaless(e)
			if err != nil {
				return nil, err
			}
			n[k] = v
		}
		return n, nil
	}
	return node, nil
}

// decimal reads a Decimal from a JSON number or from base64 of its unscaled value.
func (r *reader) decimal(s *connectors.Schema, node any) (any, error) {
	switch n := node.(type) {
	case json.Number:
		return parseDecimal(string(n))
	case string:
		scale, err := decimalScale(s)
		if err != nil {
			return nil, err
		}
		b, err := decodeBase64(n)
		if err != nil || len(b) == 0 {
			return nil, &dataError{text: "Invalid bytes for Decimal field"}
		}
		return new(big.Rat).Mul(new(big.Rat).SetInt(fromTwosComplement(b)), pow10Rat(-scale)), nil
	}
	return nil, dataErrorf("Invalid type for Decimal, underlying representation should be numeric or bytes but was %s", nodeType(node))
}

// temporal reads Date (int days), Time (int ms of the day) and Timestamp (long epoch ms) as
// UTC times.
func (r *reader) temporal(s *connectors.Schema, node any) (any, error) {
	n, _ := node.(json.Number)
	integral := n != "" && isIntegral(string(n))
	switch s.Name {
	case connectors.DateName:
		days, err := strconv.ParseInt(string(n), 10, 32)
		if !integral || err != nil {
			return nil, dataErrorf("Invalid type for Date, underlying representation should be integer but was %s", nodeType(node))
		}
		return time.UnixMilli(days * millisPerDay).UTC(), nil
	case connectors.TimeName:
		ms, err := strconv.ParseInt(string(n), 10, 32)
		if !integral || err != nil {
			return nil, dataErrorf("Invalid type for Time, underlying representation should be integer but was %s", nodeType(node))
		}
		if ms < 0 || ms > millisPerDay {
			return nil, dataErrorf("Time values must use number of milliseconds greater than 0 and less than 86400000")
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	if !integral {
		return nil, dataErrorf("Invalid type for Timestamp, underlying representation should be integral but was %s", nodeType(node))
	}
	ms, err := javaLong(n)
	if err != nil {
		return nil, err
	}
	return time.UnixMilli(ms).UTC(), nil
}

// isIntegral reports whether a JSON number has neither fraction nor exponent, which is
// when Jackson makes it an integer node.
func isIntegral(s string) bool { return !strings.ContainsAny(s, ".eE") }

// javaLong is Jackson's longValue of a number node: an integer keeps its low 64 bits
// (BigInteger.longValue); a decimal is truncated toward zero first (BigDecimal.longValue).
func javaLong(n json.Number) (int64, error) {
	s := string(n)
	if isIntegral(s) {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return v, nil
		}
		x, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return 0, dataErrorf("json number %s is not an integer", s)
		}
		return lowBits(x), nil
	}
	r, err := parseDecimal(s)
	if err != nil {
		return 0, err
	}
	return lowBits(new(big.Int).Quo(r.Num(), r.Denom())), nil
}

// lowBits is x's low 64 bits as a two's-complement int64.
func lowBits(x *big.Int) int64 {
	mask := new(big.Int).SetUint64(math.MaxUint64)
	return int64(new(big.Int).And(x, mask).Uint64())
}

// parseDecimal reads a JSON number exactly, refusing exponents beyond maxDecimalScale so
// that "1e999999999" cannot exhaust memory.
func parseDecimal(s string) (*big.Rat, error) {
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		var err error
		mant = s[:i]
		if exp, err = strconv.ParseInt(s[i+1:], 10, 64); err != nil || exp > maxDecimalScale || exp < -maxDecimalScale {
			return nil, dataErrorf("json number %s is beyond the supported exponent range ±%d", s, maxDecimalScale)
		}
	}
	r, ok := new(big.Rat).SetString(mant)
	if !ok {
		return nil, dataErrorf("json number %s is not a decimal", s)
	}
	return r.Mul(r, pow10Rat(int(exp))), nil
}

// decodeBase64 accepts padded and unpadded standard base64, as Jackson's default variant
// reads both.
func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}
