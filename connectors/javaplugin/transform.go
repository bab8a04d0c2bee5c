package javaplugin

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

// A Java transformation or predicate from plugin.path: an instance in the host, made by
// Configure, to which batches of records cross in one call each (ApplyBatch, TestBatch); the
// single-record Apply and Test are batches of one.
type (
	transformation struct{ configurable }
	predicate      struct{ configurable }
)

var (
	_ connectors.Transformation      = (*transformation)(nil)
	_ connectors.BatchTransformation = (*transformation)(nil)
	_ connectors.Predicate           = (*predicate)(nil)
	_ connectors.BatchPredicate      = (*predicate)(nil)
)

// NewTransformation returns the Java transformation className at version ("" = the newest).
func (h *Host) NewTransformation(className, version string) connectors.Transformation {
	return &transformation{configurable{h: h, class: className, typ: pb.PluginType_PLUGIN_TYPE_TRANSFORMATION, version: version}}
}

// NewPredicate returns the Java predicate className at version ("" = the newest).
func (h *Host) NewPredicate(className, version string) connectors.Predicate {
	return &predicate{configurable{h: h, class: className, typ: pb.PluginType_PLUGIN_TYPE_PREDICATE, version: version}}
}

// configurable is a plugin instance made and configured in the host by Configure.
type configurable struct {
	h       *Host
	class   string
	typ     pb.PluginType
	version string

	mu   sync.Mutex
	proc *process
	inst uint64
	def  connectors.ConfigDef
}

func (c *configurable) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), c.h.cfg.CallTimeout)
}

// Config is the plugin's ConfigDef, asked of a fresh instance once; empty (and logged) when the
// host cannot answer.
func (c *configurable) Config() connectors.ConfigDef {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.def != nil {
		return c.def
	}
	ctx, cancel := c.ctx()
	defer cancel()
	def, err := c.h.configDef(ctx, c.class, c.typ, c.version)
	if err != nil {
		c.h.log.Warn("config definition of a Java plugin", "class", c.class, "err", err)
		return connectors.ConfigDef{}
	}
	c.def = def
	return def
}

// Configure makes the instance and calls configure(props).
func (c *configurable) Configure(props map[string]string) error {
	ctx, cancel := c.ctx()
	defer cancel()
	p, inst, err := c.h.newInstance(ctx, c.class, c.typ, c.version, false)
	if err != nil {
		return fmt.Errorf("%s: %w", c.class, err)
	}
	c.mu.Lock()
	c.proc, c.inst = p, inst
	c.mu.Unlock()
	_, err = p.call(ctx, &pb.Request{Call: &pb.Request_Configure{Configure: &pb.Configure{Instance: inst, Props: props}}})
	return err
}

func (c *configurable) configured() (*process, uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil {
		return nil, 0, fmt.Errorf("%s was not configured", c.class)
	}
	return c.proc, c.inst, nil
}

// Close calls close() and forgets the instance.
func (c *configurable) Close() error {
	c.mu.Lock()
	p, inst := c.proc, c.inst
	c.proc = nil
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	ctx, cancel := c.ctx()
	defer cancel()
	p.forget(ctx, inst)
	return nil
}

// batch is rs as a RecordBatch for the instance.
func (c *configurable) batch(inst uint64, rs []*connectors.Record) (*pb.RecordBatch, error) {
	var table schemaTable
	out := &pb.RecordBatch{Instance: inst, Records: make([]*pb.ConnectRecord, len(rs))}
	for i, r := range rs {
		pr, err := connectRecordToProto(r, &table)
		if err != nil {
			return nil, err
		}
		out.Records[i] = pr
	}
	out.Schemas = table.schemas
	return out, nil
}

// Apply is ApplyBatch of one record.
func (t *transformation) Apply(r *connectors.Record) (*connectors.Record, error) {
	out, errs, err := t.ApplyBatch([]*connectors.Record{r})
	if err != nil {
		return nil, err
	}
	if errs != nil && errs[0] != nil {
		return nil, errs[0]
	}
	return out[0], nil
}

// ApplyBatch calls apply() on each record in the host, in one call.
func (t *transformation) ApplyBatch(rs []*connectors.Record) ([]*connectors.Record, []error, error) {
	p, inst, err := t.configured()
	if err != nil {
		return nil, nil, err
	}
	req, err := t.batch(inst, rs)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := t.ctx()
	defer cancel()
	r, err := p.call(ctx, &pb.Request{Call: &pb.Request_TransformBatch{TransformBatch: req}})
	if err != nil {
		return nil, nil, err
	}
	res := r.GetTransformed()
	if len(res.GetRecords()) != len(rs) {
		return nil, nil, fmt.Errorf("transformation %s answered %d records for %d", t.class, len(res.GetRecords()), len(rs))
	}
	schemas, err := schemasFromProto(res.GetSchemas())
	if err != nil {
		return nil, nil, err
	}
	out := make([]*connectors.Record, len(rs))
	var errs []error
	for i, tr := range res.GetRecords() {
		switch x := tr.GetResult().(type) {
		case *pb.TransformedRecord_Record:
			if out[i], err = connectRecordFromProto(x.Record, schemas); err != nil {
				return nil, nil, err
			}
		case *pb.TransformedRecord_Failure:
			if errs == nil {
				errs = make([]error, len(rs))
			}
			f := x.Failure
			errs[i] = &JavaError{Class: f.GetExceptionClass(), Message: f.GetMessage(), Trace: f.GetStackTrace(), Retriable: f.GetRetriable()}
			errs[i] = retriable(errs[i])
		}
	}
	return out, errs, nil
}

// Test is TestBatch of one record; a failing test is false, and logged.
func (p *predicate) Test(r *connectors.Record) bool {
	res, err := p.TestBatch([]*connectors.Record{r})
	if err != nil {
		p.h.log.Warn("a Java predicate failed", "class", p.class, "err", err)
		return false
	}
	return res[0]
}

// TestBatch calls test() on each record in the host, in one call.
func (p *predicate) TestBatch(rs []*connectors.Record) ([]bool, error) {
	proc, inst, err := p.configured()
	if err != nil {
		return nil, err
	}
	req, err := p.batch(inst, rs)
	if err != nil {
		return nil, err
	}
	ctx, cancel := p.ctx()
	defer cancel()
	r, err := proc.call(ctx, &pb.Request{Call: &pb.Request_PredicateBatch{PredicateBatch: req}})
	if err != nil {
		return nil, err
	}
	m := r.GetPredicateResults().GetMatches()
	if len(m) != len(rs) {
		return nil, errors.New("predicate " + p.class + " answered another number of results")
	}
	return m, nil
}

func connectRecordToProto(r *connectors.Record, table *schemaTable) (*pb.ConnectRecord, error) {
	pr := &pb.ConnectRecord{Topic: r.Topic, KafkaPartition: r.Partition, KafkaOffset: r.Offset}
	var err error
	if pr.KeySchema, err = table.ref(r.KeySchema); err != nil {
		return nil, err
	}
	if pr.Key, err = valueToProto(r.Key, r.KeySchema); err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	if pr.ValueSchema, err = table.ref(r.ValueSchema); err != nil {
		return nil, err
	}
	if pr.Value, err = valueToProto(r.Value, r.ValueSchema); err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	if !r.Timestamp.IsZero() {
		ts := r.Timestamp.UnixMilli()
		pr.Timestamp = &ts
	}
	for _, h := range r.Headers {
		ref, err := table.ref(h.Schema)
		if err != nil {
			return nil, err
		}
		v, err := valueToProto(h.Value, h.Schema)
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", h.Key, err)
		}
		pr.Headers = append(pr.Headers, &pb.Header{Key: h.Key, Schema: ref, Value: v})
	}
	return pr, nil
}

func connectRecordFromProto(r *pb.ConnectRecord, schemas []*connectors.Schema) (*connectors.Record, error) {
	out := &connectors.Record{Topic: r.GetTopic(), Partition: r.KafkaPartition, Offset: r.KafkaOffset}
	var err error
	if out.KeySchema, err = lookupSchema(schemas, r.GetKeySchema()); err != nil {
		return nil, err
	}
	if out.Key, err = valueFromProto(r.GetKey(), out.KeySchema); err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	if out.ValueSchema, err = lookupSchema(schemas, r.GetValueSchema()); err != nil {
		return nil, err
	}
	if out.Value, err = valueFromProto(r.GetValue(), out.ValueSchema); err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	if r.Timestamp != nil {
		out.Timestamp = timeFromMillis(r.GetTimestamp())
	}
	out.Headers, err = headersFromProto(r.GetHeaders(), schemas)
	return out, err
}
