package actors

import (
	"context"
	"fmt"

	"github.com/connectd/connectd/actors/api"
)

// Client is the facade the REST layer calls: validation and local snapshot reads happen
// here, everything else is one bounded request to the grain that owns the connector or task.
type Client struct {
	rt *Runtime
}

// KafkaClusterID is the ID of the Kafka cluster behind bootstrap.servers.
func (c *Client) KafkaClusterID() string { return c.rt.cfg.KafkaClusterID }

// Health checks the worker within ctx's deadline (spec §3.2): not Ready until its startup
// completed; then one bounded probe, shared by concurrent checks, that reads the config topic
// to its end and makes a round trip through the actor system. Pending says what the probe
// still waited on when ctx ended. A probe that fails outright returns its error.
func (c *Client) Health(ctx context.Context) (api.Health, error) {
	o := &c.rt.ops
	if !o.ready.Load() {
		return api.Health{}, nil
	}
	o.mu.Lock()
	p := o.probe
	if p == nil {
		p = &healthProbe{done: make(chan struct{})}
		o.probe = p
		go func() {
			p.err = c.rt.probe(p)
			o.mu.Lock()
			o.probe = nil
			o.mu.Unlock()
			close(p.done)
		}()
	}
	o.mu.Unlock()
	select {
	case <-p.done:
		if p.err != nil {
			return api.Health{}, fmt.Errorf("health check: %w", p.err)
		}
		return api.Health{Ready: true}, nil
	case <-ctx.Done():
		return api.Health{Ready: true, Pending: p.Summary()}, nil
	}
}
