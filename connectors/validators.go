package connectors

import (
	"errors"
	"strconv"
	"strings"
)

// Each validator returns Kafka Connect's exact per-key text; ConfigDef adds the
// "Invalid value <v> for configuration <name>: " prefix. As in Kafka, validators also see
// nil when a key is unset with a null default, is missing, or did not parse.

// NonEmpty is Kafka's ConfigDef.NonEmptyString: null passes, "" does not.
func NonEmpty() Validator {
	return func(v any) error {
		if s, ok := v.(string); ok && s == "" {
			return errors.New("String must be non-empty")
		}
		return nil
	}
}

// NonEmptyNoControl is Kafka's NonEmptyStringWithoutControlChars, the validator of a
// connector's name (spec §7): null passes (the missing-key error covers it), "" does not,
// and ISO control characters are listed by code point, comma-separated.
func NonEmptyNoControl() Validator {
	return func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		if s == "" {
			return errors.New("String may not be empty")
		}
		var found []string
		for _, r := range s {
			if isISOControl(r) {
				found = append(found, strconv.Itoa(int(r)))
			}
		}
		if len(found) > 0 {
			return errors.New("String may not contain control sequences but had the following ASCII chars: " +
				strings.Join(found, ", "))
		}
		return nil
	}
}

// isISOControl is Java's Character.isISOControl.
func isISOControl(r rune) bool { return r <= 0x1f || (r >= 0x7f && r <= 0x9f) }

// number is what Kafka's Range validator compares; it compares as doubles, like Java.
type number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~float32 | ~float64
}

// AtLeast is Kafka's Range.atLeast: "Value must be at least <min>"; null fails with
// "Value must be non-null".
func AtLeast[N number](min N) Validator {
	return rangeValidator(float64(min), numberText(min), false, 0, "")
}

// Between is Kafka's Range.between: below min "Value must be at least <min>", above max
// "Value must be no more than <max>".
func Between[N number](min, max N) Validator {
	return rangeValidator(float64(min), numberText(min), true, float64(max), numberText(max))
}

func rangeValidator(min float64, minText string, hasMax bool, max float64, maxText string) Validator {
	return func(v any) error {
		if v == nil {
			return errors.New("Value must be non-null")
		}
		f, ok := toFloat(v)
		if !ok {
			return errors.New("Value must be a number")
		}
		if f < min {
			return errors.New("Value must be at least " + minText)
		}
		if hasMax && f > max {
			return errors.New("Value must be no more than " + maxText)
		}
		return nil
	}
}

// numberText prints a bound as Java's Number.toString would: 1 for an integer, 1.0 for a
// double.
func numberText[N number](n N) string {
	switch x := any(n).(type) {
	case float32:
		return FormatJavaFloat(float64(x), 32)
	case float64:
		return FormatJavaFloat(x, 64)
	}
	if f := float64(n); f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return FormatJavaFloat(float64(n), 64)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// OneOf is Kafka's ValidString: "String must be one of: a, b". Null fails too.
func OneOf(values ...string) Validator {
	allowed := append([]string(nil), values...)
	text := "String must be one of: " + strings.Join(allowed, ", ")
	return func(v any) error {
		s, ok := v.(string)
		for _, a := range allowed {
			if ok && s == a {
				return nil
			}
		}
		return errors.New(text)
	}
}

// OneOfIgnoreCase is Kafka's CaseInsensitiveValidString:
// "String must be one of (case insensitive): A, B", listing the values upper-cased.
// Kafka lists them in hash-set order; here they keep the order given.
func OneOfIgnoreCase(values ...string) Validator {
	upper := make([]string, len(values))
	for i, v := range values {
		upper[i] = strings.ToUpper(v)
	}
	text := "String must be one of (case insensitive): " + strings.Join(upper, ", ")
	return func(v any) error {
		if s, ok := v.(string); ok {
			for _, u := range upper {
				if strings.ToUpper(s) == u {
					return nil
				}
			}
		}
		return errors.New(text)
	}
}
