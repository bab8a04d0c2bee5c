package actors

import (
	"context"
	"sync"
	"time"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/messages"
)

// reconciler keeps every connector and task this member owns active and converged: at
// start, on every config change, on every topology change, and every ReconcileInterval.
// Grains converge on the stored state when poked, so a poke too many costs little and a
// lost one is repaired by the next round.
type reconciler struct {
	rt      *Runtime
	kick    chan bool // true: poke everything, not only what changed
	cancel  context.CancelFunc
	done    chan struct{}
	once    sync.Once
	started bool
}

func newReconciler(rt *Runtime) *reconciler {
	return &reconciler{rt: rt, kick: make(chan bool, 1), done: make(chan struct{})}
}

func (r *reconciler) start(ctx context.Context) {
	ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	r.started = true
	r.rt.member.OnChange(func() { r.trigger(true) })
	changes, unsubscribe := r.rt.stores.Config.Subscribe()
	go func() {
		defer close(r.done)
		defer unsubscribe()
		ticker := time.NewTicker(r.rt.cfg.ReconcileInterval)
		defer ticker.Stop()
		seen := map[string]*store.ConnectorSnapshot{}
		r.round(ctx, seen, true)
		for {
			select {
			case <-ctx.Done():
				return
			case <-changes:
				r.round(ctx, seen, false)
			case all := <-r.kick:
				r.round(ctx, seen, all)
			case <-ticker.C:
				r.round(ctx, seen, true)
			}
		}
	}()
}

func (r *reconciler) trigger(all bool) {
	select {
	case r.kick <- all:
	default:
	}
}

func (r *reconciler) stop() {
	r.once.Do(func() {
		if r.started {
			r.cancel()
			<-r.done
		}
	})
}

// round pokes the owned grains of every connector that changed since the last round (or of
// all connectors), and of connectors that disappeared, so their grains stop.
func (r *reconciler) round(ctx context.Context, seen map[string]*store.ConnectorSnapshot, all bool) {
	current := r.rt.connectorViews()
	for name, v := range current {
		old, ok := seen[name]
		if all || !ok || old != v {
			r.ensure(ctx, name, max(len(v.Tasks), tasksOf(old)))
		}
	}
	for name, old := range seen {
		if _, ok := current[name]; !ok {
			r.ensure(ctx, name, len(old.Tasks))
		}
	}
	clear(seen)
	for name, v := range current {
		seen[name] = v
	}
}

func (r *reconciler) ensure(ctx context.Context, name string, tasks int) {
	if ctx.Err() != nil {
		return
	}
	if id := connectorIdentity(name); r.rt.member.Owns(id, connectorKind) {
		r.rt.tell(id, connectorKind, &messages.EnsureConnector{Name: name})
	}
	for i := range int32(tasks) {
		if id := taskIdentity(name, i); r.rt.member.Owns(id, taskKind) {
			r.rt.tell(id, taskKind, &messages.EnsureTask{Connector: name, Task: i})
		}
	}
}

func tasksOf(c *store.ConnectorSnapshot) int {
	if c == nil {
		return 0
	}
	return len(c.Tasks)
}
