package store

import "errors"

var (
	// ErrClosed is returned by a call on a store (or Log) that has been closed, and by a
	// wait that was still pending when it closed.
	ErrClosed = errors.New("store closed")
	// ErrNotStarted is returned by a write or a wait on a store whose Start has not
	// succeeded.
	ErrNotStarted = errors.New("store not started")
	// ErrAlreadyStarted is returned by a second Start.
	ErrAlreadyStarted = errors.New("store already started")
	// ErrTopicPartitions is returned by Start when the config topic exists with more than
	// one partition; Kafka Connect refuses to start in that case (spec §8.2).
	ErrTopicPartitions = errors.New("topic has too many partitions")
	// ErrTopicCleanupPolicy is returned by Start when an existing internal topic is not
	// compacted only, as Kafka Connect refuses it.
	ErrTopicCleanupPolicy = errors.New("topic is not compacted")
	// ErrStaleGeneration is returned by a blocking status write whose generation is lower
	// than the one the store holds for that key: the readers ignore such a record.
	ErrStaleGeneration = errors.New("stale status generation")
	// ErrInvalidName is returned for an empty connector name or a negative task number.
	ErrInvalidName = errors.New("invalid connector or task")
	// ErrInvalidState is returned when a state or target state cannot be written.
	ErrInvalidState = errors.New("invalid state")
)
