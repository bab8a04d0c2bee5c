package pipeline

import "time"

// SourceMetrics receives a source pipeline's measurements (Kafka Connect's source-task,
// connector-task and task-error metrics). Calls are per batch, never per record, and must
// not block.
type SourceMetrics interface {
	// Polled: a poll returned records, before transformation, after took.
	Polled(records int, took time.Duration)
	// Written: records, after transformation, acknowledged by Kafka.
	Written(records int)
	// Active: records handed to the producer and not yet acknowledged.
	Active(records int)
	// OffsetsCommitted: an offset commit took took and ended with err (nil: done).
	OffsetsCommitted(took time.Duration, err error)
	// Retried: an operation failed retriably and is retried.
	Retried()
	// RecordFailed: processing a record failed; skipped means it was tolerated and dropped.
	RecordFailed(skipped bool)
}

// SinkMetrics receives a sink pipeline's measurements, as SourceMetrics does.
type SinkMetrics interface {
	// Read: records read from Kafka, before transformation.
	Read(records int)
	// Put: records, after transformation, the task's Put accepted after took.
	Put(records int, took time.Duration)
	// Active: records read and not yet committed after the task's flush.
	Active(records int)
	// Assigned: the task now has partitions partitions.
	Assigned(partitions int)
	OffsetsCommitted(took time.Duration, err error)
	Retried()
	RecordFailed(skipped bool)
}

// noMetrics reports nothing: the metrics of a pipeline given none.
type noMetrics struct{}

func (noMetrics) Polled(int, time.Duration)             {}
func (noMetrics) Written(int)                           {}
func (noMetrics) Read(int)                              {}
func (noMetrics) Put(int, time.Duration)                {}
func (noMetrics) Active(int)                            {}
func (noMetrics) Assigned(int)                          {}
func (noMetrics) OffsetsCommitted(time.Duration, error) {}
func (noMetrics) Retried()                              {}
func (noMetrics) RecordFailed(bool)                     {}
