package actors

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strconv"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/configprovider"
	"github.com/connectd/connectd/actors/metrics"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/messages"
)

// connectorGrain is the single owner of one connector: it writes the connector's config,
// target state and task configs, runs the plugin's Connector in a runner child, and
// aggregates the status its tasks report.
type connectorGrain struct {
	rt       *Runtime
	name     string
	log      *slog.Logger
	behavior actor.Behavior

	runner *actor.PID // executes plugin calls, one at a time, off this mailbox
	// incarnation numbers plugin starts; results of an older incarnation are dropped.
	incarnation int
	// plugin is the started Connector (nil when stopped); pluginConfig is its config.
	plugin       connectors.Connector
	pluginConfig map[string]string
	// resolution is pluginConfig with its config-provider placeholders resolved; failure
	// traces are redacted with it, so that no resolved secret reaches a status.
	resolution *configprovider.Resolution
	starting   bool

	observed *messages.InstanceStatus // nil until the first state; replaced, never mutated
	tasks    map[int32]*taskReport
	holding  bool               // counted in Runtime.holding while this grain has run the plugin here
	metrics  *metrics.Connector // while the connector runs here; nil otherwise

	// awaitingTasks is set while the plugin is starting or computing task configs that this
	// grain is about to write; task restarts that arrive meanwhile wait in pendingRestarts.
	awaitingTasks   bool
	pendingRestarts []pendingRestart

	// posted is this grain's entry on Runtime.board, nil when none is up.
	posted *boardEntry
}

// pendingRestart is a task restart waiting for the task configs about to be written.
type pendingRestart struct {
	to   *actor.PID // the requester, answered once the configs are written
	task int32
}

// taskReport is the latest state a task grain reported.
type taskReport struct {
	instance string
	sequence int64
	status   *messages.InstanceStatus
}

// Local messages from the runner child; they never leave the process.
type (
	pluginStarted struct {
		incarnation int
		plugin      connectors.Connector
		config      map[string]string
		resolution  *configprovider.Resolution // config with its placeholders resolved
		taskConfigs []map[string]string
		err         error
	}
	taskConfigsComputed struct {
		incarnation int
		taskConfigs []map[string]string
		err         error
	}
	reconfigRequested struct{ incarnation int }
	pluginFailed      struct {
		incarnation int
		err         error
	}
)

func newConnectorGrain(rt *Runtime) actor.Actor {
	g := &connectorGrain{rt: rt, tasks: map[int32]*taskReport{}}
	g.behavior = actor.NewBehavior()
	g.behavior.Become(g.absent)
	return g
}

func (g *connectorGrain) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*messages.GetConnectorStatus); !ok {
		g.takeStatusDown() // before anything this message does can change the status
	}
	if g.name != "" && isConnectorCommand(ctx.Message()) && !g.owner() {
		// Asked through a stale view while ownership moves: the caller retries on the owner.
		g.stopPlugin(ctx)
		ctx.Respond(&messages.CommandReply{Error: notOwner})
		return
	}
	g.behavior.Receive(ctx)
}

func isConnectorCommand(msg any) bool {
	switch msg.(type) {
	case *messages.PutConnectorConfig, *messages.PatchConnectorConfig, *messages.DeleteConnector,
		*messages.PauseConnector, *messages.ResumeConnector, *messages.StopConnector,
		*messages.RestartConnector, *messages.GetConnectorStatus, *messages.RestartTask,
		*messages.AlterConnectorOffsets, *messages.ResetConnectorOffsets:
		return true
	}
	return false
}

// owner reports whether this member owns the grain now; only the owner runs the plugin or
// writes the connector's records (DESIGN.md, fencing).
func (g *connectorGrain) owner() bool { return g.rt.owns(connectorIdentity(g.name), connectorKind) }

func (g *connectorGrain) hold() {
	if !g.holding {
		g.holding = true
		g.rt.holding.Add(1)
	}
}

func (g *connectorGrain) release() {
	if g.holding {
		g.holding = false
		g.rt.holding.Add(-1)
	}
}

// lifecycle handles messages every behaviour treats alike; true means handled.
func (g *connectorGrain) lifecycle(ctx actor.Context) bool {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		g.runner = ctx.Spawn(runnerProps())
		return true
	case *cluster.ClusterInit:
		name, err := parseConnectorIdentity(m.Identity.Identity)
		if err != nil {
			g.rt.log.Error("bad connector identity", "identity", m.Identity.Identity, "err", err)
			ctx.Stop(ctx.Self())
			return true
		}
		g.name = name
		g.log = g.rt.log.With("connector", name)
		g.converge(ctx)
		return true
	case *actor.Stopping:
		g.stopPlugin(ctx)
		if g.rt.member.Draining() && g.observed != nil && g.observed.GetState() != messages.State_STATE_FAILED {
			g.setState(messages.State_STATE_UNASSIGNED, "") // until a peer takes it over (spec §6.2)
		}
		return true
	case *actor.Stopped:
		g.release()
		g.dropMetrics()
		return true
	case *actor.Restarting, *actor.Terminated:
		return true
	case *actor.ReceiveTimeout:
		g.passivate(ctx)
		return true
	case *pluginStarted:
		g.onPluginStarted(ctx, m)
		return true
	case *taskConfigsComputed:
		g.onTaskConfigsComputed(ctx, m)
		return true
	case *reconfigRequested:
		if m.incarnation == g.incarnation && g.plugin != nil {
			g.computeTaskConfigs(ctx)
		}
		return true
	case *pluginFailed:
		if m.incarnation == g.incarnation {
			g.fail(ctx, m.err)
		}
		return true
	case *messages.TaskStateChanged:
		g.onTaskStateChanged(m)
		ctx.Respond(&messages.CommandReply{})
		return true
	case *messages.EnsureConnector:
		g.converge(ctx)
		ctx.Respond(&messages.CommandReply{})
		return true
	}
	return false
}

// becomeAbsent switches to the absent behaviour and arms the idle timer: a grain of a
// connector that does not exist (deleted, or only asked about) is released once no message
// reached it for IdleGrainTimeout, so that deleted connectors, and names a client merely
// looked up, do not hold memory for the life of the worker.
func (g *connectorGrain) becomeAbsent(ctx actor.Context) {
	g.behavior.Become(g.absent)
	ctx.SetReceiveTimeout(g.rt.cfg.IdleGrainTimeout)
}

// passivate stops the grain if its connector still does not exist and nothing runs.
//
// Why this is safe with protoactor (notes §2.5, §3.2): Stop is a system message, handled
// before any user message still queued, and the grain has then no work to drain; from the
// moment it is stopped the placement actor forgets it (Terminated) and every later request
// either dead-letters and is retried by the identity lookup, which activates a new grain,
// or finds the new grain. Only a message that reaches the mailbox in the instant between
// this check and the stop is dropped, and after IdleGrainTimeout of silence that is a
// message about a connector that does not exist: a create, whose caller times out and
// retries, or a poke the reconciler repeats.
func (g *connectorGrain) passivate(ctx actor.Context) {
	if _, ok := g.rt.connectorView(g.name); ok || g.plugin != nil || g.starting {
		if !ok {
			ctx.SetReceiveTimeout(g.rt.cfg.IdleGrainTimeout)
		}
		return
	}
	g.rt.log.Debug("releasing the grain of a connector that does not exist", "connector", g.name)
	ctx.Stop(ctx.Self())
}

// absent is the behaviour while no config is stored: only a create is accepted.
func (g *connectorGrain) absent(ctx actor.Context) {
	if g.lifecycle(ctx) {
		return
	}
	switch m := ctx.Message().(type) {
	case *messages.PutConnectorConfig:
		g.onPutConfig(ctx, m)
	case *messages.GetConnectorStatus:
		ctx.Respond(&messages.GetConnectorStatusReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgNoStatus, g.name))})
	case *messages.RestartConnector:
		ctx.Respond(&messages.RestartConnectorReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownConnectorR, g.name))})
	case *messages.RestartTask:
		ctx.Respond(&messages.CommandReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownConnectorR, g.name))})
	case *messages.PatchConnectorConfig:
		ctx.Respond(&messages.PatchConnectorConfigReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, g.name))})
	case *messages.DeleteConnector:
		ctx.Respond(&messages.CommandReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, g.name))})
	case *messages.PauseConnector, *messages.ResumeConnector, *messages.StopConnector:
		ctx.Respond(&messages.CommandReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownConnector, g.name))})
	case *messages.AlterConnectorOffsets, *messages.ResetConnectorOffsets:
		g.onModifyOffsets(ctx) // offsets.go: answers NOT_FOUND
	default:
		g.unknown(ctx)
	}
}

// present is the behaviour while a config is stored, whatever the target state.
func (g *connectorGrain) present(ctx actor.Context) {
	if g.lifecycle(ctx) {
		return
	}
	switch m := ctx.Message().(type) {
	case *messages.PutConnectorConfig:
		g.onPutConfig(ctx, m)
	case *messages.PatchConnectorConfig:
		g.onPatchConfig(ctx, m)
	case *messages.DeleteConnector:
		g.onDelete(ctx)
	case *messages.PauseConnector:
		g.onTargetState(ctx, messages.TargetState_TARGET_STATE_PAUSED)
	case *messages.ResumeConnector:
		g.onTargetState(ctx, messages.TargetState_TARGET_STATE_STARTED)
	case *messages.StopConnector:
		g.onTargetState(ctx, messages.TargetState_TARGET_STATE_STOPPED)
	case *messages.RestartConnector:
		g.onRestart(ctx, m)
	case *messages.GetConnectorStatus:
		st, ok := g.answerStatus()
		if !ok {
			ctx.Respond(&messages.GetConnectorStatusReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgNoStatus, g.name))})
			return
		}
		ctx.Respond(&messages.GetConnectorStatusReply{Status: st})
	case *messages.RestartTask:
		g.onRestartTask(ctx, m)
	case *messages.AlterConnectorOffsets, *messages.ResetConnectorOffsets:
		g.onModifyOffsets(ctx) // offsets.go
	default:
		g.unknown(ctx)
	}
}

// unknown answers a message this grain does not know, instead of crashing (notes §0.7).
func (g *connectorGrain) unknown(ctx actor.Context) {
	g.rt.log.Warn("connector grain: unknown message", "connector", g.name, "type", typeName(ctx.Message()))
	if ctx.Sender() != nil {
		ctx.Respond(&messages.CommandReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "unknown message %s", typeName(ctx.Message())))})
	}
}

func (g *connectorGrain) onPutConfig(ctx actor.Context, m *messages.PutConnectorConfig) {
	_, exists := g.rt.connectorView(g.name)
	if exists && !m.AllowReplace {
		ctx.Respond(&messages.PutConnectorConfigReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_ALREADY_EXISTS, msgAlreadyExists, g.name))})
		return
	}
	wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	// A new connector's non-default initial state is written first, so that no member ever
	// sees the config without it and starts the connector (spec §3.4).
	if !exists && m.InitialState != messages.TargetState_TARGET_STATE_UNSPECIFIED && m.InitialState != messages.TargetState_TARGET_STATE_STARTED {
		if err := g.rt.stores.Config.PutTargetState(wctx, g.name, m.InitialState); err != nil {
			ctx.Respond(&messages.PutConnectorConfigReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "Error writing target state to Kafka: %v", err))})
			return
		}
	}
	if err := g.rt.stores.Config.PutConnectorConfig(wctx, g.name, m.Config); err != nil {
		ctx.Respond(&messages.PutConnectorConfigReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "Error writing connector configuration to Kafka: %v", err))})
		return
	}
	// Tasks are answered as they are now: [] for a new connector (spec §3.4, distributed).
	reply := &messages.PutConnectorConfigReply{Created: !exists, Info: g.info()}
	g.converge(ctx)
	ctx.Respond(reply)
}

// onPatchConfig writes a patched config if the stored config is still the one the patch was
// merged onto, and otherwise answers stale with the stored config (spec §3.8). The compare
// and the write happen here, on the grain that alone writes this connector's config, so a
// patch racing another cannot undo it; the merge and the validation (plugin code) happen in
// the caller, never on this mailbox.
func (g *connectorGrain) onPatchConfig(ctx actor.Context, m *messages.PatchConnectorConfig) {
	reply := func(err error) { ctx.Respond(&messages.PatchConnectorConfigReply{Error: toWire(err)}) }
	v, ok := g.rt.connectorView(g.name)
	if !ok {
		reply(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, g.name))
		return
	}
	if !maps.Equal(v.Config, m.Base) {
		ctx.Respond(&messages.PatchConnectorConfigReply{Stale: true, Current: v.Config})
		return
	}
	wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := g.rt.stores.Config.PutConnectorConfig(wctx, g.name, m.Config); err != nil {
		reply(api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "Error writing connector configuration to Kafka: %v", err))
		return
	}
	info := g.info()
	g.converge(ctx)
	ctx.Respond(&messages.PatchConnectorConfigReply{Info: info})
}

func (g *connectorGrain) info() *messages.ConnectorInfo {
	v, ok := g.rt.connectorView(g.name)
	if !ok {
		return nil
	}
	return connectorInfo(g.rt, g.name, v)
}

func (g *connectorGrain) onDelete(ctx actor.Context) {
	v, _ := g.rt.connectorView(g.name)
	wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := g.rt.stores.Config.DeleteConnector(wctx, g.name); err != nil {
		ctx.Respond(&messages.CommandReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "Error deleting connector from Kafka: %v", err))})
		return
	}
	g.stopPlugin(ctx)
	// Tombstoned before the reply, so a create that follows is never tombstoned by it.
	g.rt.deleteConnectorStatus(g.name, len(v.Tasks))
	g.observed, g.pluginConfig = nil, nil
	clear(g.tasks)
	g.pokeTasks(len(v.Tasks))
	// The grain stays active in its absent behaviour for a while, so that a create of the
	// same name that follows finds it; it is released once idle (passivate).
	g.becomeAbsent(ctx)
	g.dropMetrics()
	ctx.Respond(&messages.CommandReply{})
}

func (g *connectorGrain) onTargetState(ctx actor.Context, target messages.TargetState) {
	v, _ := g.rt.connectorView(g.name)
	wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if target == messages.TargetState_TARGET_STATE_STOPPED && len(v.Tasks) > 0 {
		// Kafka Connect writes the empty task set before the STOPPED target (spec §3.16).
		if err := g.rt.stores.Config.PutTaskConfigs(wctx, g.name, nil); err != nil {
			ctx.Respond(&messages.CommandReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "Error writing task configurations to Kafka: %v", err))})
			return
		}
	}
	if v.Target != target {
		if err := g.rt.stores.Config.PutTargetState(wctx, g.name, target); err != nil {
			ctx.Respond(&messages.CommandReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "Error writing target state to Kafka: %v", err))})
			return
		}
	}
	g.converge(ctx)
	g.pokeTasks(len(v.Tasks))
	ctx.Respond(&messages.CommandReply{})
}

func (g *connectorGrain) onRestart(ctx actor.Context, m *messages.RestartConnector) {
	legacy := !m.IncludeTasks && !m.OnlyFailed
	plan, ok := g.status()
	if !ok {
		if !legacy { // no status to plan from yet (spec §0.1)
			ctx.Respond(&messages.RestartConnectorReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgNoStatus, g.name))})
			return
		}
		g.restartPlugin(ctx)
		ctx.Respond(&messages.RestartConnectorReply{})
		return
	}
	restartConnector := !m.OnlyFailed || plan.Connector.GetState() == messages.State_STATE_FAILED
	if restartConnector {
		if !legacy {
			plan.Connector.State = messages.State_STATE_RESTARTING
		}
		g.restartPlugin(ctx)
	}
	if m.IncludeTasks {
		for _, t := range plan.Tasks {
			if !m.OnlyFailed || t.Status.GetState() == messages.State_STATE_FAILED {
				t.Status.State = messages.State_STATE_RESTARTING
				g.rt.tell(taskIdentity(g.name, t.Task), taskKind, &messages.RestartTask{Connector: g.name, Task: t.Task})
			}
		}
	}
	ctx.Respond(&messages.RestartConnectorReply{Plan: plan})
}

// converge makes the plugin match the stored config and target state.
func (g *connectorGrain) converge(ctx actor.Context) {
	if !g.owner() {
		// Another member owns it now (or this one drains): stop, forget, write nothing; the
		// owner reports the connector's state.
		g.stopPlugin(ctx)
		g.observed, g.pluginConfig = nil, nil
		clear(g.tasks)
		g.release()
		g.dropMetrics()
		g.dropRestarts(ctx, notOwner) // the Client asks the new owner
		return
	}
	v, ok := g.rt.connectorView(g.name)
	if !ok {
		g.stopPlugin(ctx)
		g.becomeAbsent(ctx)
		g.dropMetrics()
		g.flushRestarts(ctx)
		return
	}
	ctx.CancelReceiveTimeout()
	g.behavior.Become(g.present)
	if g.metrics == nil {
		g.metrics = g.rt.metrics.Connector(g.name)
		if st := g.observed.GetState(); st != messages.State_STATE_UNSPECIFIED {
			g.metrics.SetState(stateName(st))
		}
	}
	switch v.Target {
	case messages.TargetState_TARGET_STATE_PAUSED:
		g.stopPlugin(ctx)
		g.setState(messages.State_STATE_PAUSED, "")
		g.flushRestarts(ctx) // no task configs are written while paused
	case messages.TargetState_TARGET_STATE_STOPPED:
		g.stopPlugin(ctx)
		g.setState(messages.State_STATE_STOPPED, "")
		g.flushRestarts(ctx)
	default:
		if g.observed.GetState() == messages.State_STATE_FAILED && maps.Equal(g.pluginConfig, v.Config) {
			return // FAILED stays FAILED until a restart or a new config
		}
		if g.plugin != nil || g.starting {
			if maps.Equal(g.pluginConfig, v.Config) {
				if v.Inconsistent && g.plugin != nil {
					g.computeTaskConfigs(ctx) // the stored task set is incomplete: regenerate it
				}
				return
			}
			g.stopPlugin(ctx)
		}
		g.startPlugin(ctx, v.Config)
	}
}

func (g *connectorGrain) restartPlugin(ctx actor.Context) {
	g.stopPlugin(ctx)
	// Kafka Connect writes UNASSIGNED when it stops a connector, and so does this: the status
	// stays readable through the restart (a second restart plans from it; the status topic may
	// not have read back the last record yet), and RUNNING is written anew once started.
	g.setState(messages.State_STATE_UNASSIGNED, "")
	g.pluginConfig = nil
	g.converge(ctx)
}

func (g *connectorGrain) startPlugin(ctx actor.Context, config map[string]string) {
	g.hold()
	g.incarnation++
	g.starting = true
	g.awaitingTasks = true
	g.pluginConfig = config
	inc, self, rt, stats := g.incarnation, ctx.Self(), g.rt, g.metrics
	cctx := &connectorContext{send: func(msg any) { rt.member.System().Root.Send(self, msg) }, incarnation: inc}
	rt.metrics.ConnectorStartupAttempt()
	ctx.Send(g.runner, &pluginCall{incarnation: inc, run: func() any {
		res := &pluginStarted{incarnation: inc, config: config}
		resolved, err := rt.resolve(config)
		if err != nil {
			res.err = err
			return res
		}
		res.resolution = resolved
		conn, plugin, err := rt.registry.SelectConnector(config["connector.class"], config[pluginVersionKey])
		if err != nil {
			res.err = err
			return res
		}
		if stats != nil {
			stats.SetInfo(plugin.Class, string(plugin.Type), conn.Version())
		}
		if err := conn.Start(cctx, resolved.Config); err != nil {
			_ = conn.Stop()
			res.err = redact(resolved, err)
			return res
		}
		res.plugin = conn
		var taskConfigs []map[string]string
		taskConfigs, res.err = conn.TaskConfigs(maxTasks(config))
		res.taskConfigs = rt.cfg.Providers.Restore(config, taskConfigs)
		if res.err != nil {
			res.err = redact(resolved, res.err)
			_ = conn.Stop()
			res.plugin = nil
		}
		return res
	}})
}

func (g *connectorGrain) onPluginStarted(ctx actor.Context, m *pluginStarted) {
	if m.incarnation != g.incarnation {
		if m.plugin != nil { // started after it was superseded: stop it again
			p := m.plugin
			ctx.Send(g.runner, &pluginCall{run: func() any { _ = p.Stop(); return nil }})
		}
		return
	}
	g.starting = false
	g.rt.metrics.ConnectorStartupResult(m.err == nil)
	g.resolution = m.resolution
	if m.err != nil {
		g.fail(ctx, m.err)
		return
	}
	g.plugin = m.plugin
	g.setState(messages.State_STATE_RUNNING, "")
	g.applyTaskConfigs(ctx, m.taskConfigs)
}

func (g *connectorGrain) computeTaskConfigs(ctx actor.Context) {
	p, inc, max, raw, providers := g.plugin, g.incarnation, maxTasks(g.pluginConfig), g.pluginConfig, g.rt.cfg.Providers
	g.awaitingTasks = true
	ctx.Send(g.runner, &pluginCall{incarnation: inc, run: func() any {
		tc, err := p.TaskConfigs(max)
		return &taskConfigsComputed{incarnation: inc, taskConfigs: providers.Restore(raw, tc), err: err}
	}})
}

func (g *connectorGrain) onTaskConfigsComputed(ctx actor.Context, m *taskConfigsComputed) {
	if m.incarnation != g.incarnation || g.plugin == nil {
		return
	}
	if m.err != nil {
		g.fail(ctx, m.err)
		return
	}
	g.applyTaskConfigs(ctx, m.taskConfigs)
}

// applyTaskConfigs writes the plugin's task configs when they differ from the stored ones,
// then pokes every task grain, old and new, and answers the task restarts that waited for
// them.
func (g *connectorGrain) applyTaskConfigs(ctx actor.Context, taskConfigs []map[string]string) {
	defer g.flushRestarts(ctx)
	v, ok := g.rt.connectorView(g.name)
	if !ok || v.Target != messages.TargetState_TARGET_STATE_STARTED {
		return
	}
	if max := maxTasks(v.Config); len(taskConfigs) > max {
		g.fail(ctx, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "The connector %s has generated %d tasks, which is greater than %d, the maximum number of tasks it is configured to create.", g.name, len(taskConfigs), max))
		return
	}
	taskConfigs = withTaskClass(taskConfigs, g.rt.taskClass(v.Config))
	source := g.rt.validator.ConnectorType(v.Config) == string(connectors.Source)
	switch {
	case !sameTaskConfigs(v.Tasks, taskConfigs):
		// A zombie fencing round, the new task configs, then the task count record that
		// says they need no further round (Kafka Connect writes it at the first task's
		// start; here the round comes first, so no old producer can write after them).
		wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		defer cancel()
		if source {
			if err := g.rt.fenceZombies(wctx, g.name, v, len(taskConfigs)); err != nil {
				g.fail(ctx, err)
				return
			}
		}
		if err := g.rt.stores.Config.PutTaskConfigs(wctx, g.name, taskConfigs); err != nil {
			g.fail(ctx, err)
			return
		}
		if source {
			if err := g.rt.recordTaskCount(wctx, g.name, len(taskConfigs)); err != nil {
				g.fail(ctx, err)
				return
			}
		}
	case source && v.PendingFencing && g.rt.cfg.exactlyOnce():
		// Stored task configs no round has covered yet: written by an Apache Kafka Connect
		// worker whose tasks had not started, or by this grain before a crash.
		wctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		defer cancel()
		prev := v
		prev.Tasks = nil // the pending configs' tasks never started; the record says who may have
		if err := g.rt.fenceZombies(wctx, g.name, prev, len(v.Tasks)); err != nil {
			g.fail(ctx, err)
			return
		}
		if err := g.rt.recordTaskCount(wctx, g.name, len(v.Tasks)); err != nil {
			g.fail(ctx, err)
			return
		}
	}
	g.pokeTasks(max(len(v.Tasks), len(taskConfigs)))
}

// withTaskClass returns the task configs with task.class set to class, as Kafka Connect
// writes it into each (spec §0.1); unchanged when class is unknown or a config sets its own.
func withTaskClass(configs []map[string]string, class string) []map[string]string {
	if class == "" {
		return configs
	}
	out := make([]map[string]string, len(configs))
	for i, c := range configs {
		if _, ok := c[taskClassKey]; ok {
			out[i] = c
			continue
		}
		out[i] = maps.Clone(c)
		if out[i] == nil {
			out[i] = map[string]string{}
		}
		out[i][taskClassKey] = class
	}
	return out
}

// onRestartTask serves a task restart the Client could not place, the task not being in the
// config snapshot it read (spec §0.1). When this grain is about to write its task configs,
// the restart waits for them, as Kafka Connect queues it behind them; otherwise it goes to the
// task if the task exists now, or is "Unknown task".
func (g *connectorGrain) onRestartTask(ctx actor.Context, m *messages.RestartTask) {
	v, _ := g.rt.connectorView(g.name)
	switch {
	case m.Task >= 0 && int(m.Task) < len(v.Tasks):
		g.rt.tell(taskIdentity(g.name, m.Task), taskKind, &messages.RestartTask{Connector: g.name, Task: m.Task})
		ctx.Respond(&messages.CommandReply{})
	case m.Task >= 0 && g.awaitingTasks && ctx.Sender() != nil:
		g.pendingRestarts = append(g.pendingRestarts, pendingRestart{to: ctx.Sender(), task: m.Task})
	default:
		ctx.Respond(&messages.CommandReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownTask, g.name, m.Task))})
	}
}

// flushRestarts answers the task restarts that waited: each goes to its task if the stored
// task configs have it (after the EnsureTask pokeTasks sent it, so the task starts first),
// else is "Unknown task".
func (g *connectorGrain) flushRestarts(ctx actor.Context) {
	g.awaitingTasks = false
	pending := g.pendingRestarts
	g.pendingRestarts = nil
	if len(pending) == 0 {
		return
	}
	v, _ := g.rt.connectorView(g.name)
	for _, p := range pending {
		reply := &messages.CommandReply{}
		if int(p.task) < len(v.Tasks) {
			g.rt.tell(taskIdentity(g.name, p.task), taskKind, &messages.RestartTask{Connector: g.name, Task: p.task})
		} else {
			reply.Error = toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownTask, g.name, p.task))
		}
		ctx.Send(p.to, reply)
	}
}

// dropRestarts answers the waiting task restarts with err: the task configs they waited for
// will not be written here.
func (g *connectorGrain) dropRestarts(ctx actor.Context, err *messages.Error) {
	g.awaitingTasks = false
	for _, p := range g.pendingRestarts {
		ctx.Send(p.to, &messages.CommandReply{Error: err})
	}
	g.pendingRestarts = nil
}

// pokeTasks sends EnsureTask to tasks 0..n-1, which converge on the stored state.
func (g *connectorGrain) pokeTasks(n int) {
	for i := range int32(n) {
		g.rt.tell(taskIdentity(g.name, i), taskKind, &messages.EnsureTask{Connector: g.name, Task: i})
	}
}

func (g *connectorGrain) stopPlugin(ctx actor.Context) {
	g.incarnation++ // drops results of a start still in flight
	g.starting = false
	if p := g.plugin; p != nil {
		g.plugin = nil
		ctx.Send(g.runner, &pluginCall{run: func() any { _ = p.Stop(); return nil }})
	}
}

func (g *connectorGrain) fail(ctx actor.Context, err error) {
	err = redact(g.resolution, err)
	g.log.Warn("connector failed", "err", err)
	g.stopPlugin(ctx)
	g.setState(messages.State_STATE_FAILED, traceOf(err))
	g.flushRestarts(ctx)
}

func (g *connectorGrain) setState(state messages.State, trace string) {
	// A config that selects another version of the plugin restarts the connector in the same
	// state: its status is written again with the version it runs now, as Kafka Connect does.
	version := g.rt.pluginVersion(g.name)
	if g.observed.GetState() == state && g.observed.GetTrace() == trace && g.observed.GetVersion() == version {
		return
	}
	g.log.Info("connector state", "state", stateName(state))
	if g.metrics != nil {
		g.metrics.SetState(stateName(state))
	}
	g.observed = &messages.InstanceStatus{State: state, Trace: trace, WorkerId: g.rt.cfg.WorkerID, Generation: g.rt.generation(),
		Version: version}
	g.rt.putConnectorStatus(g.name, g.observed)
}

func (g *connectorGrain) onTaskStateChanged(m *messages.TaskStateChanged) {
	r := g.tasks[m.Task]
	if r != nil && r.instance == m.Instance && r.sequence >= m.Sequence {
		return // an older report overtaken by a newer one
	}
	g.tasks[m.Task] = &taskReport{instance: m.Instance, sequence: m.Sequence, status: m.Status}
}

// status is the live status: this grain's own (or the status topic's record, before this
// activation has one), and each task's latest report (or its record, before the task has
// reported to this activation). Only what was stored is reported (spec §0.1): false when the
// connector has no status yet, and a task with none is left out, as Kafka Connect lists it.
func (g *connectorGrain) status() (*messages.ConnectorStatus, bool) {
	st, _, ok := g.computeStatus()
	return st, ok
}

// answerStatus is status, posted on Runtime.board when it was computed from this grain's
// state and the config snapshot alone.
func (g *connectorGrain) answerStatus() (*messages.ConnectorStatus, bool) {
	st, from, ok := g.computeStatus()
	if ok && from != nil {
		g.takeStatusDown()
		g.posted = &boardEntry{view: from, status: st}
		g.rt.board.post(g.name, g.posted)
	}
	return st, ok
}

// takeStatusDown takes this grain's status off Runtime.board.
func (g *connectorGrain) takeStatusDown() {
	if g.posted != nil {
		g.rt.board.take(g.name, g.posted)
		g.posted = nil
	}
}

// computeStatus is status; from is the config snapshot entry it was computed from, nil when
// it also read the status store (or the connector has no config).
func (g *connectorGrain) computeStatus() (st *messages.ConnectorStatus, from *store.ConnectorSnapshot, ok bool) {
	from, _ = g.rt.connectorEntry(g.name)
	var v connectorView
	if from != nil {
		v = *from
	}
	var own *messages.InstanceStatus
	if g.observed != nil {
		own = copyStatus(g.observed)
	} else if stored, ok := g.rt.stores.Status.Connector(g.name); ok {
		own, from = stored, nil // the store's copy
	} else {
		return nil, nil, false
	}
	var stored map[int32]*messages.InstanceStatus // the store's copies, read only for a task that has not reported
	st = g.rt.assembleStatus(g.name, v, own, func(i int32) *messages.InstanceStatus {
		if r := g.tasks[i]; r != nil {
			return copyStatus(r.status)
		}
		if stored == nil {
			stored = g.rt.taskStatuses(g.name)
		}
		from = nil
		return stored[i]
	})
	return st, from, true
}

// copyStatus copies s field by field: the reply leaves the grain, and proto.Clone's reflection
// was a twentieth of the worker's CPU on GET …/status. TestCopyStatusCopiesEveryField fails
// when InstanceStatus gains a field this does not copy.
func copyStatus(s *messages.InstanceStatus) *messages.InstanceStatus {
	if s == nil {
		return nil
	}
	return &messages.InstanceStatus{State: s.State, WorkerId: s.WorkerId, Trace: s.Trace, Generation: s.Generation, Version: s.Version}
}

// connectorContext is the plugin's handle on its grain.
type connectorContext struct {
	send        func(any)
	incarnation int
}

func (c *connectorContext) RequestTaskReconfiguration() {
	c.send(&reconfigRequested{incarnation: c.incarnation})
}

func (c *connectorContext) RaiseError(err error) {
	c.send(&pluginFailed{incarnation: c.incarnation, err: err})
}

// maxTasks reads tasks.max from a validated config.
func maxTasks(config map[string]string) int {
	n, err := strconv.Atoi(config["tasks.max"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func sameTaskConfigs(a, b []map[string]string) bool {
	return slices.EqualFunc(a, b, func(x, y map[string]string) bool { return maps.Equal(x, y) })
}

// dropMetrics removes the connector's metrics: it no longer runs here.
func (g *connectorGrain) dropMetrics() {
	if g.metrics != nil {
		g.rt.metrics.RemoveConnector(g.name)
		g.metrics = nil
	}
}
