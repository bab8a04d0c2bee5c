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
//   - the rate limiter is a token bucket that never holds more than one second of records, so
//     a pause or a slow broker is not followed by an unbounded burst;
//   - every record of a task shares one value slice: generation costs no per-record copy, so
//     the runtime, not the generator, is what a benchmark measures;
//   - with transaction.records (and transaction.boundary=connector) a task's transactions are
//     a function of its count too: transaction k holds its records k·n … k·n+n-1, so a
//     restarted task ends the same transactions where its previous instance would have;
//   - no wait outlasts the context or Stop.
package loadgen
