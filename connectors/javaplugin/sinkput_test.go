package javaplugin

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

// sinkPutToProto is the put batch as the generated code has it: the reference encodeSinkPut is
// held to.
func sinkPutToProto(inst uint64, records []connectors.SinkRecord) (*pb.SinkPut, error) {
	var table schemaTable
	out := &pb.SinkPut{Instance: inst, Records: make([]*pb.SinkRecord, len(records))}
	for i := range records {
		r := &records[i]
		pr := &pb.SinkRecord{Topic: r.Topic, KafkaPartition: r.Partition, KafkaOffset: r.Offset,
			TimestampType: pb.TimestampType_TIMESTAMP_TYPE_NO_TIMESTAMP_TYPE}
		var err error
		if pr.KeySchema, err = table.ref(r.KeySchema); err != nil {
			return nil, err
		}
		if pr.Key, err = valueToProto(r.Key, r.KeySchema); err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		if pr.ValueSchema, err = table.ref(r.ValueSchema); err != nil {
			return nil, err
		}
		if pr.Value, err = valueToProto(r.Value, r.ValueSchema); err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		if !r.Timestamp.IsZero() {
			ts := r.Timestamp.UnixMilli()
			pr.Timestamp = &ts
			pr.TimestampType = pb.TimestampType_TIMESTAMP_TYPE_CREATE_TIME
		}
		for _, h := range r.Headers {
			ref, err := table.ref(h.Schema)
			if err != nil {
				return nil, err
			}
			v, err := valueToProto(h.Value, h.Schema)
			if err != nil {
				return nil, fmt.Errorf("header %q: %w", h.Key, err)
			}
			pr.Headers = append(pr.Headers, &pb.Header{Key: h.Key, Schema: ref, Value: v})
		}
		out.Records[i] = pr
	}
	out.Schemas = table.schemas
	return out, nil
}

// checkEncoding encodes records by hand, with a reused encoder and with a new one, and as the
// generated code does, and requires the same bytes, or an error from both.
func checkEncoding(t *testing.T, e *sinkPutEncoder, inst uint64, records []connectors.SinkRecord) {
	t.Helper()
	ahead := inst%2 == 1 // a batch sent ahead is marked, after its records
	got, err := e.encode(inst, records, ahead)
	fresh, ferr := encodeSinkPut(inst, records, ahead)
	ref, rerr := sinkPutToProto(inst, records)
	var want []byte
	if rerr == nil {
		ref.Ahead = ahead
		want, rerr = marshalNested.Marshal(ref)
	}
	if (err == nil) != (rerr == nil) || (ferr == nil) != (err == nil) {
		t.Fatalf("hand encoding error %v (fresh encoder %v), the generated encoding's %v", err, ferr, rerr)
	}
	if err != nil {
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("hand encoding:\n%x\nthe generated encoding:\n%x", got, want)
	}
	if !bytes.Equal(fresh, want) {
		t.Fatalf("a fresh encoder's bytes differ from a reused one's")
	}
}

// Every kind of value, schema, header and record field is written by hand as the generated
// code writes it, byte for byte, and what the generated code cannot encode fails by hand too.
func TestEncodeSinkPutIsTheGeneratedEncoding(t *testing.T) {
	inner := &connectors.Schema{Type: connectors.TypeStruct, Name: "Row", Version: 2, Doc: "a row",
		Parameters: map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}, Fields: []connectors.Field{
			{Name: "id", Schema: &connectors.Schema{Type: connectors.TypeInt64}},
			{Name: "price", Schema: connectors.DecimalSchema(2)},
			{Name: "tags", Schema: &connectors.Schema{Type: connectors.TypeArray, Items: &connectors.Schema{Type: connectors.TypeString}}},
			{Name: "attrs", Schema: &connectors.Schema{Type: connectors.TypeMap, Keys: &connectors.Schema{Type: connectors.TypeString}, Values: &connectors.Schema{Type: connectors.TypeInt32}}},
		}}
	row := &connectors.Struct{Schema: inner, Values: []any{int64(7), big.NewRat(1234, 100), []any{"a", "b"}, map[any]any{"x": int32(1)}}}
	str := &connectors.Schema{Type: connectors.TypeString, Optional: true}
	scalars := []any{nil, true, false, int8(-8), int8(127), int16(-300), int32(-70000), int32(math.MinInt32), int32(math.MaxInt32),
		int64(-1 << 40), int64(math.MinInt64), int64(math.MaxInt64), 0, -5, float32(1.5), float32(math.Inf(-1)), float64(-2.25),
		math.NaN(), "", "naïve ☃ 𝄞", strings.Repeat("x", 300), []byte{}, []byte(nil), []byte{0, 1, 255},
		time.UnixMilli(1_700_000_000_123).UTC(), time.UnixMilli(-1).UTC(),
		[]any{int32(1), "two"}, map[string]any{"k": int64(1)}, map[any]any{int32(1): "one"}, big.NewRat(-5, 4)}
	var records []connectors.SinkRecord
	for i, v := range scalars {
		records = append(records, connectors.SinkRecord{Topic: "t", Partition: int32(i % 3), Offset: int64(i), Key: v, Value: v,
			Headers: []connectors.Header{{Key: "h", Value: v}}})
	}
	cases := []struct {
		name    string
		inst    uint64
		records []connectors.SinkRecord
	}{
		{"empty", 0, nil},
		{"empty with an instance", 7, []connectors.SinkRecord{}},
		{"every scalar, schemaless", 1 << 40, records},
		{"tombstone, no key, no topic, zero offset", 3, []connectors.SinkRecord{{}}},
		{"negative partition and offset", 3, []connectors.SinkRecord{{Topic: "t", Partition: -1, Offset: -1, Value: "v"}}},
		{"timestamps", 3, []connectors.SinkRecord{
			{Topic: "t", Value: "v", Timestamp: time.UnixMilli(1_700_000_000_000)},
			{Topic: "t", Value: "v", Timestamp: time.UnixMilli(0)},
			{Topic: "t", Value: "v", Timestamp: time.UnixMilli(-7)},
		}},
		{"schemas shared and a struct", 9, []connectors.SinkRecord{
			{Topic: "orders", Partition: 2, Offset: 100, KeySchema: str, Key: "k1", ValueSchema: inner, Value: row,
				Timestamp: time.UnixMilli(1_700_000_000_001),
				Headers:   []connectors.Header{{Key: "trace", Schema: str, Value: "abc"}, {Key: "", Value: nil}, {Key: "row", Schema: inner, Value: row}}},
			{Topic: "orders", Partition: 2, Offset: 101, KeySchema: str, Key: nil, ValueSchema: inner, Value: nil},
			{Topic: "other", Partition: 0, Offset: 5, KeySchema: str, Key: "k2", ValueSchema: str, Value: "v2"},
		}},
		{"invalid UTF-8 value", 1, []connectors.SinkRecord{{Topic: "t", Value: "a\xffb"}}},
		{"invalid UTF-8 key in a struct", 1, []connectors.SinkRecord{{Topic: "t", Value: map[string]any{"\xff": int32(1)}}}},
		{"invalid UTF-8 topic", 1, []connectors.SinkRecord{{Topic: "\xff", Value: "v"}}},
		{"invalid UTF-8 header key", 1, []connectors.SinkRecord{{Topic: "t", Headers: []connectors.Header{{Key: "\xff"}}}}},
		{"unencodable value", 1, []connectors.SinkRecord{{Topic: "t", Value: struct{}{}}}},
		{"schema of unknown type", 1, []connectors.SinkRecord{{Topic: "t", ValueSchema: &connectors.Schema{Type: "nope"}, Value: "v"}}},
	}
	var e sinkPutEncoder // reused across the cases, as a task's is across its puts
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkEncoding(t, &e, tc.inst, tc.records) })
	}
}

// A batch the size of a fetch, as the benchmark's sinks see it, encodes as the generated
// code does after the encoder's buffers were grown and reused.
func TestEncodeSinkPutReusedBuffers(t *testing.T) {
	var e sinkPutEncoder
	for _, n := range []int{500, 3, 500} {
		records := make([]connectors.SinkRecord, n)
		for i := range records {
			records[i] = connectors.SinkRecord{Topic: "lines", Partition: int32(i % 2), Offset: int64(i),
				Value: fmt.Sprintf("line %d %s", i, strings.Repeat("x", 100)), Timestamp: time.UnixMilli(int64(1_700_000_000_000 + i))}
		}
		checkEncoding(t, &e, uint64(n+1), records)
	}
}

// encodeSinkPut is the encoded SinkPut of records, in a buffer of its own (the worker reuses
// one encoder per task; the tests compare a fresh one with it).
func encodeSinkPut(inst uint64, records []connectors.SinkRecord, ahead bool) ([]byte, error) {
	var e sinkPutEncoder
	return e.encode(inst, records, ahead)
}
