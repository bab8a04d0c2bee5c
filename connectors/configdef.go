package connectors

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ConfigType is the type of a configuration key, as Kafka Connect's ConfigDef names it.
type ConfigType int

// The configuration key types; String() gives the upper-case name of spec §2.2.
const (
	Boolean ConfigType = iota
	String
	Int
	Short
	Long
	Double
	List
	Class
	Password
)

// Importance of a configuration key.
type Importance int

// The importances; String() gives HIGH, MEDIUM, LOW.
const (
	High Importance = iota
	Medium
	Low
)

// Width is the display width of a configuration key.
type Width int

// The widths; String() gives NONE, SHORT, MEDIUM, LONG.
const (
	WidthNone Width = iota
	WidthShort
	WidthMedium
	WidthLong
)

// Validator checks one parsed value and returns Kafka Connect's per-key text
// (e.g. "Value must be at least 1"); ConfigDef wraps it as
// "Invalid value <v> for configuration <name>: <text>".
type Validator func(value any) error

// ConfigKey declares one configuration key.
type ConfigKey struct {
	Name        string
	Type        ConfigType
	Default     any // string form of the default, or nil for a null default; ignored if Required
	Required    bool
	Validator   Validator
	Importance  Importance
	Doc         string
	Group       string
	Order       int // order in group; 0 means the key's position in its group
	Width       Width
	DisplayName string // empty means Name
	Dependents  []string
	Recommended []string
}

// ConfigDef is an ordered configuration table.
type ConfigDef []ConfigKey

// ConfigValue is the result of validating one key (spec §2.1 ConfigValueInfo).
type ConfigValue struct {
	Name              string
	Value             *string // the parsed value as a string; nil for null
	RecommendedValues []string
	Errors            []string
	Visible           bool
}

// String gives the upper-case Kafka Connect name of the type (spec §2.2).
func (t ConfigType) String() string {
	switch t {
	case Boolean:
		return "BOOLEAN"
	case String:
		return "STRING"
	case Int:
		return "INT"
	case Short:
		return "SHORT"
	case Long:
		return "LONG"
	case Double:
		return "DOUBLE"
	case List:
		return "LIST"
	case Class:
		return "CLASS"
	case Password:
		return "PASSWORD"
	}
	return "ConfigType(" + strconv.Itoa(int(t)) + ")"
}

// String gives HIGH, MEDIUM or LOW.
func (i Importance) String() string {
	switch i {
	case High:
		return "HIGH"
	case Medium:
		return "MEDIUM"
	case Low:
		return "LOW"
	}
	return "Importance(" + strconv.Itoa(int(i)) + ")"
}

// String gives NONE, SHORT, MEDIUM or LONG.
func (w Width) String() string {
	switch w {
	case WidthNone:
		return "NONE"
	case WidthShort:
		return "SHORT"
	case WidthMedium:
		return "MEDIUM"
	case WidthLong:
		return "LONG"
	}
	return "Width(" + strconv.Itoa(int(w)) + ")"
}

// PasswordValue is the parsed value of a Password key. It prints as "[hidden]" (as Kafka's
// Password.toString does) so that logging a Values never shows a secret; Values.String
// returns the secret itself.
type PasswordValue string

// String hides the secret.
func (PasswordValue) String() string { return hiddenPassword }

// hiddenPassword is how Kafka Connect renders every PASSWORD value and default (spec §2.2).
const hiddenPassword = "[hidden]"

// Values holds a configuration parsed by ConfigDef.Parse, by key name. Types by ConfigType:
// BOOLEAN bool, STRING and CLASS string, INT int32, SHORT int16, LONG int64, DOUBLE float64,
// LIST []string, PASSWORD PasswordValue. A key with a null default that is not set holds nil.
type Values map[string]any

// Has reports whether name has a non-null value.
func (v Values) Has(name string) bool { return v[name] != nil }

// String returns a STRING, CLASS or PASSWORD value (the secret itself), or "".
func (v Values) String(name string) string {
	switch x := v[name].(type) {
	case string:
		return x
	case PasswordValue:
		return string(x)
	}
	return ""
}

// Bool returns a BOOLEAN value, or false.
func (v Values) Bool(name string) bool {
	b, _ := v[name].(bool)
	return b
}

// Int returns an INT, SHORT or LONG value as an int, or 0.
func (v Values) Int(name string) int { return int(v.Long(name)) }

// Long returns an INT, SHORT or LONG value, or 0.
func (v Values) Long(name string) int64 {
	switch x := v[name].(type) {
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case int:
		return int64(x)
	}
	return 0
}

// Double returns a DOUBLE value (or an integer one, widened), or 0.
func (v Values) Double(name string) float64 {
	if f, ok := v[name].(float64); ok {
		return f
	}
	return float64(v.Long(name))
}

// List returns a LIST value, or nil.
func (v Values) List(name string) []string {
	l, _ := v[name].([]string)
	return l
}

// Parse parses props against the table in definition order: each defined key is typed,
// defaulted and validated; keys the table does not define are ignored. The first problem
// is returned in Kafka Connect's words, wrapping ErrInvalidConfig, e.g.
// "Invalid value abc for configuration batch.size: Not a number of type INT" or
// "Missing required configuration "topic" which has no default value.".
func (d ConfigDef) Parse(props map[string]string) (Values, error) {
	vals := make(Values, len(d))
	for i := range d {
		k := &d[i]
		raw, set := props[k.Name]
		v, err := k.value(raw, set)
		if err != nil {
			return nil, err
		}
		if k.Validator != nil {
			if verr := k.Validator(v); verr != nil {
				return nil, invalidValue(k.Name, javaValue(k.Type, v), verr.Error())
			}
		}
		vals[k.Name] = v
	}
	return vals, nil
}

// Validate checks props against the table the way Kafka Connect's ConfigDef.validate does
// (spec §7): one ConfigValue per defined key, in definition order, each with every message
// that applies. As in Kafka, the validator also runs when the value is missing or did not
// parse (it then sees nil), so a Range key that does not parse reports two errors.
func (d ConfigDef) Validate(props map[string]string) []ConfigValue {
	out := make([]ConfigValue, 0, len(d))
	for i := range d {
		k := &d[i]
		cv := ConfigValue{
			Name:              k.Name,
			RecommendedValues: append([]string{}, k.Recommended...),
			Errors:            []string{},
			Visible:           true,
		}
		raw, set := props[k.Name]
		v, err := k.value(raw, set)
		if err != nil {
			cv.Errors = append(cv.Errors, err.Error())
			v = nil
		}
		if k.Validator != nil {
			if verr := k.Validator(v); verr != nil {
				cv.Errors = append(cv.Errors, invalidValue(k.Name, javaValue(k.Type, v), verr.Error()).Error())
			}
		}
		cv.Value = render(k.Type, v)
		out = append(out, cv)
	}
	return out
}

// ErrorCount counts every error message in values, as the main section of a validation
// result does (spec §3.24).
func ErrorCount(values []ConfigValue) int {
	n := 0
	for _, v := range values {
		n += len(v.Errors)
	}
	return n
}

// Merge joins tables in order; when a name is defined more than once the first definition
// wins, as a plugin's own keys take precedence over the base keys (spec §3.23).
func Merge(defs ...ConfigDef) ConfigDef {
	seen := map[string]bool{}
	var out ConfigDef
	for _, d := range defs {
		for _, k := range d {
			if seen[k.Name] {
				continue
			}
			seen[k.Name] = true
			out = append(out, k)
		}
	}
	return out
}

// KeyInfo is one key of a table as GET /connector-plugins/{p}/config and the validate
// endpoint render it: exactly the fields of Kafka Connect's ConfigKeyInfo (spec §2.1, §2.2).
type KeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"`
	Importance    string   `json:"importance"`
	Documentation string   `json:"documentation"`
	Group         *string  `json:"group"`
	Width         string   `json:"width"`
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
	Order         int      `json:"order"`
}

// Infos renders every key in definition order (spec §2.2): a key without a group has group
// null and, unless its Order is set, order -1; a key in a group with Order 0 gets its 1-based
// position within that group; display_name defaults to the name; required keys have a null
// default_value; defaults render as values do (LIST comma-joined, PASSWORD "[hidden]").
func (d ConfigDef) Infos() []KeyInfo {
	out := make([]KeyInfo, 0, len(d))
	inGroup := map[string]int{}
	for i := range d {
		k := &d[i]
		info := KeyInfo{
			Name:          k.Name,
			Type:          k.Type.String(),
			Required:      k.Required,
			Importance:    k.Importance.String(),
			Documentation: k.Doc,
			Width:         k.Width.String(),
			DisplayName:   k.DisplayName,
			Dependents:    append([]string{}, k.Dependents...),
			Order:         k.Order,
		}
		if info.DisplayName == "" {
			info.DisplayName = k.Name
		}
		if k.Group != "" {
			g := k.Group
			info.Group = &g
			inGroup[g]++
			if info.Order == 0 {
				info.Order = inGroup[g]
			}
		} else if info.Order == 0 {
			info.Order = -1
		}
		if !k.Required && k.Default != nil {
			if v, err := k.parseDefault(); err == nil {
				info.DefaultValue = render(k.Type, v)
			} else {
				s := defaultText(k.Default)
				info.DefaultValue = &s
			}
		}
		out = append(out, info)
	}
	return out
}

// value types a key's raw value, or its default when it is not set.
func (k *ConfigKey) value(raw string, set bool) (any, error) {
	switch {
	case set:
		return parseType(k.Name, raw, k.Type)
	case k.Required:
		return nil, &kafkaError{
			text: "Missing required configuration \"" + k.Name + "\" which has no default value.",
			kind: ErrInvalidConfig,
		}
	case k.Default == nil:
		return nil, nil
	}
	return k.parseDefault()
}

func (k *ConfigKey) parseDefault() (any, error) {
	return parseType(k.Name, defaultText(k.Default), k.Type)
}

// defaultText accepts a Go-typed default as well as its string form.
func defaultText(d any) string {
	switch x := d.(type) {
	case string:
		return x
	case []string:
		return strings.Join(x, ",")
	}
	return JavaString(d)
}

// invalidValue is Java's ConfigException(name, value, message) text.
func invalidValue(name, value, message string) error {
	return &kafkaError{
		text: "Invalid value " + value + " for configuration " + name + ": " + message,
		kind: ErrInvalidConfig,
	}
}

// parseType is Java's ConfigDef.parseType for string input: values are trimmed first (Java's
// String.trim, which drops every char ≤ U+0020), and failures quote the raw value.
func parseType(name, raw string, t ConfigType) (any, error) {
	s := javaTrim(raw)
	notNumber := func() error { return invalidValue(name, raw, "Not a number of type "+t.String()) }
	switch t {
	case Boolean:
		switch {
		case strings.EqualFold(s, "true"):
			return true, nil
		case strings.EqualFold(s, "false"):
			return false, nil
		}
		return nil, invalidValue(name, raw, "Expected value to be either true or false")
	case String, Class:
		return s, nil
	case Password:
		return PasswordValue(s), nil
	case Int:
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, notNumber()
		}
		return int32(n), nil
	case Short:
		n, err := strconv.ParseInt(s, 10, 16)
		if err != nil {
			return nil, notNumber()
		}
		return int16(n), nil
	case Long:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, notNumber()
		}
		return n, nil
	case Double:
		f, ok := parseJavaDouble(s)
		if !ok {
			return nil, notNumber()
		}
		return f, nil
	case List:
		if s == "" {
			return []string{}, nil
		}
		// Java splits on \s*,\s* and keeps trailing empty elements.
		parts := strings.Split(s, ",")
		for i := range parts {
			parts[i] = strings.TrimFunc(parts[i], isJavaRegexSpace)
		}
		return parts, nil
	}
	return nil, fmt.Errorf("configuration %s: unknown type %v", name, t)
}

// parseJavaDouble accepts what Double.parseDouble accepts for ordinary input: a trailing d/f
// suffix, "NaN" and "Infinity" spelled as Java spells them, and an out-of-range value as an
// infinity.
func parseJavaDouble(s string) (float64, bool) {
	if n := len(s); n > 1 && strings.ContainsRune("dDfF", rune(s[n-1])) && strings.ContainsRune("0123456789.", rune(s[n-2])) {
		s = s[:n-1]
	}
	body := strings.TrimLeft(s, "+-")
	if strings.ContainsAny(s, "_") || len(s)-len(body) > 1 {
		return 0, false
	}
	if body != "" && strings.ContainsRune("iInN", rune(body[0])) && body != "Infinity" && body != "NaN" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange && math.IsInf(f, 0) {
			return f, true
		}
		return 0, false
	}
	return f, true
}

func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// isJavaRegexSpace is the \s class of java.util.regex: [ \t\n\x0B\f\r].
func isJavaRegexSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// render is Java's ConfigDef.convertToString: the parsed value back as a string, nil for null.
func render(t ConfigType, v any) *string {
	if v == nil {
		return nil
	}
	var s string
	switch t {
	case List:
		l, _ := v.([]string)
		s = strings.Join(l, ",")
	case Password:
		s = hiddenPassword
	default:
		s = JavaString(v)
	}
	return &s
}

// javaValue renders a parsed value as Java's toString would inside a ConfigException text
// (a list as [a, b], a class as "class X").
func javaValue(t ConfigType, v any) string {
	if t == Class && v != nil {
		return "class " + JavaString(v)
	}
	return JavaString(v)
}
