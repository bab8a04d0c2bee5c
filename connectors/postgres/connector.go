package postgres

import (
	"fmt"
	"log/slog"
	"maps"

	"github.com/connectd/connectd/connectors"
)

// SinkConnector is PostgresSinkConnector: it checks the configuration and hands every task
// the same one; the consumer group spreads the topics' partitions over the tasks.
type SinkConnector struct {
	props map[string]string
}

var (
	_ connectors.SinkConnector   = (*SinkConnector)(nil)
	_ connectors.ConfigValidator = (*SinkConnector)(nil)
)

// Version is connectd's.
func (*SinkConnector) Version() string { return version }

// Config is the sink's configuration table.
func (*SinkConnector) Config() connectors.ConfigDef { return sinkConfig }

// ValidateConfig adds the rules that span keys: deletes need pk.mode=record_key, upsert and
// update need a primary key, pk.fields must fit pk.mode, and connection.url must be a
// PostgreSQL JDBC URL with parameters this sink understands.
func (*SinkConnector) ValidateConfig(props map[string]string) []connectors.ConfigValue {
	v := connectors.Values{}
	for _, k := range sinkConfig {
		if one, err := (connectors.ConfigDef{k}).Parse(props); err == nil {
			v[k.Name] = one[k.Name]
		}
	}
	return crossCheck(v)
}

// Start checks the configuration and keeps it for the tasks.
func (c *SinkConnector) Start(_ connectors.ConnectorContext, props map[string]string) error {
	if _, err := parseConfig(props); err != nil {
		return fmt.Errorf("start PostgresSinkConnector: %w", err)
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns maxTasks copies of the connector's configuration.
func (c *SinkConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	configs := make([]map[string]string, max(maxTasks, 1))
	for i := range configs {
		configs[i] = maps.Clone(c.props)
	}
	return configs, nil
}

// Stop has nothing to release.
func (*SinkConnector) Stop() error { return nil }

// NewTask returns an unstarted task.
func (*SinkConnector) NewTask() connectors.SinkTask {
	return &sinkTask{log: slog.Default().With("component", "postgres")}
}
