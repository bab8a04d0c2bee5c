package converters

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/connectd/connectd/connectors"
)

// JSONConverter is Kafka's org.apache.kafka.connect.json.JsonConverter (spec §10). With
// schemas.enable (the default) every record is an envelope {"schema":…,"payload":…};
// without it plain JSON is written and read. The zero value has Kafka's defaults.
type JSONConverter struct {
	// The zero value of each field is Kafka's default.
	schemasDisabled bool // schemas.enable=false
	decimalNumeric  bool // decimal.format=NUMERIC
	keepNulls       bool // replace.null.with.default=false
	cacheSize       int  // schemas.cache.size; 0 means 1000

	mu        sync.Mutex
	fromCache map[*connectors.Schema][]byte // schema → its JSON, for writing
	toCache   map[string]*connectors.Schema // schema JSON → schema, for reading
}

var _ connectors.Converter = (*JSONConverter)(nil)

// The JsonConverter settings (spec §10.1).
const (
	SchemasEnableKey          = "schemas.enable"
	SchemasCacheSizeKey       = "schemas.cache.size"
	DecimalFormatKey          = "decimal.format"
	ReplaceNullWithDefaultKey = "replace.null.with.default"
)

// Kafka's JsonConverterConfig, in its groups and order.
var jsonConfig = connectors.ConfigDef{
	{Name: SchemasEnableKey, Type: connectors.Boolean, Default: "true", Importance: connectors.High,
		Doc:   "Include schemas within each of the serialized values and keys.",
		Group: "Schemas", Width: connectors.WidthMedium, DisplayName: "Enable Schemas"},
	{Name: SchemasCacheSizeKey, Type: connectors.Int, Default: "1000", Importance: connectors.High,
		Doc:   "The maximum number of schemas that can be cached in this converter instance.",
		Group: "Schemas", Width: connectors.WidthMedium, DisplayName: "Schema Cache Size"},
	{Name: DecimalFormatKey, Type: connectors.String, Default: "BASE64",
		Validator: connectors.OneOfIgnoreCase("BASE64", "NUMERIC"), Importance: connectors.Low,
		Doc: "Controls which format this converter will serialize decimals in." +
			" This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
		Group: "Serialization", Width: connectors.WidthMedium, DisplayName: "Decimal Format"},
	{Name: ReplaceNullWithDefaultKey, Type: connectors.Boolean, Default: "true", Importance: connectors.Low,
		Doc: "Whether to replace fields that have a default value and that are null to the default value." +
			" When set to true, the default value is used, otherwise null is used.",
		Group: "Serialization", Width: connectors.WidthMedium, DisplayName: "Replace null with default"},
}

// Config returns the converter's configuration table.
func (*JSONConverter) Config() connectors.ConfigDef { return jsonConfig }

// Configure applies the settings of spec §10.1; isKey makes no difference.
func (c *JSONConverter) Configure(props map[string]string, _ bool) error {
	vals, err := jsonConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure JsonConverter: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.schemasDisabled = !vals.Bool(SchemasEnableKey)
	c.decimalNumeric = strings.EqualFold(vals.String(DecimalFormatKey), "NUMERIC")
	c.keepNulls = !vals.Bool(ReplaceNullWithDefaultKey)
	c.cacheSize = vals.Int(SchemasCacheSizeKey)
	c.fromCache, c.toCache = nil, nil
	return nil
}

func (c *JSONConverter) limit() int {
	if c.cacheSize <= 0 {
		return 1000
	}
	return c.cacheSize
}

// FromConnectData writes value as JSON, in an envelope unless schemas are disabled. A nil
// value with a nil schema is a nil record (a tombstone).
func (c *JSONConverter) FromConnectData(_ string, schema *connectors.Schema, value any) ([]byte, error) {
	if schema == nil && value == nil {
		return nil, nil
	}
	w := writer{decimalNumeric: c.decimalNumeric, replaceNull: !c.keepNulls}
	if c.schemasDisabled {
		return w.value(make([]byte, 0, 64), schema, value)
	}
	b := append(make([]byte, 0, 128), `{"schema":`...)
	b, err := c.appendSchema(&w, b, schema)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"payload":`...)
	if b, err = w.value(b, schema, value); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendSchema writes a schema's JSON, cached per *Schema as Kafka caches per schema.
func (c *JSONConverter) appendSchema(w *writer, b []byte, s *connectors.Schema) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	c.mu.Lock()
	cached, ok := c.fromCache[s]
	c.mu.Unlock()
	if ok {
		return append(b, cached...), nil
	}
	js, err := w.schema(nil, s)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.fromCache == nil || len(c.fromCache) >= c.limit() {
		c.fromCache = map[*connectors.Schema][]byte{}
	}
	c.fromCache[s] = js
	c.mu.Unlock()
	return append(b, js...), nil
}

// ToConnectData reads a record. nil data is a nil value with a nil schema. With schemas
// enabled the JSON must be an object with exactly "schema" and "payload" (spec §10.2); without,
// integers read as int64, other numbers as float64, objects as map[string]any, arrays as []any.
func (c *JSONConverter) ToConnectData(_ string, data []byte) (*connectors.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	r := reader{replaceNull: !c.keepNulls}
	var raw json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) && c.schemasDisabled {
			return nil, nil, nil // Jackson reads no content as a missing node: null
		}
		if errors.Is(err, io.EOF) {
			return nil, nil, &dataError{text: msgEnvelope}
		}
		return nil, nil, &dataError{text: msgDeserialize, cause: err}
	}
	if c.schemasDisabled {
		node, err := decodeNode(raw)
		if err != nil {
			return nil, nil, &dataError{text: msgDeserialize, cause: err}
		}
		v, err := r.value(nil, node)
		return nil, v, err
	}
	var env map[string]json.RawMessage
	if trimmed := bytes.TrimLeft(raw, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(raw, &env) != nil || len(env) != 2 {
		return nil, nil, &dataError{text: msgEnvelope}
	}
	rawSchema, okSchema := env["schema"]
	rawPayload, okPayload := env["payload"]
	if !okSchema || !okPayload {
		return nil, nil, &dataError{text: msgEnvelope}
	}
	schema, err := c.readSchema(&r, rawSchema)
	if err != nil {
		return nil, nil, err
	}
	payload, err := decodeNode(rawPayload)
	if err != nil {
		return nil, nil, &dataError{text: msgDeserialize, cause: err}
	}
	v, err := r.value(schema, payload)
	if err != nil {
		return nil, nil, err
	}
	return schema, v, nil
}

// readSchema parses a schema's JSON, cached by its exact bytes as Kafka caches by JSON tree.
func (c *JSONConverter) readSchema(r *reader, raw json.RawMessage) (*connectors.Schema, error) {
	key := string(raw)
	c.mu.Lock()
	cached, ok := c.toCache[key]
	c.mu.Unlock()
	if ok {
		return cached, nil
	}
	node, err := decodeNode(raw)
	if err != nil {
		return nil, &dataError{text: msgDeserialize, cause: err}
	}
	s, err := r.schema(node)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.toCache == nil || len(c.toCache) >= c.limit() {
		c.toCache = map[string]*connectors.Schema{}
	}
	c.toCache[key] = s
	c.mu.Unlock()
	return s, nil
}

// decodeNode parses JSON keeping numbers as their text, so integers and decimals stay
// distinct and exact, as Jackson's tree does.
func decodeNode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var n any
	if err := d.Decode(&n); err != nil {
		return nil, err
	}
	return n, nil
}
