package javaplugin

import (
	"bytes"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
)

func TestTwosComplementIsJavasBigIntegerBytes(t *testing.T) {
	tests := []struct {
		x    int64
		want []byte // new BigInteger(x).toByteArray()
	}{
		{0, []byte{0}},
		{1, []byte{1}},
		{127, []byte{0x7f}},
		{128, []byte{0x00, 0x80}},
		{-1, []byte{0xff}},
		{-128, []byte{0x80}},
		{-129, []byte{0xff, 0x7f}},
		{-1234, []byte{0xfb, 0x2e}},
	}
	for _, tt := range tests {
		got := twosComplement(big.NewInt(tt.x))
		if !bytes.Equal(got, tt.want) {
			t.Errorf("twosComplement(%d) = %x, want %x", tt.x, got, tt.want)
		}
		if back := fromTwosComplement(got); back.Int64() != tt.x {
			t.Errorf("fromTwosComplement(%x) = %v, want %d", got, back, tt.x)
		}
	}
}

func TestValueRoundTrip(t *testing.T) {
	inner := &connectors.Schema{Type: connectors.TypeStruct, Fields: []connectors.Field{{Name: "n", Schema: &connectors.Schema{Type: connectors.TypeInt16}}}}
	s := &connectors.Schema{Type: connectors.TypeStruct, Name: "Order", Version: 2, Optional: true, Parameters: map[string]string{"p": "v"},
		Fields: []connectors.Field{
			{Name: "price", Schema: connectors.DecimalSchema(2)},
			{Name: "day", Schema: connectors.DateSchema},
			{Name: "list", Schema: &connectors.Schema{Type: connectors.TypeArray, Items: inner}},
			{Name: "map", Schema: &connectors.Schema{Type: connectors.TypeMap, Keys: connectors.Int32Schema, Values: connectors.OptionalStringSchema}},
			{Name: "raw", Schema: connectors.OptionalBytesSchema},
			{Name: "none", Schema: &connectors.Schema{Type: connectors.TypeString, Optional: true, Default: "d"}},
		}}
	v := &connectors.Struct{Schema: s, Values: []any{
		big.NewRat(-1234, 100),
		time.Date(2022, 1, 8, 0, 0, 0, 0, time.UTC),
		[]any{&connectors.Struct{Schema: inner, Values: []any{int16(7)}}},
		map[any]any{int32(1): "one", int32(2): nil},
		[]byte{1, 2},
		nil,
	}}
	var table schemaTable
	ref, err := table.ref(s)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := table.ref(s); again != ref || len(table.schemas) != 1 {
		t.Fatalf("one schema object is one table entry: refs %d, %d; %d entries", ref, again, len(table.schemas))
	}
	schemas, err := schemasFromProto(table.schemas)
	if err != nil {
		t.Fatal(err)
	}
	gotSchema, _ := lookupSchema(schemas, ref)
	if !reflect.DeepEqual(gotSchema, s) {
		t.Fatalf("schema round trip:\n got %+v\nwant %+v", gotSchema, s)
	}
	pv, err := valueToProto(v, s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := valueFromProto(pv, gotSchema)
	if err != nil {
		t.Fatal(err)
	}
	bs := back.(*connectors.Struct)
	if bs.Values[0].(*big.Rat).Cmp(big.NewRat(-1234, 100)) != 0 {
		t.Errorf("decimal = %v", bs.Values[0])
	}
	bs.Values[0], v.Values[0] = nil, nil
	bs.Schema = s
	if !reflect.DeepEqual(bs, v) {
		t.Errorf("value round trip:\n got %#v\nwant %#v", bs, v)
	}
}

func TestSchemalessValues(t *testing.T) {
	m := map[string]any{"i8": int8(1), "i16": int16(2), "i32": int32(3), "i64": int64(4), "f": 1.5, "s": "x",
		"list": []any{"a", nil}, "nested": map[string]any{"k": true}}
	pv, err := valueToProto(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	back, err := valueFromProto(pv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, m) {
		t.Errorf("got %#v, want %#v", back, m)
	}
	// An exact decimal without a schema travels at the smallest scale that holds it.
	d, err := decimalToProto(big.NewRat(1, 8), nil)
	if err != nil || d.GetScale() != 3 || fromTwosComplement(d.GetUnscaled()).Int64() != 125 {
		t.Errorf("1/8 = %v scale %d, %v", d.GetUnscaled(), d.GetScale(), err)
	}
}

func TestBadValuesAreErrors(t *testing.T) {
	if _, err := valueToProto(struct{}{}, nil); err == nil {
		t.Error("a Go struct is no Connect value")
	}
	if _, err := decimalToProto(big.NewRat(1, 3), connectors.DecimalSchema(2)); err == nil {
		t.Error("1/3 does not fit scale 2")
	}
	s := &connectors.Schema{Type: connectors.TypeStruct, Fields: []connectors.Field{{Name: "a", Schema: connectors.Int32Schema}}}
	pv, _ := valueToProto(&connectors.Struct{Schema: s, Values: []any{int32(1)}}, s)
	if _, err := valueFromProto(pv, nil); err == nil {
		t.Error("a struct needs its schema")
	}
	if _, err := lookupSchema(nil, 1); err == nil {
		t.Error("a reference beyond the table")
	}
}
