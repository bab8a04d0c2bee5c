// Package postgres holds connectd's native PostgreSQL sink: PostgresSinkConnector writes
// records with schemas (JsonConverter with schemas.enable=true, Debezium's events) into
// PostgreSQL tables through pgx, configured with the keys users already write for Confluent's
// JDBC sink connector (connection.url as jdbc:postgresql://…, insert.mode, pk.mode, pk.fields,
// fields.whitelist, auto.create, auto.evolve, delete.enabled, batch.size, max.retries, …).
//
// It is not Confluent's connector and does not answer to its class name: it is registered as
// io.connectd.postgres.PostgresSinkConnector (aliases PostgresSinkConnector, PostgresSink), so
// a worker with Confluent's JDBC plugin in plugin.path still runs Confluent's for
// io.confluent.connect.jdbc.JdbcSinkConnector, and GET /connector-plugins says what each is.
//
// It imports the connectors API and pgx only. Invariants:
//   - a Put is one transaction: its records are written in order (per table, in batches of at
//     most batch.size statements sent as one pipeline) and committed together, so Flush has
//     nothing left to do and a failed Put leaves nothing half-written;
//   - types map as Confluent's PostgreSQL dialect maps them (int8/int16 SMALLINT, int32 INT,
//     int64 BIGINT, float REAL, double DOUBLE PRECISION, boolean BOOLEAN, string TEXT, bytes
//     BYTEA, Decimal DECIMAL, Date DATE, Time TIME, Timestamp TIMESTAMP in UTC);
//   - a database failure is a Retriable error with RetryAfter(retry.backoff.ms), so the runtime
//     delivers the batch again, on a new connection, max.retries times in a row (Confluent's
//     JdbcSinkTask does the same); after that the records of the Put are written one at a time
//     under savepoints and each that still fails is handed to the runtime's errant record
//     reporter (errors.* and the dead letter queue), or fails the task when the runtime offers
//     none (no dead letter queue and no errors.log.enable, as in Kafka Connect);
//   - a record the sink cannot write by its nature (no schema, a type with no column type, a
//     missing table with auto.create off) is not retried: it goes to the reporter (once, just
//     before the rest of its batch commits);
//   - a record with a null value deletes (delete.enabled=true), whether its value schema is
//     null (a tombstone) or not (ExtractNewRecordState's deletes through JsonConverter).
package postgres
