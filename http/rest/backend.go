package rest

import (
	"context"

	"github.com/connectd/connectd/messages"
)

// Backend is what the REST layer asks. *actors.Client implements it; errors it returns are
// *actors.Error (mapped by code in errors.go) or plain errors (500).
type Backend interface {
	// KafkaClusterID is the ID of the Kafka cluster behind bootstrap.servers.
	KafkaClusterID() string
	// ConnectorNames lists the connectors of the local config snapshot.
	ConnectorNames(ctx context.Context) ([]string, error)
	// CreateConnector validates and creates a connector (ALREADY_EXISTS if it exists).
	CreateConnector(ctx context.Context, name string, config map[string]string, initial messages.TargetState) (*messages.ConnectorInfo, error)
	// PutConnectorConfig validates and creates or replaces a connector's config.
	PutConnectorConfig(ctx context.Context, name string, config map[string]string) (info *messages.ConnectorInfo, created bool, err error)
	// Connector returns the stored config and task configs (NOT_FOUND if absent).
	Connector(ctx context.Context, name string) (*messages.ConnectorInfo, error)
	DeleteConnector(ctx context.Context, name string) error
	ConnectorStatus(ctx context.Context, name string) (*messages.ConnectorStatus, error)
	TaskStatus(ctx context.Context, name string, task int32) (*messages.InstanceStatus, error)
	PauseConnector(ctx context.Context, name string) error
	ResumeConnector(ctx context.Context, name string) error
	// RestartConnector returns the restart plan; the legacy form (both flags false) may
	// return a nil plan.
	RestartConnector(ctx context.Context, name string, includeTasks, onlyFailed bool) (*messages.ConnectorStatus, error)
	RestartTask(ctx context.Context, name string, task int32) error
	// Plugins lists every installed plugin in spec §3.22's order (sinks, sources, then the
	// other kinds).
	Plugins(ctx context.Context) ([]*messages.PluginInfo, error)
	// ConnectorTopics lists a connector's active topics; no existence check (spec §3.18).
	ConnectorTopics(ctx context.Context, name string) ([]string, error)
	// ResetConnectorTopics removes a connector's active topics; no existence check (§3.19).
	ResetConnectorTopics(ctx context.Context, name string) error
	// ConnectorOffsets returns a connector's offsets, partitions and offsets as JSON (§3.20).
	ConnectorOffsets(ctx context.Context, name string) ([]*messages.ConnectorOffset, error)
	// AlterConnectorOffsets alters a STOPPED connector's offsets and returns the success
	// message; an empty list is BAD_REQUEST (§3.21).
	AlterConnectorOffsets(ctx context.Context, name string, offsets []*messages.ConnectorOffset) (string, error)
	// ResetConnectorOffsets resets a STOPPED connector's offsets and returns the success
	// message (§3.21).
	ResetConnectorOffsets(ctx context.Context, name string) (string, error)
	// PluginConfig lists a plugin's configuration keys (spec §3.23; NOT_FOUND if unknown).
	PluginConfig(ctx context.Context, plugin string) ([]*messages.ConfigKeyInfo, error)
	// ValidateConnectorConfig validates a connector config (spec §3.24); nulls are the keys
	// the client sent as JSON null.
	ValidateConnectorConfig(ctx context.Context, config map[string]string, nulls []string) (*messages.ConfigInfos, error)
}
