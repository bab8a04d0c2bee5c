package pipeline

import "github.com/connectd/connectd/connectors"

// TransformFunc runs a connector's transformation chain on one record; nil, nil drops it.
type TransformFunc func(*connectors.Record) (*connectors.Record, error)
