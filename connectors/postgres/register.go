package postgres

import "github.com/connectd/connectd/connectors"

// Class names of the connector and its task; the registry also answers to PostgresSink and
// PostgresSinkConnector.
const (
	SinkClass = "io.connectd.postgres.PostgresSinkConnector"
	TaskClass = "io.connectd.postgres.PostgresSinkTask"
)

// version is connectd's own: this is not a reimplementation of a Kafka or Confluent release.
const version = "1.0.0"

// Register adds the sink to r.
func Register(r *connectors.Registry) {
	r.Register(connectors.Plugin{Class: SinkClass, Type: connectors.Sink, Version: version, TaskClass: TaskClass,
		New: func() any { return &SinkConnector{} }})
}
