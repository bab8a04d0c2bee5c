package javaplugin

import (
	"fmt"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

// headerConverter is a Java HeaderConverter from plugin.path: an instance in the host, made
// (as a header converter, also of a class that is a Converter too) and configured by
// Configure, to which all the headers of a batch cross in one call (BatchHeaderConverter);
// the single-header calls are batches of one.
type headerConverter struct{ configurable }

var (
	_ connectors.HeaderConverter      = (*headerConverter)(nil)
	_ connectors.BatchHeaderConverter = (*headerConverter)(nil)
)

// NewHeaderConverter returns the Java header converter className at version ("" = the newest).
func (h *Host) NewHeaderConverter(className, version string) connectors.HeaderConverter {
	return &headerConverter{configurable{h: h, class: className, typ: pb.PluginType_PLUGIN_TYPE_HEADER_CONVERTER, version: version}}
}

// FromConnectHeader is FromConnectHeaderBatch of one header.
func (c *headerConverter) FromConnectHeader(topic, key string, schema *connectors.Schema, value any) ([]byte, error) {
	data, errs, err := c.FromConnectHeaderBatch([]connectors.HeaderData{{Topic: topic, Key: key, Schema: schema, Value: value}})
	if err != nil {
		return nil, err
	}
	if errs != nil && errs[0] != nil {
		return nil, errs[0]
	}
	return data[0], nil
}

// ToConnectHeader is ToConnectHeaderBatch of one header.
func (c *headerConverter) ToConnectHeader(topic, key string, data []byte) (*connectors.Schema, any, error) {
	out, errs, err := c.ToConnectHeaderBatch([]connectors.HeaderData{{Topic: topic, Key: key, Data: data}})
	if err != nil {
		return nil, nil, err
	}
	if errs != nil && errs[0] != nil {
		return nil, nil, errs[0]
	}
	return out[0].Schema, out[0].Value, nil
}

// FromConnectHeaderBatch calls fromConnectHeader on each item in the host, in one call.
func (c *headerConverter) FromConnectHeaderBatch(items []connectors.HeaderData) ([][]byte, []error, error) {
	req := &pb.ConvertBatch{Items: make([]*pb.ConvertItem, len(items))}
	var table schemaTable
	for i, it := range items {
		ref, err := table.ref(it.Schema)
		if err != nil {
			return nil, nil, err
		}
		v, err := valueToProto(it.Value, it.Schema)
		if err != nil {
			return nil, nil, fmt.Errorf("header %q: %w", it.Key, err)
		}
		req.Items[i] = &pb.ConvertItem{Topic: it.Topic, HeaderKey: it.Key, Schema: ref, Value: v}
	}
	req.Schemas = table.schemas
	res, err := c.convert(req, len(items))
	if err != nil {
		return nil, nil, err
	}
	out := make([][]byte, len(items))
	var errs []error
	for i, r := range res.GetItems() {
		if f := r.GetFailure(); f != nil {
			errs = itemError(errs, len(items), i, f)
			continue
		}
		out[i] = r.GetData()
		if r.Data != nil && out[i] == nil {
			out[i] = []byte{} // an empty array, not null
		}
	}
	return out, errs, nil
}

// ToConnectHeaderBatch calls toConnectHeader on each item in the host, in one call.
func (c *headerConverter) ToConnectHeaderBatch(items []connectors.HeaderData) ([]connectors.HeaderData, []error, error) {
	req := &pb.ConvertBatch{ToConnect: true, Items: make([]*pb.ConvertItem, len(items))}
	for i, it := range items {
		req.Items[i] = &pb.ConvertItem{Topic: it.Topic, HeaderKey: it.Key, Data: it.Data}
		if it.Data != nil && len(it.Data) == 0 {
			req.Items[i].Data = []byte{}
		}
	}
	res, err := c.convert(req, len(items))
	if err != nil {
		return nil, nil, err
	}
	schemas, err := schemasFromProto(res.GetSchemas())
	if err != nil {
		return nil, nil, err
	}
	out := make([]connectors.HeaderData, len(items))
	var errs []error
	for i, r := range res.GetItems() {
		out[i].Topic, out[i].Key = items[i].Topic, items[i].Key
		if f := r.GetFailure(); f != nil {
			errs = itemError(errs, len(items), i, f)
			continue
		}
		if out[i].Schema, err = lookupSchema(schemas, r.GetSchema()); err != nil {
			return nil, nil, err
		}
		if out[i].Value, err = valueFromProto(r.GetValue(), out[i].Schema); err != nil {
			return nil, nil, fmt.Errorf("header %q: %w", items[i].Key, err)
		}
	}
	return out, errs, nil
}

// convert makes the ConvertBatch call on the configured instance.
func (c *headerConverter) convert(req *pb.ConvertBatch, n int) (*pb.ConvertedBatch, error) {
	p, inst, err := c.configured()
	if err != nil {
		return nil, err
	}
	req.Instance = inst
	ctx, cancel := c.ctx()
	defer cancel()
	r, err := p.call(ctx, &pb.Request{Call: &pb.Request_ConvertBatch{ConvertBatch: req}})
	if err != nil {
		return nil, err
	}
	if len(r.GetConverted().GetItems()) != n {
		return nil, fmt.Errorf("header converter %s answered %d items for %d", c.class, len(r.GetConverted().GetItems()), n)
	}
	return r.GetConverted(), nil
}
