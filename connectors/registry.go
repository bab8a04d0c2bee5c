package connectors

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// PluginType is the kind of a plugin, spelled as PluginInfo's "type" (spec §2.1).
type PluginType string

// The plugin kinds.
const (
	Source              PluginType = "source"
	Sink                PluginType = "sink"
	ConverterType       PluginType = "converter"
	HeaderConverterType PluginType = "header_converter"
	TransformationType  PluginType = "transformation"
	PredicateType       PluginType = "predicate"
)

// KafkaVersion is the Apache Kafka release whose plugins connectd's built-ins of Kafka's own class
// names (the FileStream connectors, converters, transforms, predicates) reimplement. They report
// it as their version, as Apache's report theirs, so connector.plugin.version tells them from a
// Java plugin of the same class at another version (spec §0.1).
const KafkaVersion = "4.4.0"

// Plugin describes one registered plugin.
type Plugin struct {
	Class   string     // Kafka Connect's fully qualified class name
	Type    PluginType // the kind; one class registered for two kinds is two Plugins
	Version string     // reported by GET /connector-plugins
	New     func() any // a fresh instance: a Connector for source and sink, a Converter, …
	// TaskClass is, for a connector, the Kafka Connect class name of its task, which the
	// runtime writes into each task config as task.class, as Kafka Connect does; empty when
	// unknown, and then none is written.
	TaskClass string
}

// Registry maps Kafka Connect class names and their aliases (spec §9.6) to plugins. The zero
// value is empty and ready; it is filled at start and read concurrently afterwards.
//
// A class may be registered once per kind and version: Kafka lists a class that is both a
// converter and a header converter twice (spec §3.22), and lists every version of a class it
// finds (Kafka Connect 4.1+). The first registration of a class and kind is its default, so
// the built-ins, registered first, stay the default where a Java plugin shares their class.
type Registry struct {
	mu      sync.RWMutex
	plugins []Plugin
	byClass map[string][]int  // class → indexes into plugins, in registration order
	aliases map[string]string // alias → class; "" once two classes claimed it
	// unavailable are the classes (and aliases) found where plugins are installed that cannot
	// run here, with why: a config naming one is refused with that reason.
	unavailable map[string]error
}

// Register adds p. It panics on a class registered twice for the same kind and version, on an
// empty class and on a nil factory: those are programmer errors found at start.
func (r *Registry) Register(p Plugin) {
	if p.Class == "" || p.New == nil {
		panic(fmt.Sprintf("connectors: plugin %q (%s) needs a class and a factory", p.Class, p.Type))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byClass == nil {
		r.byClass = map[string][]int{}
		r.aliases = map[string]string{}
	}
	for _, i := range r.byClass[p.Class] {
		if r.plugins[i].Type == p.Type && r.plugins[i].Version == p.Version {
			panic(fmt.Sprintf("connectors: plugin %s registered twice as %s at version %q", p.Class, p.Type, p.Version))
		}
	}
	r.byClass[p.Class] = append(r.byClass[p.Class], len(r.plugins))
	r.plugins = append(r.plugins, p)
	// A class marked unavailable that registers now (a plugin host that started late) runs.
	delete(r.unavailable, p.Class)
	for _, a := range aliases(p.Class, p.Type) {
		delete(r.unavailable, a)
	}
	for _, a := range aliases(p.Class, p.Type) {
		if owner, taken := r.aliases[a]; taken && owner != p.Class {
			r.aliases[a] = "" // spec §9.6: an alias two plugins claim names neither
			continue
		}
		r.aliases[a] = p.Class
	}
}

// aliases is the one place plugin aliases come from (spec §9.6): the simple class name, and
// the simple name cut before the last occurrence of the kind's suffix, as Kafka's
// PluginUtils.prunedName does ("FileStreamSinkConnector" → "FileStreamSink").
func aliases(class string, t PluginType) []string {
	simple := class[strings.LastIndexAny(class, ".$")+1:]
	var out []string
	if simple != class {
		out = append(out, simple)
	}
	if pos := strings.LastIndex(simple, typeSuffix(t)); pos > 0 && simple[:pos] != class {
		out = append(out, simple[:pos])
	}
	return out
}

// typeSuffix is the Java interface name each kind's classes end with.
func typeSuffix(t PluginType) string {
	switch t {
	case Source, Sink:
		return "Connector"
	case ConverterType:
		return "Converter"
	case HeaderConverterType:
		return "HeaderConverter"
	case TransformationType:
		return "Transformation"
	case PredicateType:
		return "Predicate"
	}
	return string(t)
}

// Lookup finds a plugin by class name or unambiguous alias. A class registered for two kinds
// answers with its first registration.
func (r *Registry) Lookup(name string) (Plugin, bool) {
	return r.lookup(name, func(PluginType) bool { return true })
}

func (r *Registry) lookup(name string, accept func(PluginType) bool) (Plugin, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	class := name
	if _, ok := r.byClass[name]; !ok {
		class = r.aliases[name]
	}
	for _, i := range r.byClass[class] {
		if accept(r.plugins[i].Type) {
			return r.plugins[i], true
		}
	}
	return Plugin{}, false
}

// kindRank orders kinds as GET /connector-plugins lists them (spec §3.22).
func kindRank(t PluginType) int {
	switch t {
	case Sink:
		return 0
	case Source:
		return 1
	case TransformationType:
		return 2
	case PredicateType:
		return 3
	case ConverterType:
		return 4
	case HeaderConverterType:
		return 5
	}
	return 6
}

// Plugins lists every registration: sinks, sources, transformations, predicates, converters,
// header converters, each kind ordered by class (spec §3.22), the versions of one class from
// the oldest, as Kafka Connect's PluginDesc orders them.
func (r *Registry) Plugins() []Plugin {
	r.mu.RLock()
	out := slices.Clone(r.plugins)
	r.mu.RUnlock()
	slices.SortStableFunc(out, func(a, b Plugin) int {
		return cmp.Or(cmp.Compare(kindRank(a.Type), kindRank(b.Type)), strings.Compare(a.Class, b.Class), CompareVersions(a.Version, b.Version))
	})
	return out
}

// Connectors lists the sink connectors, then the source connectors, each ordered by class.
func (r *Registry) Connectors() []Plugin {
	return slices.DeleteFunc(r.Plugins(), func(p Plugin) bool { return !isConnector(p.Type) })
}

// ConnectorClassNames lists the connector classes in alphabetical order, for Kafka's
// "…, available connectors are: …" message.
func (r *Registry) ConnectorClassNames() []string {
	var names []string
	for _, p := range r.Connectors() {
		names = append(names, p.Class)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func isConnector(t PluginType) bool { return t == Source || t == Sink }

// MarkUnavailable records that class, a plugin of kind t, is installed but cannot run on this
// worker, and why (a Java plugin without Java): NewConnector and SelectConnector then fail
// with err (wrapping ErrPluginUnavailable) instead of the unknown-class text, when no
// runnable plugin answers to the name or version asked.
func (r *Registry) MarkUnavailable(class string, t PluginType, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.unavailable == nil {
		r.unavailable = map[string]error{}
	}
	err = &kafkaError{text: err.Error(), kind: ErrPluginUnavailable}
	r.unavailable[class] = err
	for _, a := range aliases(class, t) {
		r.unavailable[a] = err
	}
}

// whyUnavailable is the error MarkUnavailable recorded for name, nil if none.
func (r *Registry) whyUnavailable(name string) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.unavailable[name]
}

// SelectConnector instantiates the connector called name (class or alias) at the version
// spec selects (SelectPlugin). An unknown name fails as NewConnector does.
func (r *Registry) SelectConnector(name, spec string) (Connector, Plugin, error) {
	if strings.TrimSpace(spec) == "" {
		return r.NewConnector(name)
	}
	p, err := r.SelectPlugin(name, spec)
	if errors.Is(err, ErrUnknownPlugin) {
		return r.NewConnector(name)
	}
	if err != nil {
		return nil, Plugin{}, err
	}
	c, ok := p.New().(Connector)
	if !ok {
		return nil, p, fmt.Errorf("plugin %s: factory does not make a connectors.Connector", p.Class)
	}
	return c, p, nil
}

// SelectPlugin finds the connector plugin called name (class or alias) at the version spec
// selects, as Kafka Connect 4.1+ reads connector.plugin.version: "" is the default version,
// a version or Maven range the newest installed version it contains. An unknown name wraps
// ErrUnknownPlugin (or ErrPluginUnavailable); a spec no version matches wraps
// ErrNoSuchVersion with Kafka's text.
func (r *Registry) SelectPlugin(name, spec string) (Plugin, error) {
	return r.selectVersion(name, spec, "connector.plugin.version", isConnector)
}

// SelectKind finds the plugin of kind t called name (class or alias) at the version spec
// selects, as SelectPlugin does for connectors; key is the config key spec came from
// (transforms.<alias>.plugin.version, value.converter.plugin.version, …), for the error.
func (r *Registry) SelectKind(name, spec, key string, t PluginType) (Plugin, error) {
	return r.selectVersion(name, spec, key, func(k PluginType) bool { return k == t })
}

func (r *Registry) selectVersion(name, spec, key string, accept func(PluginType) bool) (Plugin, error) {
	if strings.TrimSpace(spec) == "" {
		if p, ok := r.lookup(name, accept); ok {
			return p, nil
		}
		if why := r.whyUnavailable(name); why != nil {
			return Plugin{}, why
		}
		return Plugin{}, &kafkaError{text: "no plugin " + name, kind: ErrUnknownPlugin}
	}
	vr, err := ParseVersionRange(spec)
	if err != nil {
		return Plugin{}, &kafkaError{text: fmt.Sprintf("Invalid value %s for configuration %s: %v", spec, key, err), kind: ErrNoSuchVersion}
	}
	r.mu.RLock()
	class := name
	if _, ok := r.byClass[name]; !ok {
		class = r.aliases[name]
	}
	var best *Plugin
	var versions []string
	for _, i := range r.byClass[class] {
		p := r.plugins[i]
		if !accept(p.Type) {
			continue
		}
		versions = append(versions, p.Version)
		if vr.Contains(p.Version) && (best == nil || CompareVersions(p.Version, best.Version) > 0) {
			best = &p
		}
	}
	r.mu.RUnlock()
	switch {
	case best != nil:
		return *best, nil
	case r.whyUnavailable(name) != nil: // the version asked may be the one that cannot run
		return Plugin{}, r.whyUnavailable(name)
	case len(versions) == 0:
		return Plugin{}, &kafkaError{text: "no plugin " + name, kind: ErrUnknownPlugin}
	}
	return Plugin{}, &kafkaError{
		text: fmt.Sprintf("Plugin %s not found that matches the version range %s, available versions: [%s]", class, vr.Text, strings.Join(versions, ", ")),
		kind: ErrNoSuchVersion,
	}
}

// Versions lists the installed versions of the plugin of kind t called name (class or
// alias), in registration order; nil for an unknown name.
func (r *Registry) Versions(name string, t PluginType) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	class := name
	if _, ok := r.byClass[name]; !ok {
		class = r.aliases[name]
	}
	var out []string
	for _, i := range r.byClass[class] {
		if r.plugins[i].Type == t {
			out = append(out, r.plugins[i].Version)
		}
	}
	return out
}

// NewConnector instantiates the connector called name (class or alias). An unknown name, or
// one that names another kind of plugin, gives Kafka's text wrapping ErrUnknownPlugin:
// "Failed to find any class that implements Connector and which name matches <name>,
// available connectors are: <classes>".
func (r *Registry) NewConnector(name string) (Connector, Plugin, error) {
	p, ok := r.lookup(name, isConnector)
	if !ok {
		if why := r.whyUnavailable(name); why != nil {
			return nil, Plugin{}, why
		}
		return nil, Plugin{}, &kafkaError{
			text: "Failed to find any class that implements Connector and which name matches " + name +
				", available connectors are: " + strings.Join(r.ConnectorClassNames(), ", "),
			kind: ErrUnknownPlugin,
		}
	}
	c, ok := p.New().(Connector)
	if !ok {
		return nil, p, fmt.Errorf("plugin %s: factory does not make a connectors.Connector", p.Class)
	}
	return c, p, nil
}

// NewConverter instantiates the converter called name (class or alias), unconfigured. An
// unknown name wraps ErrUnknownPlugin.
func (r *Registry) NewConverter(name string) (Converter, error) {
	p, ok := r.lookup(name, func(t PluginType) bool { return t == ConverterType })
	if !ok {
		return nil, &kafkaError{
			text: "Failed to find any class that implements Converter and which name matches " + name,
			kind: ErrUnknownPlugin,
		}
	}
	c, ok := p.New().(Converter)
	if !ok {
		return nil, fmt.Errorf("plugin %s: factory does not make a connectors.Converter", p.Class)
	}
	return c, nil
}

// LookupKind finds a plugin of kind t by class name or unambiguous alias: its default version.
func (r *Registry) LookupKind(name string, t PluginType) (Plugin, bool) {
	return r.lookup(name, func(k PluginType) bool { return k == t })
}

// LookupVersion finds the plugin called name (class or alias) of a kind accept takes, at
// exactly version; "" means the default version. The second result lists the versions the
// class has of those kinds, in registration order, for an error that names them.
func (r *Registry) LookupVersion(name, version string, accept func(PluginType) bool) (Plugin, []string, bool) {
	if version == "" {
		p, ok := r.lookup(name, accept)
		return p, nil, ok
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	class := name
	if _, ok := r.byClass[name]; !ok {
		class = r.aliases[name]
	}
	var versions []string
	for _, i := range r.byClass[class] {
		p := r.plugins[i]
		if !accept(p.Type) {
			continue
		}
		if p.Version == version {
			return p, nil, true
		}
		versions = append(versions, p.Version)
	}
	return Plugin{}, versions, false
}

// IsConnector reports whether t is a connector kind (source or sink).
func IsConnector(t PluginType) bool { return isConnector(t) }

// NewTransformation instantiates the transformation called name (class or alias),
// unconfigured. An unknown name wraps ErrUnknownPlugin.
func (r *Registry) NewTransformation(name string) (Transformation, error) {
	return newOfKind[Transformation](r, name, TransformationType)
}

// NewPredicate instantiates the predicate called name (class or alias), unconfigured. An
// unknown name wraps ErrUnknownPlugin.
func (r *Registry) NewPredicate(name string) (Predicate, error) {
	return newOfKind[Predicate](r, name, PredicateType)
}

// NewHeaderConverter instantiates the header converter called name (class or alias),
// unconfigured. An unknown name wraps ErrUnknownPlugin.
func (r *Registry) NewHeaderConverter(name string) (HeaderConverter, error) {
	return newOfKind[HeaderConverter](r, name, HeaderConverterType)
}

func newOfKind[T any](r *Registry, name string, t PluginType) (T, error) {
	return NewVersionOf[T](r, name, "", "", t)
}

// NewVersionOf instantiates the plugin of kind t called name (class or alias) at the version
// spec selects (SelectKind; "" the default version), unconfigured; key names spec's config
// key for the error. An unknown name wraps ErrUnknownPlugin with Kafka's text, a version no
// installed one matches ErrNoSuchVersion.
func NewVersionOf[T any](r *Registry, name, spec, key string, t PluginType) (T, error) {
	var zero T
	p, err := r.SelectKind(name, spec, key, t)
	if errors.Is(err, ErrUnknownPlugin) {
		return zero, &kafkaError{
			text: "Failed to find any class that implements " + typeSuffix(t) + " and which name matches " + name,
			kind: ErrUnknownPlugin,
		}
	}
	if err != nil {
		return zero, err
	}
	x, ok := p.New().(T)
	if !ok {
		return zero, fmt.Errorf("plugin %s: factory does not make a %s", p.Class, typeSuffix(t))
	}
	return x, nil
}
