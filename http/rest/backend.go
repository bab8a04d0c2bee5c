package rest

import (
	"context"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// Backend is what the REST layer asks. *actors.Client implements it; errors it returns are
// *api.Error (mapped by code in errors.go) or plain errors (500).
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
	// ExpandConnectors returns, by connector name, the status and/or info of every connector
	// of the local snapshot; with status, connectors without a status are left out (spec §3.3).
	ExpandConnectors(ctx context.Context, status, info bool) (map[string]api.ConnectorExpansion, error)
	// PatchConnectorConfig merges patch (a nil value removes its key) into the stored config,
	// validates and writes it (NOT_FOUND if absent, spec §3.8).
	PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (*messages.ConnectorInfo, error)
	// StopConnector removes the tasks and sets target state STOPPED (spec §3.16).
	StopConnector(ctx context.Context, name string) error
	// Health checks the worker within ctx's deadline (spec §3.2): Ready once startup completed;
	// Pending set when the check did not answer in time.
	Health(ctx context.Context) (api.Health, error)
	// LoggerLevels returns every logger with a level of its own, root included (spec §3.25).
	LoggerLevels(ctx context.Context) (map[string]api.LoggerLevel, error)
	// LoggerLevel returns one logger's level (NOT_FOUND if no such logger, spec §3.26).
	LoggerLevel(ctx context.Context, name string) (api.LoggerLevel, error)
	// SetWorkerLoggerLevel sets a level on this worker and returns the loggers it covered,
	// sorted; an invalid level is NOT_FOUND (spec §3.27).
	SetWorkerLoggerLevel(ctx context.Context, namespace, level string) ([]string, error)
	// SetClusterLoggerLevel has every worker set the level (spec §3.27, scope cluster).
	SetClusterLoggerLevel(ctx context.Context, namespace, level string) error
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
	// version, when not empty, selects one of the plugin's versions (?version=, Kafka Connect 4.1+).
	PluginConfig(ctx context.Context, plugin, version string) ([]*messages.ConfigKeyInfo, error)
	// ValidateConnectorConfig validates a connector config (spec §3.24); nulls are the keys
	// the client sent as JSON null.
	ValidateConnectorConfig(ctx context.Context, config map[string]string, nulls []string) (*messages.ConfigInfos, error)
}
