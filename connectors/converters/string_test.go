package converters

import (
	"errors"
	"math/big"
	"reflect"
	"testing"

	"github.com/connectd/connectd/connectors"
)

// Ports StringConverterTest (testStringToBytes, testNonStringToBytes, testNullToBytes,
// testBytesToString, testBytesNullToString, testStringToBytesNonDefaultEncoding,
// testBytesToStringNonDefaultEncoding).
func TestStringConverter(t *testing.T) {
	st := &connectors.Schema{Type: connectors.TypeStruct, Fields: []connectors.Field{{Name: "a", Schema: connectors.Int32Schema}}}
	tests := []struct {
		name     string
		encoding string
		value    any
		want     []byte
	}{
		{"testStringToBytes", "", "foo-bar-baz", []byte("foo-bar-baz")},
		{"testNonStringToBytes", "", true, []byte("true")},
		{"double", "", 1.0, []byte("1.0")},
		{"struct", "", &connectors.Struct{Schema: st, Values: []any{int32(1)}}, []byte("Struct{a=1}")},
		{"decimal", "", big.NewRat(3, 2), []byte("1.5")},
		{"testNullToBytes", "", nil, nil},
		{"utf-16", "UTF-16", "hi", []byte{0xFE, 0xFF, 0, 'h', 0, 'i'}},
		{"utf-16le", "utf-16le", "hi", []byte{'h', 0, 'i', 0}},
		{"latin1", "ISO-8859-1", "é€", []byte{0xE9, '?'}},
		{"ascii", "US-ASCII", "aé", []byte{'a', '?'}},
		{"utf8 alias", "utf8", "é", []byte("é")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &StringConverter{}
			props := map[string]string{}
			if tt.encoding != "" {
				props["converter.encoding"] = tt.encoding
			}
			if err := c.Configure(props, false); err != nil {
				t.Fatal(err)
			}
			got, err := c.FromConnectData("t", connectors.StringSchema, tt.value)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("FromConnectData = %q, %v; want %q", got, err, tt.want)
			}
			if tt.value == nil {
				return
			}
			s, v, err := c.ToConnectData("t", got)
			if err != nil || s != connectors.OptionalStringSchema || v != connectors.JavaString(tt.value) && tt.encoding == "" {
				t.Errorf("ToConnectData = %v, %q, %v", s, v, err)
			}
		})
	}
}

func TestStringConverterDecode(t *testing.T) {
	tests := []struct {
		encoding string
		in       []byte
		want     any
	}{
		{"", nil, nil},
		{"", []byte("héllo"), "héllo"},
		{"", []byte{'a', 0xff}, "a\uFFFD"},
		{"UTF-16", []byte{0xFF, 0xFE, 'h', 0}, "h"},
		{"UTF-16", []byte{0, 'h'}, "h"},
		{"UTF-16BE", []byte{0, 'h', 0}, "h\uFFFD"},
		{"ISO-8859-1", []byte{0xE9}, "é"},
		{"US-ASCII", []byte{'a', 0xE9}, "a\uFFFD"},
	}
	for _, tt := range tests {
		c := &StringConverter{}
		if err := c.Configure(map[string]string{"converter.encoding": tt.encoding}, true); tt.encoding != "" && err != nil {
			t.Fatal(err)
		}
		if tt.encoding == "" {
			c = &StringConverter{} // the zero value is UTF-8
		}
		s, v, err := c.ToConnectData("t", tt.in)
		if err != nil || s != connectors.OptionalStringSchema || v != tt.want {
			t.Errorf("%s %q: %v %q %v; want %q", tt.encoding, tt.in, s, v, err, tt.want)
		}
	}
}

func TestStringConverterBadEncoding(t *testing.T) {
	if err := (&StringConverter{}).Configure(map[string]string{"converter.encoding": "EBCDIC"}, false); err == nil {
		t.Error("EBCDIC accepted")
	}
	if got := (&StringConverter{}).Config().Infos(); got[0].DefaultValue == nil || *got[0].DefaultValue != "UTF-8" || got[0].Order != -1 {
		t.Errorf("infos %+v", got)
	}
}

// Ports ByteArrayConverterTest.
func TestByteArrayConverter(t *testing.T) {
	c := &ByteArrayConverter{}
	if err := c.Configure(nil, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		schema  *connectors.Schema
		value   any
		want    []byte
		wantErr string
	}{
		{"testFromConnect", connectors.BytesSchema, []byte{1, 2}, []byte{1, 2}, ""},
		{"testFromConnectSchemaless", nil, []byte{1, 2}, []byte{1, 2}, ""},
		{"testFromConnectNull", connectors.BytesSchema, nil, nil, ""},
		{"testFromConnectBadSchema", connectors.Int32Schema, []byte{1}, nil, "Invalid schema type for ByteArrayConverter: INT32"},
		{"testFromConnectInvalidValue", connectors.BytesSchema, 12, nil, "ByteArrayConverter is not compatible with objects of type int"},
	}
	for _, tt := range tests {
		got, err := c.FromConnectData("t", tt.schema, tt.value)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrData) {
				t.Errorf("%s: err = %v", tt.name, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v %v", tt.name, got, err)
		}
	}
	s, v, err := c.ToConnectData("t", []byte{9})
	if s != connectors.OptionalBytesSchema || !reflect.DeepEqual(v, []byte{9}) || err != nil {
		t.Errorf("testToConnect: %v %v %v", s, v, err)
	}
	if _, v, _ := c.ToConnectData("t", nil); v != nil {
		t.Errorf("testToConnectNull: %#v", v)
	}
}

func TestRegister(t *testing.T) {
	var r connectors.Registry
	Register(&r)
	for _, name := range []string{"JsonConverter", "Json", "String", "StringConverter", ByteArrayClass, "ByteArray"} {
		if _, err := r.NewConverter(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
