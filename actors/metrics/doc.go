// Package metrics is one worker's Prometheus metrics: Kafka Connect's metric groups
// (connect-worker-metrics, connect-worker-rebalance-metrics, connector-metrics,
// connector-task-metrics, source-task-metrics, sink-task-metrics, task-error-metrics) under the
// names a JMX exporter without rules and Strimzi's metrics reporter give them
// (kafka_connect_<group>_<metric>, e.g.
// kafka_connect_source_task_metrics_source_record_poll_total{connector,task}), plus the Go
// runtime and process collectors. Handler serves them in the Prometheus exposition formats.
//
// The grains report lifecycle events (states, startups, membership changes); each pipeline
// reports per batch into its task's *Task, which it holds from the task's start.
//
// It imports the Prometheus client library and the standard library, nothing of ours.
//
// Invariants:
//   - the data path never looks up a label or a map: a *Task is resolved once per task start,
//     and its totals are atomics; windowed statistics are updated once per batch;
//   - windowed values (rates, averages, maxima, percentages) follow Kafka's sampled
//     statistics: metrics.num.samples windows of metrics.sample.window.ms each;
//   - a task's or connector's series exist while it runs on this worker and disappear when
//     it stops or moves, as Kafka Connect removes a metric group; totals count from the
//     task's last start, as Kafka Connect's do.
package metrics
