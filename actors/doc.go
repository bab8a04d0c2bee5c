// Package actors is connectd's runtime: the connector and task grains, their plugin runners,
// the reconciler that keeps every owned grain active, and Client, the facade the REST layer
// calls.
//
// It imports messages, the connectors plugin API (never a plugin package), actors/member
// (the only door to protoactor's cluster), actors/store, actors/pipeline, actors/validation
// (config validation and the plugins a config names) and actors/api (the facade's types,
// which is all the REST layer imports).
//
// Invariants:
//   - the config topic is the source of truth: a grain converges on the stored config and
//     target state whenever it is poked, so any lost message is repaired by the next poke;
//   - the connector grain is the single writer of its connector's config, target state and
//     task-config records;
//   - plugin code never runs on a grain's mailbox: it runs in a runner child or a pipeline
//     goroutine and reports back as messages;
//   - a failed task stays FAILED until restarted, with the error and its stack as the trace.
package actors
