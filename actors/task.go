package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/metrics"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/messages"
)

// taskGrain owns one task of a connector: it runs the plugin task in a runner child, drives
// it to the connector's target state, and reports every state change to the status topic
// and to its connector grain.
type taskGrain struct {
	rt       *Runtime
	name     string
	task     int32
	log      *slog.Logger
	instance string // this activation, so the connector grain can order reports
	sequence int64

	runner         *actor.PID
	runnerGen      int
	runnerConfig   map[string]string
	runnerStarted  bool // the plugin task's Start returned
	restartPending bool // start a new runner once the old one has terminated
	failed         bool
	// Automatic restarts of a failed task (Config.RestartFailedTasks): how many in a row,
	// the generation of the pending one (a manual restart or a new config supersedes it),
	// and when the runner last started.
	autoRestarts int
	autoGen      int
	startedAt    time.Time
	gone         bool // the task no longer exists; the grain idles until it does again
	stopping     bool // the grain stops (its member drains, or the task moved): it reports nothing more

	observed *messages.InstanceStatus // nil until the first state; replaced, never mutated
	holding  bool                     // counted in Runtime.holding while a runner lives here
	metrics  *metrics.Task            // of the runner's task start; nil while none runs here
}

// Local messages from the runner child.
type (
	taskStarted struct{ gen int }
	taskExited  struct {
		gen int
		err error
	}
)

func newTaskGrain(rt *Runtime) actor.Actor { return &taskGrain{rt: rt} }

func (g *taskGrain) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *messages.RestartTask:
		if !g.owner() {
			// Asked through a stale view while ownership moves: the caller retries.
			g.converge(ctx)
			ctx.Respond(&messages.CommandReply{Error: notOwner})
			return
		}
	}
	switch m := ctx.Message().(type) {
	case *actor.Stopped:
		g.release()
		g.dropMetrics()
	case *actor.Started, *actor.Restarting:
	case *actor.ReceiveTimeout:
		g.passivate(ctx)
	case *cluster.ClusterInit:
		name, n, err := parseTaskIdentity(m.Identity.Identity)
		if err != nil {
			g.rt.log.Error("bad task identity", "identity", m.Identity.Identity, "err", err)
			ctx.Stop(ctx.Self())
			return
		}
		g.name, g.task = name, n
		g.log = g.rt.log.With("connector", name, "task", n)
		g.instance = fmt.Sprintf("%s/%d", g.rt.member.Address(), time.Now().UnixNano())
		g.converge(ctx)
	case *actor.Stopping:
		g.onStopping()
	case *actor.Terminated:
		g.onRunnerTerminated(ctx, m)
	case *taskStarted:
		if m.gen == g.runnerGen {
			g.rt.metrics.TaskStartupResult(true)
			g.runnerStarted, g.startedAt = true, time.Now()
			g.reportRunningOrPaused()
		}
	case *autoRestart:
		if m.gen == g.autoGen && g.failed && g.owner() {
			g.log.Info("restarting the failed task (connectd.task.restart.failed.enable)", "attempt", g.autoRestarts)
			g.restart(ctx)
		}
	case *taskExited:
		g.onTaskExited(ctx, m)
	case *messages.EnsureTask:
		g.converge(ctx)
		ctx.Respond(&messages.CommandReply{})
	case *messages.RestartTask:
		g.onRestart(ctx)
	default:
		g.rt.log.Warn("task grain: unknown message", "type", typeName(ctx.Message()))
		if ctx.Sender() != nil {
			ctx.Respond(&messages.CommandReply{Error: toWire(api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "unknown message %s", typeName(ctx.Message())))})
		}
	}
}

// taskDecision is what a task grain does next.
type taskDecision int

const (
	taskKeep    taskDecision = iota // nothing to change
	taskRemove                      // the task no longer exists: stop and leave
	taskStart                       // start a runner
	taskRestart                     // stop the runner, then start a new one (config changed)
	taskPause
	taskResume
)

// decideTask is the task's state machine as a plain function: given what is stored and what
// runs, what now?
func decideTask(exists bool, target messages.TargetState, configChanged, running, failed, paused bool) taskDecision {
	switch {
	case !exists || target == messages.TargetState_TARGET_STATE_STOPPED:
		return taskRemove
	case failed && !configChanged:
		return taskKeep // FAILED stays FAILED until a restart (spec §6.2)
	case running && configChanged:
		return taskRestart
	case !running:
		return taskStart
	case target == messages.TargetState_TARGET_STATE_PAUSED && !paused:
		return taskPause
	case target != messages.TargetState_TARGET_STATE_PAUSED && paused:
		return taskResume
	}
	return taskKeep
}

// owner reports whether this member owns the task now; only the owner runs it.
func (g *taskGrain) owner() bool { return g.rt.owns(taskIdentity(g.name, g.task), taskKind) }

func (g *taskGrain) hold() {
	if !g.holding {
		g.holding = true
		g.rt.holding.Add(1)
	}
}

func (g *taskGrain) release() {
	if g.holding {
		g.holding = false
		g.rt.holding.Add(-1)
	}
}

func (g *taskGrain) converge(ctx actor.Context) {
	if !g.owner() {
		// Another member owns the task now (or this one drains): stop the runner and write
		// nothing; the owner reports the task's state.
		g.stopRunner(ctx)
		g.restartPending, g.runnerConfig, g.failed, g.observed = false, nil, false, nil
		g.dropMetrics()
		if g.runner == nil {
			g.release()
		}
		return
	}
	v, ok := g.rt.connectorView(g.name)
	exists := ok && int(g.task) < len(v.Tasks)
	var config map[string]string
	if exists {
		config = v.Tasks[g.task]
	}
	running := g.runner != nil || g.restartPending
	paused := g.observed.GetState() == messages.State_STATE_PAUSED
	decision := decideTask(exists, v.Target, !maps.Equal(config, g.runnerConfig), running, g.failed, paused)
	if decision != taskRemove && g.gone {
		g.gone = false
		ctx.CancelReceiveTimeout()
	}
	switch decision {
	case taskRemove:
		// The grain stays active for a while, so that a task of the same name created soon
		// after converges here; it is released once idle (passivate).
		if !g.gone {
			g.gone, g.failed, g.observed = true, false, nil
			g.stopRunner(ctx)
			g.restartPending = false
			g.runnerConfig = nil
			g.rt.deleteTaskStatus(g.name, g.task)
			g.dropMetrics()
			ctx.SetReceiveTimeout(g.rt.cfg.IdleGrainTimeout)
		}
		return
	case taskStart:
		g.failed = false
		g.startRunner(ctx, config, v.Target == messages.TargetState_TARGET_STATE_PAUSED)
	case taskRestart:
		g.failed = false
		g.stopRunner(ctx)
		g.restartPending = true
	case taskPause:
		ctx.Send(g.runner, pauseTask{})
		g.reportRunningOrPaused()
	case taskResume:
		ctx.Send(g.runner, resumeTask{})
		g.reportRunningOrPaused()
	}
}

// passivate stops the grain of a task that no longer exists once its runner has stopped;
// connectorGrain.passivate says why that is safe. A task that exists again is kept.
func (g *taskGrain) passivate(ctx actor.Context) {
	if !g.gone {
		return
	}
	if v, ok := g.rt.connectorView(g.name); (ok && int(g.task) < len(v.Tasks) && v.Target != messages.TargetState_TARGET_STATE_STOPPED) || g.runner != nil {
		ctx.SetReceiveTimeout(g.rt.cfg.IdleGrainTimeout) // converge decides on the next poke
		return
	}
	g.rt.log.Debug("releasing the grain of a task that does not exist", "connector", g.name, "task", g.task)
	ctx.Stop(ctx.Self())
}

func (g *taskGrain) onRestart(ctx actor.Context) {
	g.autoRestarts = 0
	g.autoGen++ // a pending automatic restart is superseded
	g.restart(ctx)
	ctx.Respond(&messages.CommandReply{})
}

// restart stops the runner, if one runs, and starts the task again.
func (g *taskGrain) restart(ctx actor.Context) {
	g.failed = false
	if g.runner != nil {
		g.stopRunner(ctx)
		g.restartPending = true
	} else if !g.restartPending {
		g.runnerConfig = nil
		g.converge(ctx)
	}
}

func (g *taskGrain) startRunner(ctx actor.Context, config map[string]string, paused bool) {
	g.hold()
	g.runnerGen++
	g.runnerConfig = config
	g.runnerStarted = false
	// Fresh metrics per start: Kafka Connect's totals count from the task's last start.
	g.metrics = g.rt.metrics.StartTask(g.name, g.task)
	g.rt.metrics.TaskStartupAttempt()
	g.runner = ctx.Spawn(taskRunnerProps(g.rt, g.name, g.task, config, paused, g.runnerGen, g.metrics))
	if g.observed.GetState() != messages.State_STATE_UNASSIGNED {
		g.setState(messages.State_STATE_UNASSIGNED, "")
	}
}

func (g *taskGrain) stopRunner(ctx actor.Context) {
	if g.runner != nil {
		ctx.Stop(g.runner) // the runner's Stopping waits for the pipeline to commit and stop
		g.runnerGen++
	}
}

func (g *taskGrain) onRunnerTerminated(ctx actor.Context, m *actor.Terminated) {
	if g.runner == nil || !m.Who.Equal(g.runner) {
		return
	}
	g.runner = nil
	if g.restartPending {
		g.restartPending = false
		g.runnerConfig = nil
		g.converge(ctx)
	}
	if g.runner == nil {
		g.release()
	}
}

func (g *taskGrain) onTaskExited(ctx actor.Context, m *taskExited) {
	if m.gen != g.runnerGen {
		return
	}
	if !g.runnerStarted {
		g.rt.metrics.TaskStartupResult(m.err == nil || errors.Is(m.err, pipeline.ErrFenced))
	}
	if errors.Is(m.err, pipeline.ErrFenced) {
		// A newer instance of this task runs elsewhere: stop quietly; it reports the state.
		g.log.Info("task fenced", "err", m.err)
	} else if m.err != nil && (g.stopping || !g.owner()) {
		// The task moved to another worker while this run ended: a FAILED written now would
		// overwrite the new owner's RUNNING (in the status topic and in the connector's view)
		// and stay there, as FAILED stays until a restart.
		g.log.Info("task ended with an error after it moved to another worker; the new owner reports its state", "err", m.err)
	} else if m.err != nil {
		g.log.Warn("task failed", "err", m.err)
		g.failed = true
		g.setState(messages.State_STATE_FAILED, traceOf(m.err))
		g.scheduleAutoRestart(ctx)
	}
	g.stopRunner(ctx)
}

// autoRestart is the timer of an automatic restart of a failed task; local.
type autoRestart struct{ gen int }

// scheduleAutoRestart arms the automatic restart of a task that just failed, when the
// worker enables it (connectd's own setting: Kafka Connect leaves a FAILED task to an
// operator). The delay doubles with each failure in a row, from Initial up to Max; a task
// that ran longer than Max before it failed starts again from Initial.
func (g *taskGrain) scheduleAutoRestart(ctx actor.Context) {
	b := g.rt.cfg.RestartFailedTasks
	if b.Initial <= 0 {
		return
	}
	if !g.startedAt.IsZero() && time.Since(g.startedAt) > b.Max {
		g.autoRestarts = 0
	}
	delay := min(b.Initial<<min(g.autoRestarts, 30), b.Max)
	g.autoRestarts++
	g.autoGen++
	self, gen, root := ctx.Self(), g.autoGen, g.rt.member.System().Root
	g.log.Info("failed task restarts automatically", "in", delay, "attempt", g.autoRestarts)
	time.AfterFunc(delay, func() { root.Send(self, &autoRestart{gen: gen}) })
}

func (g *taskGrain) reportRunningOrPaused() {
	if !g.runnerStarted || g.failed {
		return
	}
	v, _ := g.rt.connectorView(g.name)
	if v.Target == messages.TargetState_TARGET_STATE_PAUSED {
		g.setState(messages.State_STATE_PAUSED, "")
	} else {
		g.setState(messages.State_STATE_RUNNING, "")
	}
}

func (g *taskGrain) setState(state messages.State, trace string) {
	version := g.rt.pluginVersion(g.name) // a new version is a new status, as for the connector
	if g.observed.GetState() == state && g.observed.GetTrace() == trace && g.observed.GetVersion() == version {
		return
	}
	g.log.Info("task state", "state", stateName(state))
	if g.metrics != nil {
		g.metrics.SetState(stateName(state))
	}
	g.observed = &messages.InstanceStatus{State: state, Trace: trace, WorkerId: g.rt.cfg.WorkerID, Generation: g.rt.generation(),
		Version: version}
	g.rt.putTaskStatus(g.name, g.task, g.observed)
	g.sequence++
	g.rt.tell(connectorIdentity(g.name), connectorKind, &messages.TaskStateChanged{
		Connector: g.name, Task: g.task, Status: g.observed, Sequence: g.sequence, Instance: g.instance,
	})
}

// onStopping runs when the member leaves: the runner child is stopped after this (children
// stop first), and the task is shown UNASSIGNED until another worker takes it (spec §6.2).
func (g *taskGrain) onStopping() {
	g.stopping = true
	// Only a draining member records UNASSIGNED: it does so before its peers take over. A
	// member that lost the task to a newcomer writes nothing, so it cannot overwrite the
	// new owner's RUNNING.
	if g.gone || g.observed == nil || g.observed.GetState() == messages.State_STATE_FAILED || !g.rt.member.Draining() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st := &messages.InstanceStatus{State: messages.State_STATE_UNASSIGNED, WorkerId: g.rt.cfg.WorkerID, Generation: g.rt.generation()}
	if err := g.rt.stores.Status.PutTask(ctx, g.name, g.task, st); err != nil {
		g.log.Debug("write UNASSIGNED on stop", "err", err)
	}
}

// dropMetrics removes the task's metrics: it no longer runs here.
func (g *taskGrain) dropMetrics() {
	if g.metrics != nil {
		g.rt.metrics.RemoveTask(g.name, g.task)
		g.metrics = nil
	}
}
