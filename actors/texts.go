package actors

// Texts that Kafka Connect clients see and sometimes match; each cites the spec.
const (
	msgConnectorNotFound = "Connector %s not found"                                                                                                                                                                          // spec §3.5
	msgUnknownConnector  = "Unknown connector %s"                                                                                                                                                                            // spec §3.15 (pause, resume, stop)
	msgUnknownConnectorR = "Unknown connector: %s"                                                                                                                                                                           // spec §3.13, §3.14 (restarts)
	msgUnknownTask       = "Unknown task: %s-%d"                                                                                                                                                                             // spec §3.14
	msgAlreadyExists     = "Connector %s already exists"                                                                                                                                                                     // spec §3.4
	msgNoStatus          = "No status found for connector %s"                                                                                                                                                                // spec §3.9
	msgNoTaskStatus      = "No status found for task %s-%d"                                                                                                                                                                  // spec §3.12
	msgStatusNotFound    = "Status for connector %s not found"                                                                                                                                                               // spec §3.13
	msgRequestTimedOut   = "Request timed out"                                                                                                                                                                               // spec §1.3
	msgNoConnectorType   = "Connector config %s contains no connector type"                                                                                                                                                  // spec §3.4
	msgUnknownClass      = "Failed to find any class that implements Connector and which name matches %s, available connectors are: %s"                                                                                      // spec §3.4
	msgInvalidConfig     = "Connector configuration is invalid and contains the following %d error(s):\n%s\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`" // spec §7
	msgRebalanceConflict = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"                                                                                                              // spec §4.2
	msgNullValue         = "Null value can not be supplied as the configuration value."                                                                                                                                      // spec §3.7
)
