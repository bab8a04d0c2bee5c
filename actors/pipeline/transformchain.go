package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
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

// Batched reports whether a stage of the chain is a BatchTransformation or BatchPredicate (one
// in another process): then the pipeline runs the chain with RunBatch, once per batch.
func (c *TransformChain) Batched() bool {
	for _, st := range c.stages {
		if _, ok := st.Transform.(connectors.BatchTransformation); ok {
			return true
		}
		if _, ok := st.Predicate.(connectors.BatchPredicate); ok {
			return true
		}
	}
	return false
}

// RunBatch runs the chain on a batch, stage by stage: each transformation and predicate is
// handed the records still in play at once (BatchTransformation, BatchPredicate), so that one
// in another process is called once per batch. out[i] is Run's result for rs[i] and errs[i]
// its error (a *TransformError); a failed or dropped record leaves the chain there. err is a
// failure of a stage as a whole (its process is down): no record's own, so never tolerated.
func (c *TransformChain) RunBatch(rs []*connectors.Record) (out []*connectors.Record, errs []error, err error) {
	out, errs = slices.Clone(rs), make([]error, len(rs))
	idx := make([]int, 0, len(rs))
	sub := make([]*connectors.Record, 0, len(rs))
	for _, st := range c.stages {
		idx = idx[:0]
		for i, r := range out {
			if r != nil && errs[i] == nil {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			break
		}
		if st.Predicate != nil {
			matches, err := testBatch(st.Predicate, gather(sub, out, idx))
			if err != nil {
				return nil, nil, &TransformError{Alias: st.Alias, Err: fmt.Errorf("predicate: %w", err)}
			}
			idx = slices.DeleteFunc(idx, func(int) bool { m := matches[0]; matches = matches[1:]; return m == st.Negate })
			if len(idx) == 0 {
				continue
			}
		}
		res, perr, err := applyBatch(st.Transform, gather(sub, out, idx))
		if err != nil {
			return nil, nil, &TransformError{Alias: st.Alias, Err: err}
		}
		for k, i := range idx {
			switch {
			case perr != nil && perr[k] != nil:
				errs[i] = &TransformError{Alias: st.Alias, Err: perr[k]}
			default:
				out[i] = res[k]
			}
		}
	}
	for i := range errs {
		if errs[i] != nil {
			out[i] = nil
		}
	}
	return out, errs, nil
}

func gather(buf, from []*connectors.Record, idx []int) []*connectors.Record {
	buf = buf[:0]
	for _, i := range idx {
		buf = append(buf, from[i])
	}
	return buf
}

func testBatch(p connectors.Predicate, rs []*connectors.Record) ([]bool, error) {
	if bp, ok := p.(connectors.BatchPredicate); ok {
		return bp.TestBatch(rs)
	}
	out := make([]bool, len(rs))
	for i, r := range rs {
		out[i] = p.Test(r)
	}
	return out, nil
}

func applyBatch(t connectors.Transformation, rs []*connectors.Record) ([]*connectors.Record, []error, error) {
	if bt, ok := t.(connectors.BatchTransformation); ok {
		return bt.ApplyBatch(rs)
	}
	out, errs := make([]*connectors.Record, len(rs)), []error(nil)
	for i, r := range rs {
		var err error
		if out[i], err = t.Apply(r); err != nil {
			if errs == nil {
				errs = make([]error, len(rs))
			}
			errs[i] = err
		}
	}
	return out, errs, nil
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
