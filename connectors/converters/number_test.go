package converters

import (
	"math"
	"reflect"
	"testing"

	"github.com/connectd/connectd/connectors"
)

// TestNumberConverters: each of Kafka's fixed-width converters writes the bytes Kafka's
// serializer of its type writes (big-endian, IEEE 754 for floats, 0/1 for booleans), reads them
// back with its optional schema, and serves as a header converter too.
func TestNumberConverters(t *testing.T) {
	r := &connectors.Registry{}
	Register(r)
	tests := []struct {
		class string
		value any
		bytes []byte
		typ   connectors.SchemaType
	}{
		{BooleanClass, true, []byte{1}, connectors.TypeBoolean},
		{BooleanClass, false, []byte{0}, connectors.TypeBoolean},
		{ShortClass, int16(-2), []byte{0xff, 0xfe}, connectors.TypeInt16},
		{IntegerClass, int32(258), []byte{0, 0, 1, 2}, connectors.TypeInt32},
		{LongClass, int64(-1), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, connectors.TypeInt64},
		{FloatClass, float32(1.5), []byte{0x3f, 0xc0, 0, 0}, connectors.TypeFloat32},
		{DoubleClass, math.Pi, []byte{0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18}, connectors.TypeFloat64},
	}
	for _, tt := range tests {
		t.Run(tt.class, func(t *testing.T) {
			c, err := r.NewConverter(tt.class)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Configure(map[string]string{}, false); err != nil {
				t.Fatal(err)
			}
			b, err := c.FromConnectData("t", nil, tt.value)
			if err != nil || !reflect.DeepEqual(b, tt.bytes) {
				t.Fatalf("FromConnectData(%v) = %x, %v; want %x", tt.value, b, err, tt.bytes)
			}
			s, v, err := c.ToConnectData("t", b)
			if err != nil || v != tt.value || s.Type != tt.typ || !s.Optional {
				t.Fatalf("ToConnectData(%x) = %v %v, %v; want optional %s %v", b, s, v, err, tt.typ, tt.value)
			}
			if b, err := c.FromConnectData("t", nil, nil); b != nil || err != nil {
				t.Errorf("null: %x, %v", b, err)
			}
			if _, v, err := c.ToConnectData("t", nil); v != nil || err != nil {
				t.Errorf("null bytes: %v, %v", v, err)
			}
			if _, _, err := c.ToConnectData("t", append(tt.bytes, 0)); err == nil {
				t.Errorf("%d bytes read without error", len(tt.bytes)+1)
			}
			if _, err := c.FromConnectData("t", nil, "text"); err == nil {
				t.Error("a string written without error")
			}
			h, err := r.NewHeaderConverter(tt.class)
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Configure(map[string]string{}); err != nil {
				t.Fatal(err)
			}
			if hb, err := h.FromConnectHeader("t", "h", nil, tt.value); err != nil || !reflect.DeepEqual(hb, tt.bytes) {
				t.Errorf("header: %x, %v", hb, err)
			}
		})
	}
	c, _ := r.NewConverter(BooleanClass)
	if _, _, err := c.ToConnectData("t", []byte{2}); err == nil || err.Error() != "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: 2" {
		t.Errorf("boolean byte 2: %v", err)
	}
	if _, err := c.FromConnectData("t", connectors.Int32Schema, true); err == nil || err.Error() != "Invalid schema type for BooleanConverter: INT32" {
		t.Errorf("boolean with an int32 schema: %v", err)
	}
	if err := c.Configure(map[string]string{"converter.type": "nope"}, false); err == nil {
		t.Error("converter.type=nope accepted")
	}
}
