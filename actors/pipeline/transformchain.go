package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/connectd/connectd/connectors"
)

// TransformStage is one alias of transforms=…: its transformation and, if
// transforms.<alias>.predicate is set, the predicate that decides whether it applies.
type TransformStage struct {
	Alias     string
	Transform connectors.Transformation
	Predicate connectors.Predicate // nil: always applies
	Negate    bool
}

// TransformChain runs a connector's transforms in order on each record (spec §9.1). With
// errors.tolerance=all a record whose transform fails is skipped and counted; otherwise the
// error fails the task, as Kafka's errors.tolerance=none does. Its Apply is a TransformFunc.
type TransformChain struct {
	stages   []TransformStage
	tolerate bool
	log      *slog.Logger
	skipped  atomic.Int64 // records skipped under errors.tolerance=all
	// OnSkip, if set before the first Apply, is called for each record skipped
	// (task-error-metrics' total-records-skipped).
	OnSkip func()
}

// NewTransformChain makes the chain of stages, configured already; tolerate is
// errors.tolerance=all. A nil log discards.
func NewTransformChain(stages []TransformStage, tolerate bool, log *slog.Logger) *TransformChain {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &TransformChain{stages: stages, tolerate: tolerate, log: log}
}

// Apply runs the chain on r: nil, nil means the record was dropped (by a transform, or
// skipped after an error under errors.tolerance=all).
func (c *TransformChain) Apply(r *connectors.Record) (*connectors.Record, error) {
	out, err := c.Run(r)
	if err == nil {
		return out, nil
	}
	if c.tolerate {
		n := c.skipped.Add(1)
		if c.OnSkip != nil {
			c.OnSkip()
		}
		c.log.Debug("record skipped: transform failed", "skipped", n, "err", err)
		return nil, nil
	}
	return nil, fmt.Errorf("tolerance exceeded in error handler: %w", err)
}

// Run runs the chain on r without tolerating failures: a failing transform's error is a
// *TransformError, for the pipeline's ErrorHandling to judge (retry, log, dead letter
// queue, tolerance). nil, nil means a transform dropped the record.
func (c *TransformChain) Run(r *connectors.Record) (*connectors.Record, error) {
	for _, st := range c.stages {
		if st.Predicate != nil && st.Predicate.Test(r) == st.Negate {
			continue
		}
		out, err := st.Transform.Apply(r)
		if err != nil {
			return nil, &TransformError{Alias: st.Alias, Err: err}
		}
		if out == nil {
			return nil, nil
		}
		r = out
	}
	return r, nil
}

// Close closes every transformation and predicate of the chain.
func (c *TransformChain) Close() error {
	var errs []error
	for _, st := range c.stages {
		errs = append(errs, st.Transform.Close())
		if st.Predicate != nil {
			errs = append(errs, st.Predicate.Close())
		}
	}
	return errors.Join(errs...)
}
