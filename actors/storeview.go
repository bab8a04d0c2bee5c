package actors

import (
	"context"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/messages"
)

// connectorView is one connector of the local config snapshot.
type connectorView = store.ConnectorSnapshot

// connectorView returns a connector of the local config snapshot; the zero view (target
// STARTED, no tasks) when it has no config.
func (rt *Runtime) connectorView(name string) (connectorView, bool) {
	c, ok := rt.connectorEntry(name)
	if !ok {
		return connectorView{}, false
	}
	return *c, true
}

// connectorEntry is connectorView without the copy: the entry of the local config snapshot,
// shared with the store and with the next snapshots while the connector does not change.
func (rt *Runtime) connectorEntry(name string) (*store.ConnectorSnapshot, bool) {
	return rt.stores.Config.Snapshot().Connector(name)
}

// connectorViews returns every connector of the local config snapshot. Unchanged connectors
// keep their pointer from one snapshot to the next, which the reconciler relies on.
func (rt *Runtime) connectorViews() map[string]*store.ConnectorSnapshot {
	snap := rt.stores.Config.Snapshot()
	out := make(map[string]*store.ConnectorSnapshot, snap.Len())
	for _, name := range snap.Connectors() {
		c, _ := snap.Connector(name)
		out[name] = c
	}
	return out
}

// connectorInfo converts a stored connector for a reply.
func connectorInfo(rt *Runtime, name string, v connectorView) *messages.ConnectorInfo {
	info := &messages.ConnectorInfo{Name: name, Config: v.Config, Type: rt.validator.ConnectorType(v.Config)}
	for i, tc := range v.Tasks {
		info.Tasks = append(info.Tasks, &messages.TaskConfig{Task: int32(i), Config: tc})
	}
	return info
}

func (rt *Runtime) putConnectorStatus(name string, st *messages.InstanceStatus) {
	rt.stores.Status.PutConnectorAsync(name, st)
}

func (rt *Runtime) putTaskStatus(name string, task int32, st *messages.InstanceStatus) {
	rt.stores.Status.PutTaskAsync(name, task, st)
}

func (rt *Runtime) taskStatuses(name string) map[int32]*messages.InstanceStatus {
	return rt.stores.Status.Tasks(name)
}

// deleteConnectorStatus tombstones the connector's status records (spec §6.2: delete).
func (rt *Runtime) deleteConnectorStatus(name string, tasks int) {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := rt.stores.Status.DeleteConnector(ctx, name, tasks); err != nil {
		rt.log.Warn("delete status records", "connector", name, "err", err)
	}
}

// deleteTaskStatus tombstones one task's status record (its task no longer exists).
func (rt *Runtime) deleteTaskStatus(name string, task int32) {
	rt.stores.Status.PutTaskAsync(name, task, nil)
}

// storedStatus builds a connector's status from the status topic's tail, as the grain's
// status does from its live reports. false when the connector has no status record.
func (rt *Runtime) storedStatus(name string, v connectorView) (*messages.ConnectorStatus, bool) {
	own, ok := rt.stores.Status.Connector(name)
	if !ok {
		return nil, false
	}
	stored := rt.taskStatuses(name)
	return rt.assembleStatus(name, v, own, func(i int32) *messages.InstanceStatus { return stored[i] }), true
}

// assembleStatus is the status both the connector grain and the status topic's tail
// answer: own, and task(i) for each task of v, where nil leaves the task out (it has no
// record yet, spec §0.1); a stopped connector has no tasks (spec §3.16), so task is not
// called then.
func (rt *Runtime) assembleStatus(name string, v connectorView, own *messages.InstanceStatus, task func(int32) *messages.InstanceStatus) *messages.ConnectorStatus {
	st := &messages.ConnectorStatus{Name: name, Connector: own, Type: rt.validator.ConnectorType(v.Config)}
	if v.Target == messages.TargetState_TARGET_STATE_STOPPED {
		return st
	}
	for i := range int32(len(v.Tasks)) {
		if s := task(i); s != nil {
			st.Tasks = append(st.Tasks, &messages.TaskStatus{Task: i, Status: s})
		}
	}
	return st
}

// pluginVersion is the version of the plugin connector name runs, as its status reports it
// (Kafka Connect 4.1+); "" when the connector or its class is unknown here.
func (rt *Runtime) pluginVersion(name string) string {
	v, ok := rt.connectorView(name)
	if !ok {
		return ""
	}
	if p, err := rt.registry.SelectPlugin(v.Config["connector.class"], v.Config[pluginVersionKey]); err == nil {
		return p.Version
	}
	return ""
}

// pluginVersionKey selects the version of the connector's plugin (Kafka Connect 4.1+): the
// runtime makes the connector and its tasks of that version.
const pluginVersionKey = "connector.plugin.version"

// taskClassKey is the task config key naming the task's class (Kafka Connect's
// TaskConfig.TASK_CLASS_CONFIG).
const taskClassKey = "task.class"

// taskClass is the task class of the connector config's plugin; "" when unknown.
func (rt *Runtime) taskClass(config map[string]string) string {
	if p, err := rt.registry.SelectPlugin(config["connector.class"], config[pluginVersionKey]); err == nil {
		return p.TaskClass
	}
	return ""
}
