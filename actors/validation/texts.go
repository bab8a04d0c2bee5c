package validation

// Texts of validation results and errors, verbatim from Kafka Connect.
const (
	msgNoConnectorType = "Connector config contains no connector type"                                                                                                                                                     // spec §3.4
	msgUnknownClass    = "Failed to find any class that implements Connector and which name matches %s, available connectors are: %s"                                                                                      // spec §3.4
	msgInvalidConfig   = "Connector configuration is invalid and contains the following %d error(s):\n%s\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`" // spec §7
	msgNullValue       = "Null value can not be supplied as the configuration value."                                                                                                                                      // spec §3.7

	// msgNegateWithoutPredicate is ConnectorConfig's check of transforms.<a>.negate (spec §9.1).
	msgNegateWithoutPredicate = "Config '%snegate' was provided but there is no config '%spredicate' defining a predicate to be negated."
	// msgClassNotFound is ConfigDef's parse error of a CLASS value no plugin answers to.
	msgClassNotFound = "Invalid value %s for configuration %s: Class %s could not be found."
	// msgNotA is the error of a class of another plugin kind (ConcreteSubClassValidator).
	msgNotA = "Invalid value class %s for configuration %s: Not a %s"
	// msgUndefinedPredicate is connectd's own: Kafka Connect accepts a transform naming an
	// alias missing from predicates and fails the task when it starts.
	msgUndefinedPredicate = "Invalid value %s for configuration %s: Predicate alias %s is not listed in 'predicates'"
	// msgUnresolved is connectd's own: Kafka leaves a placeholder that does not resolve as
	// written; connectd refuses it, so that no plugin starts with a literal ${...} secret.
	msgUnresolved = "Invalid value for configuration %s: %v"
	// msgUnknownPlugin is the 404 of GET /connector-plugins/{p}/config (spec §3.23).
	msgUnknownPlugin = "Unknown plugin %s."
	// Java class names that prefix the message of a validate-endpoint 500 (spec §16.1).
	javaBadRequest       = "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: "
	javaConnectException = "org.apache.kafka.connect.errors.ConnectException: "
)
