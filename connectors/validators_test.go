package connectors

import (
	"math"
	"testing"
)

func inf(sign int) float64 { return math.Inf(sign) }

func TestValidators(t *testing.T) {
	tests := []struct {
		name  string
		v     Validator
		value any
		want  string // "" means valid
	}{
		{"non-empty ok", NonEmpty(), "x", ""},
		{"non-empty null", NonEmpty(), nil, ""},
		{"non-empty empty", NonEmpty(), "", "String must be non-empty"},
		{"name ok", NonEmptyNoControl(), "my connector/ü", ""},
		{"name null", NonEmptyNoControl(), nil, ""},
		{"name empty", NonEmptyNoControl(), "", "String may not be empty"},
		{"name newline", NonEmptyNoControl(), "a\nb", "String may not contain control sequences but had the following ASCII chars: 10"},
		{"name several", NonEmptyNoControl(), "\x01a\x7f\u0085", "String may not contain control sequences but had the following ASCII chars: 1, 127, 133"},
		{"at least ok", AtLeast(1), int32(1), ""},
		{"at least low", AtLeast(1), int32(0), "Value must be at least 1"},
		{"at least long", AtLeast(int64(0)), int64(-1), "Value must be at least 0"},
		{"at least double", AtLeast(0.5), 0.25, "Value must be at least 0.5"},
		{"at least double whole", AtLeast(1.0), 0.0, "Value must be at least 1.0"},
		{"at least null", AtLeast(1), nil, "Value must be non-null"},
		{"between ok", Between(1, 10), int32(10), ""},
		{"between low", Between(1, 10), int32(0), "Value must be at least 1"},
		{"between high", Between(1, 10), int64(11), "Value must be no more than 10"},
		{"one of ok", OneOf("none", "all"), "all", ""},
		{"one of case", OneOf("none", "all"), "ALL", "String must be one of: none, all"},
		{"one of null", OneOf("none", "all"), nil, "String must be one of: none, all"},
		{"ignore case ok", OneOfIgnoreCase("base64", "NUMERIC"), "Numeric", ""},
		{"ignore case bad", OneOfIgnoreCase("base64", "NUMERIC"), "hex", "String must be one of (case insensitive): BASE64, NUMERIC"},
		{"ignore case null", OneOfIgnoreCase("base64"), nil, "String must be one of (case insensitive): BASE64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v(tt.value)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error %q", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// spec §7: the control-character message lists code points of the whole (trimmed) value.
func TestNameValidationMessage(t *testing.T) {
	def := ConfigDef{{Name: "name", Type: String, Required: true, Validator: NonEmptyNoControl()}}
	got := def.Validate(map[string]string{"name": "conn\nector"})
	want := "Invalid value conn\nector for configuration name: String may not contain control sequences but had the following ASCII chars: 10"
	if len(got[0].Errors) != 1 || got[0].Errors[0] != want {
		t.Errorf("errors %q", got[0].Errors)
	}
}
