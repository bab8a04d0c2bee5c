package actors

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/connectd/connectd/connectors"
)

// transformStage is one alias of transforms=…: its transformation and, if
// transforms.<alias>.predicate is set, the predicate that decides whether it applies.
type transformStage struct {
	alias     string
	transform connectors.Transformation
	predicate connectors.Predicate // nil: always applies
	negate    bool
}

// transformChain runs a connector's transforms in order on each record (spec §9.1). With
// errors.tolerance=all a record whose transform fails is skipped and counted; otherwise the
// error fails the task, as Kafka's errors.tolerance=none does.
type transformChain struct {
	stages   []transformStage
	tolerate bool
	log      *slog.Logger
	skipped  atomic.Int64 // records skipped under errors.tolerance=all
}

// buildTransformChain instantiates and configures the chain config declares; nil when it
// declares none. Predicates are instantiated per transform, as Kafka does.
func buildTransformChain(reg *connectors.Registry, config map[string]string, log *slog.Logger) (_ *transformChain, err error) {
	aliases := splitList(config["transforms"])
	if len(aliases) == 0 {
		return nil, nil
	}
	c := &transformChain{tolerate: strings.EqualFold(strings.TrimSpace(config["errors.tolerance"]), "all"), log: log}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	for _, alias := range aliases {
		prefix := "transforms." + alias + "."
		t, err := reg.NewTransformation(config[prefix+"type"])
		if err != nil {
			return nil, fmt.Errorf("transform %s: %w", alias, err)
		}
		// appended before it is configured, so that a failure below still closes it
		c.stages = append(c.stages, transformStage{alias: alias, transform: t})
		st := &c.stages[len(c.stages)-1]
		props := subConfig(config, prefix)
		predAlias, hasPred := props["predicate"]
		st.negate = strings.EqualFold(strings.TrimSpace(props["negate"]), "true")
		delete(props, "predicate")
		delete(props, "negate")
		if err := t.Configure(props); err != nil {
			return nil, fmt.Errorf("transform %s: %w", alias, err)
		}
		if hasPred && predAlias != "" {
			pprefix := "predicates." + predAlias + "."
			p, err := reg.NewPredicate(config[pprefix+"type"])
			if err != nil {
				return nil, fmt.Errorf("transform %s: predicate %s: %w", alias, predAlias, err)
			}
			st.predicate = p
			if err := p.Configure(subConfig(config, pprefix)); err != nil {
				return nil, fmt.Errorf("transform %s: predicate %s: %w", alias, predAlias, err)
			}
		}
	}
	return c, nil
}

// apply runs the chain on r: nil, nil means the record was dropped (by a transform, or
// skipped after an error under errors.tolerance=all).
func (c *transformChain) apply(r *connectors.Record) (*connectors.Record, error) {
	for _, st := range c.stages {
		if st.predicate != nil && st.predicate.Test(r) == st.negate {
			continue
		}
		out, err := st.transform.Apply(r)
		if err != nil {
			if c.tolerate {
				n := c.skipped.Add(1)
				c.log.Debug("record skipped: transform failed", "transform", st.alias, "skipped", n, "err", err)
				return nil, nil
			}
			return nil, fmt.Errorf("tolerance exceeded in error handler: transform %s: %w", st.alias, err)
		}
		if out == nil {
			return nil, nil
		}
		r = out
	}
	return r, nil
}

// close closes every transformation and predicate of the chain.
func (c *transformChain) close() error {
	var errs []error
	for _, st := range c.stages {
		errs = append(errs, st.transform.Close())
		if st.predicate != nil {
			errs = append(errs, st.predicate.Close())
		}
	}
	return errors.Join(errs...)
}
