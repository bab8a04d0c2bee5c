// Package pipeline moves records between a plugin task and Kafka: a source pipeline polls a
// SourceTask, converts and produces the records (acks=all) and commits source offsets; a sink
// pipeline consumes with the consumer group connect-<name>, converts and puts the records,
// and commits offsets after the task's flush. Between the task and the converters a record
// goes through the connector's TransformChain (spec §9.1), which actors/validation builds from
// the config.
//
// It imports the connectors plugin API and sarama, nothing else of ours: the actor runtime
// drives a pipeline through Run, Pause and Resume, and learns of its failure from Run's error.
//
// Invariants:
//   - a source offset is committed only after every record up to it was acknowledged;
//   - a sink offset is committed only after the task's Flush returned for it;
//   - a paused pipeline neither polls nor puts, and keeps its resources.
package pipeline
