package actors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/connectd/connectd/actors/api"
)

// operations is a worker's operational state beside its grains: whether startup completed,
// the health probe in flight, and the watcher that applies cluster-scope logger levels.
type operations struct {
	ready  atomic.Bool
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	probe *healthProbe // in flight, or nil; concurrent health checks share it
}

// start marks the worker ready and starts the logger watcher; Runtime.Start calls it last.
func (o *operations) start(ctx context.Context, rt *Runtime) {
	ctx, o.cancel = context.WithCancel(context.WithoutCancel(ctx))
	o.done = make(chan struct{})
	go func() {
		defer close(o.done)
		rt.watchLoggerLevels(ctx)
	}()
	o.ready.Store(true)
}

// stop clears readiness and stops the watcher; Runtime.Stop calls it first. Safe twice, and
// before start.
func (o *operations) stop() {
	o.ready.Store(false)
	if o.cancel != nil {
		o.cancel()
		<-o.done
	}
}

// healthProbeTimeout bounds one probe, however many checks wait on it.
const healthProbeTimeout = 30 * time.Second

// healthProbe is one probe: what Kafka Connect's no-op herder request proves, that the worker
// reads its config topic and its actor system dispatches messages.
type healthProbe struct {
	done chan struct{}
	err  error // set before done closes
	api.Stage
}

// probe runs one health probe's stages.
func (rt *Runtime) probe(p *healthProbe) error {
	ctx, cancel := context.WithTimeout(context.Background(), healthProbeTimeout)
	defer cancel()
	p.Enter("reading the config topic to its end")
	if err := rt.stores.Config.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("read the config topic: %w", err)
	}
	p.Enter("waiting for the actor system to answer")
	sys := rt.member.System()
	if sys == nil {
		return errors.New("actor system not started")
	}
	pid := sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		if _, ok := c.Message().(healthPing); ok {
			c.Respond(healthPing{})
		}
	}))
	defer sys.Root.Stop(pid)
	if _, err := sys.Root.RequestFuture(pid, healthPing{}, healthProbeTimeout).Result(); err != nil {
		return fmt.Errorf("actor system: %w", err)
	}
	return nil
}

// healthPing is the probe's message to a local actor; it never leaves the process.
type healthPing struct{}
