package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// validateResult is the part of a ConfigInfos the validation tests compare: the error count,
// the groups, and the errors by key.
type validateResult struct {
	infos  ConfigInfos
	errors map[string][]string
}

func validate(t *testing.T, f *fixture, plugin string, config map[string]any) validateResult {
	t.Helper()
	body, _ := json.Marshal(config)
	r := call(t, f.srv, http.MethodPut, "/connector-plugins/"+url.PathEscape(plugin)+"/config/validate", string(body))
	if r.status != http.StatusOK {
		t.Fatalf("validate: %d %s", r.status, r.body)
	}
	var res validateResult
	if err := json.Unmarshal([]byte(r.body), &res.infos); err != nil {
		t.Fatalf("validate: %v\n%s", err, r.body)
	}
	res.errors = map[string][]string{}
	for _, c := range res.infos.Configs {
		if c.Value != nil && len(c.Value.Errors) > 0 {
			res.errors[c.Value.Name] = c.Value.Errors
		}
	}
	return res
}

// spec §3.23: the plugin's own keys in definition order, then for a connector the base keys;
// a plugin by class or alias; 404 for an unknown one.
func TestPluginConfig(t *testing.T) {
	srv, _ := newTestServer(t)
	names := func(path string) []string {
		r := call(t, srv, http.MethodGet, path, "")
		var keys []ConfigKeyInfo
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &keys) != nil {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		var out []string
		for _, k := range keys {
			out = append(out, k.Name)
		}
		return out
	}
	sink := names("/connector-plugins/FileStreamSink/config")
	if len(sink) < 3 || sink[0] != "file" || sink[1] != "name" || !slices.Contains(sink, "topics") || slices.Contains(sink, "batch.size") {
		t.Errorf("FileStreamSink config keys: %v", sink)
	}
	if got := names("/connector-plugins/" + url.PathEscape(fileSource) + "/config"); got[0] != "file" || got[1] != "topic" || got[2] != "batch.size" || !slices.Contains(got, "exactly.once.support") {
		t.Errorf("FileStreamSource config keys: %v", got)
	}
	r := call(t, srv, http.MethodGet, "/connector-plugins/RegexRouter/config", "")
	assertJSON(t, r.body, `[
		{"name":"regex","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Regular expression to use for matching.","group":null,"width":"NONE","display_name":"regex","dependents":[],"order_in_group":-1},
		{"name":"replacement","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"Replacement string.","group":null,"width":"NONE","display_name":"replacement","dependents":[],"order_in_group":-1}]`)
	if got := names("/connector-plugins/" + url.PathEscape("org.apache.kafka.connect.transforms.InsertField$Value") + "/config"); !slices.Contains(got, "static.field") {
		t.Errorf("InsertField$Value keys: %v", got)
	}
	if got := names("/connector-plugins/TopicNameMatches/config"); !reflect.DeepEqual(got, []string{"pattern"}) {
		t.Errorf("TopicNameMatches keys: %v", got)
	}
	assertError(t, call(t, srv, http.MethodGet, "/connector-plugins/NoSuchPlugin/config", ""), http.StatusNotFound, "Unknown plugin NoSuchPlugin.")
}

// Port of ConnectorValidationIntegrationTest (spec §13.2): the error_count of each invalid
// config through the validate endpoint, and the exact texts (spec §7, §9.1).
func TestValidateErrorCounts(t *testing.T) {
	_, f := newTestServer(t)
	sink := func(extra map[string]any) map[string]any {
		c := map[string]any{"name": "v", "connector.class": fileSink, "topics": "t"}
		for k, v := range extra {
			if v == nil && k != "null.key" {
				delete(c, k)
				continue
			}
			c[k] = v
		}
		return c
	}
	const trType = "org.apache.kafka.connect.transforms.RegexRouter"
	const predType = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"
	tests := []struct {
		name   string
		config map[string]any
		count  int32
		errors map[string][]string // a subset: key → its exact errors
	}{
		{"valid", sink(nil), 0, nil},
		{"no topics", sink(map[string]any{"topics": nil}), 2, map[string][]string{
			"topics":       {"Must configure one of topics or topics.regex"},
			"topics.regex": {"Must configure one of topics or topics.regex"}}},
		{"topics and regex", sink(map[string]any{"topics.regex": "t.*"}), 2, map[string][]string{
			"topics": {"topics and topics.regex are mutually exclusive options, but both are set."}}},
		{"dlq in topics", sink(map[string]any{"topics": "t,dlq", "errors.deadletterqueue.topic.name": "dlq"}), 1, map[string][]string{
			"errors.deadletterqueue.topic.name": {"The DLQ topic 'dlq' may not be included in the list of topics ('topics=t,dlq') consumed by the connector"}}},
		{"dlq matches regex", sink(map[string]any{"topics": nil, "topics.regex": "d.*", "errors.deadletterqueue.topic.name": "dlq"}), 1, map[string][]string{
			"errors.deadletterqueue.topic.name": {"The DLQ topic 'dlq' may not be included in the regex matching the topics ('topics.regex=d.*') consumed by the connector"}}},
		{"tasks.max 0", sink(map[string]any{"tasks.max": "0"}), 1, map[string][]string{
			"tasks.max": {"Invalid value 0 for configuration tasks.max: Value must be at least 1"}}},
		{"missing name", sink(map[string]any{"name": nil}), 1, map[string][]string{
			"name": {`Missing required configuration "name" which has no default value.`}}},
		{"null value", sink(map[string]any{"null.key": nil}), 1, map[string][]string{
			"null.key": {"Null value can not be supplied as the configuration value."}}},
		{"duplicate transform alias", sink(map[string]any{"transforms": "a,a", "transforms.a.type": trType, "transforms.a.regex": "x", "transforms.a.replacement": "y"}), 1, map[string][]string{
			"transforms": {"Invalid value [a, a] for configuration transforms: Duplicate alias provided."}}},
		{"transform without type", sink(map[string]any{"transforms": "a"}), 1, map[string][]string{
			"transforms.a.type": {`Missing required configuration "transforms.a.type" which has no default value.`}}},
		{"transform class unknown", sink(map[string]any{"transforms": "a", "transforms.a.type": "com.example.Nope"}), 1, map[string][]string{
			"transforms.a.type": {"Invalid value com.example.Nope for configuration transforms.a.type: Class com.example.Nope could not be found."}}},
		{"transform class of another kind", sink(map[string]any{"transforms": "a", "transforms.a.type": predType}), 1, map[string][]string{
			"transforms.a.type": {"Invalid value class " + predType + " for configuration transforms.a.type: Not a Transformation"}}},
		{"transform missing its own key", sink(map[string]any{"transforms": "a", "transforms.a.type": "RegexRouter", "transforms.a.regex": "x"}), 1, map[string][]string{
			"transforms.a.replacement": {`Missing required configuration "transforms.a.replacement" which has no default value.`}}},
		{"negate without predicate", sink(map[string]any{"transforms": "a", "transforms.a.type": "Filter", "transforms.a.negate": "true"}), 1, map[string][]string{
			"transforms.a.type": {"Config 'transforms.a.negate' was provided but there is no config 'transforms.a.predicate' defining a predicate to be negated."}}},
		{"undefined predicate", sink(map[string]any{"transforms": "a", "transforms.a.type": "Filter", "transforms.a.predicate": "p"}), 1, map[string][]string{
			"transforms.a.predicate": {"Invalid value p for configuration transforms.a.predicate: Predicate alias p is not listed in 'predicates'"}}},
		{"duplicate predicate alias", sink(map[string]any{"predicates": "p,p", "predicates.p.type": predType, "predicates.p.pattern": "t"}), 1, map[string][]string{
			"predicates": {"Invalid value [p, p] for configuration predicates: Duplicate alias provided."}}},
		{"predicate without type", sink(map[string]any{"predicates": "p"}), 1, map[string][]string{
			"predicates.p.type": {`Missing required configuration "predicates.p.type" which has no default value.`}}},
		{"predicate class of another kind", sink(map[string]any{"predicates": "p", "predicates.p.type": trType}), 1, map[string][]string{
			"predicates.p.type": {"Invalid value class " + trType + " for configuration predicates.p.type: Not a Predicate"}}},
		{"predicate bad regex", sink(map[string]any{"predicates": "p", "predicates.p.type": "TopicNameMatches", "predicates.p.pattern": "("}), 1, nil},
		{"key converter unknown", sink(map[string]any{"key.converter": "com.example.Conv"}), 1, map[string][]string{
			"key.converter": {"Invalid value com.example.Conv for configuration key.converter: Class com.example.Conv could not be found."}}},
		{"header converter of another kind", sink(map[string]any{"header.converter": fileSink}), 1, map[string][]string{
			"header.converter": {"Invalid value class " + fileSink + " for configuration header.converter: Not a HeaderConverter"}}},
		{"converter misconfigured", sink(map[string]any{"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "maybe", "value.converter.decimal.format": "x"}), 2, map[string][]string{
			"value.converter.schemas.enable": {"Invalid value maybe for configuration schemas.enable: Expected value to be either true or false"}}},
		{"valid transform chain", sink(map[string]any{"transforms": "route,drop", "transforms.route.type": "RegexRouter", "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-x",
			"transforms.drop.type": "Filter", "transforms.drop.predicate": "isT", "transforms.drop.negate": "true",
			"predicates": "isT", "predicates.isT.type": "TopicNameMatches", "predicates.isT.pattern": "t"}), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := validate(t, f, "FileStreamSinkConnector", tt.config)
			if res.infos.ErrorCount != tt.count {
				t.Errorf("error_count %d, want %d; errors %v", res.infos.ErrorCount, tt.count, res.errors)
			}
			for k, want := range tt.errors {
				if !reflect.DeepEqual(res.errors[k], want) {
					t.Errorf("errors of %s: %q, want %q", k, res.errors[k], want)
				}
			}
		})
	}
}

// spec §3.24: name is connector.class as supplied; groups are the base groups, then one per
// transform and predicate alias, then the connector's; a transform's keys, with the implicit
// predicate and negate, are embedded under its alias.
func TestValidateShape(t *testing.T) {
	_, f := newTestServer(t)
	res := validate(t, f, "FileStreamSource", map[string]any{
		"name": "v", "connector.class": "FileStreamSource", "topic": "t", "tasks.max": 1,
		"transforms": "ins", "transforms.ins.type": "InsertField$Value", "transforms.ins.static.field": "f",
		"predicates": "p", "predicates.p.type": "RecordIsTombstone",
		"unknown.key": "x",
	})
	if res.infos.Name != "FileStreamSource" || res.infos.ErrorCount != 1 {
		t.Errorf("name %q, error_count %d (errors %v)", res.infos.Name, res.infos.ErrorCount, res.errors)
	}
	// InsertField$Value has no alias (Kafka drops the ambiguous "Value"): its class is unknown.
	if want := "Invalid value InsertField$Value for configuration transforms.ins.type: Class InsertField$Value could not be found."; !reflect.DeepEqual(res.errors["transforms.ins.type"], []string{want}) {
		t.Errorf("transforms.ins.type errors %q", res.errors["transforms.ins.type"])
	}
	wantGroups := []string{"Common", "Transforms", "Predicates", "Error Handling", "Topic Creation", "Exactly Once Support", "offsets.topic", "Transforms: ins", "Predicates: p"}
	if !reflect.DeepEqual(res.infos.Groups, wantGroups) {
		t.Errorf("groups %q, want %q", res.infos.Groups, wantGroups)
	}

	res = validate(t, f, "FileStreamSource", map[string]any{
		"name": "v", "connector.class": fileSource, "topic": "t",
		"transforms": "ins", "transforms.ins.type": "org.apache.kafka.connect.transforms.InsertField$Value", "transforms.ins.static.field": "f",
		"unknown.key": "x",
	})
	if res.infos.ErrorCount != 0 {
		t.Fatalf("errors %v", res.errors)
	}
	var embedded []string
	byName := map[string]ConfigInfo{}
	for i, c := range res.infos.Configs {
		if c.Definition == nil {
			if i != 0 {
				t.Errorf("a config without definition at %d, want it first", i)
			}
			continue
		}
		byName[c.Definition.Name] = c
		if strings.HasPrefix(c.Definition.Name, "transforms.ins.") {
			embedded = append(embedded, fmt.Sprintf("%s %d", c.Definition.Name, c.Definition.Order))
		}
	}
	// ConfigDef.embed numbers the child's keys as sortedConfigs orders them: all ungrouped,
	// none required, all MEDIUM, so by name.
	// Kafka Connect 4.1+ (KIP-891) puts the alias's plugin.version at 1 and embeds from 2, as
	// Apache Kafka Connect 4.3.1 answered this request (checked by hand).
	wantEmbedded := []string{"transforms.ins.type 0", "transforms.ins.plugin.version 1", "transforms.ins.negate 2", "transforms.ins.offset.field 3",
		"transforms.ins.partition.field 4", "transforms.ins.predicate 5", "transforms.ins.replace.null.with.default 6",
		"transforms.ins.static.field 7", "transforms.ins.static.value 8", "transforms.ins.timestamp.field 9",
		"transforms.ins.topic.field 10"}
	if !reflect.DeepEqual(embedded, wantEmbedded) {
		t.Errorf("embedded keys\n got %q\nwant %q", embedded, wantEmbedded)
	}
	typ, _ := json.Marshal(byName["transforms.ins.type"].Definition)
	assertJSON(t, string(typ), `{"name":"transforms.ins.type","type":"CLASS","required":true,"default_value":null,"importance":"HIGH",
		"documentation":"Class for the 'ins' transformation.","group":"Transforms: ins","width":"LONG",
		"display_name":"Transformation type for ins","dependents":[],"order_in_group":0}`)
	static, _ := json.Marshal(byName["transforms.ins.static.field"])
	assertJSON(t, string(static), `{"definition":{"name":"transforms.ins.static.field","type":"STRING","required":false,"default_value":null,"importance":"MEDIUM",
		"documentation":"Field name for static data field. Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).",
		"group":"Transforms: ins","width":"NONE","display_name":"static.field","dependents":[],"order_in_group":7},
		"value":{"name":"transforms.ins.static.field","value":"f","recommended_values":[],"errors":[],"visible":true}}`)
	version, _ := json.Marshal(byName["transforms.ins.plugin.version"])
	assertJSON(t, string(version), `{"definition":{"name":"transforms.ins.plugin.version","type":"STRING","required":false,"default_value":"4.4.0",
		"importance":"HIGH","documentation":"Version of the 'ins' transformation.","group":"Transforms: ins","order_in_group":1,"width":"LONG",
		"display_name":"Transformation version for ins","dependents":[]},
		"value":{"name":"transforms.ins.plugin.version","value":"4.4.0","recommended_values":["4.4.0"],"errors":[],"visible":true}}`)
}

// spec §3.24, §16.1, §16.18: the resource's own 400 for a class that is not the path's
// plugin, and 500s (with the Java exception's class) for errors thrown while validating.
func TestValidateErrors(t *testing.T) {
	srv, _ := newTestServer(t)
	put := func(plugin, body string) response {
		return call(t, srv, http.MethodPut, "/connector-plugins/"+plugin+"/config/validate", body)
	}
	if r := put("Sink", `{"connector.class":"FileStreamSinkConnector","name":"x","topics":"t"}`); r.status != http.StatusOK {
		t.Errorf("suffix match: %d %s", r.status, r.body)
	}
	assertError(t, put("FileStreamSource", `{"connector.class":"FileStreamSinkConnector","name":"x"}`), http.StatusBadRequest,
		"Included connector type FileStreamSinkConnector does not match request type FileStreamSource")
	assertError(t, put("FileStreamSink", `{"name":"x"}`), http.StatusInternalServerError,
		"org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector config contains no connector type")
	r := put("Nope", `{"connector.class":"Nope","name":"x"}`)
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Failed to find any class that implements Connector and which name matches Nope") {
		t.Errorf("unknown class: %d %s", r.status, r.body)
	}
}

// spec §7: create and PUT reject what validate counts, with the same errors in the message.
func TestCreateRunsValidation(t *testing.T) {
	srv, f := newTestServer(t)
	name := f.name("bad")
	config := map[string]string{"connector.class": fileSink, "transforms": "a", "transforms.a.type": "com.example.Nope"}
	body, _ := json.Marshal(map[string]any{"name": name, "config": config})
	want := "Connector configuration is invalid and contains the following 3 error(s):\n" +
		"Must configure one of topics or topics.regex\n" +
		"Must configure one of topics or topics.regex\n" +
		"Invalid value com.example.Nope for configuration transforms.a.type: Class com.example.Nope could not be found.\n" +
		"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
	assertError(t, call(t, srv, http.MethodPost, "/connectors", string(body)), http.StatusBadRequest, want)
	cfgBody, _ := json.Marshal(config)
	assertError(t, call(t, srv, http.MethodPut, path(name, "/config"), string(cfgBody)), http.StatusBadRequest, want)
}
