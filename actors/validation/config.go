package validation

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/messages"
)

// connectorBaseConfig is Kafka Connect's ConnectorConfig: the keys every connector has
// (spec §9.1), in its definition order with Kafka Connect 4.4's order numbers, which run on
// across the Common, Transforms and Predicates groups (spec §0.1). The converter keys'
// defaults and recommended values, and the plugin versions, are the worker's and the
// plugins': validateConfig fills them in (withPluginDefaults).
var connectorBaseConfig = connectors.ConfigDef{
	{Name: "name", Type: connectors.String, Required: true, Validator: connectors.NonEmptyNoControl(), Importance: connectors.High, Group: "Common", Order: 1, Width: connectors.WidthMedium, DisplayName: "Connector name",
		Doc: "Globally unique name to use for this connector."},
	{Name: "connector.class", Type: connectors.String, Required: true, Importance: connectors.High, Group: "Common", Order: 2, Width: connectors.WidthLong, DisplayName: "Connector class",
		Doc: "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name,  or use \"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter"},
	{Name: connectorVersionKey, Type: connectors.String, Default: nil, Importance: connectors.Medium, Group: "Common", Order: 3, Width: connectors.WidthMedium, DisplayName: "Connector version",
		Doc: "Version of the connector."},
	{Name: "tasks.max", Type: connectors.Int, Default: "1", Validator: connectors.AtLeast(1), Importance: connectors.High, Group: "Common", Order: 4, Width: connectors.WidthShort, DisplayName: "Tasks max",
		Doc: "Maximum number of tasks to use for this connector."},
	{Name: "tasks.max.enforce", Type: connectors.Boolean, Default: "true", Importance: connectors.Low, Group: "Common", Order: 5, Width: connectors.WidthShort, DisplayName: "Enforce tasks max",
		Doc: "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. By default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed the tasks.max property will also be failed. If this property is set to false, then connectors will be allowed to generate more than the maximum number of tasks, and existing sets of tasks that exceed the tasks.max property will be allowed to run. This property is deprecated and will be removed in an upcoming major release."},
	{Name: "key.converter", Type: connectors.Class, Default: nil, Importance: connectors.Low, Group: "Common", Order: 6, Width: connectors.WidthShort, DisplayName: "Key converter class",
		Doc: "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the keys in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro."},
	{Name: "key.converter" + versionSuffix, Type: connectors.String, Default: nil, Importance: connectors.Low, Group: "Common", Order: 7, Width: connectors.WidthShort, DisplayName: "Key converter version",
		Doc: "Version of the key converter."},
	{Name: "value.converter", Type: connectors.Class, Default: nil, Importance: connectors.Low, Group: "Common", Order: 8, Width: connectors.WidthShort, DisplayName: "Value converter class",
		Doc: "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the values in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro."},
	{Name: "value.converter" + versionSuffix, Type: connectors.String, Default: nil, Importance: connectors.Low, Group: "Common", Order: 9, Width: connectors.WidthShort, DisplayName: "Value converter version",
		Doc: "Version of the value converter."},
	{Name: "header.converter", Type: connectors.Class, Default: nil, Importance: connectors.Low, Group: "Common", Order: 10, Width: connectors.WidthShort, DisplayName: "Header converter class",
		Doc: "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the header values in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro. By default, the SimpleHeaderConverter is used to serialize header values to strings and deserialize them by inferring the schemas."},
	{Name: "header.converter" + versionSuffix, Type: connectors.String, Default: nil, Importance: connectors.Low, Group: "Common", Order: 11, Width: connectors.WidthShort, DisplayName: "Header converter version",
		Doc: "Version of the header converter."},
	{Name: "transforms", Type: connectors.List, Default: "", Validator: uniqueAliasList, Importance: connectors.Low, Group: "Transforms", Order: 12, Width: connectors.WidthLong, DisplayName: "Transforms",
		Doc: "Aliases for the transformations to be applied to records."},
	{Name: "predicates", Type: connectors.List, Default: "", Validator: uniqueAliasList, Importance: connectors.Low, Group: "Predicates", Order: 13, Width: connectors.WidthLong, DisplayName: "Predicates",
		Doc: "Aliases for the predicates used by transformations."},
	{Name: "config.action.reload", Type: connectors.String, Default: "restart", Validator: connectors.OneOfIgnoreCase("none", "restart"), Importance: connectors.Low, Group: "Common", Order: 14, Width: connectors.WidthMedium, DisplayName: "Reload Action",
		Doc: "The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector's configuration properties. A value of 'none' indicates that Connect will do nothing. A value of 'restart' indicates that Connect should restart/reload the connector with the updated configuration properties.The restart may actually be scheduled in the future if the external configuration provider indicates that a configuration value will expire in the future."},
	{Name: "errors.retry.timeout", Type: connectors.Long, Default: "0", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthMedium, DisplayName: "Retry Timeout for Errors",
		Doc: "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries."},
	{Name: "errors.retry.delay.max.ms", Type: connectors.Long, Default: "60000", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthMedium, DisplayName: "Maximum Delay Between Retries for Errors",
		Doc: "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues."},
	{Name: "errors.tolerance", Type: connectors.String, Default: "none", Validator: connectors.OneOfIgnoreCase("none", "all"), Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthShort, DisplayName: "Error Tolerance",
		Doc: "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records."},
	{Name: "errors.log.enable", Type: connectors.Boolean, Default: "false", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthShort, DisplayName: "Log Errors",
		Doc: "If true, write each error and the details of the failed operation and problematic record to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported."},
	{Name: "errors.log.include.messages", Type: connectors.Boolean, Default: "false", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthShort, DisplayName: "Log Error Details",
		Doc: "Whether to include in the log the Connect record that resulted in a failure. For sink records, the topic, partition, offset, and timestamp will be logged. For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and source offset will be logged. This is 'false' by default, which will prevent record keys, values, and headers from being written to log files."},
}

// uniqueAliasList is ConnectorConfig's alias validator of transforms and predicates.
func uniqueAliasList(v any) error {
	l, _ := v.([]string)
	for i, a := range l {
		if slices.Contains(l[:i], a) {
			return errors.New("Duplicate alias provided.")
		}
	}
	return nil
}

// sinkConfig holds the keys only sinks have (spec §9.2), with Kafka Connect 4.4's order
// numbers (topics and topics.regex share 4).
var sinkConfig = connectors.ConfigDef{
	{Name: "topics", Type: connectors.List, Default: "", Importance: connectors.High, Group: "Common", Order: 4, Width: connectors.WidthLong, DisplayName: "Topics",
		Doc: "List of topics to consume, separated by commas"},
	{Name: "topics.regex", Type: connectors.String, Default: "", Importance: connectors.High, Group: "Common", Order: 4, Width: connectors.WidthLong, DisplayName: "Topics regex",
		Doc: "Regular expression giving topics to consume. Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified."},
	{Name: "errors.deadletterqueue.topic.name", Type: connectors.String, Default: "", Importance: connectors.Medium, Group: "Error Handling", Order: 6, Width: connectors.WidthMedium, DisplayName: "Dead Letter Queue Topic Name",
		Doc: "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ."},
	{Name: "errors.deadletterqueue.topic.replication.factor", Type: connectors.Short, Default: "3", Importance: connectors.Medium, Group: "Error Handling", Order: 7, Width: connectors.WidthMedium, DisplayName: "Dead Letter Queue Topic Replication Factor",
		Doc: "Replication factor used to create the dead letter queue topic when it doesn't already exist."},
	{Name: "errors.deadletterqueue.context.headers.enable", Type: connectors.Boolean, Default: "false", Importance: connectors.Medium, Group: "Error Handling", Order: 8, Width: connectors.WidthMedium, DisplayName: "Enable Error Context Headers",
		Doc: "If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, all error context header keys, all error context header keys will start with <code>__connect.errors.</code>"},
}

// sourceConfig holds the keys only sources have (spec §9.3), with Kafka Connect 4.4's order
// numbers (the exactly-once keys 2, 3, 4).
var sourceConfig = connectors.ConfigDef{
	{Name: "topic.creation.groups", Type: connectors.List, Default: "", Importance: connectors.Low, Group: "Topic Creation", Order: 1, Width: connectors.WidthLong, DisplayName: "Topic Creation Groups",
		Doc: "Groups of configurations for topics created by source connectors"},
	{Name: "exactly.once.support", Type: connectors.String, Default: "requested", Validator: connectors.OneOfIgnoreCase("requested", "required"), Importance: connectors.Medium, Group: "Exactly Once Support", Order: 2, Width: connectors.WidthShort, DisplayName: "Exactly once support",
		Doc: "Permitted values are requested, required. If set to \"required\", forces a preflight check for the connector to ensure that it can provide exactly-once semantics with the given configuration. Some connectors may be capable of providing exactly-once semantics but not signal to Connect that they support this; in that case, documentation for the connector should be consulted carefully before creating it, and the value for this property should be set to \"requested\". Additionally, if the value is set to \"required\" but the worker that performs preflight validation does not have exactly-once support enabled for source connectors, requests to create or validate the connector will fail."},
	{Name: "transaction.boundary", Type: connectors.String, Default: "poll", Validator: connectors.OneOfIgnoreCase("poll", "interval", "connector"), Importance: connectors.Medium, Group: "Exactly Once Support", Order: 3, Width: connectors.WidthShort, DisplayName: "Transaction Boundary",
		Doc: "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with this value will fail. Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed."},
	{Name: "transaction.boundary.interval.ms", Type: connectors.Long, Default: nil, Validator: unlessNull(connectors.AtLeast(0)), Importance: connectors.Low, Group: "Exactly Once Support", Order: 4, Width: connectors.WidthShort, DisplayName: "Transaction boundary interval",
		Doc: "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is specified."},
	{Name: "offsets.storage.topic", Type: connectors.String, Default: nil, Validator: connectors.NonEmpty(), Importance: connectors.Low, Group: "offsets.topic", Order: 1, Width: connectors.WidthLong, DisplayName: "Offsets topic",
		Doc: "The name of a separate offsets topic to use for this connector. If empty or not specified, the worker’s global offsets topic name will be used. If specified, the offsets topic will be created if it does not already exist on the Kafka cluster targeted by this connector (which may be different from the one used for the worker's global offsets topic if the bootstrap.servers property of the connector's producer has been overridden from the worker's). Only applicable in distributed mode; in standalone mode, setting this property will have no effect."},
}

// ForWrite validates a config for create, PUT and PATCH through the same path as
// the validate endpoint: a missing class is 400, an unknown class 500, and any error 400
// with the multi-line message listing every error (spec §7).
func (vd *Validator) ForWrite(config map[string]string) error {
	infos, err := vd.validateConfig(config, nil)
	if err != nil {
		return err
	}
	if infos.ErrorCount == 0 {
		return nil
	}
	var msgs []string
	for _, c := range infos.Configs {
		msgs = append(msgs, c.GetValue().GetErrors()...)
	}
	return api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, msgInvalidConfig, infos.ErrorCount, strings.Join(msgs, "\n"))
}

func kindConfig(isSink bool) connectors.ConfigDef {
	if isSink {
		return sinkConfig
	}
	return sourceConfig
}

// validateSinkTopics applies SinkConnectorConfig's multi-key rules (spec §7, §9.2).
func validateSinkTopics(config map[string]string, addError func(key, msg string)) {
	topics := SplitList(config["topics"])
	pattern := strings.TrimSpace(config["topics.regex"])
	switch {
	case len(topics) == 0 && pattern == "":
		addError("topics", "Must configure one of topics or topics.regex")
		addError("topics.regex", "Must configure one of topics or topics.regex")
	case len(topics) > 0 && pattern != "":
		addError("topics", "topics and topics.regex are mutually exclusive options, but both are set.")
		addError("topics.regex", "topics and topics.regex are mutually exclusive options, but both are set.")
	}
	if pattern != "" {
		if _, err := regexp.Compile(pattern); err != nil {
			addError("topics.regex", fmt.Sprintf("Invalid value %s for configuration topics.regex: %v", pattern, err))
		}
	}
	dlq := strings.TrimSpace(config["errors.deadletterqueue.topic.name"])
	if dlq == "" {
		return
	}
	if slices.Contains(topics, dlq) {
		addError("errors.deadletterqueue.topic.name", fmt.Sprintf("The DLQ topic '%s' may not be included in the list of topics ('topics=%s') consumed by the connector", dlq, config["topics"]))
	} else if re, err := regexp.Compile("^(?:" + pattern + ")$"); pattern != "" && err == nil && re.MatchString(dlq) {
		addError("errors.deadletterqueue.topic.name", fmt.Sprintf("The DLQ topic '%s' may not be included in the regex matching the topics ('topics.regex=%s') consumed by the connector", dlq, pattern))
	}
}
