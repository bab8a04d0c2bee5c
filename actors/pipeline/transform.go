package pipeline

import (
	"context"
	"fmt"

	"github.com/connectd/connectd/connectors"
)

// TransformFunc runs a connector's transformation chain on one record; nil, nil drops it.
type TransformFunc func(*connectors.Record) (*connectors.Record, error)

// BatchTransformFunc runs a connector's transformation chain on a batch of records in one
// call: out[i] is the result for rs[i] (nil: dropped, or failed) and errs[i] its failure, for
// the pipeline's error handling to judge; err fails the task (a stage failed as a whole, its
// process down). A chain with a transformation in another process (a Java one) crosses to it
// once per batch this way.
type BatchTransformFunc func(rs []*connectors.Record) (out []*connectors.Record, errs []error, err error)

// transformBatch runs batch (or, without one, transform record by record) on rs, each failure
// under the error handling h as the record's own TRANSFORMATION stage: a retry runs the chain
// on that record alone. keep[i] false means rs[i] is not delivered (dropped or tolerated).
func transformBatch(ctx context.Context, h *ErrorHandling, batch BatchTransformFunc, transform TransformFunc,
	rs []*connectors.Record, errantOf func(i int) errant, at func(i int) string, retried func(), failed func()) (out []*connectors.Record, err error) {
	var errs []error
	if batch != nil {
		if out, errs, err = batch(rs); err != nil {
			return nil, fmt.Errorf("transform batch of %d records: %w", len(rs), err)
		}
	} else {
		out, errs = make([]*connectors.Record, len(rs)), make([]error, len(rs))
		for i, r := range rs {
			out[i], errs[i] = transform(r)
		}
	}
	for i := range rs {
		if errs == nil || errs[i] == nil {
			continue
		}
		first := true
		ok, err := h.do(ctx, StageTransformation, errantOf(i), retried, func() (err error) {
			if first {
				first = false
				err = errs[i]
			} else {
				out[i], err = transform(rs[i])
			}
			if err != nil && at != nil {
				err = fmt.Errorf("at %s: %w", at(i), err)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if !ok {
			out[i] = nil
			if failed != nil {
				failed()
			}
		}
	}
	return out, nil
}
