package connectors

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// JavaString renders a Connect value as Java's String.valueOf would, because several Kafka
// Connect behaviours print values that way: FileStreamSink writes println(value), config
// errors quote the parsed value, StringConverter and the Cast transform turn values into text.
//
// nil is "null"; float32 and float64 follow Float.toString and Double.toString ("1.0",
// "1.0E10"); []byte is its bytes as text (Java would print an identity hash); lists are
// "[a, b]"; maps are "{k=v, k2=v2}" ordered by rendered key (Java's HashMap order is
// unspecified); a *Struct is "Struct{f=v,g=w}" skipping null fields; time.Time is
// java.util.Date's "Thu Jan 01 00:00:00 UTC 1970"; a *big.Rat is a plain decimal.
func JavaString(v any) string {
	var b strings.Builder
	writeJava(&b, v)
	return b.String()
}

func writeJava(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int8:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int16:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float32:
		b.WriteString(FormatJavaFloat(float64(x), 32))
	case float64:
		b.WriteString(FormatJavaFloat(x, 64))
	case []byte:
		b.Write(x)
	case *Struct:
		writeStruct(b, x)
	case time.Time:
		b.WriteString(x.Format("Mon Jan 02 15:04:05 MST 2006"))
	case *big.Rat:
		b.WriteString(ratString(x))
	case []any:
		writeList(b, len(x), func(i int) any { return x[i] })
	case []string:
		writeList(b, len(x), func(i int) any { return x[i] })
	case fmt.Stringer:
		b.WriteString(x.String())
	default:
		writeReflect(b, v)
	}
}

func writeList(b *strings.Builder, n int, at func(int) any) {
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJava(b, at(i))
	}
	b.WriteByte(']')
}

// writeStruct mirrors org.apache.kafka.connect.data.Struct.toString: "," without a space,
// null fields left out.
func writeStruct(b *strings.Builder, s *Struct) {
	if s == nil {
		b.WriteString("null")
		return
	}
	b.WriteString("Struct{")
	first := true
	for i, v := range s.Values {
		if v == nil || s.Schema == nil || i >= len(s.Schema.Fields) {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(s.Schema.Fields[i].Name)
		b.WriteByte('=')
		writeJava(b, v)
	}
	b.WriteByte('}')
}

// writeReflect covers the slice and map types the type switch does not name.
func writeReflect(b *strings.Builder, v any) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		writeList(b, rv.Len(), func(i int) any { return rv.Index(i).Interface() })
	case reflect.Map:
		type entry struct{ k, v string }
		entries := make([]entry, 0, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			entries = append(entries, entry{JavaString(it.Key().Interface()), JavaString(it.Value().Interface())})
		}
		slices.SortFunc(entries, func(a, c entry) int { return strings.Compare(a.k, c.k) })
		b.WriteByte('{')
		for i, e := range entries {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.k)
			b.WriteByte('=')
			b.WriteString(e.v)
		}
		b.WriteByte('}')
	case reflect.Pointer:
		if rv.IsNil() {
			b.WriteString("null")
			return
		}
		writeJava(b, rv.Elem().Interface())
	default:
		fmt.Fprint(b, v)
	}
}

// FormatJavaFloat formats f as Java's Double.toString (bitSize 64) or Float.toString
// (bitSize 32): the shortest digits that read back, decimal notation with at least one
// fraction digit for magnitudes in [1e-3, 1e7), computerized scientific notation ("1.0E7",
// "1.5E-4") outside it, and "NaN", "Infinity", "-Infinity". Jackson writes JSON doubles
// the same way.
func FormatJavaFloat(f float64, bitSize int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bitSize)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bitSize)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(n)
}

// FormatBigDecimal formats unscaled×10^-scale as java.math.BigDecimal.toString does: plain
// when scale ≥ 0 and the adjusted exponent ≥ -6, scientific ("1E-10", "1.23E+5") otherwise.
// Jackson writes a NUMERIC decimal this way.
func FormatBigDecimal(unscaled *big.Int, scale int) string {
	digits := new(big.Int).Abs(unscaled).String()
	neg := unscaled.Sign() < 0
	adjusted := -scale + len(digits) - 1
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if scale >= 0 && adjusted >= -6 {
		switch {
		case scale == 0:
			b.WriteString(digits)
		case len(digits) > scale:
			b.WriteString(digits[:len(digits)-scale])
			b.WriteByte('.')
			b.WriteString(digits[len(digits)-scale:])
		default:
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", scale-len(digits)))
			b.WriteString(digits)
		}
		return b.String()
	}
	b.WriteString(digits[:1])
	if len(digits) > 1 {
		b.WriteByte('.')
		b.WriteString(digits[1:])
	}
	b.WriteByte('E')
	if adjusted >= 0 {
		b.WriteByte('+')
	}
	b.WriteString(strconv.Itoa(adjusted))
	return b.String()
}

// ratString prints r with the smallest scale that holds it exactly, as a BigDecimal built
// from it would; a fraction with no finite decimal form falls back to 20 fraction digits.
func ratString(r *big.Rat) string {
	if r == nil {
		return "null"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	// A finite decimal exists only when the denominator is 2^a·5^b; the scale is then max(a, b).
	d := new(big.Int).Set(r.Denom())
	var twos, fives int
	two, five, m := big.NewInt(2), big.NewInt(5), new(big.Int)
	for q := new(big.Int); ; twos++ {
		if q.QuoRem(d, two, m); m.Sign() != 0 {
			break
		}
		d.Set(q)
	}
	for q := new(big.Int); ; fives++ {
		if q.QuoRem(d, five, m); m.Sign() != 0 {
			break
		}
		d.Set(q)
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		return r.FloatString(20)
	}
	scale := max(twos, fives)
	unscaled := new(big.Int).Mul(r.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	unscaled.Quo(unscaled, r.Denom())
	return FormatBigDecimal(unscaled, scale)
}

// JavaClassName names v's type as Java's Class.getName would for the value Kafka Connect would
// hold ("java.lang.Integer", "[B", "org.apache.kafka.connect.data.Struct"), because Kafka's
// error texts name types that way; nil is "null".
func JavaClassName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "java.lang.String"
	case bool:
		return "java.lang.Boolean"
	case int8:
		return "java.lang.Byte"
	case int16:
		return "java.lang.Short"
	case int32:
		return "java.lang.Integer"
	case int64:
		return "java.lang.Long"
	case float32:
		return "java.lang.Float"
	case float64:
		return "java.lang.Double"
	case []byte:
		return "[B"
	case []any:
		return "java.util.ArrayList"
	case map[string]any, map[any]any:
		return "java.util.HashMap"
	case *Struct:
		return "org.apache.kafka.connect.data.Struct"
	case *big.Rat:
		return "java.math.BigDecimal"
	case time.Time:
		return "java.util.Date"
	}
	return fmt.Sprintf("%T", v)
}
