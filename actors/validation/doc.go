// Package validation reads connector configs: it validates them as Kafka Connect's
// AbstractHerder does, for create, PUT, PATCH and PUT /connector-plugins/{p}/config/validate
// alike (spec §7, §3.24), lists a plugin's keys (spec §3.23), and makes the plugins a task's
// config names (its converters and its transformation chain).
//
// A Validator holds only the plugin registry and the worker's converters: it reads no topic,
// sends no message and starts nothing. It imports messages, the connectors plugin API (never
// a plugin package), actors/api for its errors and actors/pipeline for the chain it builds.
//
// Invariants:
//   - every text a client sees is Kafka Connect's, verbatim (texts.go);
//   - the runtime's keys (spec §9) are tables (config.go) joined with the plugin's in Kafka
//     Connect's group order, so validation and GET …/config list the same keys;
//   - a missing connector.class is BAD_REQUEST, an unknown one INTERNAL, and any other error
//     is one BAD_REQUEST listing every error (ForWrite).
package validation
