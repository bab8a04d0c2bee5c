package validation

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/builtin"
	"github.com/connectd/connectd/messages"
)

const (
	fileSource = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	fileSink   = "org.apache.kafka.connect.file.FileStreamSinkConnector"
	stringConv = "org.apache.kafka.connect.storage.StringConverter"
	jsonConv   = "org.apache.kafka.connect.json.JsonConverter"
)

func newValidator() *Validator {
	return New(builtin.Registry(), WorkerConverters{Value: Converter{Class: stringConv}})
}

func TestSplitList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ,", nil},
		{"a", []string{"a"}},
		{" a , b,,c ", []string{"a", "b", "c"}},
		{"a,a", []string{"a", "a"}}, // duplicates are the alias validator's business
	}
	for _, tt := range tests {
		if got := SplitList(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SplitList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSubConfig(t *testing.T) {
	config := map[string]string{"key.converter": "X", "key.converter.schemas.enable": "false", "key.converterx": "y", "value.converter.a": "b"}
	tests := []struct {
		prefix string
		want   map[string]string
	}{
		{"key.converter.", map[string]string{"schemas.enable": "false"}},
		{"value.converter.", map[string]string{"a": "b"}},
		{"header.converter.", map[string]string{}},
	}
	for _, tt := range tests {
		got := SubConfig(config, tt.prefix)
		if len(got) != len(tt.want) {
			t.Errorf("SubConfig(%q) = %v, want %v", tt.prefix, got, tt.want)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("SubConfig(%q) = %v, want %v", tt.prefix, got, tt.want)
			}
		}
	}
}

// spec §7: create, PUT and PATCH accept what validate counts no error in, and otherwise answer
// with one message listing every error.
func TestForWrite(t *testing.T) {
	tests := []struct {
		name     string
		config   map[string]string
		wantCode messages.ErrorCode // ERROR_CODE_UNSPECIFIED: valid
		wantMsg  string             // exact, or a prefix when it ends with "…"
	}{
		{"valid source", map[string]string{"name": "s", "connector.class": fileSource, "topic": "t"}, 0, ""},
		{"valid sink, alias", map[string]string{"name": "s", "connector.class": "FileStreamSink", "topics": "t"}, 0, ""},
		// spec §0.1: Kafka Connect 4.4's texts and codes.
		{"no class", map[string]string{"name": "x"}, messages.ErrorCode_ERROR_CODE_BAD_REQUEST,
			"Connector config contains no connector type"},
		{"unknown class", map[string]string{"name": "x", "connector.class": "Nope"}, messages.ErrorCode_ERROR_CODE_BAD_REQUEST,
			"Failed to find any class that implements Connector and which name matches Nope, available connectors are: …"},
		{"sink without topics, unknown transform", map[string]string{"name": "x", "connector.class": fileSink, "transforms": "a", "transforms.a.type": "com.example.Nope"},
			messages.ErrorCode_ERROR_CODE_BAD_REQUEST,
			"Connector configuration is invalid and contains the following 3 error(s):\n" +
				"Must configure one of topics or topics.regex\n" +
				"Must configure one of topics or topics.regex\n" +
				"Invalid value com.example.Nope for configuration transforms.a.type: Class com.example.Nope could not be found.\n" +
				"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"},
		{"tasks.max below 1", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t", "tasks.max": "0"},
			messages.ErrorCode_ERROR_CODE_BAD_REQUEST,
			"Connector configuration is invalid and contains the following 1 error(s):\n" +
				"Invalid value 0 for configuration tasks.max: Value must be at least 1\n…"},
		{"negate without predicate", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t", "transforms": "f",
			"transforms.f.type": "Filter", "transforms.f.negate": "true"}, messages.ErrorCode_ERROR_CODE_BAD_REQUEST,
			"Connector configuration is invalid and contains the following 1 error(s):\n" +
				"Config 'transforms.f.negate' was provided but there is no config 'transforms.f.predicate' defining a predicate to be negated.\n…"},
		{"connector version not installed", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t", "connector.plugin.version": "9.9.9"},
			messages.ErrorCode_ERROR_CODE_BAD_REQUEST,
			"Connector configuration is invalid and contains the following 2 error(s):\n" +
				"Plugin org.apache.kafka.connect.file.FileStreamSourceConnector not found that matches the version range [9.9.9,9.9.9], available versions: [4.4.0]\n" +
				"Plugin org.apache.kafka.connect.file.FileStreamSourceConnector not found that matches the version range [9.9.9,9.9.9], available versions: [4.4.0]\n…"},
		{"connector version range", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t", "connector.plugin.version": "[4.0,5.0)"}, 0, ""},
		{"converter version not installed", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t", "value.converter.plugin.version": "(4.4.0,)"},
			messages.ErrorCode_ERROR_CODE_BAD_REQUEST,
			// As Apache Kafka Connect 4.3.1 answers (checked by hand): on both the class and its version key.
			"Connector configuration is invalid and contains the following 2 error(s):\n" +
				"Plugin org.apache.kafka.connect.storage.StringConverter not found that matches the version range (4.4.0,), available versions: [4.4.0]\n" +
				"Plugin org.apache.kafka.connect.storage.StringConverter not found that matches the version range (4.4.0,), available versions: [4.4.0]\n…"},
		{"transform and predicate versions not installed", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t",
			"transforms": "r", "transforms.r.type": "RegexRouter", "transforms.r.regex": "a", "transforms.r.replacement": "b", "transforms.r.plugin.version": "9.9",
			"predicates": "p", "predicates.p.type": "RecordIsTombstone", "predicates.p.plugin.version": "[1.0,2.0)"},
			messages.ErrorCode_ERROR_CODE_BAD_REQUEST,
			"Connector configuration is invalid and contains the following 4 error(s):\n" +
				"Plugin org.apache.kafka.connect.transforms.RegexRouter not found that matches the version range [9.9,9.9], available versions: [4.4.0]\n" +
				"Plugin org.apache.kafka.connect.transforms.RegexRouter not found that matches the version range [9.9,9.9], available versions: [4.4.0]\n" +
				"Plugin org.apache.kafka.connect.transforms.predicates.RecordIsTombstone not found that matches the version range [1.0,2.0), available versions: [4.4.0]\n" +
				"Plugin org.apache.kafka.connect.transforms.predicates.RecordIsTombstone not found that matches the version range [1.0,2.0), available versions: [4.4.0]\n…"},
		{"transform and predicate versions installed", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t",
			"transforms": "r", "transforms.r.type": "RegexRouter", "transforms.r.regex": "a", "transforms.r.replacement": "b", "transforms.r.plugin.version": "4.4.0",
			"predicates": "p", "predicates.p.type": "RecordIsTombstone", "predicates.p.plugin.version": "[4.0,5.0)"}, 0, ""},
		{"value converter of the wrong kind", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t", "value.converter": "RegexRouter"},
			messages.ErrorCode_ERROR_CODE_BAD_REQUEST,
			"Connector configuration is invalid and contains the following 1 error(s):\n" +
				"Invalid value class org.apache.kafka.connect.transforms.RegexRouter for configuration value.converter: Not a Converter\n…"},
	}
	vd := newValidator()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := vd.ForWrite(tt.config)
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("ForWrite: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("ForWrite: no error")
			}
			if got := api.CodeOf(err); got != tt.wantCode {
				t.Errorf("code %v, want %v (%v)", got, tt.wantCode, err)
			}
			assertText(t, err.Error(), tt.wantMsg)
		})
	}
}

// spec §3.24, §16.1: the validate endpoint answers errors thrown while validating as 500s
// naming the Java exception, and otherwise counts the errors in its answer.
func TestForEndpoint(t *testing.T) {
	tests := []struct {
		name       string
		config     map[string]string
		nulls      []string
		wantErr    string // prefix of an INTERNAL error's text; "" for an answer
		wantErrors int32
		wantFirst  string // name of the first config listed
	}{
		{"no class", map[string]string{"name": "x"}, nil,
			"org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector config contains no connector type", 0, ""},
		{"unknown class", map[string]string{"name": "x", "connector.class": "Nope"}, nil,
			"org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Failed to find any class that implements Connector and which name matches Nope", 0, ""},
		{"valid", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t"}, nil, "", 0, "name"},
		{"null of an undefined key listed first", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t"}, []string{"nope"}, "", 1, "nope"},
		{"null of a defined key", map[string]string{"name": "x", "connector.class": fileSource, "topic": "t"}, []string{"tasks.max"}, "", 1, "name"},
	}
	vd := newValidator()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			infos, err := vd.ForEndpoint(tt.config, tt.nulls)
			if tt.wantErr != "" {
				if err == nil || api.CodeOf(err) != messages.ErrorCode_ERROR_CODE_INTERNAL || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error %v (%v), want INTERNAL %q…", err, api.CodeOf(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if infos.Name != fileSource || infos.ErrorCount != tt.wantErrors {
				t.Errorf("name %q, %d errors; want %q, %d", infos.Name, infos.ErrorCount, fileSource, tt.wantErrors)
			}
			if first := infos.Configs[0].GetValue().GetName(); first != tt.wantFirst {
				t.Errorf("first config %q, want %q", first, tt.wantFirst)
			}
		})
	}
}

// TestValidateShapes44: validate lists the base keys as Kafka Connect 4.4 does (spec §0.1): in
// its definition order with its order numbers, the plugin version keys, the converter keys
// with the worker's converters as defaults and the installed converters recommended, and
// whole documentation strings.
func TestValidateShapes44(t *testing.T) {
	vd := newValidator()
	infos, err := vd.ForEndpoint(map[string]string{"name": "x", "connector.class": fileSource, "topic": "t", "file": "f"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		group       string
		order       int32
		def         string // "-": null
		recommended string // comma-joined prefix of the recommended values
	}
	wants := []struct {
		name string
		want
	}{
		{"name", want{"Common", 1, "-", ""}},
		{"connector.class", want{"Common", 2, "-", ""}},
		{"connector.plugin.version", want{"Common", 3, "4.4.0", "4.4.0"}},
		{"tasks.max", want{"Common", 4, "1", ""}},
		{"tasks.max.enforce", want{"Common", 5, "true", ""}},
		{"key.converter", want{"Common", 6, jsonConv, "org.apache.kafka.connect.converters.BooleanConverter,org.apache.kafka.connect.converters.ByteArrayConverter"}},
		{"key.converter.plugin.version", want{"Common", 7, "4.4.0", "4.4.0"}},
		{"value.converter", want{"Common", 8, stringConv, "org.apache.kafka.connect.converters.BooleanConverter"}},
		{"value.converter.plugin.version", want{"Common", 9, "4.4.0", "4.4.0"}},
		{"header.converter", want{"Common", 10, "org.apache.kafka.connect.storage.SimpleHeaderConverter", "org.apache.kafka.connect.converters.BooleanConverter"}},
		{"header.converter.plugin.version", want{"Common", 11, "4.4.0", "4.4.0"}},
		{"transforms", want{"Transforms", 12, "", ""}},
		{"predicates", want{"Predicates", 13, "", ""}},
		{"config.action.reload", want{"Common", 14, "restart", ""}},
		{"errors.retry.timeout", want{"Error Handling", 1, "0", ""}},
		{"topic.creation.groups", want{"Topic Creation", 1, "", ""}},
		{"exactly.once.support", want{"Exactly Once Support", 2, "requested", ""}},
		{"transaction.boundary", want{"Exactly Once Support", 3, "poll", ""}},
		{"transaction.boundary.interval.ms", want{"Exactly Once Support", 4, "-", ""}},
	}
	var got []string
	for _, c := range infos.GetConfigs() {
		got = append(got, c.GetDefinition().GetName())
	}
	byName := map[string]*messages.ConfigInfo{}
	for _, c := range infos.GetConfigs() {
		byName[c.GetDefinition().GetName()] = c
	}
	for i, w := range wants {
		if i < 14 && got[i] != w.name { // the Common keys come first, in definition order
			t.Fatalf("keys %q; want %s at %d", got, w.name, i)
		}
		c := byName[w.name]
		if c == nil {
			t.Fatalf("no %s among %q", w.name, got)
		}
		d := c.GetDefinition()
		def := "-"
		if d.DefaultValue != nil {
			def = *d.DefaultValue
		}
		if d.GetGroup() != w.group || d.GetOrder() != w.order || def != w.def ||
			!strings.HasPrefix(strings.Join(c.GetValue().GetRecommendedValues(), ","), w.recommended) {
			t.Errorf("%s: group %q order %d default %q recommended %q; want %+v", w.name, d.GetGroup(), d.GetOrder(), def, c.GetValue().GetRecommendedValues(), w.want)
		}
	}
	for _, c := range infos.GetConfigs() {
		if c.GetDefinition().GetName() == "errors.tolerance" && !strings.HasSuffix(c.GetDefinition().GetDocumentation(), "'all' changes the behavior to skip over problematic records.") {
			t.Errorf("errors.tolerance documentation cut: %q", c.GetDefinition().GetDocumentation())
		}
	}
}

// spec §3.23: a plugin's keys, then a connector's base keys it does not define; 404 texts.
func TestPluginConfig(t *testing.T) {
	tests := []struct {
		plugin   string
		wantErr  string
		wantKeys []string // in this order, not necessarily adjacent
	}{
		{"nope", "Unknown plugin nope.", nil},
		{"FileStreamSource", "", []string{"file", "topic", "name", "connector.class", "exactly.once.support"}},
		{fileSink, "", []string{"file", "name", "topics", "errors.deadletterqueue.topic.name"}},
		{"RegexRouter", "", []string{"regex", "replacement"}},
	}
	vd := newValidator()
	for _, tt := range tests {
		t.Run(tt.plugin, func(t *testing.T) {
			keys, err := vd.PluginConfig(tt.plugin, "")
			if tt.wantErr != "" {
				if api.CodeOf(err) != messages.ErrorCode_ERROR_CODE_NOT_FOUND || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want NOT_FOUND %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			at := 0
			for _, k := range keys {
				if at < len(tt.wantKeys) && k.Name == tt.wantKeys[at] {
					at++
				}
			}
			if at != len(tt.wantKeys) {
				t.Errorf("keys in order: found %q of %q", tt.wantKeys[:at], tt.wantKeys)
			}
		})
	}
}

// A task's converters are its connector's when its config names them, else the worker's;
// the header converter is SimpleHeaderConverter unless one is named.
func TestConverters(t *testing.T) {
	const simple, jsonHeader = "converters.simpleHeaderConverter", "converters.headerConverter"
	tests := []struct {
		name                         string
		config                       map[string]string
		wantKey, wantVal, wantHeader string // Go types of the converters
		wantErr                      string
	}{
		{"worker's", map[string]string{}, "*converters.JSONConverter", "*converters.StringConverter", simple, ""},
		{"connector's key", map[string]string{"key.converter": stringConv}, "*converters.StringConverter", "*converters.StringConverter", simple, ""},
		{"connector's value, with its sub-config", map[string]string{"value.converter": jsonConv, "value.converter.schemas.enable": "false"},
			"*converters.JSONConverter", "*converters.JSONConverter", simple, ""},
		{"connector's header", map[string]string{"header.converter": jsonConv, "header.converter.schemas.enable": "false"},
			"*converters.JSONConverter", "*converters.StringConverter", jsonHeader, ""},
		{"unknown class", map[string]string{"value.converter": "com.example.Nope"}, "", "", "", "value.converter: "},
		{"unknown header class", map[string]string{"header.converter": "com.example.Nope"}, "", "", "", "header.converter: "},
		{"a converter that is no header converter", map[string]string{"header.converter": "RegexRouter"}, "", "", "", "header.converter: "},
	}
	vd := newValidator()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, value, header, err := vd.Converters(tt.config)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q…", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(key); got != tt.wantKey {
				t.Errorf("key converter %s, want %s", got, tt.wantKey)
			}
			if got := typeName(value); got != tt.wantVal {
				t.Errorf("value converter %s, want %s", got, tt.wantVal)
			}
			if got := fmt.Sprintf("%T", header); got != tt.wantHeader {
				t.Errorf("header converter %s, want %s", got, tt.wantHeader)
			}
		})
	}
}

func TestConnectorType(t *testing.T) {
	vd := newValidator()
	for class, want := range map[string]string{fileSource: "source", "FileStreamSink": "sink", "RegexRouter": "unknown", "Nope": "unknown", "": "unknown"} {
		if got := vd.ConnectorType(map[string]string{"connector.class": class}); got != want {
			t.Errorf("ConnectorType(%q) = %q, want %q", class, got, want)
		}
	}
}

// assertText compares got with want, or with want's prefix when want ends with "…".
func assertText(t *testing.T, got, want string) {
	t.Helper()
	if p, ok := strings.CutSuffix(want, "…"); ok {
		if !strings.HasPrefix(got, p) {
			t.Errorf("text:\n%s\nwant prefix:\n%s", got, p)
		}
		return
	}
	if got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
}

func typeName(c connectors.Converter) string { return fmt.Sprintf("%T", c) }
