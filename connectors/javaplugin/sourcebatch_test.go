package javaplugin

import (
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
	"google.golang.org/protobuf/proto"
)

// decodeMarshaled encodes b as the host does and decodes it as the worker does, checking that
// the generated decoding of the same bytes agrees.
func decodeMarshaled(t *testing.T, b *pb.SourceBatch) ([]connectors.SourceRecord, error) {
	t.Helper()
	data, err := proto.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	got, seqs, err := decodeSourceBatch(data)
	var back pb.SourceBatch
	if uerr := proto.Unmarshal(data, &back); uerr != nil {
		t.Fatal(uerr)
	}
	want, werr := generatedDecoding(&back)
	if (err == nil) != (werr == nil) {
		t.Fatalf("decodeSourceBatch error %v, the generated decoding's %v", err, werr)
	}
	if err != nil {
		return nil, err
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeSourceBatch:\n%#v\nthe generated decoding:\n%#v", got, want)
	}
	for i, r := range back.GetRecords() {
		if seqs[i] != r.GetSeq() {
			t.Errorf("record %d: seq %d, want %d", i, seqs[i], r.GetSeq())
		}
	}
	return got, nil
}

// Every kind of value, schema, header and record field decodes by hand as the generated code
// decodes it, and bad input fails both ways.
func TestDecodeSourceBatchIsTheGeneratedDecoding(t *testing.T) {
	str := func(s string) *pb.Value { return &pb.Value{Kind: &pb.Value_StringValue{StringValue: s}} }
	inner := &connectors.Schema{Type: connectors.TypeStruct, Name: "Row", Fields: []connectors.Field{
		{Name: "id", Schema: &connectors.Schema{Type: connectors.TypeInt64}},
		{Name: "price", Schema: connectors.DecimalSchema(2)},
		{Name: "tags", Schema: &connectors.Schema{Type: connectors.TypeArray, Items: &connectors.Schema{Type: connectors.TypeString}}},
		{Name: "attrs", Schema: &connectors.Schema{Type: connectors.TypeMap, Keys: &connectors.Schema{Type: connectors.TypeString}, Values: &connectors.Schema{Type: connectors.TypeInt32}}},
	}}
	var table schemaTable
	rowRef, err := table.ref(inner)
	if err != nil {
		t.Fatal(err)
	}
	row, err := valueToProto(&connectors.Struct{Schema: inner, Values: []any{int64(7), big.NewRat(1234, 100), []any{"a", "b"}, map[any]any{"x": int32(1)}}}, inner)
	if err != nil {
		t.Fatal(err)
	}
	scalars := []any{nil, true, false, int8(-8), int16(-300), int32(-70000), int64(-1 << 40), float32(1.5), float64(-2.25),
		"", "naïve ☃ 𝄞", []byte{}, []byte{0, 1, 255}, time.UnixMilli(1_700_000_000_123).UTC(),
		[]any{int32(1), "two"}, map[string]any{"k": int64(1)}, map[any]any{int32(1): "one"}, big.NewRat(-5, 4)}
	batch := &pb.SourceBatch{
		Schemas: table.schemas,
		Partitions: []*pb.Value{
			{Kind: &pb.Value_MapValue{MapValue: &pb.MapValue{Keys: []*pb.Value{str("db")}, Values: []*pb.Value{str("x")}}}},
		},
		OffsetKeys: []*pb.OffsetKeys{{Keys: []string{"lsn", "txId", "snapshot"}}},
	}
	ts := int64(1_700_000_000_000)
	part := int32(3)
	for i, v := range scalars {
		pv, err := valueToProto(v, nil)
		if err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		r := &pb.SourceRecord{Seq: uint64(100 + i), Topic: fmt.Sprintf("topic-%d", i%2), Key: pv, Value: pv,
			SourcePartition: uint32(i % 2), OffsetKeys: 1,
			OffsetValues: []*pb.Value{{Kind: &pb.Value_Int64Value{Int64Value: int64(i)}}, str("t"), {}}}
		if i%3 == 0 {
			r.Timestamp, r.KafkaPartition = &ts, &part
			r.Headers = []*pb.Header{{Key: "h", Value: pv}, {Key: "row", Schema: rowRef, Value: row}}
		}
		batch.Records = append(batch.Records, r)
	}
	batch.Records = append(batch.Records, &pb.SourceRecord{Seq: 1000, ValueSchema: rowRef, Value: row, KeySchema: 0})
	recs, err := decodeMarshaled(t, batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(scalars)+1 {
		t.Fatalf("%d records, want %d", len(recs), len(scalars)+1)
	}

	bad := []struct {
		name  string
		batch *pb.SourceBatch
	}{
		{"a schema reference beyond the table", &pb.SourceBatch{Records: []*pb.SourceRecord{{ValueSchema: 2}}}},
		{"a struct without a schema", &pb.SourceBatch{Records: []*pb.SourceRecord{{Value: row}}}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeMarshaled(t, tt.batch); err == nil {
				t.Error("decoded")
			}
		})
	}
	// Bytes the generated code refuses (Go's proto.Marshal will not even write them).
	for name, data := range map[string][]byte{
		"invalid UTF-8 in a string value": {0x12, 0x05, 0x4a, 0x03, 0x42, 0x01, 0xff}, // records[0].value.string_value
		"invalid UTF-8 in a topic":        {0x12, 0x03, 0x22, 0x01, 0xfe},             // records[0].topic
		"a truncated record":              {0x12, 0x05, 0x08},
		"a truncated value":               {0x12, 0x04, 0x4a, 0x03, 0x42, 0x05},
	} {
		if err := proto.Unmarshal(data, &pb.SourceBatch{}); err == nil {
			t.Errorf("%s: the generated code decodes it", name)
		}
		if _, _, err := decodeSourceBatch(data); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// A poll batch names each distinct source partition and offset key set once: records decode to
// the partition and offset maps the task returned, records of one partition share one map (so
// the pipeline encodes it once), and a reference outside the batch's tables is an error.
func TestSourceBatchTables(t *testing.T) {
	str := func(s string) *pb.Value { return &pb.Value{Kind: &pb.Value_StringValue{StringValue: s}} }
	i64 := func(n int64) *pb.Value { return &pb.Value{Kind: &pb.Value_Int64Value{Int64Value: n}} }
	batch := func(records ...*pb.SourceRecord) *pb.SourceBatch {
		return &pb.SourceBatch{
			Partitions: []*pb.Value{
				{Kind: &pb.Value_MapValue{MapValue: &pb.MapValue{Keys: []*pb.Value{str("filename")}, Values: []*pb.Value{str("a.txt")}}}},
				{Kind: &pb.Value_MapValue{MapValue: &pb.MapValue{Keys: []*pb.Value{str("filename")}, Values: []*pb.Value{str("b.txt")}}}},
			},
			OffsetKeys: []*pb.OffsetKeys{{Keys: []string{"position"}}, {Keys: []string{"file", "line"}}},
			Records:    records,
		}
	}
	tests := []struct {
		name       string
		batch      *pb.SourceBatch
		partitions []map[string]any
		offsets    []map[string]any
		err        string
	}{
		{"partitions and offsets by reference", batch(
			&pb.SourceRecord{Seq: 1, SourcePartition: 1, OffsetKeys: 1, OffsetValues: []*pb.Value{i64(6)}},
			&pb.SourceRecord{Seq: 2, SourcePartition: 2, OffsetKeys: 2, OffsetValues: []*pb.Value{str("b.txt"), i64(1)}},
			&pb.SourceRecord{Seq: 3, SourcePartition: 1, OffsetKeys: 1, OffsetValues: []*pb.Value{i64(13)}},
		),
			[]map[string]any{{"filename": "a.txt"}, {"filename": "b.txt"}, {"filename": "a.txt"}},
			[]map[string]any{{"position": int64(6)}, {"file": "b.txt", "line": int64(1)}, {"position": int64(13)}}, ""},
		{"null partition and offset", batch(&pb.SourceRecord{Seq: 1}), []map[string]any{nil}, []map[string]any{nil}, ""},
		{"a null offset value", batch(&pb.SourceRecord{SourcePartition: 1, OffsetKeys: 1, OffsetValues: []*pb.Value{{}}}),
			[]map[string]any{{"filename": "a.txt"}}, []map[string]any{{"position": nil}}, ""},
		{"partition beyond the table", batch(&pb.SourceRecord{SourcePartition: 3}), nil, nil, "source partition reference 3 beyond the batch's 2 partitions"},
		{"offset keys beyond the table", batch(&pb.SourceRecord{OffsetKeys: 3}), nil, nil, "offset key set reference 3 beyond the batch's 2"},
		{"fewer values than keys", batch(&pb.SourceRecord{OffsetKeys: 2, OffsetValues: []*pb.Value{str("x")}}), nil, nil, "1 offset values for 2 keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := decodeMarshaled(t, tt.batch)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range recs {
				if !reflect.DeepEqual(r.SourcePartition, tt.partitions[i]) {
					t.Errorf("record %d: partition %v, want %v", i, r.SourcePartition, tt.partitions[i])
				}
				if !reflect.DeepEqual(r.SourceOffset, tt.offsets[i]) {
					t.Errorf("record %d: offset %v, want %v", i, r.SourceOffset, tt.offsets[i])
				}
			}
			if len(recs) == 3 && reflect.ValueOf(recs[0].SourcePartition).UnsafePointer() != reflect.ValueOf(recs[2].SourcePartition).UnsafePointer() {
				t.Error("records of one partition got separate maps")
			}
		})
	}
}

// generatedDecoding decodes a poll batch with the generated code (proto.Unmarshal into
// pb.SourceBatch): the reference decodeSourceBatch is held to.
func generatedDecoding(b *pb.SourceBatch) ([]connectors.SourceRecord, error) {
	if len(b.GetRecords()) == 0 {
		return nil, nil
	}
	schemas, err := schemasFromProto(b.GetSchemas())
	if err != nil {
		return nil, err
	}
	partitions := make([]map[string]any, len(b.GetPartitions()))
	for i, p := range b.GetPartitions() {
		if partitions[i], err = mapFromProto(p); err != nil {
			return nil, fmt.Errorf("source partition: %w", err)
		}
	}
	offsetKeys := b.GetOffsetKeys()
	out := make([]connectors.SourceRecord, len(b.GetRecords()))
	for i, r := range b.GetRecords() {
		sr := &out[i]
		sr.Topic = r.GetTopic()
		if r.KafkaPartition != nil {
			part := r.GetKafkaPartition()
			sr.Partition = &part
		}
		if ref := r.GetSourcePartition(); ref != 0 {
			if int(ref) > len(partitions) {
				return nil, fmt.Errorf("source partition reference %d beyond the batch's %d partitions", ref, len(partitions))
			}
			sr.SourcePartition = partitions[ref-1]
		}
		if sr.SourceOffset, err = offsetFromProto(offsetKeys, r.GetOffsetKeys(), r.GetOffsetValues()); err != nil {
			return nil, fmt.Errorf("source offset: %w", err)
		}
		if sr.KeySchema, err = lookupSchema(schemas, r.GetKeySchema()); err != nil {
			return nil, err
		}
		if sr.Key, err = valueFromProto(r.GetKey(), sr.KeySchema); err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		if sr.ValueSchema, err = lookupSchema(schemas, r.GetValueSchema()); err != nil {
			return nil, err
		}
		if sr.Value, err = valueFromProto(r.GetValue(), sr.ValueSchema); err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		if r.Timestamp != nil {
			sr.Timestamp = timeFromMillis(r.GetTimestamp())
		}
		if sr.Headers, err = headersFromProto(r.GetHeaders(), schemas); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// offsetFromProto rebuilds a source offset from its key set (ref into table, 0: null) and its
// values.
func offsetFromProto(table []*pb.OffsetKeys, ref uint32, values []*pb.Value) (map[string]any, error) {
	if ref == 0 {
		return nil, nil
	}
	if int(ref) > len(table) {
		return nil, fmt.Errorf("offset key set reference %d beyond the batch's %d", ref, len(table))
	}
	keys := table[ref-1].GetKeys()
	if len(keys) != len(values) {
		return nil, fmt.Errorf("%d offset values for %d keys", len(values), len(keys))
	}
	out := make(map[string]any, len(keys))
	for i, k := range keys {
		v, err := valueFromProto(values[i], nil)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}
