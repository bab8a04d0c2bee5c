package loadgen

import "errors"

// ErrOffsetType is returned by a source task when its stored offset's record count is not an
// integer, e.g. after an offset was altered by hand.
var ErrOffsetType = errors.New("loadgen: stored offset \"records\" is not a non-negative integer")
