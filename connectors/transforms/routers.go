package transforms

import (
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connectors"
)

// --- RegexRouter ---

var regexRouterConfig = connectors.ConfigDef{
	{Name: "regex", Type: connectors.String, Required: true, Validator: regexValidator, Importance: connectors.High,
		Doc: "Regular expression to use for matching."},
	{Name: "replacement", Type: connectors.String, Required: true, Importance: connectors.High,
		Doc: "Replacement string."},
}

// regexValidator is Kafka's RegexValidator.
func regexValidator(v any) error {
	if s, ok := v.(string); ok {
		if _, err := regexp.Compile(s); err != nil {
			return fmt.Errorf("Invalid regex: %v", err)
		}
	}
	return nil
}

// fullMatch compiles a Java regex that must match a whole string, as Matcher.matches does.
func fullMatch(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile("^(?:" + pattern + ")$")
}

// javaReplacement turns a Java replacement string ($1, \$) into Go's template (${1}, $$).
func javaReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(s[i])
			}
		case c == '$' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			b.WriteString("${" + s[i+1:j] + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// regexRouter is Kafka's RegexRouter: a topic that matches regex entirely is renamed.
type regexRouter struct {
	nopClose
	re          *regexp.Regexp
	replacement string
}

func (*regexRouter) Config() connectors.ConfigDef { return regexRouterConfig }

func (t *regexRouter) Configure(props map[string]string) error {
	v, err := regexRouterConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure RegexRouter: %w", err)
	}
	if t.re, err = fullMatch(v.String("regex")); err != nil {
		return fmt.Errorf("configure RegexRouter: %w", err)
	}
	t.replacement = javaReplacement(v.String("replacement"))
	return nil
}

func (t *regexRouter) Apply(r *connectors.Record) (*connectors.Record, error) {
	if m := t.re.FindStringSubmatchIndex(r.Topic); m != nil {
		r.Topic = string(t.re.ExpandString(nil, t.replacement, r.Topic, m))
	}
	return r, nil
}

// --- TimestampRouter ---

var timestampRouterConfig = connectors.ConfigDef{
	{Name: "topic.format", Type: connectors.String, Default: "${topic}-${timestamp}", Importance: connectors.High,
		Doc: "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders for the topic and timestamp, respectively."},
	{Name: "timestamp.format", Type: connectors.String, Default: "yyyyMMdd", Importance: connectors.High,
		Doc: "Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>."},
}

// timestampRouter is Kafka's TimestampRouter: the topic becomes topic.format with the
// record's timestamp formatted in UTC.
type timestampRouter struct {
	nopClose
	topicFormat string
	format      []dateToken
}

func (*timestampRouter) Config() connectors.ConfigDef { return timestampRouterConfig }

func (t *timestampRouter) Configure(props map[string]string) error {
	v, err := timestampRouterConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure TimestampRouter: %w", err)
	}
	t.topicFormat = v.String("topic.format")
	if t.format, err = parseJavaDateFormat(v.String("timestamp.format")); err != nil {
		return fmt.Errorf("configure TimestampRouter: %w", err)
	}
	return nil
}

func (t *timestampRouter) Apply(r *connectors.Record) (*connectors.Record, error) {
	if r.Timestamp.IsZero() {
		return nil, dataErr("Timestamp missing on record: topic %s", r.Topic)
	}
	ts := formatJavaDate(t.format, r.Timestamp)
	r.Topic = strings.ReplaceAll(strings.ReplaceAll(t.topicFormat, "${topic}", r.Topic), "${timestamp}", ts)
	return r, nil
}

// dateToken is one piece of a java.text.SimpleDateFormat pattern: a run of one pattern
// letter, or literal text.
type dateToken struct {
	letter  byte
	count   int
	literal string
}

// parseJavaDateFormat splits a SimpleDateFormat pattern; letters it cannot format are an
// error, as SimpleDateFormat rejects unknown letters.
func parseJavaDateFormat(p string) ([]dateToken, error) {
	var out []dateToken
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(p[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("Unterminated quote in date format %q", p)
			}
			lit := p[i+1 : i+1+j]
			if lit == "" {
				lit = "'"
			}
			out = append(out, dateToken{literal: lit})
			i += j + 2
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			if !strings.ContainsRune("yMdHhmsSaEDkKZXu", rune(c)) {
				return nil, fmt.Errorf("Illegal pattern character '%c'", c)
			}
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			out = append(out, dateToken{letter: c, count: j - i})
			i = j
		default:
			out = append(out, dateToken{literal: string(c)})
			i++
		}
	}
	return out, nil
}

func formatJavaDate(tokens []dateToken, t time.Time) string {
	t = t.UTC()
	var b strings.Builder
	num := func(n, width int) {
		s := strconv.Itoa(n)
		for len(s) < width {
			s = "0" + s
		}
		b.WriteString(s)
	}
	for _, tk := range tokens {
		switch tk.letter {
		case 0:
			b.WriteString(tk.literal)
		case 'y':
			if tk.count == 2 {
				num(t.Year()%100, 2)
			} else {
				num(t.Year(), tk.count)
			}
		case 'M':
			switch {
			case tk.count >= 4:
				b.WriteString(t.Month().String())
			case tk.count == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				num(int(t.Month()), tk.count)
			}
		case 'd':
			num(t.Day(), tk.count)
		case 'D':
			num(t.YearDay(), tk.count)
		case 'H':
			num(t.Hour(), tk.count)
		case 'k':
			num((t.Hour()+23)%24+1, tk.count)
		case 'K':
			num(t.Hour()%12, tk.count)
		case 'h':
			num((t.Hour()+11)%12+1, tk.count)
		case 'm':
			num(t.Minute(), tk.count)
		case 's':
			num(t.Second(), tk.count)
		case 'S':
			num(t.Nanosecond()/int(time.Millisecond), tk.count)
		case 'a':
			b.WriteString(t.Format("PM"))
		case 'E':
			if tk.count >= 4 {
				b.WriteString(t.Weekday().String())
			} else {
				b.WriteString(t.Weekday().String()[:3])
			}
		case 'u':
			num((int(t.Weekday())+6)%7+1, tk.count)
		case 'Z':
			b.WriteString("+0000")
		case 'X':
			b.WriteString("Z")
		}
	}
	return b.String()
}

// --- SetSchemaMetadata ---

var setSchemaMetadataConfig = connectors.ConfigDef{
	{Name: "schema.name", Type: connectors.String, Default: nil, Importance: connectors.High, Doc: "Schema name to set."},
	{Name: "schema.version", Type: connectors.Int, Default: nil, Importance: connectors.High, Doc: "Schema version to set."},
	replaceNullKey,
}

// setSchemaMetadata is Kafka's SetSchemaMetadata: it sets the schema's name and version.
type setSchemaMetadata struct {
	nopClose
	side
	name    *string
	version *int
}

func (*setSchemaMetadata) Config() connectors.ConfigDef { return setSchemaMetadataConfig }

func (t *setSchemaMetadata) Configure(props map[string]string) error {
	v, err := setSchemaMetadataConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure SetSchemaMetadata: %w", err)
	}
	if v.Has("schema.name") {
		t.name = stringPtr(v.String("schema.name"))
	}
	if v.Has("schema.version") {
		n := v.Int("schema.version")
		t.version = &n
	}
	if t.name == nil && t.version == nil {
		return fmt.Errorf("configure SetSchemaMetadata: %w", errNeitherNameNorVersion)
	}
	return nil
}

var errNeitherNameNorVersion = fmt.Errorf("Neither schema name nor version configured")

func (t *setSchemaMetadata) Apply(r *connectors.Record) (*connectors.Record, error) {
	schema, value := t.get(r)
	if schema == nil {
		return nil, dataErr("Schema required for [updating schema metadata]")
	}
	ns := *schema
	ns.Parameters = maps.Clone(schema.Parameters)
	if t.name != nil {
		ns.Name = *t.name
	}
	if t.version != nil {
		ns.Version = *t.version
	}
	if st, ok := value.(*connectors.Struct); ok && st != nil {
		value = &connectors.Struct{Schema: &ns, Values: st.Values}
	}
	t.set(r, &ns, value)
	return r, nil
}

// --- Filter ---

// filter is Kafka's Filter: it drops every record it is applied to, so it is used with a
// predicate.
type filter struct{ nopClose }

func (*filter) Config() connectors.ConfigDef                         { return connectors.ConfigDef{} }
func (*filter) Configure(map[string]string) error                    { return nil }
func (*filter) Apply(*connectors.Record) (*connectors.Record, error) { return nil, nil }
