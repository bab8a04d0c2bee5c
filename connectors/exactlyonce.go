package connectors

// ExactlyOnceSupport is a source connector's answer to whether it can give exactly-once
// semantics with a given configuration (Kafka Connect's ExactlyOnceSupport, KIP-618).
type ExactlyOnceSupport int

const (
	// ExactlyOnceUndeclared is Java's null: the connector does not say (the answer of every
	// connector that does not implement ExactlyOnceSupporter).
	ExactlyOnceUndeclared ExactlyOnceSupport = iota
	// ExactlyOnceSupported: records and offsets written in one transaction give
	// exactly-once delivery with this configuration.
	ExactlyOnceSupported
	// ExactlyOnceUnsupported: they do not (for example, a source that cannot seek back to an
	// offset).
	ExactlyOnceUnsupported
)

// ExactlyOnceSupporter is the optional interface of a source connector that declares its
// exactly-once support (SourceConnector.exactlyOnceSupport). It is asked when a connector
// with exactly.once.support=required is validated; an error is reported on that key.
type ExactlyOnceSupporter interface {
	ExactlyOnceSupport(config map[string]string) (ExactlyOnceSupport, error)
}

// TransactionBoundaries is a source connector's answer to whether it can define its own
// transaction boundaries (Kafka Connect's ConnectorTransactionBoundaries).
type TransactionBoundaries int

const (
	// TransactionBoundariesUndeclared is Java's null, which Kafka Connect refuses.
	TransactionBoundariesUndeclared TransactionBoundaries = iota
	// TransactionBoundariesSupported: the connector's tasks can define transactions.
	TransactionBoundariesSupported
	// TransactionBoundariesUnsupported: they cannot (the answer of every connector that
	// does not implement TransactionBoundaryDefiner, as in Kafka Connect).
	TransactionBoundariesUnsupported
)

// TransactionBoundaryDefiner is the optional interface of a source connector that says
// whether its tasks can define transaction boundaries
// (SourceConnector.canDefineTransactionBoundaries), asked when a connector with
// transaction.boundary=connector is validated. Its tasks then define their transactions
// through SourceTaskContext.TransactionContext.
type TransactionBoundaryDefiner interface {
	CanDefineTransactionBoundaries(config map[string]string) (TransactionBoundaries, error)
}
