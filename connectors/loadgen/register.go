package loadgen

import "github.com/connectd/connectd/connectors"

// Class names of the connectors; the registry also answers to DataGenSource and DiscardSink.
const (
	SourceClass = "io.connectd.loadgen.DataGenSourceConnector"
	SinkClass   = "io.connectd.loadgen.DiscardSinkConnector"
)

// The connectors' configuration keys.
const (
	TopicKey          = "topic"
	RateKey           = "records.per.second"
	RecordSizeKey     = "record.size"
	KeyCardinalityKey = "key.cardinality"
	TotalRecordsKey   = "total.records"
	BatchSizeKey      = "batch.size"
	LogIntervalKey    = "log.interval.ms"
	// TransactionRecordsKey and TransactionAbortEveryKey make the source define its own
	// transactions (transaction.boundary=connector, KIP-618).
	TransactionRecordsKey    = "transaction.records"
	TransactionAbortEveryKey = "transaction.abort.every"
)

// Keys TaskConfigs adds to each task's configuration: the task's index and the number of
// tasks, which the runtime does not hand a task otherwise.
const (
	TaskIDKey    = "loadgen.task.id"
	TaskCountKey = "loadgen.task.count"
)

// Keys of a source task's partition and offset.
const (
	TaskField    = "task"
	RecordsField = "records"
)

// version is the load connectors' own: they are connectd's plugins, not a Kafka release's.
const version = "1.0.0"

// Register adds both connectors to r.
func Register(r *connectors.Registry) {
	r.Register(connectors.Plugin{Class: SourceClass, Type: connectors.Source, Version: version, TaskClass: "io.connectd.loadgen.DataGenSourceTask",
		New: func() any { return &SourceConnector{} }})
	r.Register(connectors.Plugin{Class: SinkClass, Type: connectors.Sink, Version: version, TaskClass: "io.connectd.loadgen.DiscardSinkTask",
		New: func() any { return &SinkConnector{} }})
}

// common keys of both connectors.
var logIntervalKey = connectors.ConfigKey{Name: LogIntervalKey, Type: connectors.Long, Default: "10000",
	Validator: connectors.AtLeast(0), Importance: connectors.Low, Group: "Load",
	Doc: "How often each task logs a summary of what it has moved, at Info, in milliseconds; " +
		"0 logs only when the task stops. A task that moved nothing since its last summary logs nothing."}

// taskKeys are parsed by the tasks only; they are not part of a connector's Config.
var taskKeys = connectors.ConfigDef{
	{Name: TaskIDKey, Type: connectors.Int, Default: "0", Validator: connectors.AtLeast(0),
		Importance: connectors.Low, Doc: "Index of this task, set by the connector."},
	{Name: TaskCountKey, Type: connectors.Int, Default: "1", Validator: connectors.AtLeast(1),
		Importance: connectors.Low, Doc: "Number of tasks, set by the connector."},
}
