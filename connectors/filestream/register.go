package filestream

import "github.com/connectd/connectd/connectors"

// Kafka Connect class names of the connectors.
const (
	SourceClass = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	SinkClass   = "org.apache.kafka.connect.file.FileStreamSinkConnector"
)

// The connectors' configuration keys.
const (
	FileKey      = "file"
	TopicKey     = "topic"
	BatchSizeKey = "batch.size"
)

// Keys of the source partition and offset.
const (
	FilenameField = "filename"
	PositionField = "position"
)

// version is the Kafka release these plugins reimplement (connectors.KafkaVersion).
const version = connectors.KafkaVersion

// Register adds both connectors to r.
func Register(r *connectors.Registry) {
	r.Register(connectors.Plugin{Class: SourceClass, Type: connectors.Source, Version: version, TaskClass: "org.apache.kafka.connect.file.FileStreamSourceTask",
		New: func() any { return &SourceConnector{} }})
	r.Register(connectors.Plugin{Class: SinkClass, Type: connectors.Sink, Version: version, TaskClass: "org.apache.kafka.connect.file.FileStreamSinkTask",
		New: func() any { return &SinkConnector{} }})
}
