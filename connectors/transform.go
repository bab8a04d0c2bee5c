package connectors

import "time"

// Record is the part of a record that transformations and predicates see: what Kafka
// Connect's ConnectRecord holds for both source and sink records. The runtime copies a
// SourceRecord or SinkRecord into a Record, runs the chain, and copies the result back, so a
// transformation never sees source offsets or sink positions.
type Record struct {
	Topic       string
	Partition   *int32 // nil: unset (a source record's partitioner decides)
	Offset      *int64 // the Kafka offset of a sink record; nil for a source record
	KeySchema   *Schema
	Key         any
	ValueSchema *Schema
	Value       any
	Timestamp   time.Time // zero: no timestamp
	Headers     []Header
}

// Transformation is a single message transform (Kafka's Transformation, spec §9.1): it is
// configured once with its own keys (transforms.<alias>. stripped) and applied to each
// record in turn by one goroutine.
type Transformation interface {
	// Config is the transformation's configuration table.
	Config() ConfigDef
	Configure(props map[string]string) error
	// Apply returns the transformed record, or nil to drop it. It may return r itself,
	// modified; values reachable from r (structs, maps, slices) must not be changed in place.
	Apply(r *Record) (*Record, error)
	Close() error
}

// Predicate decides whether a transformation applies to a record (Kafka's Predicate,
// spec §9.1); configured once with predicates.<alias>. stripped.
type Predicate interface {
	Config() ConfigDef
	Configure(props map[string]string) error
	Test(r *Record) bool
	Close() error
}

// BatchTransformation is an optional Transformation ability: ApplyBatch applies the
// transformation to each record of a batch in one call, as a transformation in another process
// must (a Java one from plugin.path). out[i] is what Apply would return for rs[i] (nil:
// dropped) and errs[i] its error; errs may be nil when nothing failed.
type BatchTransformation interface {
	ApplyBatch(rs []*Record) (out []*Record, errs []error, err error)
}

// BatchPredicate is an optional Predicate ability: TestBatch tests each record of a batch in
// one call. An error means the predicate failed for the batch.
type BatchPredicate interface {
	TestBatch(rs []*Record) ([]bool, error)
}

// Record returns the transformable part of r.
func (r *SourceRecord) Record() *Record {
	return &Record{Topic: r.Topic, Partition: r.Partition, KeySchema: r.KeySchema, Key: r.Key,
		ValueSchema: r.ValueSchema, Value: r.Value, Timestamp: r.Timestamp, Headers: r.Headers}
}

// SetRecord replaces the transformable part of r with x; the source partition and offset
// stay.
func (r *SourceRecord) SetRecord(x *Record) {
	r.Topic, r.Partition, r.KeySchema, r.Key = x.Topic, x.Partition, x.KeySchema, x.Key
	r.ValueSchema, r.Value, r.Timestamp, r.Headers = x.ValueSchema, x.Value, x.Timestamp, x.Headers
}

// Record returns the transformable part of r.
func (r *SinkRecord) Record() *Record {
	p, o := r.Partition, r.Offset
	return &Record{Topic: r.Topic, Partition: &p, Offset: &o, KeySchema: r.KeySchema, Key: r.Key,
		ValueSchema: r.ValueSchema, Value: r.Value, Timestamp: r.Timestamp, Headers: r.Headers}
}

// SetRecord replaces the transformable part of r with x; the Kafka offset stays, as Kafka's
// SinkRecord.newRecord keeps it.
func (r *SinkRecord) SetRecord(x *Record) {
	r.Topic, r.KeySchema, r.Key = x.Topic, x.KeySchema, x.Key
	if x.Partition != nil {
		r.Partition = *x.Partition
	}
	r.ValueSchema, r.Value, r.Timestamp, r.Headers = x.ValueSchema, x.Value, x.Timestamp, x.Headers
}

// HeaderConverter turns header values into bytes and back (Kafka's HeaderConverter). It is
// configured once with header.converter. stripped.
type HeaderConverter interface {
	Config() ConfigDef
	Configure(props map[string]string) error
	FromConnectHeader(topic, key string, schema *Schema, value any) ([]byte, error)
	ToConnectHeader(topic, key string, data []byte) (*Schema, any, error)
}

// BatchHeaderConverter is an optional HeaderConverter ability: one call converts all the
// headers of a batch of records, as a header converter in another process must (a Java one
// from plugin.path). errs[i] is item i's failure, what the single-header call would return
// (errs may be nil when none failed); err is a failure of the call as a whole.
type BatchHeaderConverter interface {
	FromConnectHeaderBatch(items []HeaderData) (data [][]byte, errs []error, err error)
	// ToConnectHeaderBatch takes items' Topic, Key and Data and returns their Schema and Value.
	ToConnectHeaderBatch(items []HeaderData) (out []HeaderData, errs []error, err error)
}

// HeaderData is one header of a record of Topic: Schema and Value in Connect's form, Data as
// stored in Kafka (nil: null).
type HeaderData struct {
	Topic, Key string
	Schema     *Schema
	Value      any
	Data       []byte
}
