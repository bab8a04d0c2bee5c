// Package converters holds Kafka Connect's built-in converters, which turn Connect data into
// the bytes of a Kafka record key or value and back: StringConverter, JsonConverter (spec
// §10) and ByteArrayConverter, under their Kafka class names so that existing connector
// configs name them unchanged.
//
// It imports nothing of ours but the connectors API. Invariants:
//   - JsonConverter's output is byte for byte what Kafka's writes for the same data (field
//     order, number and string formatting), so Java workers and tools read it unchanged;
//   - a nil value with a nil schema is a nil record (a tombstone), in every converter;
//   - conversion failures wrap ErrData, with Kafka's DataException text where it has one;
//     no input bytes make ToConnectData panic (fuzzed);
//   - a schema returned by ToConnectData may be shared between calls: callers must not
//     modify it, as Kafka's schemas are immutable.
package converters
