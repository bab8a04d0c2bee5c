// Package actors is connectd's runtime: the connector and task grains, their plugin runners,
// the reconciler that keeps every owned grain active, and Client, the facade the REST layer
// calls (Kafka Connect's herder).
//
// Files, by job:
//   - grains: connector.go, task.go, their runners (runner.go, taskrunner.go), reconciler.go,
//     identity.go; the local config and status views they read (storeview.go); the status
//     board where a connector grain posts the status it answered, read by GET …/status
//     without a message while nothing it was computed from has changed (statusboard.go);
//   - the facade, one file per REST resource family, each a thin client of the grains and
//     the local snapshots: client.go (root and health), clientconnectors.go, clienttasks.go,
//     clientoffsets.go, clientplugins.go, clientloggers.go; standalone.go for the standalone
//     worker's answers; every text a client sees is in texts.go;
//   - offsets administration, run by the connector grain: offsets.go, its JSON offsetsjson.go;
//   - the worker's operations beside the grains (readiness, health probe, logger levels):
//     operations.go, loggers.go.
//
// It imports messages, the connectors plugin API (never a plugin package), actors/member
// (the only door to protoactor's cluster), actors/store, actors/pipeline, actors/validation
// (config validation and the plugins a config names), actors/metrics (what grains and
// pipelines report) and actors/api (the facade's types, which is all the REST layer imports).
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
