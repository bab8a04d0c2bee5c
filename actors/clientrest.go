package actors

import (
	"context"
	"maps"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

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

// storedStatus builds a connector's status from the status topic's tail, as the grain's
// status does from its live reports: no tasks when STOPPED (spec §3.16), UNASSIGNED for a
// task with no record yet. false when the connector has no status record.
func (rt *Runtime) storedStatus(name string, v connectorView) (*messages.ConnectorStatus, bool) {
	own, ok := rt.stores.Status.Connector(name)
	if !ok {
		return nil, false
	}
	st := &messages.ConnectorStatus{Name: name, Connector: own, Type: rt.validator.ConnectorType(v.Config)}
	if v.Target == messages.TargetState_TARGET_STATE_STOPPED {
		return st, true
	}
	stored := rt.taskStatuses(name)
	for i := range int32(len(v.Tasks)) {
		s := stored[i]
		if s == nil {
			s = &messages.InstanceStatus{State: messages.State_STATE_UNASSIGNED}
		}
		st.Tasks = append(st.Tasks, &messages.TaskStatus{Task: i, Status: s})
	}
	return st, true
}

// PatchConnectorConfig merges patch into the connector's stored config (spec §3.8): a nil
// value removes its key, any other sets it; the result is validated and written as PUT
// writes it. NOT_FOUND when the connector has no config.
//
// The merge reads the local snapshot, so two PATCHes racing on one connector may lose one
// of their changes, as two racing PUTs would; the grain serialises only the writes.
func (c *Client) PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (*messages.ConnectorInfo, error) {
	v, ok := c.rt.connectorView(name)
	if !ok {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	merged := maps.Clone(v.Config)
	for k, val := range patch {
		if val == nil {
			delete(merged, k)
		} else {
			merged[k] = *val
		}
	}
	info, _, err := c.PutConnectorConfig(ctx, name, merged)
	return info, err
}
