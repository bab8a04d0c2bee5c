package rest

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/wait"
)

// The terse sink connector's task configs hold only a key of their own, as many Java plugins'
// do: the worker must build the task's side (class, converters, topics) from the connector's
// config and start the task with its task config alone, as Kafka Connect does.
const (
	terseClass     = "io.connectd.test.TerseSinkConnector"
	terseTaskClass = "io.connectd.test.TerseSinkTask"
)

var terseStarted sync.Map // connector name → the props its task started with

func registerTerseSink(r *connectors.Registry) {
	r.Register(connectors.Plugin{Class: terseClass, Type: connectors.Sink, Version: "1.0", TaskClass: terseTaskClass,
		New: func() any { return &terseConnector{} }})
}

type terseConnector struct{ name string }

func (*terseConnector) Version() string              { return "1.0" }
func (*terseConnector) Config() connectors.ConfigDef { return nil }
func (c *terseConnector) Start(_ connectors.ConnectorContext, props map[string]string) error {
	c.name = props["name"]
	return nil
}
func (c *terseConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{{"terse.for": c.name}}, nil
}
func (*terseConnector) Stop() error                  { return nil }
func (*terseConnector) NewTask() connectors.SinkTask { return &terseTask{} }

type terseTask struct{}

func (*terseTask) Start(_ connectors.SinkTaskContext, props map[string]string) error {
	terseStarted.Store(props["terse.for"], maps.Clone(props))
	return nil
}
func (*terseTask) Put(context.Context, []connectors.SinkRecord) error { return nil }
func (*terseTask) Flush(context.Context, map[connectors.TopicPartition]int64) error {
	return nil
}
func (*terseTask) Stop() error { return nil }

func TestTaskConfigWithoutConnectorKeys(t *testing.T) {
	srv, f := newTestServer(t)
	name := f.name("terse")
	mustCreate(t, srv, name, map[string]string{"connector.class": terseClass, "topics": f.name("terse-topic"),
		"value.converter": "org.apache.kafka.connect.storage.StringConverter"})
	f.waitRunning(name, 1)
	var got map[string]string
	wait.For(t, waitTimeout, "the terse task to start", func() bool {
		v, ok := terseStarted.Load(name)
		if ok {
			got = v.(map[string]string)
		}
		return ok
	})
	if want := map[string]string{"terse.for": name, "task.class": terseTaskClass}; !maps.Equal(got, want) {
		t.Errorf("the task started with %v, want its task config %v", got, want)
	}
}
