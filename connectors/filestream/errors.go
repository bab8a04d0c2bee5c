package filestream

import "errors"

// ErrOffsetType is returned by the source task when the stored position is not an int64.
// Its text is Kafka's, verbatim (spec §11.1, §16.11).
var ErrOffsetType = errors.New("Offset position is the incorrect type")

// Kafka's alterOffsets texts (spec §11.1, FileStreamSourceConnector.alterOffsets).
const (
	msgAlterStdin = "Offsets cannot be modified if the 'file' configuration is unspecified." +
		" This is because stdin is used for input and offsets are not tracked."
	msgAlterNoPosition   = "Offset objects should either be null or contain the key 'position'"
	msgAlterNotLong      = "The value for the 'position' key in the offset is expected to be a Long value"
	msgAlterNegative     = "The value for the 'position' key in the offset should be a non-negative value"
	msgAlterNilPartition = "Partition objects cannot be null"
	msgAlterNoFilename   = "Partition objects should contain the key 'filename'"
)
