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
// (spec §9.1), in its group order.
var connectorBaseConfig = connectors.ConfigDef{
	{Name: "name", Type: connectors.String, Required: true, Validator: connectors.NonEmptyNoControl(), Importance: connectors.High, Group: "Common", Width: connectors.WidthMedium, DisplayName: "Connector name",
		Doc: "Globally unique name to use for this connector."},
	{Name: "connector.class", Type: connectors.String, Required: true, Importance: connectors.High, Group: "Common", Width: connectors.WidthLong, DisplayName: "Connector class",
		Doc: "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector."},
	{Name: "tasks.max", Type: connectors.Int, Default: "1", Validator: connectors.AtLeast(1), Importance: connectors.High, Group: "Common", Width: connectors.WidthShort, DisplayName: "Tasks max",
		Doc: "Maximum number of tasks to use for this connector."},
	{Name: "tasks.max.enforce", Type: connectors.Boolean, Default: "true", Importance: connectors.Low, Group: "Common", Width: connectors.WidthShort, DisplayName: "Enforce tasks max",
		Doc: "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector."},
	{Name: "key.converter", Type: connectors.Class, Default: nil, Importance: connectors.Low, Group: "Common", Width: connectors.WidthShort, DisplayName: "Key converter class",
		Doc: "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka."},
	{Name: "value.converter", Type: connectors.Class, Default: nil, Importance: connectors.Low, Group: "Common", Width: connectors.WidthShort, DisplayName: "Value converter class",
		Doc: "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka."},
	{Name: "header.converter", Type: connectors.Class, Default: nil, Importance: connectors.Low, Group: "Common", Width: connectors.WidthShort, DisplayName: "Header converter class",
		Doc: "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka."},
	{Name: "config.action.reload", Type: connectors.String, Default: "restart", Validator: connectors.OneOfIgnoreCase("none", "restart"), Importance: connectors.Low, Group: "Common", Width: connectors.WidthMedium, DisplayName: "Reload Action",
		Doc: "The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector's configuration properties."},
	{Name: "transforms", Type: connectors.List, Default: "", Validator: uniqueAliasList, Importance: connectors.Low, Group: "Transforms", Width: connectors.WidthLong, DisplayName: "Transforms",
		Doc: "Aliases for the transformations to be applied to records."},
	{Name: "predicates", Type: connectors.List, Default: "", Validator: uniqueAliasList, Importance: connectors.Low, Group: "Predicates", Width: connectors.WidthLong, DisplayName: "Predicates",
		Doc: "Aliases for the predicates used by transformations."},
	{Name: "errors.retry.timeout", Type: connectors.Long, Default: "0", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthMedium, DisplayName: "Retry Timeout for Errors",
		Doc: "The maximum duration in milliseconds that a failed operation will be reattempted."},
	{Name: "errors.retry.delay.max.ms", Type: connectors.Long, Default: "60000", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthMedium, DisplayName: "Maximum Delay Between Retries for Errors",
		Doc: "The maximum duration in milliseconds between consecutive retry attempts."},
	{Name: "errors.tolerance", Type: connectors.String, Default: "none", Validator: connectors.OneOfIgnoreCase("none", "all"), Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthShort, DisplayName: "Error Tolerance",
		Doc: "Behavior for tolerating errors during connector operation."},
	{Name: "errors.log.enable", Type: connectors.Boolean, Default: "false", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthShort, DisplayName: "Log Errors",
		Doc: "If true, write each error and the details of the failed operation and problematic record to the Connect application log."},
	{Name: "errors.log.include.messages", Type: connectors.Boolean, Default: "false", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthShort, DisplayName: "Log Error Details",
		Doc: "Whether to include in the log the Connect record that resulted in a failure."},
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

// sinkConfig holds the keys only sinks have (spec §9.2).
var sinkConfig = connectors.ConfigDef{
	{Name: "topics", Type: connectors.List, Default: "", Importance: connectors.High, Group: "Common", Width: connectors.WidthLong, DisplayName: "Topics",
		Doc: "List of topics to consume, separated by commas"},
	{Name: "topics.regex", Type: connectors.String, Default: "", Importance: connectors.High, Group: "Common", Width: connectors.WidthLong, DisplayName: "Topics regex",
		Doc: "Regular expression giving topics to consume."},
	{Name: "errors.deadletterqueue.topic.name", Type: connectors.String, Default: "", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthMedium, DisplayName: "Dead Letter Queue Topic Name",
		Doc: "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector."},
	{Name: "errors.deadletterqueue.topic.replication.factor", Type: connectors.Short, Default: "3", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthMedium, DisplayName: "Dead Letter Queue Topic Replication Factor",
		Doc: "Replication factor used to create the dead letter queue topic when it doesn't already exist."},
	{Name: "errors.deadletterqueue.context.headers.enable", Type: connectors.Boolean, Default: "false", Importance: connectors.Medium, Group: "Error Handling", Width: connectors.WidthMedium, DisplayName: "Enable Error Context Headers",
		Doc: "If true, add headers containing error context to the messages written to the dead letter queue."},
}

// sourceConfig holds the keys only sources have (spec §9.3).
var sourceConfig = connectors.ConfigDef{
	{Name: "topic.creation.groups", Type: connectors.List, Default: "", Importance: connectors.Low, Group: "Topic Creation", Width: connectors.WidthLong, DisplayName: "Topic Creation Groups",
		Doc: "Groups of configurations for topics created by source connectors"},
	{Name: "exactly.once.support", Type: connectors.String, Default: "requested", Validator: connectors.OneOfIgnoreCase("requested", "required"), Importance: connectors.Medium, Group: "Exactly Once Support", Width: connectors.WidthShort, DisplayName: "Exactly once support",
		Doc: "Permitted values are requested, required."},
	{Name: "transaction.boundary", Type: connectors.String, Default: "poll", Validator: connectors.OneOfIgnoreCase("poll", "interval", "connector"), Importance: connectors.Medium, Group: "Exactly Once Support", Width: connectors.WidthShort, DisplayName: "Transaction Boundary",
		Doc: "Permitted values are: poll, interval, connector."},
	{Name: "transaction.boundary.interval.ms", Type: connectors.Long, Default: nil, Importance: connectors.Low, Group: "Exactly Once Support", Width: connectors.WidthShort, DisplayName: "Transaction boundary interval",
		Doc: "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks."},
	{Name: "offsets.storage.topic", Type: connectors.String, Default: nil, Importance: connectors.Low, Group: "offsets.topic", Width: connectors.WidthLong, DisplayName: "Offsets topic",
		Doc: "The name of a separate offsets topic to use for this connector."},
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

// javaMap renders a config as Java's Map.toString does, keys sorted for a stable message.
func javaMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
