// Package filestream holds Kafka Connect's FileStream connectors (spec §11.1, §11.2):
// FileStreamSourceConnector turns the lines of a file (or stdin) into records, and
// FileStreamSinkConnector appends each record's value to a file (or stdout).
//
// It imports nothing of ours but the connectors API. Invariants:
//   - the source has exactly one task; its source partition is {"filename": file} and its
//     offset {"position": int64}, the byte position just after a line's terminator, so that
//     Java workers' stored offsets and ours are interchangeable for ASCII files (Kafka counts
//     characters but seeks bytes, spec §11.1; counting bytes makes resuming exact);
//   - a file that does not exist yet is waited for; a file that was open and then fails or
//     disappears is an error, so the task goes FAILED with a trace;
//   - no wait outlasts the context or Stop.
package filestream
