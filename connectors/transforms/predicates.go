package transforms

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/connectd/connectd/connectors"
)

var topicNameMatchesConfig = connectors.ConfigDef{
	{Name: "pattern", Type: connectors.String, Required: true, Validator: topicPatternValidator, Importance: connectors.Medium,
		Doc: "A Java regular expression for matching against the name of a record's topic."},
}

// topicPatternValidator is TopicNameMatches' check: non-empty and a valid regex.
func topicPatternValidator(v any) error {
	if s, ok := v.(string); ok {
		if s == "" {
			return fmt.Errorf("String must be non-empty")
		}
		if _, err := regexp.Compile(s); err != nil {
			return fmt.Errorf("entry must be a valid regex: %v", err)
		}
	}
	return nil
}

// topicNameMatches is Kafka's TopicNameMatches: true when the whole topic matches pattern.
type topicNameMatches struct {
	nopClose
	re *regexp.Regexp
}

func (*topicNameMatches) Config() connectors.ConfigDef { return topicNameMatchesConfig }

func (p *topicNameMatches) Configure(props map[string]string) error {
	v, err := topicNameMatchesConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure TopicNameMatches: %w", err)
	}
	if p.re, err = fullMatch(v.String("pattern")); err != nil {
		return fmt.Errorf("configure TopicNameMatches: %w", err)
	}
	return nil
}

func (p *topicNameMatches) Test(r *connectors.Record) bool { return p.re.MatchString(r.Topic) }

var hasHeaderKeyConfig = connectors.ConfigDef{
	{Name: "name", Type: connectors.String, Required: true, Validator: connectors.NonEmpty(), Importance: connectors.Medium,
		Doc: "The header name."},
}

// hasHeaderKey is Kafka's HasHeaderKey: true when the record has a header called name.
type hasHeaderKey struct {
	nopClose
	name string
}

func (*hasHeaderKey) Config() connectors.ConfigDef { return hasHeaderKeyConfig }

func (p *hasHeaderKey) Configure(props map[string]string) error {
	v, err := hasHeaderKeyConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure HasHeaderKey: %w", err)
	}
	p.name = v.String("name")
	return nil
}

func (p *hasHeaderKey) Test(r *connectors.Record) bool {
	return slices.ContainsFunc(r.Headers, func(h connectors.Header) bool { return h.Key == p.name })
}

// recordIsTombstone is Kafka's RecordIsTombstone: true when the value is null.
type recordIsTombstone struct{ nopClose }

func (*recordIsTombstone) Config() connectors.ConfigDef      { return connectors.ConfigDef{} }
func (*recordIsTombstone) Configure(map[string]string) error { return nil }
func (*recordIsTombstone) Test(r *connectors.Record) bool    { return r.Value == nil }
