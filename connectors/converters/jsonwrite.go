package converters

import (
	"bytes"
	"encoding/base64"
	"maps"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/connectd/connectd/connectors"
)

// writer renders Connect data as Kafka's JsonConverter does (convertToJson, asJsonSchema),
// appending to a byte slice with Jackson's formatting.
type writer struct {
	decimalNumeric bool
	replaceNull    bool
}

const millisPerDay = 24 * 60 * 60 * 1000

// schema writes a schema in Kafka's field order: type, the type's own fields (items; keys,
// values; fields), optional, then name, version, doc, parameters, default when set. A struct
// field is its schema's object with "field" appended last.
func (w *writer) schema(b []byte, s *connectors.Schema) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"type":`...)
	var err error
	switch s.Type {
	case connectors.TypeBoolean, connectors.TypeInt8, connectors.TypeInt16, connectors.TypeInt32,
		connectors.TypeInt64, connectors.TypeFloat32, connectors.TypeFloat64, connectors.TypeBytes,
		connectors.TypeString:
		b = appendString(b, string(s.Type))
	case connectors.TypeArray:
		b = append(b, `"array","items":`...)
		if b, err = w.schema(b, s.Items); err != nil {
			return nil, err
		}
	case connectors.TypeMap:
		b = append(b, `"map","keys":`...)
		if b, err = w.schema(b, s.Keys); err != nil {
			return nil, err
		}
		b = append(b, `,"values":`...)
		if b, err = w.schema(b, s.Values); err != nil {
			return nil, err
		}
	case connectors.TypeStruct:
		b = append(b, `"struct","fields":[`...)
		for i, f := range s.Fields {
			if f.Schema == nil {
				return nil, dataErrorf("struct field %q has no schema", f.Name)
			}
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = w.schema(b, f.Schema); err != nil {
				return nil, err
			}
			b = append(b[:len(b)-1], `,"field":`...)
			b = append(appendString(b, f.Name), '}')
		}
		b = append(b, ']')
	default:
		return nil, dataErrorf("Couldn't translate unsupported schema type %q.", s.Type)
	}
	b = append(b, `,"optional":`...)
	b = strconv.AppendBool(b, s.Optional)
	if s.Name != "" {
		b = appendString(append(b, `,"name":`...), s.Name)
	}
	if s.Version != 0 {
		b = strconv.AppendInt(append(b, `,"version":`...), int64(s.Version), 10)
	}
	if s.Doc != "" {
		b = appendString(append(b, `,"doc":`...), s.Doc)
	}
	if s.Parameters != nil {
		b = append(b, `,"parameters":{`...)
		for i, k := range slices.Sorted(maps.Keys(s.Parameters)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendString(b, k), ':')
			b = appendString(b, s.Parameters[k])
		}
		b = append(b, '}')
	}
	if s.Default != nil {
		b = append(b, `,"default":`...)
		if b, err = w.value(b, s, s.Default); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// value writes a payload (Kafka's convertToJson). Without a schema the Go type decides.
func (w *writer) value(b []byte, s *connectors.Schema, v any) ([]byte, error) {
	if v == nil {
		switch {
		case s == nil:
			return append(b, "null"...), nil
		case s.Default != nil && w.replaceNull:
			return w.value(b, s, s.Default)
		case s.Optional:
			return append(b, "null"...), nil
		}
		return nil, dataErrorf(msgRequiredNull)
	}
	if s != nil && s.Name != "" {
		switch s.Name {
		case connectors.DecimalName:
			return w.decimal(b, s, v)
		case connectors.DateName, connectors.TimeName, connectors.TimestampName:
			return w.temporal(b, s, v)
		}
	}
	var t connectors.SchemaType
	if s != nil {
		t = s.Type
	} else if t = schemalessType(v); t == "" {
		return nil, dataErrorf("Java class %T does not have corresponding schema type.", v)
	}
	wrongType := func() ([]byte, error) {
		typeName := "unknown schema"
		if s != nil {
			typeName = javaTypeName(s.Type)
		}
		return nil, dataErrorf("Invalid type for %s: %T", typeName, v)
	}
	switch t {
	case connectors.TypeBoolean:
		x, ok := v.(bool)
		if !ok {
			return wrongType()
		}
		return strconv.AppendBool(b, x), nil
	case connectors.TypeInt8, connectors.TypeInt16, connectors.TypeInt32, connectors.TypeInt64:
		n, ok := intOf(t, v, s == nil)
		if !ok {
			return wrongType()
		}
		return strconv.AppendInt(b, n, 10), nil
	case connectors.TypeFloat32:
		x, ok := v.(float32)
		if !ok {
			return wrongType()
		}
		return appendFloat(b, float64(x), 32), nil
	case connectors.TypeFloat64:
		x, ok := v.(float64)
		if !ok {
			return wrongType()
		}
		return appendFloat(b, x, 64), nil
	case connectors.TypeBytes:
		x, ok := v.([]byte)
		if !ok {
			return nil, dataErrorf("Invalid type for bytes type: %T", v)
		}
		return appendBase64(b, x), nil
	case connectors.TypeString:
		x, ok := v.(string)
		if !ok {
			return wrongType()
		}
		return appendString(b, x), nil
	case connectors.TypeArray:
		return w.array(b, s, v, wrongType)
	case connectors.TypeMap:
		return w.mapValue(b, s, v, wrongType)
	case connectors.TypeStruct:
		st, ok := v.(*connectors.Struct)
		if !ok {
			return wrongType()
		}
		if s == nil || st.Schema == nil || (st.Schema != s && !reflect.DeepEqual(st.Schema, s)) {
			return nil, dataErrorf("Mismatching schema.")
		}
		b = append(b, '{')
		var err error
		for i, f := range s.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendString(b, f.Name), ':')
			var fv any
			if i < len(st.Values) {
				fv = st.Values[i]
			}
			if b, err = w.value(b, f.Schema, fv); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, dataErrorf("Couldn't convert %s to JSON.", connectors.JavaString(v))
}

// schemalessType is Kafka's ConnectSchema.schemaType for a value without a schema; Go's int
// is taken as int64.
func schemalessType(v any) connectors.SchemaType {
	switch v.(type) {
	case bool:
		return connectors.TypeBoolean
	case int8:
		return connectors.TypeInt8
	case int16:
		return connectors.TypeInt16
	case int32:
		return connectors.TypeInt32
	case int64, int:
		return connectors.TypeInt64
	case float32:
		return connectors.TypeFloat32
	case float64:
		return connectors.TypeFloat64
	case []byte:
		return connectors.TypeBytes
	case string:
		return connectors.TypeString
	case *connectors.Struct:
		return connectors.TypeStruct
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Slice, reflect.Array:
		return connectors.TypeArray
	case reflect.Map:
		return connectors.TypeMap
	}
	return ""
}

func intOf(t connectors.SchemaType, v any, schemaless bool) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), t == connectors.TypeInt8
	case int16:
		return int64(x), t == connectors.TypeInt16
	case int32:
		return int64(x), t == connectors.TypeInt32
	case int64:
		return x, t == connectors.TypeInt64
	case int:
		return int64(x), schemaless
	}
	return 0, false
}

func (w *writer) array(b []byte, s *connectors.Schema, v any, wrongType func() ([]byte, error)) ([]byte, error) {
	var items *connectors.Schema
	if s != nil {
		items = s.Items
	}
	var elems []any
	switch x := v.(type) {
	case []any:
		elems = x
	case []byte:
		return wrongType()
	default:
		rv := reflect.ValueOf(v)
		if k := rv.Kind(); k != reflect.Slice && k != reflect.Array {
			return wrongType()
		}
		elems = make([]any, rv.Len())
		for i := range elems {
			elems[i] = rv.Index(i).Interface()
		}
	}
	b = append(b, '[')
	var err error
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = w.value(b, items, e); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// mapValue writes a map as an object when its keys are strings (by schema, or, without one,
// when every key is a string), else as an array of [key, value] pairs (spec §10.4). Entries
// are sorted by their written key so that equal maps give equal bytes.
func (w *writer) mapValue(b []byte, s *connectors.Schema, v any, wrongType func() ([]byte, error)) ([]byte, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return wrongType()
	}
	var keySchema, valueSchema *connectors.Schema
	objectMode := true
	if s != nil {
		keySchema, valueSchema = s.Keys, s.Values
		objectMode = keySchema != nil && keySchema.Type == connectors.TypeString
	} else {
		for it := rv.MapRange(); it.Next(); {
			if _, ok := it.Key().Interface().(string); !ok {
				objectMode = false
				break
			}
		}
	}
	type entry struct{ key, value []byte }
	entries := make([]entry, 0, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		k, err := w.value(nil, keySchema, it.Key().Interface())
		if err != nil {
			return nil, err
		}
		val, err := w.value(nil, valueSchema, it.Value().Interface())
		if err != nil {
			return nil, err
		}
		if objectMode {
			ks, ok := it.Key().Interface().(string)
			if !ok {
				return nil, dataErrorf("Invalid type for STRING: %T", it.Key().Interface())
			}
			k = appendString(nil, ks)
		}
		entries = append(entries, entry{k, val})
	}
	slices.SortFunc(entries, func(a, c entry) int { return bytes.Compare(a.key, c.key) })
	open, close := byte('{'), byte('}')
	if !objectMode {
		open, close = '[', ']'
	}
	b = append(b, open)
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		if objectMode {
			b = append(append(b, e.key...), ':')
			b = append(b, e.value...)
			continue
		}
		b = append(append(append(b, '['), e.key...), ',')
		b = append(append(b, e.value...), ']')
	}
	return append(b, close), nil
}

// decimal writes a Decimal as base64 of the unscaled two's-complement value, or as a plain
// JSON number with decimal.format=NUMERIC.
func (w *writer) decimal(b []byte, s *connectors.Schema, v any) ([]byte, error) {
	r, ok := v.(*big.Rat)
	if !ok || r == nil {
		return nil, dataErrorf("Invalid type for Decimal, expected BigDecimal but was %T", v)
	}
	scale, err := decimalScale(s)
	if err != nil {
		return nil, err
	}
	scaled := new(big.Rat).Mul(r, pow10Rat(scale))
	if !scaled.IsInt() {
		return nil, dataErrorf(msgScale)
	}
	unscaled := scaled.Num()
	if w.decimalNumeric {
		return append(b, connectors.FormatBigDecimal(unscaled, scale)...), nil
	}
	return appendBase64(b, twosComplement(unscaled)), nil
}

// temporal writes Date as days, Time as milliseconds of the day, Timestamp as epoch
// milliseconds, all in UTC, as Kafka's Date, Time and Timestamp.fromLogical.
func (w *writer) temporal(b []byte, s *connectors.Schema, v any) ([]byte, error) {
	kind := s.Name[strings.LastIndexByte(s.Name, '.')+1:]
	t, ok := v.(time.Time)
	if !ok {
		return nil, dataErrorf("Invalid type for %s, expected Date but was %T", kind, v)
	}
	ms := t.UnixMilli()
	switch s.Name {
	case connectors.DateName:
		if ms%millisPerDay != 0 {
			return nil, dataErrorf("Kafka Connect Date type should not have any time fields set to non-zero values.")
		}
		return strconv.AppendInt(b, int64(int32(ms/millisPerDay)), 10), nil
	case connectors.TimeName:
		if ms < 0 || ms > millisPerDay {
			return nil, dataErrorf("Kafka Connect Time type should not have any date fields set to non-zero values.")
		}
		return strconv.AppendInt(b, ms, 10), nil
	}
	return strconv.AppendInt(b, ms, 10), nil
}

// maxDecimalScale bounds the powers of ten computed for a Decimal, so that a hostile schema
// or number cannot make the converter allocate without limit.
const maxDecimalScale = 10000

func decimalScale(s *connectors.Schema) (int, error) {
	text, ok := s.Parameters[connectors.DecimalScale]
	if !ok {
		return 0, dataErrorf("Invalid Decimal schema: scale parameter not found.")
	}
	n, err := strconv.ParseInt(text, 10, 32)
	if err != nil {
		return 0, &dataError{text: "Invalid scale parameter found in Decimal schema: ", cause: err}
	}
	if n > maxDecimalScale || n < -maxDecimalScale {
		return 0, dataErrorf("decimal scale %d is beyond ±%d", n, maxDecimalScale)
	}
	return int(n), nil
}

func pow10Rat(n int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(n, -n))), nil)
	if n < 0 {
		return new(big.Rat).SetFrac(big.NewInt(1), p)
	}
	return new(big.Rat).SetInt(p)
}

// twosComplement is Java's BigInteger.toByteArray: big-endian, minimal, with a sign bit.
func twosComplement(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	bits := new(big.Int).Not(x).BitLen() + 1 // -x-1 fits in bits-1 bits
	n := (bits + 7) / 8
	y := new(big.Int).Add(x, new(big.Int).Lsh(big.NewInt(1), uint(8*n)))
	b := y.Bytes()
	for len(b) < n {
		b = append([]byte{0xFF}, b...)
	}
	return b
}

// fromTwosComplement is Java's new BigInteger(byte[]).
func fromTwosComplement(b []byte) *big.Int {
	x := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x
}

// appendFloat writes a double as Jackson does (Java's Double.toString); NaN and infinities
// are quoted, as with Jackson's default QUOTE_NON_NUMERIC_NUMBERS.
func appendFloat(b []byte, f float64, bits int) []byte {
	s := connectors.FormatJavaFloat(f, bits)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendString(b, s)
	}
	return append(b, s...)
}

func appendBase64(b []byte, x []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, x)
	return append(b, '"')
}

const hexDigits = "0123456789ABCDEF"

// appendString quotes s as Jackson does: \" \\ and \b \t \n \f \r escaped, other control
// characters as \u00XX with upper-case hex, everything else (including '/', '<', U+2028)
// written as UTF-8; invalid UTF-8 becomes U+FFFD, as a Java string cannot hold it.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
