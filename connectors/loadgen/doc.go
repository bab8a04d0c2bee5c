// Package loadgen holds two connectors for load tests and demos: DataGenSourceConnector
// generates records of a chosen size at a chosen rate, and DiscardSinkConnector consumes
// records and drops them. Both count what they move, log a summary at Info every
// log.interval.ms and when a task stops, and publish their counts in-process through Counts.
//
// It imports nothing of ours but the connectors API. Invariants:
//   - the source's work is split across tasks by TaskConfigs: task i of n gets an even share
//     of records.per.second and total.records (the first rate%n and total%n tasks one more),
//     and never more tasks than there are records per second or records in total, so no task
//     gets a share of 0, which would mean "unlimited";
//   - each source task's partition is {"task": i} and its offset {"records": n}, the number of
//     records the task has produced, so a restarted task continues the count (and stops at its
//     share of total.records), and the count is visible wherever source offsets are
//     (the offsets topic, GET /connectors/{c}/offsets);
//   - within a poll only the last record, and each record that ends a transaction, carries its
//     own count; the others share the count before the poll (one map per poll, not one per
//     record). A runtime that commits a poll's or a transaction's last offset (connectd's
//     always do) resumes exactly after it; one that committed a record's in the middle of a
//     poll would resume at the poll's start and send those records again, never skip one;
//   - the rate limiter is a token bucket that never holds more than one second of records, so
//     a pause or a slow broker is not followed by an unbounded burst;
//   - every record of a task shares one value slice, boxed once (and each key its own): a
//     poll allocates its record slice and two offsets whatever its size, so the runtime, not
//     the generator, is what a benchmark measures;
//   - with transaction.records (and transaction.boundary=connector) a task's transactions are
//     a function of its count too: transaction k holds its records k·n … k·n+n-1, so a
//     restarted task ends the same transactions where its previous instance would have;
//   - no wait outlasts the context or Stop.
package loadgen
