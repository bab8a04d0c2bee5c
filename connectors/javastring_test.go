package connectors

import (
	"math"
	"math/big"
	"testing"
	"time"
)

func TestJavaString(t *testing.T) {
	st := &Schema{Type: TypeStruct, Fields: []Field{{Name: "id", Schema: Int32Schema}, {Name: "n", Schema: OptionalStringSchema}, {Name: "s", Schema: StringSchema}}}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, "null"},
		{"string", "héllo", "héllo"},
		{"bool", true, "true"},
		{"int8", int8(-3), "-3"},
		{"int64", int64(1) << 40, "1099511627776"},
		{"double whole", 1.0, "1.0"},
		{"double fraction", 0.1, "0.1"},
		{"double big", 1e7, "1.0E7"},
		{"double small", 0.0001, "1.0E-4"},
		{"double boundary", 0.001, "0.001"},
		{"double sci digits", 1.2345e-8, "1.2345E-8"},
		{"double neg zero", math.Copysign(0, -1), "-0.0"},
		{"double nan", math.NaN(), "NaN"},
		{"double inf", math.Inf(-1), "-Infinity"},
		{"float", float32(0.1), "0.1"},
		{"float big", float32(1.5e10), "1.5E10"},
		{"bytes", []byte("raw"), "raw"},
		{"list", []any{"a", int32(1), nil, []any{true}}, "[a, 1, null, [true]]"},
		{"strings", []string{"x", "y"}, "[x, y]"},
		{"map", map[string]any{"b": int64(2), "a": "x"}, "{a=x, b=2}"},
		{"map any", map[any]any{int32(2): "two", int32(1): "one"}, "{1=one, 2=two}"},
		{"struct", &Struct{Schema: st, Values: []any{int32(1), nil, "x"}}, "Struct{id=1,s=x}"},
		{"date", time.Unix(0, 0).UTC(), "Thu Jan 01 00:00:00 UTC 1970"},
		{"decimal", big.NewRat(-3, 2), "-1.5"},
		{"decimal int", big.NewRat(42, 1), "42"},
		{"decimal small", big.NewRat(1, 10000000), "1E-7"},
		{"decimal third", big.NewRat(1, 3), "0.33333333333333333333"},
		{"password", PasswordValue("secret"), "[hidden]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JavaString(tt.in); got != tt.want {
				t.Errorf("JavaString(%#v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatBigDecimal(t *testing.T) {
	tests := []struct {
		unscaled int64
		scale    int
		want     string
	}{
		{150, 2, "1.50"}, {-5, 3, "-0.005"}, {0, 0, "0"}, {0, 2, "0.00"}, {123, 0, "123"},
		{1, 10, "1E-10"}, {123, -2, "1.23E+4"}, {1, 6, "0.000001"}, {1, 7, "1E-7"},
	}
	for _, tt := range tests {
		if got := FormatBigDecimal(big.NewInt(tt.unscaled), tt.scale); got != tt.want {
			t.Errorf("FormatBigDecimal(%d, %d) = %q, want %q", tt.unscaled, tt.scale, got, tt.want)
		}
	}
}
