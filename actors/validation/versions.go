package validation

import (
	"slices"
	"strings"

	"github.com/connectd/connectd/connectors"
)

// Kafka Connect 4.1+'s plugin version keys (KIP-891): connector.plugin.version and
// <key|value|header>.converter.plugin.version select the version of the plugin a config names.
// A version (or Maven range) that matches no installed version of the plugin is an error,
// never silently another version.
const (
	versionSuffix       = ".plugin.version"
	connectorVersionKey = "connector" + versionSuffix
	// msgNoVersion is Kafka Connect's error for a version no installed plugin has; arguments:
	// class, range, available versions.
	msgNoVersion = "Plugin %s not found that matches the version range %s, available versions: [%s]"
)

// checkVersion returns Kafka Connect's error when the version spec config[key] is set and
// matches no installed version of plugin's class and kind; "" otherwise.
func (vd *Validator) checkVersion(config map[string]string, key string, plugin connectors.Plugin) string {
	spec, ok := config[key]
	if !ok || strings.TrimSpace(spec) == "" {
		return ""
	}
	if _, err := vd.registry.SelectKind(plugin.Class, spec, key, plugin.Type); err != nil {
		return err.Error()
	}
	return ""
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
//
// connectorErr is the connector's: the registry's error selecting the version asked, "" when
// one matched.
func (vd *Validator) validateVersions(config map[string]string, connectorErr string, addError func(key, msg string)) {
	if connectorErr != "" {
		addError("connector.class", connectorErr)
		addError(connectorVersionKey, connectorErr)
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
		// Kafka Connect reports a version no installed one matches on both keys.
		if msg := vd.checkVersion(config, c.key+versionSuffix, p); msg != "" {
			addError(c.key, msg)
			addError(c.key+versionSuffix, msg)
		}
	}
	for _, fam := range enrichables {
		raw, ok := config[fam.aliasKey]
		if !ok {
			continue
		}
		for _, alias := range uniqueAliases(raw) {
			prefix := fam.aliasKey + "." + alias + "."
			if p, ok := vd.registry.LookupKind(strings.TrimSpace(config[prefix+"type"]), fam.kind); ok {
				if msg := vd.checkVersion(config, prefix+"plugin.version", p); msg != "" {
					addError(prefix+"type", msg)
					addError(prefix+"plugin.version", msg)
				}
			}
		}
	}
}
