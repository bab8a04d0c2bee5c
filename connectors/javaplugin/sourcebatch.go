package javaplugin

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// A poll batch is the one message whose size grows with the data: thousands of records per
// round trip. Decoded by the generated code, every record and every value is a message
// allocated and then copied into connectors.SourceRecord; decodeSourceBatch reads the
// encoded SourceBatch (proto/pluginhost.proto) with protowire straight into the records, and
// leaves to the generated code only what is rare or nested: schemas, partitions, headers and
// values other than scalars. TestDecodeSourceBatchIsTheGeneratedDecoding holds it to the
// generated decoding of the same bytes.

// Field numbers of SourceBatch, SourceRecord, OffsetKeys and Value, as in the .proto.
const (
	batchSchemas    = 1
	batchRecords    = 2
	batchPartitions = 3
	batchOffsetKeys = 4

	recordSeq             = 1
	recordTopic           = 4
	recordKafkaPartition  = 5
	recordKeySchema       = 6
	recordKey             = 7
	recordValueSchema     = 8
	recordValue           = 9
	recordTimestamp       = 10
	recordHeaders         = 11
	recordSourcePartition = 12
	recordOffsetKeys      = 13
	recordOffsetValues    = 14

	offsetKeysKeys = 1

	valueBool    = 1
	valueInt8    = 2
	valueInt16   = 3
	valueInt32   = 4
	valueInt64   = 5
	valueFloat32 = 6
	valueFloat64 = 7
	valueString  = 8
	valueBytes   = 9
	valueDate    = 14
)

// decodeSourceBatch decodes an encoded SourceBatch into records and the host's seq of each.
func decodeSourceBatch(b []byte) ([]connectors.SourceRecord, []uint64, error) {
	var (
		schemaTable []*pb.Schema
		records     [][]byte
		partitions  []map[string]any
		offsetKeys  [][]string
	)
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil // no scalar field at this level: skipped, as an unknown one
		}
		switch num {
		case batchSchemas:
			s := &pb.Schema{}
			if err := proto.Unmarshal(v, s); err != nil {
				return fmt.Errorf("schema: %w", err)
			}
			schemaTable = append(schemaTable, s)
		case batchRecords:
			records = append(records, v)
		case batchPartitions:
			pv := &pb.Value{}
			if err := proto.Unmarshal(v, pv); err != nil {
				return fmt.Errorf("source partition: %w", err)
			}
			m, err := mapFromProto(pv)
			if err != nil {
				return fmt.Errorf("source partition: %w", err)
			}
			partitions = append(partitions, m)
		case batchOffsetKeys:
			var keys []string
			err := eachField(v, func(num protowire.Number, typ protowire.Type, k []byte, _ uint64) error {
				if num == offsetKeysKeys && typ == protowire.BytesType {
					s, err := utf8String(k)
					if err != nil {
						return err
					}
					keys = append(keys, s)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("offset keys: %w", err)
			}
			offsetKeys = append(offsetKeys, keys)
		}
		return nil
	})
	if err != nil || len(records) == 0 {
		return nil, nil, err
	}
	schemas, err := schemasFromProto(schemaTable)
	if err != nil {
		return nil, nil, err
	}
	d := recordDecoder{schemas: schemas, partitions: partitions, offsetKeys: offsetKeys}
	out := make([]connectors.SourceRecord, len(records))
	seqs := make([]uint64, len(records))
	for i, r := range records {
		if seqs[i], err = d.decode(r, &out[i]); err != nil {
			return nil, nil, err
		}
	}
	return out, seqs, nil
}

// recordDecoder decodes the records of one batch against its tables.
type recordDecoder struct {
	schemas    []*connectors.Schema
	partitions []map[string]any
	offsetKeys [][]string
}

func (d *recordDecoder) decode(b []byte, sr *connectors.SourceRecord) (uint64, error) {
	var (
		seq                    uint64
		keySchema, valueSchema uint64
		key, value             []byte
		offsetRef              uint64
		offsetValues           [][]byte
		headers                []*pb.Header
	)
	var scratch [4][]byte // offset values without an allocation for the usual few keys
	offsetValues = scratch[:0]
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
		switch {
		case typ == protowire.VarintType:
			switch num {
			case recordSeq:
				seq = n
			case recordKafkaPartition:
				p := int32(n)
				sr.Partition = &p
			case recordKeySchema:
				keySchema = n
			case recordValueSchema:
				valueSchema = n
			case recordTimestamp:
				sr.Timestamp = timeFromMillis(int64(n))
			case recordSourcePartition:
				if n > uint64(len(d.partitions)) {
					return fmt.Errorf("source partition reference %d beyond the batch's %d partitions", n, len(d.partitions))
				}
				sr.SourcePartition = nil
				if n > 0 {
					sr.SourcePartition = d.partitions[n-1]
				}
			case recordOffsetKeys:
				offsetRef = n
			}
		case typ == protowire.BytesType:
			switch num {
			case recordTopic:
				s, err := utf8String(v)
				if err != nil {
					return fmt.Errorf("topic: %w", err)
				}
				sr.Topic = s
			case recordKey:
				key = v
			case recordValue:
				value = v
			case recordOffsetValues:
				offsetValues = append(offsetValues, v)
			case recordHeaders:
				h := &pb.Header{}
				if err := proto.Unmarshal(v, h); err != nil {
					return fmt.Errorf("header: %w", err)
				}
				headers = append(headers, h)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if sr.SourceOffset, err = d.offset(offsetRef, offsetValues); err != nil {
		return 0, fmt.Errorf("source offset: %w", err)
	}
	if sr.KeySchema, err = lookupSchema(d.schemas, uint32(keySchema)); err != nil {
		return 0, err
	}
	if sr.Key, err = decodeValue(key, sr.KeySchema); err != nil {
		return 0, fmt.Errorf("key: %w", err)
	}
	if sr.ValueSchema, err = lookupSchema(d.schemas, uint32(valueSchema)); err != nil {
		return 0, err
	}
	if sr.Value, err = decodeValue(value, sr.ValueSchema); err != nil {
		return 0, fmt.Errorf("value: %w", err)
	}
	if sr.Headers, err = headersFromProto(headers, d.schemas); err != nil {
		return 0, err
	}
	return seq, nil
}

// offset rebuilds a source offset from its key set (ref, 0: null) and its encoded values.
func (d *recordDecoder) offset(ref uint64, values [][]byte) (map[string]any, error) {
	if ref == 0 {
		return nil, nil
	}
	if ref > uint64(len(d.offsetKeys)) {
		return nil, fmt.Errorf("offset key set reference %d beyond the batch's %d", ref, len(d.offsetKeys))
	}
	keys := d.offsetKeys[ref-1]
	if len(keys) != len(values) {
		return nil, fmt.Errorf("%d offset values for %d keys", len(values), len(keys))
	}
	out := make(map[string]any, len(keys))
	for i, k := range keys {
		v, err := decodeValue(values[i], nil)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}

// decodeValue decodes an encoded Value (nil: an unset one, null) as valueFromProto does. A
// scalar is read here; a list, map, struct or decimal goes through the generated code.
func decodeValue(b []byte, schema *connectors.Schema) (any, error) {
	var out any
	nested := false
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
		switch {
		case num == valueBool && typ == protowire.VarintType:
			out = n != 0
		case num == valueInt8 && typ == protowire.VarintType:
			out = int8(protowire.DecodeZigZag(n & math.MaxUint32))
		case num == valueInt16 && typ == protowire.VarintType:
			out = int16(protowire.DecodeZigZag(n & math.MaxUint32))
		case num == valueInt32 && typ == protowire.VarintType:
			out = int32(protowire.DecodeZigZag(n & math.MaxUint32))
		case num == valueInt64 && typ == protowire.VarintType:
			out = protowire.DecodeZigZag(n)
		case num == valueFloat32 && typ == protowire.Fixed32Type:
			out = math.Float32frombits(uint32(n))
		case num == valueFloat64 && typ == protowire.Fixed64Type:
			out = math.Float64frombits(n)
		case num == valueString && typ == protowire.BytesType:
			s, err := utf8String(v)
			if err != nil {
				return err
			}
			out = s
		case num == valueBytes && typ == protowire.BytesType:
			out = append([]byte{}, v...)
		case num == valueDate && typ == protowire.VarintType:
			out = timeFromMillis(int64(n))
		default:
			nested = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !nested {
		return out, nil
	}
	v := &pb.Value{}
	if err := proto.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return valueFromProto(v, schema)
}

// eachField calls f with each field of an encoded message: a varint, fixed32 or fixed64
// field's value as n, a length-delimited field's bytes as v (aliasing b). Groups are refused,
// as the protocol has none.
func eachField(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error) error {
	for len(b) > 0 {
		num, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return protowire.ParseError(l)
		}
		b = b[l:]
		var (
			v []byte
			n uint64
		)
		switch typ {
		case protowire.VarintType:
			n, l = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var x uint32
			x, l = protowire.ConsumeFixed32(b)
			n = uint64(x)
		case protowire.Fixed64Type:
			n, l = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, l = protowire.ConsumeBytes(b)
		default:
			return fmt.Errorf("field %d: unexpected wire type %d", num, typ)
		}
		if l < 0 {
			return protowire.ParseError(l)
		}
		b = b[l:]
		if err := f(num, typ, v, n); err != nil {
			return err
		}
	}
	return nil
}

// utf8String is a proto3 string: valid UTF-8, as the generated code checks.
func utf8String(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", fmt.Errorf("string field contains invalid UTF-8")
	}
	return string(b), nil
}
