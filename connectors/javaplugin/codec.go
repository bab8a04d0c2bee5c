package javaplugin

import (
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

// Connect data crosses the boundary as the protocol's Schema and Value. Go's values follow
// connectors.Schema's table; logical values travel as themselves (a Decimal as unscaled bytes and
// a scale, Date/Time/Timestamp as epoch milliseconds), so each side rebuilds its own types
// whatever the schema says.

var schemaTypes = map[connectors.SchemaType]pb.SchemaType{
	connectors.TypeInt8: pb.SchemaType_SCHEMA_TYPE_INT8, connectors.TypeInt16: pb.SchemaType_SCHEMA_TYPE_INT16,
	connectors.TypeInt32: pb.SchemaType_SCHEMA_TYPE_INT32, connectors.TypeInt64: pb.SchemaType_SCHEMA_TYPE_INT64,
	connectors.TypeFloat32: pb.SchemaType_SCHEMA_TYPE_FLOAT32, connectors.TypeFloat64: pb.SchemaType_SCHEMA_TYPE_FLOAT64,
	connectors.TypeBoolean: pb.SchemaType_SCHEMA_TYPE_BOOLEAN, connectors.TypeString: pb.SchemaType_SCHEMA_TYPE_STRING,
	connectors.TypeBytes: pb.SchemaType_SCHEMA_TYPE_BYTES, connectors.TypeArray: pb.SchemaType_SCHEMA_TYPE_ARRAY,
	connectors.TypeMap: pb.SchemaType_SCHEMA_TYPE_MAP, connectors.TypeStruct: pb.SchemaType_SCHEMA_TYPE_STRUCT,
}

var goTypes = func() map[pb.SchemaType]connectors.SchemaType {
	m := map[pb.SchemaType]connectors.SchemaType{}
	for g, p := range schemaTypes {
		m[p] = g
	}
	return m
}()

// schemaTable collects the distinct schemas of one batch; records name them by index + 1.
// Identity is the test: a connector or converter reuses one *Schema for its records.
type schemaTable struct {
	index   map[*connectors.Schema]uint32
	schemas []*pb.Schema
}

func (t *schemaTable) ref(s *connectors.Schema) (uint32, error) {
	if s == nil {
		return 0, nil
	}
	if i, ok := t.index[s]; ok {
		return i, nil
	}
	p, err := schemaToProto(s)
	if err != nil {
		return 0, err
	}
	if t.index == nil {
		t.index = map[*connectors.Schema]uint32{}
	}
	t.schemas = append(t.schemas, p)
	t.index[s] = uint32(len(t.schemas))
	return t.index[s], nil
}

func schemaToProto(s *connectors.Schema) (*pb.Schema, error) {
	t, ok := schemaTypes[s.Type]
	if !ok {
		return nil, fmt.Errorf("schema of unknown type %q", s.Type)
	}
	out := &pb.Schema{Type: t, Optional: s.Optional, Name: s.Name, Doc: s.Doc, Parameters: s.Parameters}
	if s.Version != 0 {
		v := int32(s.Version)
		out.Version = &v
	}
	var err error
	if s.Default != nil {
		if out.DefaultValue, err = valueToProto(s.Default, s); err != nil {
			return nil, fmt.Errorf("default of schema %q: %w", s.Name, err)
		}
	}
	for _, f := range s.Fields {
		fs, err := schemaToProto(f.Schema)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		out.Fields = append(out.Fields, &pb.Field{Name: f.Name, Schema: fs})
	}
	switch s.Type {
	case connectors.TypeArray:
		if s.Items == nil {
			return nil, fmt.Errorf("array schema without items")
		}
		out.ValueSchema, err = schemaToProto(s.Items)
	case connectors.TypeMap:
		if s.Keys == nil || s.Values == nil {
			return nil, fmt.Errorf("map schema without key or value schema")
		}
		if out.KeySchema, err = schemaToProto(s.Keys); err == nil {
			out.ValueSchema, err = schemaToProto(s.Values)
		}
	}
	return out, err
}

// schemasFromProto decodes a batch's schema table.
func schemasFromProto(table []*pb.Schema) ([]*connectors.Schema, error) {
	out := make([]*connectors.Schema, len(table))
	for i, s := range table {
		var err error
		if out[i], err = schemaFromProto(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func lookupSchema(table []*connectors.Schema, ref uint32) (*connectors.Schema, error) {
	if ref == 0 {
		return nil, nil
	}
	if int(ref) > len(table) {
		return nil, fmt.Errorf("schema reference %d beyond the batch's %d schemas", ref, len(table))
	}
	return table[ref-1], nil
}

func schemaFromProto(s *pb.Schema) (*connectors.Schema, error) {
	if s == nil {
		return nil, fmt.Errorf("missing schema")
	}
	t, ok := goTypes[s.GetType()]
	if !ok {
		return nil, fmt.Errorf("schema of unknown type %v", s.GetType())
	}
	out := &connectors.Schema{Type: t, Optional: s.GetOptional(), Name: s.GetName(), Version: int(s.GetVersion()),
		Doc: s.GetDoc(), Parameters: s.GetParameters()}
	for _, f := range s.GetFields() {
		fs, err := schemaFromProto(f.GetSchema())
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.GetName(), err)
		}
		out.Fields = append(out.Fields, connectors.Field{Name: f.GetName(), Schema: fs})
	}
	var err error
	switch t {
	case connectors.TypeArray:
		out.Items, err = schemaFromProto(s.GetValueSchema())
	case connectors.TypeMap:
		if out.Keys, err = schemaFromProto(s.GetKeySchema()); err == nil {
			out.Values, err = schemaFromProto(s.GetValueSchema())
		}
	}
	if err != nil {
		return nil, err
	}
	if s.DefaultValue != nil {
		if out.Default, err = valueFromProto(s.DefaultValue, out); err != nil {
			return nil, fmt.Errorf("default of schema %q: %w", s.GetName(), err)
		}
	}
	return out, nil
}

// valueToProto encodes a Go Connect value; schema (nil: schemaless) gives a Decimal its scale.
func valueToProto(v any, schema *connectors.Schema) (*pb.Value, error) {
	switch x := v.(type) {
	case nil:
		return &pb.Value{}, nil
	case bool:
		return &pb.Value{Kind: &pb.Value_BoolValue{BoolValue: x}}, nil
	case int8:
		return &pb.Value{Kind: &pb.Value_Int8Value{Int8Value: int32(x)}}, nil
	case int16:
		return &pb.Value{Kind: &pb.Value_Int16Value{Int16Value: int32(x)}}, nil
	case int32:
		return &pb.Value{Kind: &pb.Value_Int32Value{Int32Value: x}}, nil
	case int64:
		return &pb.Value{Kind: &pb.Value_Int64Value{Int64Value: x}}, nil
	case int:
		return &pb.Value{Kind: &pb.Value_Int64Value{Int64Value: int64(x)}}, nil
	case float32:
		return &pb.Value{Kind: &pb.Value_Float32Value{Float32Value: x}}, nil
	case float64:
		return &pb.Value{Kind: &pb.Value_Float64Value{Float64Value: x}}, nil
	case string:
		return &pb.Value{Kind: &pb.Value_StringValue{StringValue: x}}, nil
	case []byte:
		return &pb.Value{Kind: &pb.Value_BytesValue{BytesValue: x}}, nil
	case time.Time:
		return &pb.Value{Kind: &pb.Value_DateValue{DateValue: x.UnixMilli()}}, nil
	case *big.Rat:
		d, err := decimalToProto(x, schema)
		if err != nil {
			return nil, err
		}
		return &pb.Value{Kind: &pb.Value_DecimalValue{DecimalValue: d}}, nil
	case *connectors.Struct:
		sv := &pb.StructValue{Values: make([]*pb.Value, len(x.Schema.Fields))}
		for i, f := range x.Schema.Fields {
			var fv any
			if i < len(x.Values) {
				fv = x.Values[i]
			}
			var err error
			if sv.Values[i], err = valueToProto(fv, f.Schema); err != nil {
				return nil, fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		return &pb.Value{Kind: &pb.Value_StructValue{StructValue: sv}}, nil
	case []any:
		var items *connectors.Schema
		if schema != nil {
			items = schema.Items
		}
		lv := &pb.ListValue{Items: make([]*pb.Value, len(x))}
		for i, item := range x {
			var err error
			if lv.Items[i], err = valueToProto(item, items); err != nil {
				return nil, err
			}
		}
		return &pb.Value{Kind: &pb.Value_ArrayValue{ArrayValue: lv}}, nil
	case map[string]any:
		var vs *connectors.Schema
		if schema != nil {
			vs = schema.Values
		}
		mv := &pb.MapValue{}
		for k, item := range x {
			iv, err := valueToProto(item, vs)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			mv.Keys = append(mv.Keys, &pb.Value{Kind: &pb.Value_StringValue{StringValue: k}})
			mv.Values = append(mv.Values, iv)
		}
		return &pb.Value{Kind: &pb.Value_MapValue{MapValue: mv}}, nil
	case map[any]any:
		var ks, vs *connectors.Schema
		if schema != nil {
			ks, vs = schema.Keys, schema.Values
		}
		mv := &pb.MapValue{}
		for k, item := range x {
			kv, err := valueToProto(k, ks)
			if err != nil {
				return nil, err
			}
			iv, err := valueToProto(item, vs)
			if err != nil {
				return nil, err
			}
			mv.Keys = append(mv.Keys, kv)
			mv.Values = append(mv.Values, iv)
		}
		return &pb.Value{Kind: &pb.Value_MapValue{MapValue: mv}}, nil
	}
	return nil, fmt.Errorf("a Connect value cannot be a %T", v)
}

// decimalToProto writes r at the scale its schema names, or, schemaless, at the smallest scale
// that holds it exactly.
func decimalToProto(r *big.Rat, schema *connectors.Schema) (*pb.Decimal, error) {
	scale := -1
	if schema != nil && schema.Parameters[connectors.DecimalScale] != "" {
		s, err := strconv.Atoi(schema.Parameters[connectors.DecimalScale])
		if err != nil {
			return nil, fmt.Errorf("decimal scale %q: %w", schema.Parameters[connectors.DecimalScale], err)
		}
		scale = s
	}
	if scale < 0 {
		for scale = 0; scale <= 1000; scale++ {
			if new(big.Int).Mod(new(big.Int).Mul(pow10(scale), r.Num()), r.Denom()).Sign() == 0 {
				break
			}
		}
	}
	scaled := new(big.Int).Mul(r.Num(), pow10(scale))
	rem := new(big.Int)
	scaled.QuoRem(scaled, r.Denom(), rem)
	if rem.Sign() != 0 {
		return nil, fmt.Errorf("decimal %s does not fit scale %d", r.RatString(), scale)
	}
	return &pb.Decimal{Unscaled: twosComplement(scaled), Scale: int32(scale)}, nil
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// twosComplement is Java's BigInteger.toByteArray: big-endian, minimal, sign in the top bit.
func twosComplement(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -x - 1, bits inverted.
	m := new(big.Int).Sub(new(big.Int).Neg(x), big.NewInt(1))
	b := m.Bytes()
	for i := range b {
		b[i] = ^b[i]
	}
	if len(b) == 0 || b[0]&0x80 == 0 {
		b = append([]byte{0xff}, b...)
	}
	return b
}

func fromTwosComplement(b []byte) *big.Int {
	x := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x
}

// valueFromProto decodes a value; schema (nil: schemaless) gives structs their schema and maps
// their Go type (map[any]any with a schema, map[string]any schemaless with string keys).
func valueFromProto(v *pb.Value, schema *connectors.Schema) (any, error) {
	switch k := v.GetKind().(type) {
	case nil:
		return nil, nil
	case *pb.Value_BoolValue:
		return k.BoolValue, nil
	case *pb.Value_Int8Value:
		return int8(k.Int8Value), nil
	case *pb.Value_Int16Value:
		return int16(k.Int16Value), nil
	case *pb.Value_Int32Value:
		return k.Int32Value, nil
	case *pb.Value_Int64Value:
		return k.Int64Value, nil
	case *pb.Value_Float32Value:
		return k.Float32Value, nil
	case *pb.Value_Float64Value:
		return k.Float64Value, nil
	case *pb.Value_StringValue:
		return k.StringValue, nil
	case *pb.Value_BytesValue:
		return k.BytesValue, nil
	case *pb.Value_DateValue:
		return time.UnixMilli(k.DateValue).UTC(), nil
	case *pb.Value_DecimalValue:
		d := k.DecimalValue
		r := new(big.Rat).SetInt(fromTwosComplement(d.GetUnscaled()))
		if d.GetScale() >= 0 {
			r.Quo(r, new(big.Rat).SetInt(pow10(int(d.GetScale()))))
		} else {
			r.Mul(r, new(big.Rat).SetInt(pow10(int(-d.GetScale()))))
		}
		return r, nil
	case *pb.Value_ArrayValue:
		var items *connectors.Schema
		if schema != nil {
			items = schema.Items
		}
		out := make([]any, len(k.ArrayValue.GetItems()))
		for i, item := range k.ArrayValue.GetItems() {
			var err error
			if out[i], err = valueFromProto(item, items); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *pb.Value_MapValue:
		keys, values := k.MapValue.GetKeys(), k.MapValue.GetValues()
		if len(keys) != len(values) {
			return nil, fmt.Errorf("map with %d keys and %d values", len(keys), len(values))
		}
		if schema == nil {
			if m, ok := stringMap(keys, values); ok {
				return m, nil
			}
		}
		var ks, vs *connectors.Schema
		if schema != nil {
			ks, vs = schema.Keys, schema.Values
		}
		out := make(map[any]any, len(keys))
		for i := range keys {
			kv, err := valueFromProto(keys[i], ks)
			if err != nil {
				return nil, err
			}
			iv, err := valueFromProto(values[i], vs)
			if err != nil {
				return nil, err
			}
			switch kv.(type) {
			case []byte, []any, map[any]any, map[string]any:
				return nil, fmt.Errorf("map key of type %T cannot key a Go map", kv)
			}
			out[kv] = iv
		}
		return out, nil
	case *pb.Value_StructValue:
		if schema == nil || schema.Type != connectors.TypeStruct {
			return nil, fmt.Errorf("a struct value needs a struct schema")
		}
		vals := k.StructValue.GetValues()
		if len(vals) != len(schema.Fields) {
			return nil, fmt.Errorf("struct with %d values for %d fields", len(vals), len(schema.Fields))
		}
		out := &connectors.Struct{Schema: schema, Values: make([]any, len(vals))}
		for i, f := range schema.Fields {
			var err error
			if out.Values[i], err = valueFromProto(vals[i], f.Schema); err != nil {
				return nil, fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("value of unknown kind %T", v.GetKind())
}

// stringMap decodes a schemaless map whose keys are all strings as map[string]any.
func stringMap(keys, values []*pb.Value) (map[string]any, bool) {
	out := make(map[string]any, len(keys))
	for i, k := range keys {
		s, ok := k.GetKind().(*pb.Value_StringValue)
		if !ok {
			return nil, false
		}
		v, err := valueFromProto(values[i], nil)
		if err != nil {
			return nil, false
		}
		out[s.StringValue] = v
	}
	return out, true
}

// mapFromProto decodes a source partition or offset: a map with string keys, or nil.
func mapFromProto(v *pb.Value) (map[string]any, error) {
	x, err := valueFromProto(v, nil)
	if err != nil || x == nil {
		return nil, err
	}
	m, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a map with string keys, got %T", x)
	}
	return m, nil
}
