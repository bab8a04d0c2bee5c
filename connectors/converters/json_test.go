package converters

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
)

func newJSON(t testing.TB, props map[string]string) *JSONConverter {
	t.Helper()
	c := &JSONConverter{}
	if err := c.Configure(props, false); err != nil {
		t.Fatal(err)
	}
	return c
}

var pointSchema = &connectors.Schema{Type: connectors.TypeStruct, Name: "x.Y", Fields: []connectors.Field{
	{Name: "id", Schema: connectors.Int32Schema},
}}

// Vectors from spec §10 and Kafka's JsonConverterTest (…ToJson methods named per row).
func TestJSONFromConnectData(t *testing.T) {
	optInt := &connectors.Schema{Type: connectors.TypeInt32, Optional: true}
	withDefault := &connectors.Schema{Type: connectors.TypeInt32, Default: int32(42)}
	meta := &connectors.Schema{Type: connectors.TypeBoolean, Optional: true, Name: "bool", Version: 2,
		Doc: "the documentation", Parameters: map[string]string{"foo": "bar", "a": "b"}}
	structSchema := &connectors.Schema{Type: connectors.TypeStruct, Fields: []connectors.Field{
		{Name: "field1", Schema: connectors.BooleanSchema},
		{Name: "field2", Schema: connectors.StringSchema},
		{Name: "field3", Schema: &connectors.Schema{Type: connectors.TypeString, Optional: true, Default: "dflt"}},
	}}
	tests := []struct {
		name   string
		props  map[string]string
		schema *connectors.Schema
		value  any
		want   string // "<nil>" for a nil record
	}{
		{"spec string", nil, connectors.StringSchema, "hello", `{"schema":{"type":"string","optional":false},"payload":"hello"}`},
		{"spec struct", nil, pointSchema, &connectors.Struct{Schema: pointSchema, Values: []any{int32(1)}},
			`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"x.Y"},"payload":{"id":1}}`},
		{"testJsonSchemaMetadataTranslation", nil, meta, true,
			`{"schema":{"type":"boolean","optional":true,"name":"bool","version":2,"doc":"the documentation","parameters":{"a":"b","foo":"bar"}},"payload":true}`},
		{"int8ToJson", nil, &connectors.Schema{Type: connectors.TypeInt8}, int8(12), `{"schema":{"type":"int8","optional":false},"payload":12}`},
		{"longToJson", nil, connectors.Int64Schema, int64(4398046511104), `{"schema":{"type":"int64","optional":false},"payload":4398046511104}`},
		{"floatToJson", nil, &connectors.Schema{Type: connectors.TypeFloat32}, float32(12.34), `{"schema":{"type":"float","optional":false},"payload":12.34}`},
		{"doubleToJson", nil, &connectors.Schema{Type: connectors.TypeFloat64}, 12.0, `{"schema":{"type":"double","optional":false},"payload":12.0}`},
		{"double sci", nil, &connectors.Schema{Type: connectors.TypeFloat64}, 1e-5, `{"schema":{"type":"double","optional":false},"payload":1.0E-5}`},
		{"double nan", nil, &connectors.Schema{Type: connectors.TypeFloat64}, math.NaN(), `{"schema":{"type":"double","optional":false},"payload":"NaN"}`},
		{"bytesToJson", nil, connectors.BytesSchema, []byte("test-string"), `{"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="}`},
		{"stringEscapes", nil, connectors.StringSchema, "q\"\\/\n\x01<é\u2028", "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"q\\\"\\\\/\\n\\u0001<é\u2028\"}"},
		{"arrayToJson", nil, &connectors.Schema{Type: connectors.TypeArray, Items: connectors.Int32Schema}, []any{int32(1), int32(2), int32(3)},
			`{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]}`},
		{"mapToJsonStringKeys", nil, &connectors.Schema{Type: connectors.TypeMap, Keys: connectors.StringSchema, Values: connectors.Int32Schema},
			map[any]any{"key2": int32(15), "key1": int32(12)},
			`{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"key1":12,"key2":15}}`},
		{"mapToJsonNonStringKeys", nil, &connectors.Schema{Type: connectors.TypeMap, Keys: connectors.Int32Schema, Values: connectors.Int32Schema},
			map[any]any{int32(2): int32(15), int32(1): int32(12)},
			`{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":[[1,12],[2,15]]}`},
		{"structToJson", nil, structSchema, &connectors.Struct{Schema: structSchema, Values: []any{true, "string", nil}},
			`{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"},{"type":"string","optional":true,"default":"dflt","field":"field3"}],"optional":false},"payload":{"field1":true,"field2":"string","field3":"dflt"}}`},
		{"structToJson keep null", map[string]string{"replace.null.with.default": "false"}, structSchema, &connectors.Struct{Schema: structSchema, Values: []any{true, "string", nil}},
			`{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"},{"type":"string","optional":true,"default":"dflt","field":"field3"}],"optional":false},"payload":{"field1":true,"field2":"string","field3":null}}`},
		{"decimalToJson", nil, connectors.DecimalSchema(2), big.NewRat(156, 100),
			`{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}`},
		{"decimalToNumericJson", map[string]string{"decimal.format": "numeric"}, connectors.DecimalSchema(2), big.NewRat(156, 100),
			`{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":1.56}`},
		{"decimal negative", nil, connectors.DecimalSchema(0), big.NewRat(-129, 1),
			`{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"0"}},"payload":"/38="}`},
		{"dateToJson", nil, connectors.DateSchema, time.UnixMilli(10000 * millisPerDay).UTC(),
			`{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10000}`},
		{"timeToJson", nil, connectors.TimeSchema, time.UnixMilli(14400000).UTC(),
			`{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":14400000}`},
		{"timestampToJson", nil, connectors.TimestampSchema, time.UnixMilli(4000000000).UTC(),
			`{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":4000000000}`},
		{"nullSchemaAndPrimitiveToJson", nil, nil, true, `{"schema":null,"payload":true}`},
		{"nullSchemaAndMapToJson", nil, nil, map[string]any{"b": int64(2), "a": []any{1.5, nil, "x"}},
			`{"schema":null,"payload":{"a":[1.5,null,"x"],"b":2}}`},
		{"nullSchemaAndMapNonStringKeysToJson", nil, nil, map[any]any{"a": int32(1), int64(2): true},
			`{"schema":null,"payload":[["a",1],[2,true]]}`},
		{"tombstone", nil, nil, nil, "<nil>"},
		{"optional null", nil, optInt, nil, `{"schema":{"type":"int32","optional":true},"payload":null}`},
		{"required null with default", nil, withDefault, nil, `{"schema":{"type":"int32","optional":false,"default":42},"payload":42}`},
		{"schemas disabled", map[string]string{"schemas.enable": "false"}, connectors.StringSchema, "hello", `"hello"`},
		{"schemas disabled optional null", map[string]string{"schemas.enable": "false"}, optInt, nil, `null`},
		{"schemas disabled tombstone", map[string]string{"schemas.enable": "false"}, nil, nil, "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newJSON(t, tt.props)
			got, err := c.FromConnectData("topic", tt.schema, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			gotS := string(got)
			if got == nil {
				gotS = "<nil>"
			}
			if gotS != tt.want {
				t.Errorf("\n got %s\nwant %s", gotS, tt.want)
			}
			if again, _ := c.FromConnectData("topic", tt.schema, tt.value); string(again) != string(got) {
				t.Errorf("cached schema changed the bytes: %s", again)
			}
		})
	}
}

func TestJSONFromConnectDataErrors(t *testing.T) {
	other := &connectors.Schema{Type: connectors.TypeStruct, Fields: []connectors.Field{{Name: "id", Schema: connectors.Int64Schema}}}
	tests := []struct {
		name   string
		schema *connectors.Schema
		value  any
		want   string
	}{
		{"required null", connectors.StringSchema, nil, msgRequiredNull},
		{"wrong type", connectors.Int32Schema, "x", "Invalid type for INT32: string"},
		{"mismatching struct", pointSchema, &connectors.Struct{Schema: other, Values: []any{int64(1)}}, "Mismatching schema."},
		{"decimal scale", connectors.DecimalSchema(1), big.NewRat(1, 100), msgScale},
		{"decimal type", connectors.DecimalSchema(1), 1.5, "Invalid type for Decimal, expected BigDecimal but was float64"},
		{"date with time", connectors.DateSchema, time.UnixMilli(5).UTC(), "Kafka Connect Date type should not have any time fields set to non-zero values."},
		{"schemaless unknown", nil, struct{}{}, "Java class struct {} does not have corresponding schema type."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newJSON(t, nil).FromConnectData("topic", tt.schema, tt.value)
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrData) {
				t.Errorf("err = %v, want %q wrapping ErrData", err, tt.want)
			}
		})
	}
}

// Vectors from Kafka's JsonConverterTest (…ToConnect methods named per row).
func TestJSONToConnectData(t *testing.T) {
	decimal2 := connectors.DecimalSchema(2)
	tests := []struct {
		name       string
		props      map[string]string
		in         string
		wantSchema *connectors.Schema
		wantValue  any
	}{
		{"booleanToConnect", nil, `{ "schema": { "type": "boolean" }, "payload": true }`, connectors.BooleanSchema, true},
		{"byteToConnect", nil, `{ "schema": { "type": "int8" }, "payload": 12 }`, &connectors.Schema{Type: connectors.TypeInt8}, int8(12)},
		{"shortToConnect", nil, `{ "schema": { "type": "int16" }, "payload": 12 }`, &connectors.Schema{Type: connectors.TypeInt16}, int16(12)},
		{"intToConnect", nil, `{ "schema": { "type": "int32" }, "payload": 12 }`, connectors.Int32Schema, int32(12)},
		{"longToConnect", nil, `{ "schema": { "type": "int64" }, "payload": 4398046511104 }`, connectors.Int64Schema, int64(4398046511104)},
		{"floatToConnect", nil, `{ "schema": { "type": "float" }, "payload": 12.34 }`, &connectors.Schema{Type: connectors.TypeFloat32}, float32(12.34)},
		{"doubleToConnect", nil, `{ "schema": { "type": "double" }, "payload": 12.34 }`, &connectors.Schema{Type: connectors.TypeFloat64}, 12.34},
		{"bytesToConnect", nil, `{ "schema": { "type": "bytes" }, "payload": "dGVzdC1zdHJpbmc=" }`, connectors.BytesSchema, []byte("test-string")},
		{"stringToConnect", nil, `{ "schema": { "type": "string" }, "payload": "foo-bar-baz" }`, connectors.StringSchema, "foo-bar-baz"},
		{"arrayToConnect", nil, `{ "schema": { "type": "array", "items": { "type" : "int32" } }, "payload": [1, 2, 3] }`,
			&connectors.Schema{Type: connectors.TypeArray, Items: connectors.Int32Schema}, []any{int32(1), int32(2), int32(3)}},
		{"mapToConnectStringKeys", nil, `{ "schema": { "type": "map", "keys": { "type" : "string" }, "values": { "type" : "int32" } }, "payload": { "key1": 12, "key2": 15} }`,
			&connectors.Schema{Type: connectors.TypeMap, Keys: connectors.StringSchema, Values: connectors.Int32Schema},
			map[any]any{"key1": int32(12), "key2": int32(15)}},
		{"mapToConnectNonStringKeys", nil, `{ "schema": { "type": "map", "keys": { "type" : "int32" }, "values": { "type" : "int32" } }, "payload": [ [1, 12], [2, 15] ] }`,
			&connectors.Schema{Type: connectors.TypeMap, Keys: connectors.Int32Schema, Values: connectors.Int32Schema},
			map[any]any{int32(1): int32(12), int32(2): int32(15)}},
		{"testConnectSchemaMetadataTranslation", nil,
			`{ "schema": { "type": "boolean", "optional": true, "name": "bool", "version": 2, "doc": "the documentation", "parameters": { "foo": "bar" }}, "payload": true }`,
			&connectors.Schema{Type: connectors.TypeBoolean, Optional: true, Name: "bool", Version: 2, Doc: "the documentation", Parameters: map[string]string{"foo": "bar"}}, true},
		{"decimalToConnect", nil,
			`{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": "AJw=" }`,
			decimal2, big.NewRat(156, 100)},
		{"decimalToConnectWithNumeric", nil,
			`{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": 1.56 }`,
			decimal2, big.NewRat(156, 100)},
		{"dateToConnect", nil, `{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1 }, "payload": 10000 }`,
			connectors.DateSchema, time.UnixMilli(10000 * millisPerDay).UTC()},
		{"timeToConnect", nil, `{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1 }, "payload": 14400000 }`,
			connectors.TimeSchema, time.UnixMilli(14400000).UTC()},
		{"timestampToConnect", nil, `{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1 }, "payload": 4000000000 }`,
			connectors.TimestampSchema, time.UnixMilli(4000000000).UTC()},
		{"nullToConnect optional", nil, `{ "schema": { "type": "int32", "optional": true }, "payload": null }`,
			&connectors.Schema{Type: connectors.TypeInt32, Optional: true}, nil},
		{"default replaces null", nil, `{ "schema": { "type": "int32", "default": 7 }, "payload": null }`,
			&connectors.Schema{Type: connectors.TypeInt32, Default: int32(7)}, int32(7)},
		{"schemaless envelope", nil, `{"schema":null,"payload":{"a":[1,2.5,"x",null,true]}}`, nil,
			map[string]any{"a": []any{int64(1), 2.5, "x", nil, true}}},
		{"schemas disabled", map[string]string{"schemas.enable": "false"}, `{"a":{"b":12345678901234},"c":1e2}`, nil,
			map[string]any{"a": map[string]any{"b": int64(12345678901234)}, "c": 100.0}},
		{"emptyBytesToConnect", map[string]string{"schemas.enable": "false"}, ``, nil, nil},
		{"schemas disabled envelope-looking", map[string]string{"schemas.enable": "false"}, `{"schema":null,"payload":1}`, nil,
			map[string]any{"schema": nil, "payload": int64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, v, err := newJSON(t, tt.props).ToConnectData("topic", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s, tt.wantSchema) {
				t.Errorf("schema = %+v, want %+v", s, tt.wantSchema)
			}
			if r, ok := tt.wantValue.(*big.Rat); ok {
				if g, ok := v.(*big.Rat); !ok || g.Cmp(r) != 0 {
					t.Errorf("value = %v, want %v", v, r)
				}
				return
			}
			if !reflect.DeepEqual(v, tt.wantValue) {
				t.Errorf("value = %#v, want %#v", v, tt.wantValue)
			}
		})
	}
}

func TestJSONToConnectStruct(t *testing.T) {
	// JsonConverterTest.structToConnect
	in := `{ "schema": { "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }, { "field": "field2", "type": "string" }] }, "payload": { "field1": true, "field2": "string" } }`
	s, v, err := newJSON(t, nil).ToConnectData("topic", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	st, ok := v.(*connectors.Struct)
	if !ok || st.Schema != s || !reflect.DeepEqual(st.Values, []any{true, "string"}) {
		t.Fatalf("value %#v", v)
	}
	if len(s.Fields) != 2 || s.Fields[1].Name != "field2" || s.Fields[1].Schema.Type != connectors.TypeString {
		t.Errorf("schema %+v", s)
	}
}

func TestJSONToConnectDataErrors(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		in    string
		want  string
	}{
		{"not an object", nil, `[1]`, msgEnvelope},
		{"no payload", nil, `{"schema":null}`, msgEnvelope},
		{"extra field", nil, `{"schema":null,"payload":1,"x":2}`, msgEnvelope},
		{"plain json", nil, `{"a":1,"b":2}`, msgEnvelope},
		{"empty", nil, ``, msgEnvelope},
		{"no type", nil, `{"schema":{},"payload":1}`, "Schema must contain 'type' field"},
		{"unknown type", nil, `{"schema":{"type":"uuid"},"payload":1}`, "Unknown schema type: uuid"},
		{"array items", nil, `{"schema":{"type":"array"},"payload":[]}`, "Array schema did not specify the element type"},
		{"map keys", nil, `{"schema":{"type":"map","values":{"type":"int32"}},"payload":{}}`, "Map schema did not specify the key type"},
		{"struct fields", nil, `{"schema":{"type":"struct","fields":{}},"payload":{}}`, `Struct schema's "fields" argument is not an array.`},
		{"field name", nil, `{"schema":{"type":"struct","fields":[{"type":"int32"}]},"payload":{}}`, "Struct schema's field name not specified properly"},
		{"required null", nil, `{"schema":{"type":"int32"},"payload":null}`, "Invalid null value for required INT32 field"},
		{"missing field", nil, `{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"}]},"payload":{}}`, "Invalid null value for required INT32 field"},
		{"struct not object", nil, `{"schema":{"type":"struct","fields":[]},"payload":[]}`, "Structs should be encoded as JSON objects, but found ARRAY"},
		{"map not array", nil, `{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":{}}`,
			"Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT"},
		{"map entry", nil, `{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":[[1]]}`,
			"Found invalid map entry, expected length 2 but found :1"},
		{"params", nil, `{"schema":{"type":"int32","parameters":{"a":1}},"payload":1}`, "Schema parameters must have string values."},
		{"date type", nil, `{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Date"},"payload":"x"}`,
			"Invalid type for Date, underlying representation should be integer but was STRING"},
		{"time range", nil, `{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time"},"payload":-1}`,
			"Time values must use number of milliseconds greater than 0 and less than 86400000"},
		{"decimal scale", nil, `{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal"},"payload":"AA=="}`,
			"Invalid Decimal schema: scale parameter not found."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := newJSON(t, tt.props).ToConnectData("topic", []byte(tt.in))
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrData) {
				t.Errorf("err = %v, want %q wrapping ErrData", err, tt.want)
			}
		})
	}
	_, _, err := newJSON(t, nil).ToConnectData("topic", []byte(`{"schema":`))
	if !errors.Is(err, ErrData) || err.Error()[:len(msgDeserialize)] != msgDeserialize {
		t.Errorf("malformed: %v", err)
	}
}

func TestJSONTombstone(t *testing.T) {
	for _, props := range []map[string]string{nil, {"schemas.enable": "false"}} {
		s, v, err := newJSON(t, props).ToConnectData("topic", nil)
		if s != nil || v != nil || err != nil {
			t.Errorf("%v: %v %v %v", props, s, v, err)
		}
	}
}

func TestJSONConfigure(t *testing.T) {
	c := &JSONConverter{}
	err := c.Configure(map[string]string{"decimal.format": "hex"}, true)
	want := "configure JsonConverter: Invalid value hex for configuration decimal.format: String must be one of (case insensitive): BASE64, NUMERIC"
	if err == nil || err.Error() != want || !errors.Is(err, connectors.ErrInvalidConfig) {
		t.Errorf("err = %v", err)
	}
	got := c.Config().Infos()
	if len(got) != 4 || got[0].Name != "schemas.enable" || *got[0].Group != "Schemas" || *got[2].Group != "Serialization" || got[2].Order != 1 {
		t.Errorf("infos %+v", got)
	}
}

// Round trip through both directions keeps the data (JsonConverterTest's round-trip tests).
func TestJSONRoundTrip(t *testing.T) {
	nested := &connectors.Schema{Type: connectors.TypeStruct, Name: "n", Fields: []connectors.Field{
		{Name: "m", Schema: &connectors.Schema{Type: connectors.TypeMap, Keys: connectors.Int64Schema,
			Values: &connectors.Schema{Type: connectors.TypeArray, Items: connectors.OptionalStringSchema}}},
		{Name: "d", Schema: connectors.DecimalSchema(3)},
		{Name: "b", Schema: connectors.OptionalBytesSchema},
	}}
	value := &connectors.Struct{Schema: nested, Values: []any{
		map[any]any{int64(-1): []any{"a", nil}, int64(7): []any{}},
		big.NewRat(-12345, 1000),
		[]byte{0, 1, 2, 0xff},
	}}
	for _, format := range []string{"BASE64", "NUMERIC"} {
		c := newJSON(t, map[string]string{"decimal.format": format})
		b, err := c.FromConnectData("t", nested, value)
		if err != nil {
			t.Fatal(err)
		}
		s, v, err := c.ToConnectData("t", b)
		if err != nil {
			t.Fatal(err)
		}
		again, err := c.FromConnectData("t", s, v)
		if err != nil || string(again) != string(b) {
			t.Errorf("%s: round trip\n got %s (%v)\nwant %s", format, again, err, b)
		}
	}
}
