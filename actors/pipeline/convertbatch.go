package pipeline

import (
	"fmt"

	"github.com/connectd/connectd/connectors"
)

// batchConverted is what a BatchConverter made of one batch's keys or values in one call (a
// Java converter crosses to its host once per batch). The per-record stage takes item i's
// result on its first attempt; a retry calls the converter on that record alone.
type batchConverted struct {
	from [][]byte                 // FromConnectDataBatch
	to   []connectors.ConnectData // ToConnectDataBatch
	errs []error
	used []bool
}

// take reports whether item i has a result not taken yet, and marks it taken. A nil b (no
// batch converter) and i < 0 (no item) have none.
func (b *batchConverted) take(i int) bool {
	if b == nil || i < 0 || b.used[i] {
		return false
	}
	b.used[i] = true
	return true
}

func (b *batchConverted) err(i int) error {
	if b.errs == nil {
		return nil
	}
	return b.errs[i]
}

// toConnectBatch converts items with c in one call when c is a BatchConverter; nil otherwise.
func toConnectBatch(c connectors.Converter, items []connectors.RawData) (*batchConverted, error) {
	bc, ok := c.(connectors.BatchConverter)
	if !ok || len(items) == 0 {
		return nil, nil
	}
	out, errs, err := bc.ToConnectDataBatch(items)
	if err != nil {
		return nil, fmt.Errorf("convert a batch of %d: %w", len(items), err)
	}
	return &batchConverted{to: out, errs: errs, used: make([]bool, len(items))}, nil
}

// fromConnectBatch converts items with c in one call when c is a BatchConverter; nil otherwise.
func fromConnectBatch(c connectors.Converter, items []connectors.ConnectData) (*batchConverted, error) {
	bc, ok := c.(connectors.BatchConverter)
	if !ok || len(items) == 0 {
		return nil, nil
	}
	out, errs, err := bc.FromConnectDataBatch(items)
	if err != nil {
		return nil, fmt.Errorf("convert a batch of %d: %w", len(items), err)
	}
	return &batchConverted{from: out, errs: errs, used: make([]bool, len(items))}, nil
}

// preconverted is a batch's keys and values converted ahead of the per-record stages:
// keyItem[i] is record i's item among keys (-1: it has no key to convert); values has one
// item per record.
type preconverted struct {
	keys, values *batchConverted
	keyItem      []int
}

func (p *preconverted) keyOf(i int) int {
	if p == nil || p.keys == nil {
		return -1
	}
	return p.keyItem[i]
}

func (p *preconverted) keysOrNil() *batchConverted {
	if p == nil {
		return nil
	}
	return p.keys
}

func (p *preconverted) valuesOrNil() *batchConverted {
	if p == nil {
		return nil
	}
	return p.values
}
