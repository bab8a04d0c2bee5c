package actors

import (
	"context"
	"maps"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// The connectors resource (spec §3.3–§3.19): one call per route of /connectors and
// /connectors/{c}/…, each a local snapshot read or one request to the connector grain.

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

// PatchConnectorConfig merges patch into the connector's stored config (spec §3.8): a nil
// value removes its key, any other sets it; the result is validated and written as PUT
// writes it. NOT_FOUND when the connector has no config. The connector grain writes the
// result only if the stored config is still the one it was merged onto, and otherwise hands
// back the stored config to merge onto again, so two PATCHes racing on one connector both
// apply. Validation runs here, as for PUT: plugin code never runs on a grain's mailbox.
func (c *Client) PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (*messages.ConnectorInfo, error) {
	v, ok := c.rt.connectorView(name)
	if !ok {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	base := v.Config
	for {
		merged := maps.Clone(base)
		for k, val := range patch {
			if val == nil {
				delete(merged, k)
			} else {
				merged[k] = *val
			}
		}
		if err := c.rt.validator.ForWrite(merged); err != nil {
			return nil, err
		}
		reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, &messages.PatchConnectorConfig{Name: name, Base: base, Config: merged})
		if err != nil {
			return nil, err
		}
		r := reply.(*messages.PatchConnectorConfigReply)
		if !r.Stale {
			return r.Info, nil
		}
		if ctx.Err() != nil {
			return nil, &api.Error{Code: messages.ErrorCode_ERROR_CODE_TIMEOUT, Message: msgRequestTimedOut}
		}
		base = r.Current // another write came first: merge onto what is stored now
	}
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

// ConnectorStatus asks the connector grain for its live status; a grain on this worker has
// usually posted it on the status board, where it is read without a message (statusboard.go).
// The reply may be shared with other callers: it must not be modified.
//
// While ownership moves, the grain may be new on a worker whose tails of the config or
// status topic are a few records behind this one's, and answer that it knows no status.
// Kafka Connect answers status from the worker's status store, so this worker's tail
// answers then; a 404 is only for a connector that has no status record anywhere we can see.
func (c *Client) ConnectorStatus(ctx context.Context, name string) (*messages.ConnectorStatus, error) {
	entry, ok := c.rt.connectorEntry(name)
	if ok {
		if st, posted := c.rt.board.read(name, entry); posted && c.rt.owns(connectorIdentity(name), connectorKind) {
			return st, nil
		}
	}
	var v connectorView
	if ok {
		v = *entry
	} else if v, ok = c.caughtUpView(ctx, name); !ok {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgNoStatus, name)
	}
	reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, &messages.GetConnectorStatus{Name: name})
	if api.CodeOf(err) == messages.ErrorCode_ERROR_CODE_NOT_FOUND {
		if st, ok := c.rt.storedStatus(name, v); ok {
			return st, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return reply.(*messages.GetConnectorStatusReply).Status, nil
}

// lagReadTimeout bounds how long a request waits for this worker's config view to catch up
// before it answers that a connector does not exist.
const lagReadTimeout = 2 * time.Second

// caughtUpView looks a connector up again after this worker's config store has read the
// config topic to its end: another worker may have just written it. The read is bounded,
// so a broker that does not answer costs a 404 two seconds, not a hung request.
func (c *Client) caughtUpView(ctx context.Context, name string) (connectorView, bool) {
	rctx, cancel := context.WithTimeout(ctx, lagReadTimeout)
	defer cancel()
	if err := c.rt.stores.Config.ReadToEnd(rctx); err != nil {
		c.rt.log.Debug("config topic not read to its end", "connector", name, "err", err)
		return connectorView{}, false
	}
	return c.rt.connectorView(name)
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

// ExpandConnectors serves GET /connectors?expand=… from the local tails of the config and
// status topics, never from the grains, so that it stays one cheap call for thousands of
// connectors (DESIGN.md "How a request flows"). With status, a connector whose status record
// has not been read yet is left out, even when info was asked for too (spec §3.3, §16.7).
func (c *Client) ExpandConnectors(ctx context.Context, status, info bool) (map[string]api.ConnectorExpansion, error) {
	snap := c.rt.stores.Config.Snapshot()
	out := make(map[string]api.ConnectorExpansion, snap.Len())
	for _, name := range snap.Connectors() {
		v, _ := snap.Connector(name)
		var e api.ConnectorExpansion
		if status {
			st, ok := c.rt.storedStatus(name, *v)
			if !ok {
				continue
			}
			e.Status = st
		}
		if info {
			e.Info = connectorInfo(c.rt, name, *v)
		}
		out[name] = e
	}
	return out, nil
}

// ConnectorTopics lists the active topics of a connector from the local status store, sorted.
// Like Kafka Connect it does not check that the connector exists (spec §3.18, §16.8).
func (c *Client) ConnectorTopics(ctx context.Context, name string) ([]string, error) {
	topics := []string{}
	for _, t := range c.rt.stores.Status.Topics(name) {
		topics = append(topics, t.Topic)
	}
	return topics, nil
}

// ResetConnectorTopics tombstones the active-topic records of a connector and returns once
// they are visible; no existence check (spec §3.19). Tasks still running record their topics
// again as they use them.
func (c *Client) ResetConnectorTopics(ctx context.Context, name string) error {
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := c.rt.stores.Status.DeleteTopics(wctx, name); err != nil {
		return api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgResetTopicsFailed, name, err)
	}
	return nil
}
