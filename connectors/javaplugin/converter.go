package javaplugin

import (
	"fmt"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

// converter is a Java Converter from plugin.path: an instance in the host, made by Configure,
// to which a batch's keys or values cross in one call (BatchConverter); the single-record calls
// are batches of one.
type converter struct{ configurable }

var (
	_ connectors.Converter      = (*converter)(nil)
	_ connectors.BatchConverter = (*converter)(nil)
)

// NewConverter returns the Java converter className at version ("" = the newest).
func (h *Host) NewConverter(className, version string) connectors.Converter {
	return &converter{configurable{h: h, class: className, typ: pb.PluginType_PLUGIN_TYPE_CONVERTER, version: version}}
}

// Configure makes the instance and calls configure(props, isKey).
func (c *converter) Configure(props map[string]string, isKey bool) error {
	ctx, cancel := c.ctx()
	defer cancel()
	p, inst, err := c.h.newInstance(ctx, c.class, c.typ, c.version, false)
	if err != nil {
		return fmt.Errorf("%s: %w", c.class, err)
	}
	c.mu.Lock()
	c.proc, c.inst = p, inst
	c.mu.Unlock()
	_, err = p.call(ctx, &pb.Request{Call: &pb.Request_Configure{Configure: &pb.Configure{Instance: inst, Props: props, IsKey: isKey}}})
	return err
}

// FromConnectData is FromConnectDataBatch of one item.
func (c *converter) FromConnectData(topic string, schema *connectors.Schema, value any) ([]byte, error) {
	data, errs, err := c.FromConnectDataBatch([]connectors.ConnectData{{Topic: topic, Schema: schema, Value: value}})
	if err != nil {
		return nil, err
	}
	if errs != nil && errs[0] != nil {
		return nil, errs[0]
	}
	return data[0], nil
}

// ToConnectData is ToConnectDataBatch of one item.
func (c *converter) ToConnectData(topic string, data []byte) (*connectors.Schema, any, error) {
	out, errs, err := c.ToConnectDataBatch([]connectors.RawData{{Topic: topic, Data: data}})
	if err != nil {
		return nil, nil, err
	}
	if errs != nil && errs[0] != nil {
		return nil, nil, errs[0]
	}
	return out[0].Schema, out[0].Value, nil
}

// FromConnectDataBatch calls fromConnectData on each item in the host, in one call.
func (c *converter) FromConnectDataBatch(items []connectors.ConnectData) ([][]byte, []error, error) {
	req := &pb.ConvertBatch{Items: make([]*pb.ConvertItem, len(items))}
	var table schemaTable
	for i, it := range items {
		ref, err := table.ref(it.Schema)
		if err != nil {
			return nil, nil, err
		}
		v, err := valueToProto(it.Value, it.Schema)
		if err != nil {
			return nil, nil, err
		}
		req.Items[i] = &pb.ConvertItem{Topic: it.Topic, Schema: ref, Value: v}
		if it.Headers != nil {
			req.Items[i].Headers = rawHeadersToProto(*it.Headers)
		}
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
		if r.GetHeadersChanged() && items[i].Headers != nil {
			*items[i].Headers = rawHeadersFromProto(r.GetHeaders())
		}
	}
	return out, errs, nil
}

// ToConnectDataBatch calls toConnectData on each item in the host, in one call.
func (c *converter) ToConnectDataBatch(items []connectors.RawData) ([]connectors.ConnectData, []error, error) {
	req := &pb.ConvertBatch{ToConnect: true, Items: make([]*pb.ConvertItem, len(items))}
	for i, it := range items {
		req.Items[i] = &pb.ConvertItem{Topic: it.Topic, Data: it.Data, Headers: rawHeadersToProto(it.Headers)}
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
	out := make([]connectors.ConnectData, len(items))
	var errs []error
	for i, r := range res.GetItems() {
		if f := r.GetFailure(); f != nil {
			errs = itemError(errs, len(items), i, f)
			continue
		}
		out[i].Topic = items[i].Topic
		if out[i].Schema, err = lookupSchema(schemas, r.GetSchema()); err != nil {
			return nil, nil, err
		}
		if out[i].Value, err = valueFromProto(r.GetValue(), out[i].Schema); err != nil {
			return nil, nil, err
		}
	}
	return out, errs, nil
}

func (c *converter) convert(req *pb.ConvertBatch, n int) (*pb.ConvertedBatch, error) {
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
		return nil, fmt.Errorf("converter %s answered %d items for %d", c.class, len(r.GetConverted().GetItems()), n)
	}
	return r.GetConverted(), nil
}

func itemError(errs []error, n, i int, f *pb.Failure) []error {
	if errs == nil {
		errs = make([]error, n)
	}
	errs[i] = retriable(&JavaError{Class: f.GetExceptionClass(), Message: f.GetMessage(), Trace: f.GetStackTrace(), Retriable: f.GetRetriable()})
	return errs
}

// rawHeadersToProto is hs for a ConvertItem; none when there are none, which the host takes as
// empty Headers, so that a record without headers costs nothing on the channel.
func rawHeadersToProto(hs []connectors.RawHeader) []*pb.RawHeader {
	if len(hs) == 0 {
		return nil
	}
	out := make([]*pb.RawHeader, len(hs))
	for i, h := range hs {
		out[i] = &pb.RawHeader{Key: h.Key, Value: h.Value}
		if h.Value != nil && len(h.Value) == 0 {
			out[i].Value = []byte{} // an empty value, not null
		}
	}
	return out
}

func rawHeadersFromProto(hs []*pb.RawHeader) []connectors.RawHeader {
	out := make([]connectors.RawHeader, len(hs))
	for i, h := range hs {
		out[i] = connectors.RawHeader{Key: h.GetKey(), Value: h.GetValue()}
		if h.Value != nil && out[i].Value == nil {
			out[i].Value = []byte{}
		}
	}
	return out
}
