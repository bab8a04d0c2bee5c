package javaplugin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

var pluginTypes = map[pb.PluginType]connectors.PluginType{
	pb.PluginType_PLUGIN_TYPE_SOURCE:           connectors.Source,
	pb.PluginType_PLUGIN_TYPE_SINK:             connectors.Sink,
	pb.PluginType_PLUGIN_TYPE_CONVERTER:        connectors.ConverterType,
	pb.PluginType_PLUGIN_TYPE_HEADER_CONVERTER: connectors.HeaderConverterType,
	pb.PluginType_PLUGIN_TYPE_TRANSFORMATION:   connectors.TransformationType,
	pb.PluginType_PLUGIN_TYPE_PREDICATE:        connectors.PredicateType,
}

// Connectors returns the connector plugins the host found on plugin.path, each a
// connectors.Plugin whose instances call the host. It starts the host.
func (h *Host) Connectors(ctx context.Context) ([]connectors.Plugin, error) {
	all, err := h.Plugins(ctx)
	return slices.DeleteFunc(all, func(p connectors.Plugin) bool { return !connectors.IsConnector(p.Type) }), err
}

// Plugins returns the connectors, converters, header converters, transformations and
// predicates the host found on plugin.path, each a connectors.Plugin whose instances call the
// host (converters, header converters, transformations and predicates take a batch of records
// in one call). A class of several kinds is returned once per kind, as Kafka Connect lists it:
// a class that is both a Converter and a HeaderConverter is made and configured as the one
// its use names. It starts the host.
func (h *Host) Plugins(ctx context.Context) ([]connectors.Plugin, error) {
	hello, err := h.Hello(ctx)
	if err != nil {
		return nil, err
	}
	var out []connectors.Plugin
	for _, info := range hello.GetPlugins() {
		class, version := info.GetClassName(), info.GetVersion()
		p := connectors.Plugin{Class: class, Type: pluginTypes[info.GetType()], Version: version}
		switch p.Type {
		case connectors.Source, connectors.Sink:
			typ := info.GetType()
			p.New = func() any { return h.NewConnector(class, typ, version) }
		case connectors.TransformationType:
			p.New = func() any { return h.NewTransformation(class, version) }
		case connectors.PredicateType:
			p.New = func() any { return h.NewPredicate(class, version) }
		case connectors.ConverterType:
			p.New = func() any { return h.NewConverter(class, version) }
		case connectors.HeaderConverterType:
			p.New = func() any { return h.NewHeaderConverter(class, version) }
		default:
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// NewConnector returns a connector of the Java class className (a source or a sink, as typ
// says) at version ("" = the newest), whose calls go to the host. Nothing is made in the
// host until Start, Config or ValidateConfig is called.
func (h *Host) NewConnector(className string, typ pb.PluginType, version string) connectors.Connector {
	c := &connector{h: h, class: className, typ: typ, version: version}
	if typ == pb.PluginType_PLUGIN_TYPE_SINK {
		return &sinkConnector{c}
	}
	return &sourceConnector{c}
}

// connector is a Java Connector in the host. Connector calls have no context in the
// connectors API; each is bounded by Config.CallTimeout.
type connector struct {
	h       *Host
	class   string
	typ     pb.PluginType
	version string

	mu      sync.Mutex
	proc    *process
	inst    uint64
	stopped chan struct{} // closed by Stop: the started instance's watch on its host ends
	def     connectors.ConfigDef
}

type sourceConnector struct{ *connector }
type sinkConnector struct{ *connector }

var (
	_ connectors.SourceConnector = (*sourceConnector)(nil)
	_ connectors.SinkConnector   = (*sinkConnector)(nil)
	_ connectors.ConfigValidator = (*connector)(nil)
	_ connectors.Committer       = (*sourceTask)(nil)
	_ connectors.SourceTask      = (*sourceTask)(nil)
	_ connectors.SinkTask        = (*sinkTask)(nil)
)

func (c *sourceConnector) NewTask() connectors.SourceTask {
	return &sourceTask{task: task{h: c.h, class: c.class, typ: c.typ, version: c.version}}
}

func (c *sinkConnector) NewTask() connectors.SinkTask {
	return &sinkTask{task: task{h: c.h, class: c.class, typ: c.typ, version: c.version}}
}

func (c *connector) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), c.h.cfg.CallTimeout)
}

// Version is the version the plugin reported when plugin.path was scanned.
func (c *connector) Version() string { return c.version }

// Config is the plugin's own ConfigDef, asked of a fresh instance once. When the host cannot
// answer, it is empty and the failure is logged; Start and ValidateConfig report it.
func (c *connector) Config() connectors.ConfigDef {
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

// ValidateConfig runs the plugin's validate() and returns every ConfigValue it reported.
func (c *connector) ValidateConfig(props map[string]string) []connectors.ConfigValue {
	ctx, cancel := c.ctx()
	defer cancel()
	values, err := c.h.validate(ctx, c.class, c.typ, c.version, props)
	if err != nil {
		// validate() itself failed: Kafka Connect reports that as an error of the class key.
		return []connectors.ConfigValue{{Name: "connector.class", Errors: []string{err.Error()}, Visible: true}}
	}
	return values
}

// Start makes the connector in the host and starts it; the context's requests reach ctx.
func (c *connector) Start(cc connectors.ConnectorContext, props map[string]string) error {
	ctx, cancel := c.ctx()
	defer cancel()
	p, inst, err := c.h.newInstance(ctx, c.class, c.typ, c.version, false)
	if err != nil {
		return fmt.Errorf("connector %s: %w", c.class, err)
	}
	c.mu.Lock()
	c.proc, c.inst = p, inst
	c.mu.Unlock()
	p.setHandlers(inst, &handlers{event: func(e *pb.Event) {
		switch k := e.GetKind().(type) {
		case *pb.Event_RequestTaskReconfiguration:
			cc.RequestTaskReconfiguration()
		case *pb.Event_RaiseError:
			f := k.RaiseError
			cc.RaiseError(&JavaError{Class: f.GetExceptionClass(), Message: f.GetMessage(), Trace: f.GetStackTrace(), Retriable: f.GetRetriable()})
		}
	}})
	if _, err = p.call(ctx, &pb.Request{Call: &pb.Request_ConnectorStart{ConnectorStart: &pb.ConnectorStart{Instance: inst, Props: props}}}); err != nil {
		return err
	}
	c.watch(p, cc)
	return nil
}

// watch fails the started connector, through its context, when its host dies: the instance
// died with it, and nothing else would tell (a source connector is called again only on a
// reconfiguration), so the connector would show RUNNING with nothing behind it. A restart
// makes a new instance in the next host. A host closed with its worker is no failure.
func (c *connector) watch(p *process, cc connectors.ConnectorContext) {
	stopped := make(chan struct{})
	c.mu.Lock()
	c.stopped = stopped
	c.mu.Unlock()
	go func() {
		select {
		case <-p.done:
			if !errors.Is(p.err, ErrClosed) {
				cc.RaiseError(p.err)
			}
		case <-stopped:
		}
	}()
}

func (c *connector) started() (*process, uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil {
		return nil, 0, fmt.Errorf("connector %s was not started", c.class)
	}
	return c.proc, c.inst, nil
}

// TaskConfigs calls taskConfigs(maxTasks).
func (c *connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	p, inst, err := c.started()
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.ctx()
	defer cancel()
	r, err := p.call(ctx, &pb.Request{Call: &pb.Request_ConnectorTaskConfigs{ConnectorTaskConfigs: &pb.ConnectorTaskConfigs{Instance: inst, MaxTasks: int32(maxTasks)}}})
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	class := r.GetTaskConfigs().GetTaskClass()
	for _, tc := range r.GetTaskConfigs().GetConfigs() {
		props := tc.GetProps()
		if props == nil {
			props = map[string]string{}
		}
		// Kafka Connect writes the task class into every task config (task.class); the
		// runtime adds it from the registry for Go plugins, where it is known without an
		// instance. A plugin's own task.class is kept, as Kafka keeps it.
		if _, ok := props["task.class"]; !ok && class != "" {
			props["task.class"] = class
		}
		out = append(out, props)
	}
	return out, nil
}

// Stop calls stop() and forgets the instance. A connector whose Start failed before it was made
// has nothing to stop.
func (c *connector) Stop() error {
	c.mu.Lock()
	p, inst := c.proc, c.inst
	c.proc = nil
	if c.stopped != nil {
		close(c.stopped)
		c.stopped = nil
	}
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	ctx, cancel := c.ctx()
	defer cancel()
	_, err := p.call(ctx, &pb.Request{Call: &pb.Request_ConnectorStop{ConnectorStop: &pb.ConnectorStop{Instance: inst}}})
	p.forget(ctx, inst)
	return err
}

// task is what source and sink tasks share: the instance of the connector's task class.
type task struct {
	h       *Host
	class   string // the connector's class; the host makes its taskClass()
	typ     pb.PluginType
	version string

	mu   sync.Mutex
	proc *process
	inst uint64
	// txnContext: the task is started with a TransactionContext (TaskStart.transaction_context).
	txnContext bool
}

// start makes the task's instance and starts it. commitRecords says whether the worker will
// acknowledge polled records: asked for, it is what the host answers for the task's class
// (whether it overrides commitRecord), which start returns.
func (t *task) start(ctx context.Context, props map[string]string, commitRecords bool, hs *handlers) (bool, error) {
	p, info, err := t.h.newInstanceInfo(ctx, t.class, t.typ, t.version, true)
	if err != nil {
		return false, fmt.Errorf("task of %s: %w", t.class, err)
	}
	inst := info.GetInstance()
	commitRecords = commitRecords && info.GetCommitsRecords()
	t.mu.Lock()
	t.proc, t.inst = p, inst
	t.mu.Unlock()
	if hs != nil {
		p.setHandlers(inst, hs)
	}
	taskNo, _ := strconv.Atoi(props["task.id"])
	_, err = p.call(ctx, &pb.Request{Call: &pb.Request_TaskStart{TaskStart: &pb.TaskStart{Instance: inst, Props: props,
		Connector: props["name"], Task: int32(taskNo), CommitRecords: commitRecords, TransactionContext: t.txnContext}}})
	return commitRecords, err
}

func (t *task) started() (*process, uint64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.proc == nil {
		return nil, 0, fmt.Errorf("task of %s was not started", t.class)
	}
	return t.proc, t.inst, nil
}

// stop calls the task's stop() and forgets the instance.
func (t *task) stop() error {
	t.mu.Lock()
	p, inst := t.proc, t.inst
	t.proc = nil
	t.mu.Unlock()
	if p == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.h.cfg.CallTimeout)
	defer cancel()
	_, err := p.call(ctx, &pb.Request{Call: &pb.Request_TaskStop{TaskStop: &pb.TaskStop{Instance: inst}}})
	p.forget(ctx, inst)
	return err
}

// retriable marks a Java RetriableException for the runtime's retry.
func retriable(err error) error {
	if je, ok := err.(*JavaError); ok && je.Retriable {
		return connectors.Retriable(err)
	}
	return err
}

// sourceTask is a Java SourceTask in the host. When its class overrides commitRecord, the host
// keeps each polled record until the runtime acknowledges it (CommitRecords), for
// commitRecord(record, metadata); otherwise acknowledgements are dropped on this side.
type sourceTask struct {
	task
	seqMu sync.Mutex
	acks  bool                                // the task commits records: acknowledge them
	seqs  map[*connectors.SourceRecord]uint64 // polled records not yet acknowledged → the host's number

	// With transaction.boundary=connector: the worker's TransactionContext, and the polls of
	// the last batch not handed to the pipeline yet (txnpoll.go). Poll runs on one goroutine.
	txn    connectors.TransactionContext
	polled []hostPoll
}

var _ connectors.RecordCommitter = (*sourceTask)(nil)

// Start makes the task and starts it; its offset storage reader reads through ctx.
func (s *sourceTask) Start(tc connectors.SourceTaskContext, props map[string]string) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.h.cfg.CallTimeout)
	defer cancel()
	s.seqMu.Lock()
	s.seqs = map[*connectors.SourceRecord]uint64{}
	s.seqMu.Unlock()
	s.txn = tc.TransactionContext()
	s.txnContext, s.polled = s.txn != nil, nil
	acks, err := s.start(ctx, props, true, &handlers{offsets: func(parts []map[string]any) ([]map[string]any, error) {
		out := make([]map[string]any, len(parts))
		for i, p := range parts {
			var err error
			if out[i], err = tc.Offsets().Offset(p); err != nil {
				return nil, err
			}
		}
		return out, nil
	}})
	s.seqMu.Lock()
	s.acks = acks
	s.seqMu.Unlock()
	return err
}

// Poll calls poll() once and returns its batch.
func (s *sourceTask) Poll(ctx context.Context) ([]connectors.SourceRecord, error) {
	p, inst, err := s.started()
	if err != nil {
		return nil, err
	}
	if s.txn != nil && len(s.polled) > 0 {
		return s.nextPoll(), nil
	}
	r, err := p.call(ctx, &pb.Request{Call: &pb.Request_SourcePoll{SourcePoll: &pb.SourcePoll{Instance: inst}}})
	if err != nil {
		return nil, retriable(err)
	}
	out, seqs, err := decodeSourceBatch(r.GetSourceBatch())
	if err != nil {
		return nil, err
	}
	s.registerSeqs(out, seqs)
	if s.txn != nil {
		if s.polled, err = splitPolls(out, r.GetSourceBatch()); err != nil {
			return nil, err
		}
		return s.nextPoll(), nil
	}
	return out, nil
}

// registerSeqs keeps the host's number of each record Poll returns, for CommitRecords.
func (s *sourceTask) registerSeqs(out []connectors.SourceRecord, seqs []uint64) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	if s.acks {
		for i := range out {
			s.seqs[&out[i]] = seqs[i]
		}
	}
}

// CommitRecords calls commitRecord(record, metadata) for each acknowledged record, in one
// call for the batch; the records are the ones Poll returned.
func (s *sourceTask) CommitRecords(acks []connectors.RecordAck) error {
	p, inst, err := s.started()
	if err != nil {
		return err
	}
	s.seqMu.Lock()
	if !s.acks {
		s.seqMu.Unlock()
		return nil // SourceTask's commitRecord, which does nothing
	}
	req := &pb.SourceCommitRecords{Instance: inst, Acks: make([]*pb.RecordAck, 0, len(acks))}
	for _, a := range acks {
		seq, ok := s.seqs[a.Record]
		if !ok {
			continue // not a record of this task's polls, or acknowledged already
		}
		delete(s.seqs, a.Record)
		ra := &pb.RecordAck{Seq: seq}
		if md := a.Metadata; md != nil {
			ra.Produced, ra.Topic, ra.Partition, ra.Offset = true, md.Topic, md.Partition, md.Offset
			if !md.Timestamp.IsZero() {
				ra.Timestamp = md.Timestamp.UnixMilli()
			} else {
				ra.Timestamp = -1 // Kafka's RecordMetadata.NO_TIMESTAMP
			}
		}
		req.Acks = append(req.Acks, ra)
	}
	s.seqMu.Unlock()
	if len(req.Acks) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.h.cfg.CallTimeout)
	defer cancel()
	_, err = p.call(ctx, &pb.Request{Call: &pb.Request_SourceCommitRecords{SourceCommitRecords: req}})
	return err
}

// Commit calls commit().
func (s *sourceTask) Commit() error {
	p, inst, err := s.started()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.h.cfg.CallTimeout)
	defer cancel()
	_, err = p.call(ctx, &pb.Request{Call: &pb.Request_SourceCommit{SourceCommit: &pb.SourceCommit{Instance: inst}}})
	return err
}

// Stop calls stop(), beside a poll() that may be blocking, as Kafka Connect does.
func (s *sourceTask) Stop() error { return s.stop() }

func headersFromProto(hs []*pb.Header, schemas []*connectors.Schema) ([]connectors.Header, error) {
	if len(hs) == 0 {
		return nil, nil
	}
	out := make([]connectors.Header, len(hs))
	for i, h := range hs {
		s, err := lookupSchema(schemas, h.GetSchema())
		if err != nil {
			return nil, err
		}
		v, err := valueFromProto(h.GetValue(), s)
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", h.GetKey(), err)
		}
		out[i] = connectors.Header{Key: h.GetKey(), Schema: s, Value: v}
	}
	return out, nil
}

// sinkTask is a Java SinkTask in the host. open() and close() follow the runtime's
// OpenPartitions and ClosePartitions; what the task asks of its SinkTaskContext during a call
// comes back in the call's SinkReply and is handed to the runtime's context after it.
type sinkTask struct {
	task
	tc  connectors.SinkTaskContext
	put sinkPutEncoder // Put's buffers: the runtime starts one put at a time, and a batch is written before StartPut returns
}

var (
	_ connectors.PartitionOpener = (*sinkTask)(nil)
	_ connectors.PreCommitter    = (*sinkTask)(nil)
	_ connectors.PutStarter      = (*sinkTask)(nil)
)

// Start makes the task and starts it. Its errantRecordReporter() is the runtime's, if any.
func (s *sinkTask) Start(tc connectors.SinkTaskContext, props map[string]string) error {
	s.tc = tc
	ctx, cancel := context.WithTimeout(context.Background(), s.h.cfg.CallTimeout)
	defer cancel()
	reporter := tc.ErrantRecords()
	var hs *handlers
	if reporter != nil {
		hs = &handlers{errant: func(req *pb.ReportErrant) error {
			rec, err := sinkRecordFromProto(req.GetRecord(), req.GetSchemas())
			if err != nil {
				return fmt.Errorf("errant record: %w", err)
			}
			f := req.GetError()
			return <-reporter.Report(rec, &JavaError{Class: f.GetExceptionClass(), Message: f.GetMessage(), Trace: f.GetStackTrace(), Retriable: f.GetRetriable()})
		}}
	}
	p, inst, err := s.h.newInstance(ctx, s.class, s.typ, s.version, true)
	if err != nil {
		return fmt.Errorf("task of %s: %w", s.class, err)
	}
	s.mu.Lock()
	s.proc, s.inst = p, inst
	s.mu.Unlock()
	if hs != nil {
		p.setHandlers(inst, hs)
	}
	taskNo, _ := strconv.Atoi(props["task.id"])
	_, err = p.call(ctx, &pb.Request{Call: &pb.Request_TaskStart{TaskStart: &pb.TaskStart{Instance: inst, Props: props,
		Connector: props["name"], Task: int32(taskNo), ErrantReporter: reporter != nil}}})
	return err
}

func tpsToProto(tps []connectors.TopicPartition) []*pb.TopicPartition {
	out := make([]*pb.TopicPartition, len(tps))
	for i, tp := range tps {
		out[i] = &pb.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}
	}
	return out
}

func tpsFromProto(tps []*pb.TopicPartition) []connectors.TopicPartition {
	out := make([]connectors.TopicPartition, len(tps))
	for i, tp := range tps {
		out[i] = connectors.TopicPartition{Topic: tp.GetTopic(), Partition: tp.GetPartition()}
	}
	return out
}

// OpenPartitions calls open(partitions).
func (s *sinkTask) OpenPartitions(ctx context.Context, tps []connectors.TopicPartition) error {
	return s.sinkCall(ctx, &pb.Request{Call: &pb.Request_SinkOpen{SinkOpen: &pb.SinkOpen{Partitions: tpsToProto(tps)}}})
}

// ClosePartitions calls close(partitions).
func (s *sinkTask) ClosePartitions(ctx context.Context, tps []connectors.TopicPartition) error {
	return s.sinkCall(ctx, &pb.Request{Call: &pb.Request_SinkClose{SinkClose: &pb.SinkClose{Partitions: tpsToProto(tps)}}})
}

// sinkCall makes a sink call on the started instance (req's instance is filled in) and hands
// what the task asked of its context to the runtime's, also when the call threw.
func (s *sinkTask) sinkCall(ctx context.Context, req *pb.Request) error {
	_, err := s.sinkReply(ctx, req)
	return err
}

func (s *sinkTask) sinkReply(ctx context.Context, req *pb.Request) (*pb.SinkReply, error) {
	p, inst, err := s.started()
	if err != nil {
		return nil, err
	}
	switch c := req.GetCall().(type) {
	case *pb.Request_SinkOpen:
		c.SinkOpen.Instance = inst
	case *pb.Request_SinkClose:
		c.SinkClose.Instance = inst
	case *pb.Request_SinkPreCommit:
		c.SinkPreCommit.Instance = inst
	}
	return s.replyFrom(ctx, p, req)
}

// replyFrom makes a sink call whose request names its instance already.
func (s *sinkTask) replyFrom(ctx context.Context, p *process, req *pb.Request) (*pb.SinkReply, error) {
	return s.reply(p.call(ctx, req))
}

// reply is a sink call's answer: what the task asked of its context is handed to the runtime's
// (also when the call threw), and a RetriableException is a Retriable error.
func (s *sinkTask) reply(r *pb.Response, err error) (*pb.SinkReply, error) {
	s.apply(r.GetSink())
	if err != nil {
		return nil, retriable(err)
	}
	return r.GetSink(), nil
}

// apply hands what the task asked of its SinkTaskContext to the runtime's context.
func (s *sinkTask) apply(r *pb.SinkReply) {
	if r == nil {
		return
	}
	for _, o := range r.GetResetOffsets() {
		s.tc.Seek(connectors.TopicPartition{Topic: o.GetTopic(), Partition: o.GetPartition()}, o.GetOffset())
	}
	if len(r.GetPause()) > 0 {
		s.tc.Pause(tpsFromProto(r.GetPause())...)
	}
	if len(r.GetResume()) > 0 {
		s.tc.Resume(tpsFromProto(r.GetResume())...)
	}
	if r.TimeoutMs != nil {
		s.tc.RetryAfter(time.Duration(r.GetTimeoutMs()) * time.Millisecond)
	}
	if r.GetRequestCommit() {
		s.tc.RequestCommit()
	}
}

// Put calls put() with the batch; a RetriableException is a Retriable error.
func (s *sinkTask) Put(ctx context.Context, records []connectors.SinkRecord) error {
	wait, err := s.StartPut(ctx, records, false)
	if err != nil {
		return err
	}
	_, err = wait(ctx)
	return err
}

// StartPut sends the batch to the host and returns once it is written; the host calls put()
// with it after the calls sent before it. The batch crosses as an encoded SinkPut written
// straight from the records (sinkput.go), so records may be reused once StartPut returns.
func (s *sinkTask) StartPut(_ context.Context, records []connectors.SinkRecord, ahead bool) (func(context.Context) (skipped bool, err error), error) {
	p, inst, err := s.started()
	if err != nil {
		return nil, err
	}
	b, err := s.put.encode(inst, records, ahead)
	if err != nil {
		return nil, err
	}
	wait, err := p.start(&pb.Request{Call: &pb.Request_SinkPut{SinkPut: b}})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (bool, error) {
		r, err := wait(ctx)
		if r.GetSink().GetSkipped() {
			return true, nil
		}
		_, err = s.reply(r, err)
		return false, err
	}, nil
}

// PreCommit calls preCommit(positions) (whose default calls flush() and returns them) and
// returns what the task wants committed.
func (s *sinkTask) PreCommit(ctx context.Context, positions map[connectors.TopicPartition]int64) (map[connectors.TopicPartition]int64, error) {
	req := &pb.SinkPreCommit{}
	for tp, off := range positions {
		req.Offsets = append(req.Offsets, &pb.PartitionOffset{Topic: tp.Topic, Partition: tp.Partition, Offset: off})
	}
	r, err := s.sinkReply(ctx, &pb.Request{Call: &pb.Request_SinkPreCommit{SinkPreCommit: req}})
	if err != nil {
		return nil, err
	}
	out := make(map[connectors.TopicPartition]int64, len(r.GetCommit()))
	for _, c := range r.GetCommit() {
		out[connectors.TopicPartition{Topic: c.GetTopic(), Partition: c.GetPartition()}] = c.GetOffset()
	}
	return out, nil
}

// Flush calls preCommit(offsets), for a runtime that does not call PreCommit; its answer is
// not used.
func (s *sinkTask) Flush(ctx context.Context, offsets map[connectors.TopicPartition]int64) error {
	_, err := s.PreCommit(ctx, offsets)
	return err
}

// Stop calls stop().
func (s *sinkTask) Stop() error { return s.stop() }

// sinkRecordFromProto is a record a Java sink task handed back (to its errant record
// reporter), with the schemas of its message.
func sinkRecordFromProto(r *pb.SinkRecord, table []*pb.Schema) (connectors.SinkRecord, error) {
	schemas, err := schemasFromProto(table)
	if err != nil {
		return connectors.SinkRecord{}, err
	}
	out := connectors.SinkRecord{Topic: r.GetTopic(), Partition: r.GetKafkaPartition(), Offset: r.GetKafkaOffset()}
	if out.KeySchema, err = lookupSchema(schemas, r.GetKeySchema()); err != nil {
		return out, err
	}
	if out.Key, err = valueFromProto(r.GetKey(), out.KeySchema); err != nil {
		return out, fmt.Errorf("key: %w", err)
	}
	if out.ValueSchema, err = lookupSchema(schemas, r.GetValueSchema()); err != nil {
		return out, err
	}
	if out.Value, err = valueFromProto(r.GetValue(), out.ValueSchema); err != nil {
		return out, fmt.Errorf("value: %w", err)
	}
	if r.Timestamp != nil {
		out.Timestamp = timeFromMillis(r.GetTimestamp())
	}
	out.Headers, err = headersFromProto(r.GetHeaders(), schemas)
	return out, err
}
