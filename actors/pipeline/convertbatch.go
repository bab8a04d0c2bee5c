package pipeline

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

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
//
// A source's headers are converted ahead too (a batch converter is given them): hdrs[i] is
// record i's headers as bytes (changed by its key and value converters), hdrErr[i] the
// header conversion's failure, hdrUsed[i] whether its stage took that first result. A sink's
// headers, converted after its keys and values, are in sinkHdrs when the header converter is
// a batch one: hdrStart[i] is record i's first item.
type preconverted struct {
	keys, values *batchConverted
	keyItem      []int

	hdrs    [][]connectors.RawHeader
	hdrErr  []error
	hdrUsed []bool

	sinkHdrs *headersConverted
	hdrStart []int
}

// headersConverted is what a BatchHeaderConverter made of a batch's headers in one call.
type headersConverted struct {
	to   []connectors.HeaderData
	errs []error
}

func (h *headersConverted) err(i int) error {
	if h.errs == nil {
		return nil
	}
	return h.errs[i]
}

// fromConnect converts one key or value with c; a batch converter (a Java one) is called with
// a batch of one, so that it is given, and may change, the record's headers hdrs (nil: none to
// give).
func fromConnect(c connectors.Converter, topic string, hdrs *[]connectors.RawHeader, schema *connectors.Schema, value any) ([]byte, error) {
	bc, ok := c.(connectors.BatchConverter)
	if !ok || hdrs == nil {
		return c.FromConnectData(topic, schema, value)
	}
	out, errs, err := bc.FromConnectDataBatch([]connectors.ConnectData{{Topic: topic, Schema: schema, Value: value, Headers: hdrs}})
	if err != nil {
		return nil, err
	}
	if errs != nil && errs[0] != nil {
		return nil, errs[0]
	}
	return out[0], nil
}

// toConnect reads one key or value with c; a batch converter (a Java one) is called with a
// batch of one, so that it is given the consumed record's headers.
func toConnect(c connectors.Converter, topic string, hdrs []kgo.RecordHeader, data []byte) (*connectors.Schema, any, error) {
	bc, ok := c.(connectors.BatchConverter)
	if !ok || len(hdrs) == 0 {
		return c.ToConnectData(topic, data)
	}
	out, errs, err := bc.ToConnectDataBatch([]connectors.RawData{{Topic: topic, Data: data, Headers: rawHeaders(hdrs)}})
	if err != nil {
		return nil, nil, err
	}
	if errs != nil && errs[0] != nil {
		return nil, nil, errs[0]
	}
	return out[0].Schema, out[0].Value, nil
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
