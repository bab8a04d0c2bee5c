package configprovider

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// ErrUnresolved is the cause of every placeholder that does not resolve.
var ErrUnresolved = errors.New("config provider placeholder does not resolve")

// placeholder is Kafka's ConfigTransformer pattern: ${provider:[path:]key}.
var placeholder = regexp.MustCompile(`\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`)

// Set is the providers a worker's properties configure; the zero Set (and nil) has none.
type Set struct {
	providers map[string]Provider
}

// FromProperties reads config.providers, config.providers.<name>.class and
// config.providers.<name>.param.* from props.
func FromProperties(props map[string]string) (*Set, error) {
	s := &Set{providers: map[string]Provider{}}
	for _, name := range strings.Split(props["config.providers"], ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		prefix := "config.providers." + name + "."
		class := strings.TrimSpace(props[prefix+"class"])
		if class == "" {
			return nil, fmt.Errorf("config.providers names %q but %sclass is not set", name, prefix)
		}
		params := map[string]string{}
		for k, v := range props {
			if p, ok := strings.CutPrefix(k, prefix+"param."); ok {
				params[p] = v
			}
		}
		p, err := newProvider(class, params)
		if err != nil {
			return nil, fmt.Errorf("config provider %q (%sclass): %w", name, prefix, err)
		}
		s.providers[name] = p
	}
	return s, nil
}

// HasPlaceholder reports whether v holds a placeholder of a configured provider.
func (s *Set) HasPlaceholder(v string) bool {
	if s == nil || len(s.providers) == 0 {
		return false
	}
	for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
		if _, ok := s.providers[m[1]]; ok {
			return true
		}
	}
	return false
}

// minRedacted is the shortest substituted value Redact hides: shorter ones (a topic "t", a
// count "3") would turn every text into noise, and are not what a secret looks like.
const minRedacted = 4

// Resolution is a resolved configuration and the values substituted into it.
type Resolution struct {
	Config  map[string]string
	secrets []string // longest first, so that a secret containing another is redacted whole
}

// Redact replaces every substituted value in text with [hidden].
func (r *Resolution) Redact(text string) string {
	if r == nil {
		return text
	}
	for _, s := range r.secrets {
		text = strings.ReplaceAll(text, s, "[hidden]")
	}
	return text
}

// KeyError is a config key whose placeholder does not resolve.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *KeyError) Unwrap() error { return e.Err }

// Resolve replaces the placeholders of configured providers in config's values. Every key
// whose placeholder does not resolve is returned as a *KeyError, joined; the Resolution is
// returned too, with those keys as written, for a validation that reports every error.
func (s *Set) Resolve(config map[string]string) (*Resolution, error) {
	res := &Resolution{Config: make(map[string]string, len(config))}
	var errs []error
	keys := make([]string, 0, len(config))
	for k := range config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]bool{}
	for _, k := range keys {
		v := config[k]
		if !s.HasPlaceholder(v) {
			res.Config[k] = v
			continue
		}
		var keyErr error
		out := placeholder.ReplaceAllStringFunc(v, func(ph string) string {
			m := placeholder.FindStringSubmatch(ph)
			p, ok := s.providers[m[1]]
			if !ok {
				return ph
			}
			path, key := m[3], m[4]
			got, err := p.Get(path, []string{key})
			if err != nil {
				keyErr = fmt.Errorf("%w: ${%s:...:%s}: %v", ErrUnresolved, m[1], key, err)
				return ph
			}
			val, found := got[key]
			if !found {
				keyErr = fmt.Errorf("%w: ${%s:...:%s}: no such key", ErrUnresolved, m[1], key)
				return ph
			}
			if len(val) >= minRedacted && !seen[val] {
				seen[val] = true
				res.secrets = append(res.secrets, val)
			}
			return val
		})
		if keyErr != nil {
			errs = append(errs, &KeyError{Key: k, Err: keyErr})
			res.Config[k] = v
			continue
		}
		res.Config[k] = out
	}
	slices.SortFunc(res.secrets, func(a, b string) int { return len(b) - len(a) })
	return res, errors.Join(errs...)
}

// Restore is Kafka Connect's reverse transform (AbstractHerder.reverseTransform): in configs
// made from a resolved connector config (its task configs), every key whose raw value holds
// a placeholder gets the raw value back, so that what is stored never holds a secret.
func (s *Set) Restore(raw map[string]string, configs []map[string]string) []map[string]string {
	out := make([]map[string]string, len(configs))
	for i, c := range configs {
		n := make(map[string]string, len(c))
		for k, v := range c {
			n[k] = v
			if rv, ok := raw[k]; ok && s.HasPlaceholder(rv) {
				n[k] = rv
			}
		}
		out[i] = n
	}
	return out
}
