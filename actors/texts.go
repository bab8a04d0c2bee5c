package actors

// The texts the facade and the grains show clients, in one table; Kafka Connect clients
// sometimes match them, so each is Kafka Connect's, verbatim, and cites the spec. The texts of
// config validation are actors/validation's (its texts.go).

// Texts of the connectors and tasks resources.
const (
	msgConnectorNotFound = "Connector %s not found"                                                             // spec §3.5
	msgUnknownConnector  = "Unknown connector %s"                                                               // spec §3.15 (pause, resume, stop)
	msgUnknownConnectorR = "Unknown connector: %s"                                                              // spec §3.13, §3.14 (restarts)
	msgUnknownTask       = "Unknown task: %s-%d"                                                                // spec §3.14
	msgAlreadyExists     = "Connector %s already exists"                                                        // spec §3.4
	msgNoStatus          = "No status found for connector %s"                                                   // spec §3.9
	msgNoTaskStatus      = "No status found for task %s-%d"                                                     // spec §3.12
	msgStatusNotFound    = "Status for connector %s not found"                                                  // spec §3.13
	msgRequestTimedOut   = "Request timed out"                                                                  // spec §1.3
	msgResetTopicsFailed = "Failed to reset the active topics of connector %s: %v"                              // spec §3.19 (connectd's own: Kafka Connect logs and answers 500)
	msgRebalanceConflict = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)" // spec §4.2
)

// msgStartFailed is standalone's answer when a created or updated connector fails to start
// (spec §5, §16.14); the config stays stored, as in Kafka Connect.
const msgStartFailed = "Failed to transition connector %s to state STARTED"

// Texts of the logger endpoints (spec §3.26, §3.27).
const (
	msgLoggerNotFound = "Logger %s not found."
	msgInvalidLevel   = "invalid log level '%s'."
)

// Texts of the offsets API (spec §3.20, §3.21), verbatim from Kafka Connect.
const (
	msgNoOffsets            = "Partitions / offsets need to be provided for an alter offsets request"
	msgNotStopped           = "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint"
	msgSinkPartitionNull    = "The partition for a sink connector offset cannot be null or missing"
	msgSinkPartitionKeys    = "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"
	msgSinkTopicNull        = "Kafka topic names must be valid strings and may not be null"
	msgSinkPartitionNumNull = "Kafka partitions must be valid numbers and may not be null"
	msgSinkPartitionNotInt  = "Failed to parse the following Kafka partition value in the provided offsets: '%s'. Partition values for sink connectors need to be integers."
	msgSinkOffsetKey        = "The offset for a sink connector should either be null or contain the key 'kafka_offset'"
	msgSinkOffsetNotInt     = "Failed to parse the following Kafka offset value in the provided offsets: '%s'. Offset values for sink connectors need to be integers."
	msgOffsetsNotPrimitive  = "Offsets may only contain primitive types as values, but field %s contains %s"
	msgSinkAlterZombie      = "Failed to alter consumer group offsets for connector %s either because its tasks haven't stopped completely yet or the connector was resumed before the request to alter its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks."
	msgSinkResetZombie      = "Failed to reset consumer group offsets for connector %s either because its tasks haven't stopped completely yet or the connector was resumed before the request to reset its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks."
	msgSinkAlterFailed      = "Failed to alter consumer group offsets for connector %s"
	msgSinkResetFailed      = "Failed to reset consumer group offsets for sink connector %s"
	msgSinkListBeforeReset  = "Failed to list offsets prior to resetting offsets for sink connector %s"
	msgSinkGetFailed        = "Failed to retrieve consumer group offsets for sink connector %s"
	msgSourceGetFailed      = "Failed to retrieve offsets for source connector %s"
	msgSourceModifyFailed   = "Failed to modify offsets for source connector %s"
	msgOffsetsDone          = "The offsets for this connector have been %s successfully"
	msgOffsetsDoneFramework = "The Connect framework-managed offsets for this connector have been %[1]s successfully. However, if this connector manages offsets externally, they will need to be manually %[1]s in the system that the connector uses."
	msgOffsetsUnknownType   = "Connector %s is neither a source nor a sink connector"
)
