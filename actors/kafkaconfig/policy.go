package kafkaconfig

import (
	"fmt"
	"slices"
	"strings"
)

// OverridePolicy is connector.client.config.override.policy: which producer.override.*,
// consumer.override.* and admin.override.* keys a connector may set (KIP-458).
type OverridePolicy string

// The policies Kafka Connect ships, by their alias.
const (
	PolicyNone      OverridePolicy = "None"
	PolicyPrincipal OverridePolicy = "Principal"
	PolicyAll       OverridePolicy = "All"
)

// DefaultPolicy is Kafka Connect's default since 3.0.
const DefaultPolicy = PolicyAll

// ParsePolicy accepts a policy's alias or its class name, as Kafka Connect's plugin loader does.
func ParsePolicy(v string) (OverridePolicy, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultPolicy, nil
	}
	for _, p := range []OverridePolicy{PolicyNone, PolicyPrincipal, PolicyAll} {
		class := "org.apache.kafka.connect.connector.policy." + string(p) + "ConnectorClientConfigOverridePolicy"
		if v == string(p) || v == class || v == string(p)+"ConnectorClientConfigOverridePolicy" {
			return p, nil
		}
	}
	return "", fmt.Errorf("connector.client.config.override.policy: %q is not one of None, Principal, All", v)
}

// principalKeys are what the Principal policy lets a connector override.
var principalKeys = map[string]bool{"sasl.jaas.config": true, "sasl.mechanism": true, "security.protocol": true}

// Allows reports whether a connector may override key (prefix stripped).
func (p OverridePolicy) Allows(key string) bool {
	switch p {
	case PolicyAll:
		return true
	case PolicyPrincipal:
		return principalKeys[key]
	}
	return false
}

// Violation is Kafka Connect's error text for an override the policy forbids
// (AbstractConnectorClientConfigOverridePolicy.validate).
func (p OverridePolicy) Violation(key string) string {
	return "The '" + string(p) + "' policy does not allow '" + key + "' to be overridden in the connector configuration."
}

// Override prefixes of a connector's configuration, per client role.
const (
	ProducerOverridePrefix = "producer.override."
	ConsumerOverridePrefix = "consumer.override."
	AdminOverridePrefix    = "admin.override."
)

// Overrides returns the keys of config under prefix, prefix stripped.
func Overrides(config map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range config {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}

// CheckOverrides returns an error naming the first key (sorted) under prefix that p forbids.
func (p OverridePolicy) CheckOverrides(config map[string]string, prefix string) error {
	var bad []string
	for k := range Overrides(config, prefix) {
		if !p.Allows(k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return &SettingError{Key: prefix + bad[0], Msg: p.Violation(bad[0])}
}
