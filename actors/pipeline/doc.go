// Package pipeline moves records between a plugin task and Kafka: a source pipeline polls a
// SourceTask, converts and produces the records (acks=all) and commits source offsets, either
// pipelined (source_pipelined.go: franz-go, several batches in flight, at least once), in
// transactions (source_txn.go: sarama), or exactly once (exactlyonce.go, exactlyonce_franz.go:
// each transaction carries its records and their offsets, written to the offsets topic); a sink
// pipeline (sink.go: franz-go) consumes in the consumer group connect-<name>, converts and
// puts each poll's records, and commits offsets asynchronously after the task's flush, and
// synchronously before it gives partitions up in a rebalance. Between the task and the converters a record
// goes through the connector's TransformChain (spec §9.1), which actors/validation builds from
// the config.
//
// It imports the connectors plugin API and actors/kafkaconfig, nothing else of ours (and the
// sarama and franz-go clients): the actor runtime drives a pipeline through Run, Pause and
// Resume, and learns of its failure from Run's error.
// A pipeline reports its measurements per batch to the SourceMetrics or SinkMetrics it is
// given (actors/metrics' task metrics), an interface declared here so that the arrow points
// from the runtime to the pipeline.
//
// Invariants:
//   - a source offset is committed only after every record up to it was acknowledged, or
//     (exactly once) in the same transaction as those records, never outside one;
//   - a sink offset is committed only after the task's Flush returned for it (or its
//     PreCommit answered it); partitions are given up only between batches, after that commit;
//   - a paused pipeline neither polls nor puts, and keeps its resources;
//   - the data path makes metrics calls per batch, never per record (only a record skipped
//     after a transform error is counted on its own).
package pipeline
