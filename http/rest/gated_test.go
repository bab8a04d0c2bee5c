package rest

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/connectd/connectd/connectors"
)

// The gated source connector is registered in the shared worker for tests that must see a
// connector before its plugin has started: its Start waits until the test opens the gate its
// "gate" config names.
const (
	gatedClass     = "io.connectd.test.GatedSourceConnector"
	gatedTaskClass = "io.connectd.test.GatedSourceTask"
	gatedVersion   = "1.2.3"
)

var gates sync.Map // gate name → chan struct{}, closed to open

// newGate returns a closed gate named name and the func that opens it.
func newGate(name string) func() {
	ch := make(chan struct{})
	gates.Store(name, ch)
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

func registerTestPlugins(r *connectors.Registry) {
	r.Register(connectors.Plugin{Class: gatedClass, Type: connectors.Source, Version: gatedVersion, TaskClass: gatedTaskClass,
		New: func() any { return &gatedConnector{} }})
}

var gatedConfig = connectors.ConfigDef{
	{Name: "gate", Type: connectors.String, Default: "", Importance: connectors.High, Doc: "The gate Start waits for."},
}

type gatedConnector struct{ props map[string]string }

var _ connectors.SourceConnector = (*gatedConnector)(nil)

func (*gatedConnector) Version() string              { return gatedVersion }
func (*gatedConnector) Config() connectors.ConfigDef { return gatedConfig }
func (c *gatedConnector) Start(_ connectors.ConnectorContext, props map[string]string) error {
	c.props = props
	if ch, ok := gates.Load(props["gate"]); ok {
		select {
		case <-ch.(chan struct{}):
		case <-time.After(time.Minute): // a test that never opens its gate does not hang the worker
		}
	}
	return nil
}
func (c *gatedConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{maps.Clone(c.props)}, nil // the task grain reads connector.class
}
func (*gatedConnector) Stop() error                    { return nil }
func (*gatedConnector) NewTask() connectors.SourceTask { return gatedTask{} }

type gatedTask struct{}

func (gatedTask) Start(connectors.SourceTaskContext, map[string]string) error { return nil }
func (gatedTask) Poll(ctx context.Context) ([]connectors.SourceRecord, error) {
	select {
	case <-ctx.Done():
	case <-time.After(100 * time.Millisecond):
	}
	return nil, nil
}
func (gatedTask) Stop() error { return nil }
