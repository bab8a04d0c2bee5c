package metrics

import "strings"

// Kafka Connect's metric groups (ConnectMetricsRegistry).
const (
	WorkerGroup          = "connect-worker-metrics"
	WorkerRebalanceGroup = "connect-worker-rebalance-metrics"
	ConnectorGroup       = "connector-metrics"
	TaskGroup            = "connector-task-metrics"
	SourceTaskGroup      = "source-task-metrics"
	SinkTaskGroup        = "sink-task-metrics"
	TaskErrorGroup       = "task-error-metrics"
)

// namespace prefixes every metric, as the JMX domain kafka.connect does.
const namespace = "kafka_connect"

// Name is the Prometheus name of Kafka Connect metric name of group, the way the JMX
// exporter's default naming and Strimzi's metrics reporter write it: the domain, the group
// and the metric name, lower-case, every character outside [a-z0-9_] an underscore.
func Name(group, name string) string {
	return namespace + "_" + sanitize(group) + "_" + sanitize(name)
}

// InfoName is the name of a metric whose Kafka value is a string (status, connector-class):
// Name with "_info"; the value is a label named LabelName(name) on a series of value 1.
func InfoName(group, name string) string { return Name(group, name) + "_info" }

// LabelName is the Prometheus label name of a Kafka Connect tag or string metric.
func LabelName(name string) string { return sanitize(name) }

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '_'
	}, s)
}
