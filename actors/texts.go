package actors

// Texts that Kafka Connect clients see and sometimes match; each cites the spec.
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
	msgRebalanceConflict = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)" // spec §4.2
)
