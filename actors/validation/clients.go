package validation

import (
	"errors"
	"maps"
	"slices"

	"github.com/connectd/connectd/actors/configprovider"
	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/messages"
)

// Option tunes a Validator.
type Option interface{ apply(*Validator) }

type optionFunc func(*Validator)

func (f optionFunc) apply(vd *Validator) { f(vd) }

// WithProviders makes validation resolve config-provider placeholders first (default: none
// are resolved): a placeholder that does not resolve is an error on its key, values are
// checked resolved, and the result shows them as written, with resolved values redacted
// from every message.
func WithProviders(p *configprovider.Set) Option {
	return optionFunc(func(vd *Validator) { vd.providers = p })
}

// WithOverridePolicy sets connector.client.config.override.policy (default All).
func WithOverridePolicy(p kafkaconfig.OverridePolicy) Option {
	return optionFunc(func(vd *Validator) { vd.policy = p })
}

// clientOverrideInfos validates the connector's producer.override.* (sources) or
// consumer.override.* (sinks), and admin.override.*, as Kafka's
// AbstractHerder.validateClientOverrides does: one entry per key, named with its prefix,
// carrying the policy's error; then connectd's own check that the setting can be honoured.
// It returns the entries and their error count.
func (vd *Validator) clientOverrideInfos(config map[string]string, isSink bool) ([]*messages.ConfigInfo, int32) {
	type section struct {
		prefix string
		role   kafkaconfig.Role
	}
	sections := []section{{kafkaconfig.ProducerOverridePrefix, kafkaconfig.Producer}}
	if isSink {
		sections = []section{{kafkaconfig.ConsumerOverridePrefix, kafkaconfig.Consumer}}
	}
	sections = append(sections, section{kafkaconfig.AdminOverridePrefix, kafkaconfig.Admin})
	var infos []*messages.ConfigInfo
	var count int32
	for _, sec := range sections {
		overrides := kafkaconfig.Overrides(config, sec.prefix)
		if len(overrides) == 0 {
			continue
		}
		errs := map[string][]string{}
		for k := range overrides {
			if !vd.policy.Allows(k) {
				errs[k] = append(errs[k], vd.policy.Violation(k))
			}
		}
		{
			allowed := maps.Clone(overrides)
			maps.DeleteFunc(allowed, func(k, _ string) bool { return len(errs[k]) > 0 })
			if err := kafkaconfig.Check(sec.role, allowed); err != nil {
				for _, e := range flatten(err) {
					var se *kafkaconfig.SettingError
					if errors.As(e, &se) {
						key := se.Key
						if _, ok := overrides[key]; !ok {
							key = firstKey(allowed) // a combination of keys: reported on one of them
						}
						errs[key] = append(errs[key], se.Msg)
					}
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(overrides)) {
			value := overrides[k]
			v := connectors.ConfigValue{Name: sec.prefix + k, Value: &value, Errors: errs[k], Visible: true}
			infos = append(infos, &messages.ConfigInfo{Value: valueInfo(v, "")})
			if len(errs[k]) > 0 {
				count++ // Kafka counts the entries with errors here, not the messages
			}
		}
	}
	return infos, count
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func firstKey(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}
