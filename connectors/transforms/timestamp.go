package transforms

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connectors"
)

// --- TimestampConverter ---

var timestampConverterConfig = connectors.ConfigDef{
	{Name: "field", Type: connectors.String, Default: "", Importance: connectors.High,
		Doc: "The field containing the timestamp, or empty if the entire value is a timestamp"},
	{Name: "target.type", Type: connectors.String, Required: true, Importance: connectors.High,
		Validator: connectors.OneOf("string", "unix", "Date", "Time", "Timestamp"),
		Doc:       "The desired timestamp representation: string, unix, Date, Time, or Timestamp"},
	{Name: "format", Type: connectors.String, Default: "", Importance: connectors.Medium,
		Doc: "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string."},
	{Name: "unix.precision", Type: connectors.String, Default: "milliseconds", Importance: connectors.Low,
		Validator: connectors.OneOf("seconds", "milliseconds", "microseconds", "nanoseconds"),
		Doc:       "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components."},
	replaceNullKey,
}

// timestampConverter is Kafka's TimestampConverter: it converts a timestamp, the whole key or
// value or one top-level field of it, between a formatted string, a Unix number, and Kafka
// Connect's Date, Time and Timestamp logical types. Times are UTC, at millisecond precision.
type timestampConverter struct {
	nopClose
	side
	field       string
	target      string
	format      []dateToken // nil when no format is set
	pattern     string
	precision   string
	replaceNull bool
}

func (*timestampConverter) Config() connectors.ConfigDef { return timestampConverterConfig }

func (t *timestampConverter) Configure(props map[string]string) error {
	v, err := timestampConverterConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure TimestampConverter: %w", err)
	}
	t.field, t.target, t.pattern = v.String("field"), v.String("target.type"), v.String("format")
	t.precision, t.replaceNull = v.String("unix.precision"), v.Bool("replace.null.with.default")
	if t.target == "string" && strings.TrimSpace(t.pattern) == "" {
		return fmt.Errorf("configure TimestampConverter: TimestampConverter requires format option to be specified when using string timestamps")
	}
	if strings.TrimSpace(t.pattern) != "" {
		tokens, err := parseJavaDateFormat(t.pattern)
		if err == nil {
			err = checkParsable(tokens)
		}
		if err != nil {
			return fmt.Errorf("configure TimestampConverter: TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: %s: %w", t.pattern, err)
		}
		t.format = tokens
	}
	return nil
}

// targetSchema is the schema of a converted timestamp (Kafka's TimestampTranslator.typeSchema).
func (t *timestampConverter) targetSchema(optional bool) *connectors.Schema {
	var s connectors.Schema
	switch t.target {
	case "string":
		s = connectors.Schema{Type: connectors.TypeString}
	case "unix":
		s = connectors.Schema{Type: connectors.TypeInt64}
	case "Date":
		s = *connectors.DateSchema
	case "Time":
		s = *connectors.TimeSchema
	default:
		s = *connectors.TimestampSchema
	}
	s.Optional = optional
	return &s
}

// kindOfSchema is Kafka's timestampTypeFromSchema.
func kindOfSchema(s *connectors.Schema) (string, error) {
	switch {
	case s.Name == connectors.TimestampName:
		return "Timestamp", nil
	case s.Name == connectors.DateName:
		return "Date", nil
	case s.Name == connectors.TimeName:
		return "Time", nil
	case s.Type == connectors.TypeString:
		return "string", nil
	case s.Type == connectors.TypeInt64:
		return "unix", nil
	}
	return "", dataErr("Schema %s does not correspond to a known timestamp type format", s.Type)
}

// kindOfValue is Kafka's inferTimestampType, for schemaless values.
func kindOfValue(v any) (string, error) {
	switch v.(type) {
	case time.Time:
		return "Timestamp", nil
	case int64:
		return "unix", nil
	case string:
		return "string", nil
	}
	return "", dataErr("TimestampConverter does not support %s objects as timestamps", "class "+connectors.JavaClassName(v))
}

// toInstant reads v, a timestamp of kind, as an instant.
func (t *timestampConverter) toInstant(v any, kind string) (time.Time, error) {
	switch kind {
	case "string":
		s, ok := v.(string)
		if !ok {
			return time.Time{}, dataErr("Expected string timestamp to be a String, but found %s", "class "+connectors.JavaClassName(v))
		}
		if t.format == nil {
			return time.Time{}, dataErr("TimestampConverter requires format option to be specified when using string timestamps")
		}
		ts, err := parseJavaDate(t.format, s)
		if err != nil {
			return time.Time{}, dataErr("Could not parse timestamp: value (%s) does not match pattern (%s)", s, t.pattern)
		}
		return ts, nil
	case "unix":
		n, ok := v.(int64)
		if !ok {
			return time.Time{}, dataErr("Expected Unix timestamp to be a Long, but found %s", "class "+connectors.JavaClassName(v))
		}
		switch t.precision {
		case "seconds":
			return time.UnixMilli(n * 1000).UTC(), nil
		case "microseconds":
			return time.UnixMilli(n / 1000).UTC(), nil
		case "nanoseconds":
			return time.UnixMilli(n / 1000000).UTC(), nil
		}
		return time.UnixMilli(n).UTC(), nil
	default: // Date, Time, Timestamp
		ts, ok := v.(time.Time)
		if !ok {
			return time.Time{}, dataErr("Expected %s to be a java.util.Date, but found %s", kind, "class "+connectors.JavaClassName(v))
		}
		return ts.UTC(), nil
	}
}

// fromInstant writes ts as the target type.
func (t *timestampConverter) fromInstant(ts time.Time) any {
	ms := ts.UnixMilli()
	switch t.target {
	case "string":
		return formatJavaDate(t.format, ts)
	case "unix":
		switch t.precision {
		case "seconds":
			return ms / 1000
		case "microseconds":
			return ms * 1000
		case "nanoseconds":
			return ms * 1000000
		}
		return ms
	case "Date":
		y, m, d := ts.UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case "Time":
		day := time.Duration(ms%86400000+86400000) % (24 * time.Hour / time.Millisecond)
		return time.UnixMilli(int64(day)).UTC()
	}
	return time.UnixMilli(ms).UTC()
}

// convert converts one timestamp value of kind; null stays null.
func (t *timestampConverter) convert(v any, kind string) (any, error) {
	if v == nil {
		return nil, nil
	}
	ts, err := t.toInstant(v, kind)
	if err != nil {
		return nil, err
	}
	return t.fromInstant(ts), nil
}

func (t *timestampConverter) Apply(r *connectors.Record) (*connectors.Record, error) {
	const purpose = "converting timestamp formats"
	schema, value := t.get(r)
	if schema == nil {
		if t.field == "" {
			if value == nil {
				return r, nil
			}
			kind, err := kindOfValue(value)
			if err != nil {
				return nil, err
			}
			out, err := t.convert(value, kind)
			if err != nil {
				return nil, err
			}
			t.set(r, nil, out)
			return r, nil
		}
		if value == nil {
			return r, nil
		}
		m, err := requireMap(value, purpose)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		if v := m[t.field]; v != nil {
			kind, err := kindOfValue(v)
			if err != nil {
				return nil, err
			}
			if out[t.field], err = t.convert(v, kind); err != nil {
				return nil, err
			}
		}
		t.set(r, nil, out)
		return r, nil
	}
	if t.field == "" {
		kind, err := kindOfSchema(schema)
		if err != nil {
			return nil, err
		}
		out, err := t.convert(value, kind)
		if err != nil {
			return nil, err
		}
		t.set(r, t.targetSchema(schema.Optional), out)
		return r, nil
	}
	if schema.Type != connectors.TypeStruct {
		return nil, dataErr("Only Struct objects supported for [%s], found: %s", purpose, connectors.JavaClassName(value))
	}
	updated := *schema
	updated.Fields = make([]connectors.Field, len(schema.Fields))
	kind := ""
	for i, f := range schema.Fields {
		updated.Fields[i] = f
		if f.Name == t.field {
			k, err := kindOfSchema(f.Schema)
			if err != nil {
				return nil, err
			}
			kind = k
			updated.Fields[i].Schema = t.targetSchema(f.Schema.Optional)
		}
	}
	if value == nil {
		t.set(r, &updated, nil)
		return r, nil
	}
	st, err := requireStruct(value, purpose)
	if err != nil {
		return nil, err
	}
	out := &connectors.Struct{Schema: &updated, Values: make([]any, len(st.Values))}
	for i, f := range schema.Fields {
		v := getField(st, i, t.replaceNull)
		if f.Name == t.field {
			if v, err = t.convert(v, kind); err != nil {
				return nil, err
			}
		}
		out.Values[i] = v
	}
	t.set(r, &updated, out)
	return r, nil
}

// checkParsable refuses pattern letters parseJavaDate cannot read back, so that a format
// that would format but never parse is an error at configuration, not on a record.
func checkParsable(tokens []dateToken) error {
	for _, tk := range tokens {
		if tk.letter != 0 && !strings.ContainsRune("yMdHhmsSaEkKZX", rune(tk.letter)) {
			return fmt.Errorf("pattern letter '%c' cannot be parsed", tk.letter)
		}
	}
	return nil
}

// parseJavaDate reads s with a SimpleDateFormat pattern, strictly in the pattern's widths where
// a number is followed by another number, in UTC unless the text has a zone.
func parseJavaDate(tokens []dateToken, s string) (time.Time, error) {
	year, month, day, hour, minute, sec, milli := 1970, 1, 1, 0, 0, 0, 0
	pm, hasAmPm, hour12 := false, false, false
	offset := 0
	pos := 0
	readNum := func(i int, tk dateToken) (int, error) {
		end := pos
		// A number followed directly by another number field takes exactly its width.
		fixed := i+1 < len(tokens) && tokens[i+1].letter != 0 && strings.ContainsRune("yMdHhmsSkK", rune(tokens[i+1].letter))
		for end < len(s) && s[end] >= '0' && s[end] <= '9' && (!fixed || end-pos < tk.count) {
			end++
		}
		if end == pos {
			return 0, fmt.Errorf("expected a number at %d", pos)
		}
		n, err := strconv.Atoi(s[pos:end])
		pos = end
		return n, err
	}
	for i, tk := range tokens {
		var err error
		switch tk.letter {
		case 0:
			if !strings.HasPrefix(s[pos:], tk.literal) {
				return time.Time{}, fmt.Errorf("expected %q at %d", tk.literal, pos)
			}
			pos += len(tk.literal)
		case 'y':
			year, err = readNum(i, tk)
			if err == nil && tk.count == 2 {
				year += 2000
			}
		case 'M':
			if tk.count >= 3 {
				found := false
				for m := time.January; m <= time.December; m++ {
					name := m.String()
					if tk.count == 3 {
						name = name[:3]
					}
					if strings.HasPrefix(s[pos:], name) {
						month, pos, found = int(m), pos+len(name), true
						break
					}
				}
				if !found {
					err = fmt.Errorf("expected a month at %d", pos)
				}
			} else {
				month, err = readNum(i, tk)
			}
		case 'd':
			day, err = readNum(i, tk)
		case 'H':
			hour, err = readNum(i, tk)
		case 'k':
			hour, err = readNum(i, tk)
			hour %= 24
		case 'h', 'K':
			hour, err = readNum(i, tk)
			hour12 = true
			hour %= 12
		case 'm':
			minute, err = readNum(i, tk)
		case 's':
			sec, err = readNum(i, tk)
		case 'S':
			milli, err = readNum(i, tk)
		case 'a':
			switch {
			case strings.HasPrefix(s[pos:], "AM"):
				hasAmPm = true
			case strings.HasPrefix(s[pos:], "PM"):
				hasAmPm, pm = true, true
			default:
				err = fmt.Errorf("expected AM or PM at %d", pos)
			}
			pos += 2
		case 'E':
			found := false
			for d := time.Sunday; d <= time.Saturday; d++ {
				for _, name := range []string{d.String(), d.String()[:3]} {
					if strings.HasPrefix(s[pos:], name) {
						pos, found = pos+len(name), true
						break
					}
				}
				if found {
					break
				}
			}
			if !found {
				err = fmt.Errorf("expected a weekday at %d", pos)
			}
		case 'Z', 'X':
			offset, err = readZone(s, &pos)
		}
		if err != nil {
			return time.Time{}, err
		}
	}
	// Trailing text is ignored, as SimpleDateFormat.parse(String) ignores it.
	if hour12 && hasAmPm && pm {
		hour += 12
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, milli*int(time.Millisecond), time.UTC)
	return t.Add(-time.Duration(offset) * time.Second).UTC(), nil
}

// readZone reads "Z" or a ±hh[[:]mm] offset at *pos, in seconds east of UTC.
func readZone(s string, pos *int) (int, error) {
	rest := s[*pos:]
	if strings.HasPrefix(rest, "Z") {
		*pos++
		return 0, nil
	}
	if len(rest) < 3 || (rest[0] != '+' && rest[0] != '-') {
		return 0, fmt.Errorf("expected a zone offset at %d", *pos)
	}
	sign := 1
	if rest[0] == '-' {
		sign = -1
	}
	h, err := strconv.Atoi(rest[1:3])
	if err != nil {
		return 0, err
	}
	n, m := 3, 0
	if len(rest) >= 5 && rest[3] == ':' {
		rest = rest[:3] + rest[4:]
		n++
	}
	if len(rest) >= 5 {
		if mm, err := strconv.Atoi(rest[3:5]); err == nil {
			m, n = mm, n+2
		}
	}
	*pos += n
	return sign * (h*3600 + m*60), nil
}
