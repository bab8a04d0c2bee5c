package actors

import (
	"context"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// Client is the facade the REST layer calls: validation and local snapshot reads happen
// here, everything else is one bounded request to the grain that owns the connector or task.
type Client struct {
	rt *Runtime
}

// KafkaClusterID is the ID of the Kafka cluster behind bootstrap.servers.
func (c *Client) KafkaClusterID() string { return c.rt.cfg.KafkaClusterID }

// ConnectorNames lists the connectors of the local config snapshot, sorted.
func (c *Client) ConnectorNames(ctx context.Context) ([]string, error) {
	views := c.rt.connectorViews()
	names := make([]string, 0, len(views))
	for name := range views {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// CreateConnector validates config and creates the connector.
func (c *Client) CreateConnector(ctx context.Context, name string, config map[string]string, initial messages.TargetState) (*messages.ConnectorInfo, error) {
	if err := c.rt.validator.ForWrite(config); err != nil {
		return nil, err
	}
	reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind,
		&messages.PutConnectorConfig{Name: name, Config: config, InitialState: initial})
	if err != nil {
		return nil, err
	}
	return reply.(*messages.PutConnectorConfigReply).Info, nil
}

// PutConnectorConfig validates config and creates or replaces the connector.
func (c *Client) PutConnectorConfig(ctx context.Context, name string, config map[string]string) (*messages.ConnectorInfo, bool, error) {
	if err := c.rt.validator.ForWrite(config); err != nil {
		return nil, false, err
	}
	reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind,
		&messages.PutConnectorConfig{Name: name, Config: config, AllowReplace: true})
	if err != nil {
		return nil, false, err
	}
	r := reply.(*messages.PutConnectorConfigReply)
	return r.Info, r.Created, nil
}

// Connector returns the stored config and task configs from the local snapshot.
func (c *Client) Connector(ctx context.Context, name string) (*messages.ConnectorInfo, error) {
	v, ok := c.rt.connectorView(name)
	if !ok {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	return connectorInfo(c.rt, name, v), nil
}

// DeleteConnector deletes the connector.
func (c *Client) DeleteConnector(ctx context.Context, name string) error {
	if _, ok := c.rt.connectorView(name); !ok {
		return api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	_, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, &messages.DeleteConnector{Name: name})
	return err
}

// ConnectorStatus asks the connector grain for its live status.
func (c *Client) ConnectorStatus(ctx context.Context, name string) (*messages.ConnectorStatus, error) {
	if _, ok := c.rt.connectorView(name); !ok {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgNoStatus, name)
	}
	reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, &messages.GetConnectorStatus{Name: name})
	if err != nil {
		return nil, err
	}
	return reply.(*messages.GetConnectorStatusReply).Status, nil
}

// TaskStatus returns one task's status, as its connector grain last heard it.
func (c *Client) TaskStatus(ctx context.Context, name string, task int32) (*messages.InstanceStatus, error) {
	st, err := c.ConnectorStatus(ctx, name)
	if err != nil {
		if api.CodeOf(err) == messages.ErrorCode_ERROR_CODE_NOT_FOUND {
			return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgNoTaskStatus, name, task)
		}
		return nil, err
	}
	for _, t := range st.Tasks {
		if t.Task == task {
			return t.Status, nil
		}
	}
	return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgNoTaskStatus, name, task)
}

// PauseConnector sets target state PAUSED.
func (c *Client) PauseConnector(ctx context.Context, name string) error {
	return c.targetState(ctx, name, &messages.PauseConnector{Name: name})
}

// ResumeConnector sets target state STARTED.
func (c *Client) ResumeConnector(ctx context.Context, name string) error {
	return c.targetState(ctx, name, &messages.ResumeConnector{Name: name})
}

// StopConnector sets target state STOPPED.
func (c *Client) StopConnector(ctx context.Context, name string) error {
	return c.targetState(ctx, name, &messages.StopConnector{Name: name})
}

func (c *Client) targetState(ctx context.Context, name string, msg proto.Message) error {
	if _, ok := c.rt.connectorView(name); !ok {
		return api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownConnector, name)
	}
	_, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, msg)
	return err
}

// RestartConnector restarts the connector and, with includeTasks, its tasks (spec §3.13).
func (c *Client) RestartConnector(ctx context.Context, name string, includeTasks, onlyFailed bool) (*messages.ConnectorStatus, error) {
	if _, ok := c.rt.connectorView(name); !ok {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownConnectorR, name)
	}
	reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind,
		&messages.RestartConnector{Name: name, IncludeTasks: includeTasks, OnlyFailed: onlyFailed})
	if err != nil {
		return nil, err
	}
	return reply.(*messages.RestartConnectorReply).Plan, nil
}

// RestartTask restarts one task (spec §3.14).
func (c *Client) RestartTask(ctx context.Context, name string, task int32) error {
	v, ok := c.rt.connectorView(name)
	if !ok {
		return api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownConnectorR, name)
	}
	if task < 0 || int(task) >= len(v.Tasks) {
		return api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownTask, name, task)
	}
	_, err := c.rt.request(ctx, taskIdentity(name, task), taskKind, &messages.RestartTask{Connector: name, Task: task})
	return err
}

// Plugins lists the installed plugins in spec §3.22's order.
func (c *Client) Plugins(ctx context.Context) ([]*messages.PluginInfo, error) {
	var out []*messages.PluginInfo
	for _, p := range c.rt.registry.Plugins() {
		out = append(out, &messages.PluginInfo{Class: p.Class, Type: string(p.Type), Version: p.Version})
	}
	return out, nil
}

// PluginConfig lists the configuration keys of the plugin called name, class or alias
// (spec §3.23); an unknown plugin is NOT_FOUND "Unknown plugin <name>.".
func (c *Client) PluginConfig(ctx context.Context, name string) ([]*messages.ConfigKeyInfo, error) {
	return c.rt.validator.PluginConfig(name)
}

// ValidateConnectorConfig validates config as PUT /connector-plugins/{p}/config/validate
// does (spec §3.24, §7); nulls are the keys sent as JSON null. Errors thrown while validating
// are INTERNAL with the Java exception's class before the message (spec §16.1).
func (c *Client) ValidateConnectorConfig(ctx context.Context, config map[string]string, nulls []string) (*messages.ConfigInfos, error) {
	return c.rt.validator.ForEndpoint(config, nulls)
}
