package validation

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/connectd/connectd/connectors"
)

// Kafka Connect 4.1+'s plugin version keys (KIP-891): connector.plugin.version and
// <key|value|header>.converter.plugin.version select the version of the plugin a config names.
// connectd has one version of each plugin, so a version (or Maven range) that does not
// match it is an error, never silently another version.
const (
	versionSuffix       = ".plugin.version"
	connectorVersionKey = "connector" + versionSuffix
	// msgNoVersion is Kafka Connect's error for a version no installed plugin has; arguments:
	// class, range, available versions.
	msgNoVersion = "Plugin %s not found that matches the version range %s, available versions: [%s]"
)

// versionRange is a parsed plugin version spec: a bare version v means exactly v, as Kafka
// Connect reads it ([v,v]); otherwise one Maven interval such as [1.0,2.0) or [1.0,).
type versionRange struct {
	text              string // as Kafka's messages render it
	low, high         string // "" when open
	lowIncl, highIncl bool
}

func parseVersionRange(spec string) (versionRange, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return versionRange{}, fmt.Errorf("empty version")
	}
	if !strings.ContainsAny(spec[:1], "[(") {
		if strings.ContainsAny(spec, "[](),") {
			return versionRange{}, fmt.Errorf("invalid version %s", spec)
		}
		return versionRange{text: "[" + spec + "," + spec + "]", low: spec, high: spec, lowIncl: true, highIncl: true}, nil
	}
	last := spec[len(spec)-1]
	if last != ']' && last != ')' {
		return versionRange{}, fmt.Errorf("invalid version range %s", spec)
	}
	inner := spec[1 : len(spec)-1]
	lo, hi, found := strings.Cut(inner, ",")
	if !found {
		if spec[0] != '[' || last != ']' {
			return versionRange{}, fmt.Errorf("invalid version range %s", spec)
		}
		hi = lo
	}
	return versionRange{text: spec, low: strings.TrimSpace(lo), high: strings.TrimSpace(hi), lowIncl: spec[0] == '[', highIncl: last == ']'}, nil
}

// contains reports whether version v lies in r.
func (r versionRange) contains(v string) bool {
	if r.low != "" {
		c := compareVersions(v, r.low)
		if c < 0 || c == 0 && !r.lowIncl {
			return false
		}
	}
	if r.high != "" {
		c := compareVersions(v, r.high)
		if c > 0 || c == 0 && !r.highIncl {
			return false
		}
	}
	return true
}

// compareVersions orders dotted versions part by part, numerically where both parts are
// numbers, else as text.
func compareVersions(a, b string) int {
	pa, pb := strings.FieldsFunc(a, isSep), strings.FieldsFunc(b, isSep)
	for i := range max(len(pa), len(pb)) {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		nx, ex := strconv.Atoi(x)
		ny, ey := strconv.Atoi(y)
		switch {
		case ex == nil && ey == nil && nx != ny:
			if nx < ny {
				return -1
			}
			return 1
		case (ex != nil || ey != nil) && x != y:
			return strings.Compare(x, y)
		}
	}
	return 0
}

func isSep(r rune) bool { return r == '.' || r == '-' }

// checkVersion returns Kafka Connect's error when the version spec config[key] is set and
// does not match plugin's version; "" otherwise.
func checkVersion(config map[string]string, key string, plugin connectors.Plugin) string {
	spec, ok := config[key]
	if !ok || strings.TrimSpace(spec) == "" {
		return ""
	}
	r, err := parseVersionRange(spec)
	if err != nil {
		return fmt.Sprintf("Invalid value %s for configuration %s: %v", spec, key, err)
	}
	if r.contains(plugin.Version) {
		return ""
	}
	return fmt.Sprintf(msgNoVersion, plugin.Class, r.text, plugin.Version)
}

// classesOf lists the classes of the registry's plugins of kind, sorted.
func (vd *Validator) classesOf(kind connectors.PluginType) []string {
	var out []string
	for _, p := range vd.registry.Plugins() {
		if p.Type == kind && !slices.Contains(out, p.Class) {
			out = append(out, p.Class)
		}
	}
	slices.Sort(out)
	return out
}

// withPluginDefaults returns def with what validate shows of the worker and the plugins
// (spec §0.1): connector.plugin.version defaults to the connector's version; each converter key
// to the worker's converter, recommending every installed converter of its kind; each
// converter version to the version of the converter in effect.
func (vd *Validator) withPluginDefaults(def connectors.ConfigDef, conn connectors.Plugin, config map[string]string) connectors.ConfigDef {
	out := slices.Clone(def)
	converters := map[string]struct {
		worker string
		kind   connectors.PluginType
	}{
		"key.converter":    {vd.worker.Key.Class, connectors.ConverterType},
		"value.converter":  {vd.worker.Value.Class, connectors.ConverterType},
		"header.converter": {vd.worker.Header.Class, connectors.HeaderConverterType},
	}
	for i := range out {
		k := &out[i]
		if k.Name == connectorVersionKey {
			k.Default, k.Recommended = conn.Version, []string{conn.Version}
			continue
		}
		c, ok := converters[strings.TrimSuffix(k.Name, versionSuffix)]
		if !ok {
			continue
		}
		if !strings.HasSuffix(k.Name, versionSuffix) {
			k.Default, k.Recommended = c.worker, vd.classesOf(c.kind)
			continue
		}
		if p, ok := vd.registry.LookupKind(c.worker, c.kind); ok {
			k.Default = p.Version
		}
		cls := c.worker
		if set := strings.TrimSpace(config[k.Name[:len(k.Name)-len(versionSuffix)]]); set != "" {
			cls = set
		}
		if p, ok := vd.registry.LookupKind(cls, c.kind); ok {
			k.Recommended = []string{p.Version}
		}
	}
	return out
}

// validateVersions adds the errors of plugin version keys that match no installed version:
// the connector's on connector.class and connector.plugin.version, as Kafka Connect reports
// it; a converter's on its version key.
func (vd *Validator) validateVersions(config map[string]string, conn connectors.Plugin, addError func(key, msg string)) {
	if msg := checkVersion(config, connectorVersionKey, conn); msg != "" {
		addError("connector.class", msg)
		addError(connectorVersionKey, msg)
	}
	for _, c := range []struct {
		key, worker string
		kind        connectors.PluginType
	}{
		{"key.converter", vd.worker.Key.Class, connectors.ConverterType},
		{"value.converter", vd.worker.Value.Class, connectors.ConverterType},
		{"header.converter", vd.worker.Header.Class, connectors.HeaderConverterType},
	} {
		cls := c.worker
		if set := strings.TrimSpace(config[c.key]); set != "" {
			cls = set
		}
		p, ok := vd.registry.LookupKind(cls, c.kind)
		if !ok {
			continue // the class's own error says so
		}
		if msg := checkVersion(config, c.key+versionSuffix, p); msg != "" {
			addError(c.key+versionSuffix, msg)
		}
	}
}
