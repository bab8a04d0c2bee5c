package basicauth

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Names Kafka Connect's extension uses.
const (
	// ExtensionClass is the rest.extension.classes value that turns Basic auth on.
	ExtensionClass = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
	// LoginContext is the JAAS entry the extension reads.
	LoginContext = "KafkaConnect"
	// LoginModule is the only login module connectd implements.
	LoginModule = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
)

// ErrJAAS marks a JAAS file connectd cannot honour.
var ErrJAAS = errors.New("jaas")

// Module is one login module line of a JAAS entry.
type Module struct {
	Class   string
	Flag    string // required, requisite, sufficient or optional
	Options map[string]string
}

// ParseJAAS parses a JAAS login configuration file into its entries, in the syntax Java's
// ConfigFile reads: Name { class flag key=value…; … }; with // and /* */ comments.
func ParseJAAS(src string) (map[string][]Module, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	entries := map[string][]Module{}
	for !p.done() {
		name, err := p.word("an entry name")
		if err != nil {
			return nil, err
		}
		if err := p.expect("{"); err != nil {
			return nil, err
		}
		var mods []Module
		for !p.peek("}") {
			m := Module{Options: map[string]string{}}
			if m.Class, err = p.word("a login module class"); err != nil {
				return nil, err
			}
			if m.Flag, err = p.word("a control flag"); err != nil {
				return nil, err
			}
			switch strings.ToLower(m.Flag) {
			case "required", "requisite", "sufficient", "optional":
			default:
				return nil, fmt.Errorf("%w: entry %s: control flag %q is not required, requisite, sufficient or optional", ErrJAAS, name, m.Flag)
			}
			for !p.peek(";") {
				k, err := p.word("an option name")
				if err != nil {
					return nil, err
				}
				if err := p.expect("="); err != nil {
					return nil, err
				}
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				m.Options[k] = v
			}
			p.next() // ;
			mods = append(mods, m)
		}
		p.next() // }
		if err := p.expect(";"); err != nil {
			return nil, err
		}
		if _, dup := entries[name]; dup {
			return nil, fmt.Errorf("%w: entry %s appears twice", ErrJAAS, name)
		}
		entries[name] = mods
	}
	return entries, nil
}

// UsersFile returns the users file the KafkaConnect entry of a JAAS file names. Anything
// connectd cannot honour exactly (another login module, several modules, no file option) is
// an error rather than a weaker check.
func UsersFile(jaas string) (string, error) {
	entries, err := ParseJAAS(jaas)
	if err != nil {
		return "", err
	}
	mods, ok := entries[LoginContext]
	if !ok {
		return "", fmt.Errorf("%w: no %s entry", ErrJAAS, LoginContext)
	}
	if len(mods) != 1 {
		return "", fmt.Errorf("%w: entry %s has %d login modules; connectd supports exactly one, %s", ErrJAAS, LoginContext, len(mods), LoginModule)
	}
	if mods[0].Class != LoginModule {
		return "", fmt.Errorf("%w: entry %s: login module %s is not supported; connectd supports %s", ErrJAAS, LoginContext, mods[0].Class, LoginModule)
	}
	file := strings.TrimSpace(mods[0].Options["file"])
	if file == "" {
		return "", fmt.Errorf("%w: entry %s: %s needs file=\"…\"", ErrJAAS, LoginContext, LoginModule)
	}
	return file, nil
}

type token struct {
	text   string
	quoted bool
	line   int
}

func tokenize(src string) ([]token, error) {
	var toks []token
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case unicode.IsSpace(rune(c)):
			i++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("%w: line %d: unterminated comment", ErrJAAS, line)
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case c == '{' || c == '}' || c == ';' || c == '=':
			toks = append(toks, token{text: string(c), line: line})
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				if src[j] == '\n' {
					line++
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, fmt.Errorf("%w: line %d: unterminated quoted string", ErrJAAS, line)
			}
			toks = append(toks, token{text: b.String(), quoted: true, line: line})
			i = j + 1
		default:
			j := i
			for j < len(src) && !unicode.IsSpace(rune(src[j])) && !strings.ContainsRune("{};=\"'", rune(src[j])) {
				j++
			}
			toks = append(toks, token{text: src[i:j], line: line})
			i = j
		}
	}
	return toks, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) done() bool { return p.i >= len(p.toks) }

func (p *parser) peek(s string) bool {
	return !p.done() && !p.toks[p.i].quoted && p.toks[p.i].text == s
}

func (p *parser) next() token {
	t := p.toks[p.i]
	p.i++
	return t
}

func (p *parser) where() string {
	if p.done() {
		return "end of file"
	}
	return fmt.Sprintf("line %d", p.toks[p.i].line)
}

func (p *parser) expect(s string) error {
	if !p.peek(s) {
		return fmt.Errorf("%w: %s: expected %q", ErrJAAS, p.where(), s)
	}
	p.next()
	return nil
}

func (p *parser) word(what string) (string, error) {
	if p.done() || p.toks[p.i].quoted || strings.ContainsAny(p.toks[p.i].text, "{};=") {
		return "", fmt.Errorf("%w: %s: expected %s", ErrJAAS, p.where(), what)
	}
	return p.next().text, nil
}

func (p *parser) value() (string, error) {
	if p.done() || (!p.toks[p.i].quoted && strings.ContainsAny(p.toks[p.i].text, "{};=")) {
		return "", fmt.Errorf("%w: %s: expected an option value", ErrJAAS, p.where())
	}
	return p.next().text, nil
}
