package actors

import (
	"context"

	"github.com/connectd/connectd/messages"
)

// The connector-plugins resource (spec §3.22–§3.24): answered from the registry by the
// validator, with no grain involved.

// Plugins lists the installed plugins in spec §3.22's order.
func (c *Client) Plugins(ctx context.Context) ([]*messages.PluginInfo, error) {
	var out []*messages.PluginInfo
	for _, p := range c.rt.registry.Plugins() {
		out = append(out, &messages.PluginInfo{Class: p.Class, Type: string(p.Type), Version: p.Version})
	}
	return out, nil
}

// PluginConfig lists the configuration keys of the plugin called name, class or alias
// (spec §3.23); an unknown plugin is NOT_FOUND "Unknown plugin <name>.". version, when set,
// selects one of the plugin's installed versions (Kafka Connect 4.1+'s ?version=).
func (c *Client) PluginConfig(ctx context.Context, name, version string) ([]*messages.ConfigKeyInfo, error) {
	return c.rt.validator.PluginConfig(name, version)
}

// ValidateConnectorConfig validates config as PUT /connector-plugins/{p}/config/validate
// does (spec §3.24, §7); nulls are the keys sent as JSON null. Errors thrown while validating
// are INTERNAL with the Java exception's class before the message (spec §16.1).
func (c *Client) ValidateConnectorConfig(ctx context.Context, config map[string]string, nulls []string) (*messages.ConfigInfos, error) {
	return c.rt.validator.ForEndpoint(config, nulls)
}
