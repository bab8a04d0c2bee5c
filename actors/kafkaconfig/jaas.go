package kafkaconfig

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// jaasEntry is the one login module of a sasl.jaas.config value.
type jaasEntry struct {
	Module  string            // e.g. org.apache.kafka.common.security.plain.PlainLoginModule
	Flag    string            // required, requisite, sufficient or optional
	Options map[string]string // key=value pairs, quotes removed
}

// Login modules Kafka's clients ship, as users name them in sasl.jaas.config.
const (
	plainModule = "org.apache.kafka.common.security.plain.PlainLoginModule"
	scramModule = "org.apache.kafka.common.security.scram.ScramLoginModule"
	oauthModule = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
)

// errJAAS is the cause of every sasl.jaas.config parse error; the messages never quote the
// value, which holds secrets.
var errJAAS = errors.New("malformed sasl.jaas.config")

// parseJAAS reads a sasl.jaas.config value as Kafka's JaasConfig does: exactly one
// `<LoginModule> <flag> key=value ...;` entry, values bare words or double-quoted strings
// (backslash escapes the next character).
func parseJAAS(s string) (jaasEntry, error) {
	toks, err := jaasTokens(s)
	if err != nil {
		return jaasEntry{}, err
	}
	var e jaasEntry
	if len(toks) < 3 || toks[len(toks)-1] != ";" {
		return e, fmt.Errorf("%w: expected `<LoginModule> required <options>;`", errJAAS)
	}
	e.Module, e.Flag = toks[0], strings.ToLower(toks[1])
	switch e.Flag {
	case "required", "requisite", "sufficient", "optional":
	default:
		return e, fmt.Errorf("%w: login module flag must be required, requisite, sufficient or optional", errJAAS)
	}
	e.Options = map[string]string{}
	rest := toks[2 : len(toks)-1]
	for len(rest) > 0 {
		if rest[0] == ";" {
			return e, fmt.Errorf("%w: exactly one login module expected", errJAAS)
		}
		if len(rest) < 3 || rest[1] != "=" || rest[2] == ";" || rest[2] == "=" {
			return e, fmt.Errorf("%w: options must be key=value", errJAAS)
		}
		e.Options[rest[0]] = rest[2]
		rest = rest[3:]
	}
	return e, nil
}

// jaasTokens splits s into words, quoted strings (unquoted), "=" and ";".
func jaasTokens(s string) ([]string, error) {
	var toks []string
	r := []rune(s)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '=' || c == ';':
			toks = append(toks, string(c))
			i++
		case c == '"':
			var b strings.Builder
			i++
			closed := false
			for i < len(r) {
				if r[i] == '\\' && i+1 < len(r) {
					b.WriteRune(r[i+1])
					i += 2
					continue
				}
				if r[i] == '"' {
					closed = true
					i++
					break
				}
				b.WriteRune(r[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("%w: unterminated quoted value", errJAAS)
			}
			toks = append(toks, b.String())
		default:
			start := i
			for i < len(r) && !unicode.IsSpace(r[i]) && r[i] != '=' && r[i] != ';' && r[i] != '"' {
				i++
			}
			toks = append(toks, string(r[start:i]))
		}
	}
	return toks, nil
}
