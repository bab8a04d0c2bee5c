package transforms

import (
	"fmt"
	"slices"
	"strings"

	"github.com/connectd/connectd/connectors"
)

// fieldSyntaxKey is Kafka's field.syntax.version (KIP-821, FieldSyntaxVersion): V1 names one
// top-level field, V2 a dotted path into nested structs and maps.
var fieldSyntaxKey = connectors.ConfigKey{Name: "field.syntax.version", Type: connectors.String, Default: "V1",
	Validator: connectors.OneOfIgnoreCase("V1", "V2"), Importance: connectors.High,
	Doc: "Defines the version of the syntax to access fields. If set to <code>V1</code>, then the field paths are limited to access the elements at the root level of the struct or map. If set to <code>V2</code>, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to access the subfield <code>baz</code> from a field named \"foo.bar\" in a struct/map the following format can be used to access its elements: \"<code>foo.bar</code>.baz\"."}

// fieldPath is a parsed field path: the names of its steps, outermost first.
type fieldPath struct {
	text  string // as configured, for messages
	steps []string
}

// parseFieldPath parses text under syntax "V1" (one step, the whole text) or "V2" (steps
// separated by dots; a step wrapped in backticks may hold dots, and a backtick followed by a
// dot inside it is escaped with a backslash), with KIP-821's rules.
func parseFieldPath(text, syntax string) (fieldPath, error) {
	if !strings.EqualFold(syntax, "V2") {
		return fieldPath{text: text, steps: []string{text}}, nil
	}
	var steps []string
	for i := 0; i < len(text); {
		if text[i] != '`' {
			end := strings.IndexByte(text[i:], '.')
			if end < 0 {
				steps = append(steps, text[i:])
				break
			}
			steps = append(steps, text[i:i+end])
			i += end + 1
			continue
		}
		open := i
		var step strings.Builder
		start := i + 1
		j := start
		for {
			k := strings.IndexByte(text[j:], '`')
			if k < 0 {
				return fieldPath{}, incompleteBackticks(text, open)
			}
			j += k
			escaped := text[j-1] == '\\'
			if j == len(text)-1 { // the closing backtick ends the path
				if escaped {
					return fieldPath{}, incompleteBackticks(text, open)
				}
				step.WriteString(text[start:j])
				i = len(text)
				break
			}
			if text[j+1] != '.' { // part of the name: look further
				j++
				continue
			}
			if escaped { // "\`." inside the name: a backtick, then go on
				step.WriteString(text[start : j-1])
				step.WriteByte('`')
				j++
				start = j
				continue
			}
			step.WriteString(text[start:j])
			i = j + 2
			break
		}
		steps = append(steps, step.String())
	}
	if strings.HasSuffix(text, ".") {
		steps = append(steps, "")
	}
	return fieldPath{text: text, steps: steps}, nil
}

func incompleteBackticks(path string, at int) error {
	return fmt.Errorf("Incomplete backtick pair in path: [%s], consider adding a backslash before backtick at position %d to escape it", path, at)
}

// field returns the field the path names in schema, or nil.
func (p fieldPath) field(schema *connectors.Schema) *connectors.Field {
	cur := schema
	for _, step := range p.steps[:len(p.steps)-1] {
		f := cur.Field(step)
		if f == nil || f.Schema == nil {
			return nil
		}
		cur = f.Schema
	}
	return cur.Field(p.steps[len(p.steps)-1])
}

// structValue returns the value the path names in st, nil when a step is missing or null;
// with replaceNull, a null last field is its schema's default.
func (p fieldPath) structValue(st *connectors.Struct, replaceNull bool) (any, error) {
	cur := st
	for _, step := range p.steps[:len(p.steps)-1] {
		i := slices.IndexFunc(cur.Schema.Fields, func(f connectors.Field) bool { return f.Name == step })
		if i < 0 || cur.Values[i] == nil {
			return nil, nil
		}
		next, err := requireStruct(cur.Values[i], "nested field access")
		if err != nil {
			return nil, err
		}
		cur = next
	}
	last := p.steps[len(p.steps)-1]
	i := slices.IndexFunc(cur.Schema.Fields, func(f connectors.Field) bool { return f.Name == last })
	if i < 0 {
		return nil, nil
	}
	return getField(cur, i, replaceNull), nil
}

// mapValue returns the value the path names in m, nil when a step is missing or null.
func (p fieldPath) mapValue(m map[string]any) (any, error) {
	cur := m
	for _, step := range p.steps[:len(p.steps)-1] {
		v := cur[step]
		if v == nil {
			return nil, nil
		}
		next, err := requireMap(v, "nested field access")
		if err != nil {
			return nil, err
		}
		cur = next
	}
	return cur[p.steps[len(p.steps)-1]], nil
}
