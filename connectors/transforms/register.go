package transforms

import "github.com/connectd/connectd/connectors"

// version is the Kafka release these plugins reimplement (connectors.KafkaVersion).
const version = connectors.KafkaVersion

const (
	pkg           = "org.apache.kafka.connect.transforms."
	predicatesPkg = "org.apache.kafka.connect.transforms.predicates."
)

// Register adds every transformation and predicate to r under Kafka's class names; a
// transform with $Key and $Value variants is registered as both.
func Register(r *connectors.Registry) {
	sided := map[string]func(side) connectors.Transformation{
		"InsertField":       func(s side) connectors.Transformation { return &insertField{side: s} },
		"ReplaceField":      func(s side) connectors.Transformation { return &replaceField{side: s} },
		"MaskField":         func(s side) connectors.Transformation { return &maskField{side: s} },
		"ExtractField":      func(s side) connectors.Transformation { return &extractField{side: s} },
		"HoistField":        func(s side) connectors.Transformation { return &hoistField{side: s} },
		"SetSchemaMetadata": func(s side) connectors.Transformation { return &setSchemaMetadata{side: s} },
		"Cast":              func(s side) connectors.Transformation { return &cast{side: s} },
		"Flatten":           func(s side) connectors.Transformation { return &flatten{side: s} },
		"HeaderFrom":        func(s side) connectors.Transformation { return &headerFrom{side: s} },
		"TimestampConverter": func(s side) connectors.Transformation {
			return &timestampConverter{side: s}
		},
	}
	for name, mk := range sided {
		r.Register(connectors.Plugin{Class: pkg + name + "$Key", Type: connectors.TransformationType, Version: version,
			New: func() any { return mk(keySide) }})
		r.Register(connectors.Plugin{Class: pkg + name + "$Value", Type: connectors.TransformationType, Version: version,
			New: func() any { return mk(valueSide) }})
	}
	plain := map[string]func() any{
		"ValueToKey":      func() any { return &valueToKey{} },
		"RegexRouter":     func() any { return &regexRouter{} },
		"TimestampRouter": func() any { return &timestampRouter{} },
		"Filter":          func() any { return &filter{} },
		"InsertHeader":    func() any { return &insertHeader{} },
		"DropHeaders":     func() any { return &dropHeaders{} },
	}
	for name, mk := range plain {
		r.Register(connectors.Plugin{Class: pkg + name, Type: connectors.TransformationType, Version: version, New: mk})
	}
	predicates := map[string]func() any{
		"TopicNameMatches":  func() any { return &topicNameMatches{} },
		"HasHeaderKey":      func() any { return &hasHeaderKey{} },
		"RecordIsTombstone": func() any { return &recordIsTombstone{} },
	}
	for name, mk := range predicates {
		r.Register(connectors.Plugin{Class: predicatesPkg + name, Type: connectors.PredicateType, Version: version, New: mk})
	}
}

// Conformance of every implementation, checked at compile time.
var (
	_ connectors.Transformation = (*insertField)(nil)
	_ connectors.Transformation = (*replaceField)(nil)
	_ connectors.Transformation = (*maskField)(nil)
	_ connectors.Transformation = (*valueToKey)(nil)
	_ connectors.Transformation = (*extractField)(nil)
	_ connectors.Transformation = (*hoistField)(nil)
	_ connectors.Transformation = (*setSchemaMetadata)(nil)
	_ connectors.Transformation = (*timestampRouter)(nil)
	_ connectors.Transformation = (*regexRouter)(nil)
	_ connectors.Transformation = (*cast)(nil)
	_ connectors.Transformation = (*filter)(nil)
	_ connectors.Transformation = (*flatten)(nil)
	_ connectors.Transformation = (*insertHeader)(nil)
	_ connectors.Transformation = (*dropHeaders)(nil)
	_ connectors.Transformation = (*headerFrom)(nil)
	_ connectors.Transformation = (*timestampConverter)(nil)
	_ connectors.Predicate      = (*topicNameMatches)(nil)
	_ connectors.Predicate      = (*hasHeaderKey)(nil)
	_ connectors.Predicate      = (*recordIsTombstone)(nil)
)
