package validation

import (
	"cmp"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/connectd/connectd/actors/configprovider"
	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/connectors"
)

// Converter is a worker-level converter: its class and its sub-config, prefix stripped.
type Converter struct {
	Class string
	Props map[string]string
}

// WorkerConverters are the worker's key.converter, value.converter and header.converter,
// which a connector config that names none of its own uses.
type WorkerConverters struct {
	Key, Value Converter // an empty class means JsonConverter
	Header     Converter // an empty class means SimpleHeaderConverter
}

// Kafka Connect's default converter classes.
const (
	jsonConverter         = "org.apache.kafka.connect.json.JsonConverter"
	simpleHeaderConverter = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
)

// Validator validates connector configs and makes the plugins they name. It holds only the
// plugin registry and the worker's converters, so it is safe for concurrent use.
type Validator struct {
	registry  *connectors.Registry
	worker    WorkerConverters
	providers *configprovider.Set
	policy    kafkaconfig.OverridePolicy
	// eos is nil outside distributed mode; else whether exactly.once.source.support is
	// enabled (WithExactlyOnceSource).
	eos *bool
	// pluginTimeout bounds the connector's own config() and validate(); 0 means
	// DefaultPluginTimeout.
	pluginTimeout time.Duration
}

// New returns a Validator over registry, with the worker's converters.
func New(registry *connectors.Registry, worker WorkerConverters, opts ...Option) *Validator {
	for c, class := range map[*Converter]string{&worker.Key: jsonConverter, &worker.Value: jsonConverter, &worker.Header: simpleHeaderConverter} {
		if c.Class == "" {
			c.Class = class
		}
	}
	vd := &Validator{registry: registry, worker: worker, policy: kafkaconfig.DefaultPolicy}
	for _, o := range opts {
		o.apply(vd)
	}
	return vd
}

// Converters makes a task's key, value and header converters: the connector's own when its
// config names a class (with its key.converter.* / value.converter.* / header.converter.*
// keys), else the worker's.
func (vd *Validator) Converters(config map[string]string) (key, value connectors.Converter, header connectors.HeaderConverter, err error) {
	make1 := func(prefix string, worker Converter, isKey bool) (connectors.Converter, error) {
		class, props := worker.Class, worker.Props
		if c := config[prefix]; c != "" {
			class, props = c, SubConfig(config, prefix+".")
		}
		conv, err := connectors.NewVersionOf[connectors.Converter](vd.registry, class, config[prefix+versionSuffix], prefix+versionSuffix, connectors.ConverterType)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", prefix, err)
		}
		if err := conv.Configure(props, isKey); err != nil {
			return nil, fmt.Errorf("%s %s: %w", prefix, class, err)
		}
		return conv, nil
	}
	if key, err = make1("key.converter", vd.worker.Key, true); err != nil {
		return nil, nil, nil, err
	}
	if value, err = make1("value.converter", vd.worker.Value, false); err != nil {
		return nil, nil, nil, err
	}
	class, props := vd.worker.Header.Class, vd.worker.Header.Props
	if c := config["header.converter"]; c != "" {
		class, props = c, SubConfig(config, "header.converter.")
	}
	if header, err = connectors.NewVersionOf[connectors.HeaderConverter](vd.registry, class, config["header.converter"+versionSuffix], "header.converter"+versionSuffix, connectors.HeaderConverterType); err != nil {
		return nil, nil, nil, fmt.Errorf("header.converter: %w", err)
	}
	if err := header.Configure(props); err != nil {
		return nil, nil, nil, fmt.Errorf("header.converter %s: %w", class, err)
	}
	return key, value, header, nil
}

// ErrorClasses names the class executing each stage of a task's record processing, for
// the errors.* reporters: the resolved key.converter, value.converter and header.converter
// (worker defaults when the connector sets none) and each transforms.<alias>.type.
func (vd *Validator) ErrorClasses(config map[string]string) map[string]string {
	classes := map[string]string{
		"key.converter":    cmp.Or(config["key.converter"], vd.worker.Key.Class),
		"value.converter":  cmp.Or(config["value.converter"], vd.worker.Value.Class),
		"header.converter": cmp.Or(config["header.converter"], vd.worker.Header.Class),
	}
	for _, alias := range SplitList(config["transforms"]) {
		k := "transforms." + alias + ".type"
		classes[k] = config[k]
	}
	return classes
}

// TransformChain instantiates and configures the chain config declares; nil when it
// declares none. Predicates are instantiated per transform, as Kafka does. log receives the
// chain's per-record debug lines.
func (vd *Validator) TransformChain(config map[string]string, log *slog.Logger) (_ *pipeline.TransformChain, err error) {
	aliases := SplitList(config["transforms"])
	if len(aliases) == 0 {
		return nil, nil
	}
	var stages []pipeline.TransformStage
	defer func() {
		if err != nil {
			_ = pipeline.NewTransformChain(stages, false, nil).Close()
		}
	}()
	for _, alias := range aliases {
		prefix := "transforms." + alias + "."
		t, err := connectors.NewVersionOf[connectors.Transformation](vd.registry, config[prefix+"type"], config[prefix+"plugin.version"], prefix+"plugin.version", connectors.TransformationType)
		if err != nil {
			return nil, fmt.Errorf("transform %s: %w", alias, err)
		}
		// appended before it is configured, so that a failure below still closes it
		stages = append(stages, pipeline.TransformStage{Alias: alias, Transform: t})
		st := &stages[len(stages)-1]
		props := SubConfig(config, prefix)
		predAlias, hasPred := props["predicate"]
		st.Negate = strings.EqualFold(strings.TrimSpace(props["negate"]), "true")
		delete(props, "predicate")
		delete(props, "negate")
		if err := t.Configure(props); err != nil {
			return nil, fmt.Errorf("transform %s: %w", alias, err)
		}
		if hasPred && predAlias != "" {
			pprefix := "predicates." + predAlias + "."
			p, err := connectors.NewVersionOf[connectors.Predicate](vd.registry, config[pprefix+"type"], config[pprefix+"plugin.version"], pprefix+"plugin.version", connectors.PredicateType)
			if err != nil {
				return nil, fmt.Errorf("transform %s: predicate %s: %w", alias, predAlias, err)
			}
			st.Predicate = p
			if err := p.Configure(SubConfig(config, pprefix)); err != nil {
				return nil, fmt.Errorf("transform %s: predicate %s: %w", alias, predAlias, err)
			}
		}
	}
	tolerate := strings.EqualFold(strings.TrimSpace(config["errors.tolerance"]), "all")
	return pipeline.NewTransformChain(stages, tolerate, log), nil
}

// ConnectorType is "source", "sink" or "unknown" from the config's class (spec §3.9).
func (vd *Validator) ConnectorType(config map[string]string) string {
	if p, ok := vd.registry.Lookup(config["connector.class"]); ok {
		switch p.Type {
		case connectors.Source, connectors.Sink:
			return string(p.Type)
		}
	}
	return "unknown"
}

// SplitList splits a Kafka LIST value: comma-separated, blanks trimmed and dropped.
func SplitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// SubConfig returns the keys of config that start with prefix, prefix stripped (Kafka's
// originalsWithPrefix); a key that is only the prefix is left out.
func SubConfig(config map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range config {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			out[k[len(prefix):]] = v
		}
	}
	return out
}
