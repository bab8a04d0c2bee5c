// Package transforms holds Kafka Connect's built-in single message transforms and
// predicates (spec §9.1), registered under their Java class names: InsertField, ReplaceField,
// MaskField, ValueToKey, ExtractField, HoistField, SetSchemaMetadata, TimestampRouter,
// RegexRouter, Cast, Filter, Flatten, InsertHeader, DropHeaders, HeaderFrom,
// TimestampConverter, and the predicates TopicNameMatches, HasHeaderKey and
// RecordIsTombstone. Behaviour follows Kafka's documentation for each.
//
// It imports only the connectors API. Invariants:
//   - a transform never changes a value it was handed in place: structs, maps and slices
//     are copied before they are changed, as Kafka's transforms build new records;
//   - a $Key variant and its $Value twin share one implementation, parameterised by side;
//   - errors use Kafka's texts where a client could see them (the task's trace).
package transforms
