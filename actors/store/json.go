package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is JsonConverter with schemas off (spec §10.4, §10.5) as far as the internal
// topics need it: integral numbers read as int64 and others as float64, objects as
// map[string]any, arrays as []any; output is compact, with object keys sorted so that one
// value has one encoding (the canonical form used to match offset partitions).

// decodeJSON parses one JSON value into nil, bool, string, int64, float64, []any or
// map[string]any.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err == nil {
		return nil, errors.New("trailing data after JSON value")
	}
	return normalizeNumbers(v)
}

func normalizeNumbers(v any) (any, error) {
	var err error
	switch x := v.(type) {
	case json.Number:
		return JSONNumber(string(x))
	case []any:
		for i := range x {
			if x[i], err = normalizeNumbers(x[i]); err != nil {
				return nil, err
			}
		}
		return x, nil
	case map[string]any:
		for k, e := range x {
			if x[k], err = normalizeNumbers(e); err != nil {
				return nil, err
			}
		}
		return x, nil
	default:
		return v, nil
	}
}

// JSONNumber reads a JSON number as Kafka Connect's JsonConverter does, for offsets and
// configs alike: an integral literal is a long (int64), anything else (fraction or exponent,
// or too large for a long) a double. A number beyond a double's range is an error, since it
// could not be written back as JSON.
func JSONNumber(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %s out of range", s)
	}
	return f, nil
}

// normalize turns any JSON-encodable Go value into the types decodeJSON returns, so that
// values handed in by callers compare equal to values read back.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool, string, int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("unsupported number %v", x)
		}
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float32:
		return normalize(float64(x))
	case json.Number:
		return JSONNumber(string(x))
	case map[string]any:
		if x == nil {
			return nil, nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		if x == nil {
			return nil, nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[string]string:
		if x == nil {
			return nil, nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out, nil
	}
	// Everything else (other integer widths, float32, typed maps and slices, structs):
	// through encoding/json and back.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
	}
	b, err := marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

// encodeJSON writes a normalized value compactly, object keys sorted. A float64 always
// carries a fraction or exponent, so it reads back as a float64.
func encodeJSON(v any) ([]byte, error) {
	n, err := normalize(v)
	if err != nil {
		return nil, err
	}
	return appendJSON(nil, n), nil
}

func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return appendString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return append(b, s...)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x[k])
		}
		return append(b, '}')
	default:
		panic(fmt.Sprintf("store: appendJSON: unnormalized %T", v))
	}
}

// appendString quotes s as Jackson does: no HTML escaping.
func appendString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	q, _ := marshal(s)
	return append(b, q...)
}

// marshal is json.Marshal without HTML escaping (Jackson writes <, > and & as they are).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// deepCopy copies a normalized value so callers cannot change the store's.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return map[string]any(nil)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return deepCopy(m).(map[string]any)
}

// stringProps reads a properties object of a config record. Kafka Connect writes strings;
// other scalars are kept in their JSON text, nulls dropped, as a tolerant reader should.
func stringProps(v any) (map[string]string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		switch x := e.(type) {
		case nil:
		case string:
			out[k] = x
		default:
			out[k] = string(appendJSON(nil, x))
		}
	}
	return out, true
}
