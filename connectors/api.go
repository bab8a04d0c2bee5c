package connectors

import (
	"context"
	"time"
)

// Connector is the plugin half that owns a connector's configuration and splits the work
// into task configurations. It runs once per connector, wherever the runtime places it.
type Connector interface {
	// Version is reported by GET /connector-plugins.
	Version() string
	// Config is the connector's own configuration table (spec §3.23: its keys come first).
	Config() ConfigDef
	// Start begins the connector with its validated configuration.
	Start(ctx ConnectorContext, props map[string]string) error
	// TaskConfigs returns at most maxTasks task configurations.
	TaskConfigs(maxTasks int) ([]map[string]string, error)
	// Stop releases what Start acquired. It is called once, also after a failed Start.
	Stop() error
}

// SourceConnector is a Connector whose tasks read from an external system into Kafka.
type SourceConnector interface {
	Connector
	NewTask() SourceTask
}

// SinkConnector is a Connector whose tasks write Kafka records into an external system.
type SinkConnector interface {
	Connector
	NewTask() SinkTask
}

// ConnectorContext is what the runtime hands a running Connector.
type ConnectorContext interface {
	// RequestTaskReconfiguration asks the runtime to call TaskConfigs again.
	RequestTaskReconfiguration()
	// RaiseError fails the connector with err, as an error returned from Start would.
	RaiseError(err error)
}

// SourceTask polls an external system for records. Poll is called in a loop by one
// goroutine; Stop may be called from another goroutine while Poll blocks, and Poll must then
// return promptly (ctx is cancelled too).
type SourceTask interface {
	Start(ctx SourceTaskContext, props map[string]string) error
	// Poll returns the next batch, or nil when there is nothing yet. It should not block for
	// long without watching ctx.
	Poll(ctx context.Context) ([]SourceRecord, error)
	Stop() error
}

// SourceTaskContext gives a source task its committed offsets and, when it defines its own
// transactions, its TransactionContext (Kafka's SourceTaskContext).
type SourceTaskContext interface {
	Offsets() OffsetReader
	// TransactionContext is how the task defines its producer transactions, or nil unless
	// the connector runs exactly-once with transaction.boundary=connector (Kafka's
	// transactionContext(), which is null then too).
	TransactionContext() TransactionContext
}

// TransactionContext lets a source task define its own producer transactions with
// exactly-once support and transaction.boundary=connector (Kafka Connect's
// TransactionContext, KIP-618). Its methods may be called from any goroutine, Poll's
// included; a request is acted on when the worker reaches the point it names. Records polled
// while no request applies stay in the open transaction, which is committed only where the
// task asks: a task that never asks never commits (and a stopped task's open transaction is
// aborted, its records polled again by the next instance).
//
// A record is named by value, as Kafka names it with equals(): a request for a record applies
// to the next record the task polls that is equal to it (reflect.DeepEqual), once that record
// was sent (or dropped by a transformation). Asking both to commit and to abort at the same
// record, or for the same poll, fails the task, as in Kafka Connect.
type TransactionContext interface {
	// CommitTransaction asks for the open transaction to be committed once the records of
	// the next poll (this one, when called from Poll) are sent; an empty poll counts too
	// (Kafka's commitTransaction()).
	CommitTransaction()
	// CommitTransactionFor asks for the open transaction to be committed right after record
	// is sent: record is the transaction's last (Kafka's commitTransaction(SourceRecord)).
	// It takes precedence over AbortTransaction asked for the same poll.
	CommitTransactionFor(record SourceRecord)
	// AbortTransaction asks for the open transaction to be aborted once the records of the
	// next poll are sent (Kafka's abortTransaction()). Its records never reach a
	// read_committed reader, but their source offsets are committed, so they are not polled
	// again; a task that wants them again should fail instead.
	AbortTransaction()
	// AbortTransactionFor asks for the open transaction to be aborted right after record is
	// sent: record is the aborted transaction's last (Kafka's
	// abortTransaction(SourceRecord)). Offsets as for AbortTransaction.
	AbortTransactionFor(record SourceRecord)
}

// OffsetReader reads the last committed source offset of one source partition; a nil map
// means nothing was committed.
type OffsetReader interface {
	Offset(partition map[string]any) (map[string]any, error)
}

// SinkTask writes records consumed from Kafka to an external system.
type SinkTask interface {
	Start(ctx SinkTaskContext, props map[string]string) error
	// Put hands over a batch of records, in partition order.
	Put(ctx context.Context, records []SinkRecord) error
	// Flush makes everything Put so far durable; the runtime commits offsets after it.
	Flush(ctx context.Context, offsets map[TopicPartition]int64) error
	Stop() error
}

// SinkTaskContext is what the runtime hands a sink task (Kafka's SinkTaskContext). Its
// methods may be called from any goroutine; what they ask for is acted on once the task's
// current call (Put, Flush, OpenPartitions, …) returned, as Kafka Connect acts on its context.
type SinkTaskContext interface {
	// Assignment is the set of partitions currently assigned to this task.
	Assignment() []TopicPartition
	// Seek makes the records of tp handed to Put next start at offset, and commits tp from
	// there (Kafka's offset()): for a task that keeps its position in the external system.
	// A seek asked for in OpenPartitions costs nothing; one asked for later rejoins the group.
	Seek(tp TopicPartition, offset int64)
	// Pause stops delivering records of the partitions until Resume; Resume undoes it. Both
	// are independent of the runtime pausing the connector.
	Pause(tps ...TopicPartition)
	Resume(tps ...TopicPartition)
	// RequestCommit asks for a flush and an offset commit as soon as possible, rather than at
	// the next offset.flush.interval.ms.
	RequestCommit()
	// RetryAfter sets how long the runtime waits before handing the batch of a Put that
	// returned a Retriable error to Put again (Kafka's timeout(ms)). It applies to the next
	// such failure only; unset, the batch is retried at the next offset commit.
	RetryAfter(d time.Duration)
	// ErrantRecords is the reporter of records the task could not write, or nil when the
	// connector configures neither a dead letter queue nor error logging (Kafka's
	// errantRecordReporter(), which is null then).
	ErrantRecords() ErrantRecordReporter
}

// ErrantRecordReporter sends a record the sink task could not write to the connector's error
// handling (errors.log.*, errors.deadletterqueue.*), as Kafka's ErrantRecordReporter does.
type ErrantRecordReporter interface {
	// Report reports r, which failed with err. The channel receives one value once the report
	// is done: nil once the dead letter queue acknowledged the record (or at once without
	// one), or why it could not be reported. With errors.tolerance=none the report fails the
	// task, as Kafka's report() throws "Tolerance exceeded in error handler".
	Report(r SinkRecord, err error) <-chan error
}

// PartitionOpener is an optional SinkTask ability (Kafka's open and close): OpenPartitions is
// called when partitions are assigned to the task, before any of their records is put;
// ClosePartitions when they are taken away, after their offsets were flushed and committed.
type PartitionOpener interface {
	OpenPartitions(ctx context.Context, tps []TopicPartition) error
	ClosePartitions(ctx context.Context, tps []TopicPartition) error
}

// PutStarter is an optional SinkTask ability, for a task whose Put crosses to another process
// (a Java task in the plugin host): StartPut sends a batch and returns once it is on its way,
// so that the runtime can send the next batch while this one is put and the task never waits
// for the crossing between two puts. wait returns what Put would have. A batch sent with ahead
// is one sent while the Put before it is in flight: the task puts it only if that Put returned
// without error and asked nothing of the context (Seek, Pause, Resume, RequestCommit,
// RetryAfter), and otherwise wait reports it skipped, so that the runtime acts on what was
// asked before it delivers anything more, as Kafka Connect does between two puts. The runtime
// starts one put at a time and may reuse records once StartPut returned.
type PutStarter interface {
	StartPut(ctx context.Context, records []SinkRecord, ahead bool) (wait func(context.Context) (skipped bool, err error), err error)
}

// PreCommitter is an optional SinkTask ability (Kafka's preCommit): at each offset commit the
// runtime calls PreCommit instead of Flush, with the position of every assigned partition that
// has one, and commits what it returns: offsets at or below those positions, for assigned
// partitions (others are ignored, as Kafka Connect ignores them); nothing when it is empty.
type PreCommitter interface {
	PreCommit(ctx context.Context, positions map[TopicPartition]int64) (map[TopicPartition]int64, error)
}

// TopicPartition names one partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// Committer is an optional SourceTask ability: Commit is called after the offsets of the
// records polled so far were written to the offsets store.
type Committer interface {
	Commit() error
}

// RecordCommitter is an optional SourceTask ability (Kafka's commitRecord): once the records
// of a poll are written (acknowledged by Kafka, and with a transaction, committed), or were
// dropped by a transform or skipped under errors.tolerance=all, CommitRecords is called with
// them in poll order. Each RecordAck's Record points into the slice Poll returned, so a task
// can tell its records apart by address.
type RecordCommitter interface {
	CommitRecords(acks []RecordAck) error
}

// RecordAck is one polled record and where it was written; Metadata is nil for a record that
// was not written (Kafka's null RecordMetadata).
type RecordAck struct {
	Record   *SourceRecord
	Metadata *RecordMetadata
}

// RecordMetadata is where Kafka stored a record (Kafka's RecordMetadata).
type RecordMetadata struct {
	Topic     string
	Partition int32
	Offset    int64
	Timestamp time.Time
}

// ConfigValidator is an optional Connector ability: the connector's own validation, as
// Kafka's Connector.validate(). It returns the result of every key it checks, its ConfigDef's
// checks included (Kafka's default validate() is ConfigDef.validate), and replaces the
// validation of the connector's ConfigDef by the runtime.
type ConfigValidator interface {
	ValidateConfig(props map[string]string) []ConfigValue
}

// OffsetAlterer is an optional Connector ability, called before the runtime alters or resets
// offsets (spec §3.21). It may veto with an error; true means the connector manages no other
// offsets, which selects the short success message.
type OffsetAlterer interface {
	AlterOffsets(props map[string]string, offsets []SourceOffset) (bool, error)
}

// SourceOffset pairs a source partition with its offset; a nil Offset is a reset.
type SourceOffset struct {
	Partition map[string]any
	Offset    map[string]any
}

// Converter turns Connect data into bytes for Kafka and back. It is configured once, with
// its prefix (key.converter., value.converter.) stripped from the keys.
type Converter interface {
	Config() ConfigDef
	Configure(props map[string]string, isKey bool) error
	FromConnectData(topic string, schema *Schema, value any) ([]byte, error)
	ToConnectData(topic string, data []byte) (*Schema, any, error)
}

// BatchConverter is an optional Converter ability: one call converts the keys or values of a
// batch of records, as a converter in another process must (a Java one from plugin.path).
// errs[i] is item i's failure, what the single-record call would return (errs may be nil when
// none failed); err is a failure of the call as a whole.
type BatchConverter interface {
	FromConnectDataBatch(items []ConnectData) (data [][]byte, errs []error, err error)
	ToConnectDataBatch(items []RawData) (out []ConnectData, errs []error, err error)
}

// ConnectData is a key or value with its schema, bound for or read from topic.
type ConnectData struct {
	Topic  string
	Schema *Schema
	Value  any
	// Headers, bound for Kafka: the record's headers as the header converter made them, which
	// a BatchConverter may change as Kafka's Converter.fromConnectData(topic, headers, ...) may
	// (a schema registry converter adds the schema's id): the record's key and value
	// conversions share one, and the record is produced with what it holds after both. Nil:
	// the caller has none to give and takes none back.
	Headers *[]RawHeader
}

// RawData is a key or value as stored in Kafka (nil: null), read from topic, with the
// record's Kafka headers (Kafka's toConnectData(topic, headers, data)).
type RawData struct {
	Topic   string
	Data    []byte
	Headers []RawHeader
}

// RawHeader is a Kafka record header as stored (a nil Value: null).
type RawHeader struct {
	Key   string
	Value []byte
}
