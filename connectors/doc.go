// Package connectors is the plugin API of connectd: everything a connector, converter or
// transform author reads, and the Registry that maps Kafka Connect class names to plugins.
//
// It imports only the standard library, so a plugin builds and tests with no broker, cluster
// or HTTP server. Invariants:
//   - required interfaces stay minimal; optional abilities are one-method interfaces the
//     runtime detects with a type assertion (OffsetAlterer, Committer, RecordCommitter,
//     ConfigValidator, PartitionOpener, PreCommitter, and the Batch* abilities of plugins in
//     another process);
//   - every configurable plugin declares its keys once, as an ordered ConfigDef, and that
//     table alone drives validation, the plugin's config endpoint and typed parsing;
//   - a task asks for a retry by returning Retriable(err); any other error or panic makes it
//     FAILED with its trace.
package connectors
