package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.Value;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Reads an encoded SinkPut (proto/pluginhost.proto, Request.sink_put) straight into the task's
 * SinkRecords. The put batch is the worker's one message that grows with the data, and parsed by
 * the generated code every record and every value was a message (and a builder) before it was a
 * SinkRecord: here a record's fields are read from the bytes as they come. Scalar values are read
 * here; lists, maps, structs and decimals through the generated Value and DataCodec; schemas, once
 * per batch, through the generated Schema. The worker writes it the same way
 * (connectors/javaplugin/sinkput.go); SinkPutReaderTest holds this reader to the generated
 * decoding.
 */
final class SinkPutReader {
    private SinkPutReader() {}

    private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
    private static final int VARINT = WireFormat.WIRETYPE_VARINT;

    // Tags (field number and wire type) of SinkPut, SinkRecord, Header and Value, as in the .proto.
    private static final int PUT_INSTANCE = tag(1, VARINT);
    private static final int PUT_SCHEMAS = tag(2, LEN);
    private static final int PUT_RECORDS = tag(3, LEN);
    private static final int PUT_AHEAD = tag(4, VARINT);

    private static final int RECORD_TOPIC = tag(1, LEN);
    private static final int RECORD_KAFKA_PARTITION = tag(2, VARINT);
    private static final int RECORD_KAFKA_OFFSET = tag(3, VARINT);
    private static final int RECORD_KEY_SCHEMA = tag(4, VARINT);
    private static final int RECORD_KEY = tag(5, LEN);
    private static final int RECORD_VALUE_SCHEMA = tag(6, VARINT);
    private static final int RECORD_VALUE = tag(7, LEN);
    private static final int RECORD_TIMESTAMP = tag(8, VARINT);
    private static final int RECORD_TIMESTAMP_TYPE = tag(9, VARINT);
    private static final int RECORD_HEADERS = tag(10, LEN);

    private static final int HEADER_KEY = tag(1, LEN);
    private static final int HEADER_SCHEMA = tag(2, VARINT);
    private static final int HEADER_VALUE = tag(3, LEN);

    private static final int VALUE_BOOL = tag(Value.BOOL_VALUE_FIELD_NUMBER, VARINT);
    private static final int VALUE_INT8 = tag(Value.INT8_VALUE_FIELD_NUMBER, VARINT);
    private static final int VALUE_INT16 = tag(Value.INT16_VALUE_FIELD_NUMBER, VARINT);
    private static final int VALUE_INT32 = tag(Value.INT32_VALUE_FIELD_NUMBER, VARINT);
    private static final int VALUE_INT64 = tag(Value.INT64_VALUE_FIELD_NUMBER, VARINT);
    private static final int VALUE_FLOAT32 = tag(Value.FLOAT32_VALUE_FIELD_NUMBER, WireFormat.WIRETYPE_FIXED32);
    private static final int VALUE_FLOAT64 = tag(Value.FLOAT64_VALUE_FIELD_NUMBER, WireFormat.WIRETYPE_FIXED64);
    private static final int VALUE_STRING = tag(Value.STRING_VALUE_FIELD_NUMBER, LEN);
    private static final int VALUE_BYTES = tag(Value.BYTES_VALUE_FIELD_NUMBER, LEN);
    private static final int VALUE_ARRAY = tag(Value.ARRAY_VALUE_FIELD_NUMBER, LEN);
    private static final int VALUE_MAP = tag(Value.MAP_VALUE_FIELD_NUMBER, LEN);
    private static final int VALUE_STRUCT = tag(Value.STRUCT_VALUE_FIELD_NUMBER, LEN);
    private static final int VALUE_DECIMAL = tag(Value.DECIMAL_VALUE_FIELD_NUMBER, LEN);
    private static final int VALUE_DATE = tag(Value.DATE_VALUE_FIELD_NUMBER, VARINT);

    private static int tag(int field, int wireType) {
        return (field << 3) | wireType;
    }

    /** What a SinkPut says besides its records: the instance it names (0 when unset) and whether it was sent ahead. */
    record Head(long instance, boolean ahead) {
    }

    /** The head of a SinkPut, without reading its records. */
    static Head head(ByteString put) throws IOException {
        CodedInputStream in = put.newCodedInput();
        long instance = 0;
        boolean ahead = false;
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            if (t == PUT_INSTANCE) {
                instance = in.readUInt64(); // the last one, as the generated code keeps
            } else if (t == PUT_AHEAD) {
                ahead = in.readBool();
            } else {
                in.skipField(t);
            }
        }
        return new Head(instance, ahead);
    }

    /** The records of a SinkPut, in order. */
    static List<SinkRecord> records(ByteString put) throws IOException {
        byte[] b = put.toByteArray();
        CodedInputStream in = CodedInputStream.newInstance(b);
        List<com.github.connectd.pluginhost.proto.Schema> table = new ArrayList<>();
        int[] spans = new int[128]; // offset and length of each record: read once the schemas are known
        int n = 0;
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            if (t == PUT_SCHEMAS) {
                table.add(com.github.connectd.pluginhost.proto.Schema.parseFrom(in.readBytes()));
            } else if (t == PUT_RECORDS) {
                int len = in.readRawVarint32();
                if (len < 0) {
                    throw new IOException("a record of negative length");
                }
                if (2 * n + 2 > spans.length) {
                    spans = Arrays.copyOf(spans, 2 * spans.length);
                }
                spans[2 * n] = in.getTotalBytesRead();
                spans[2 * n + 1] = len;
                n++;
                in.skipRawBytes(len);
            } else {
                in.skipField(t);
            }
        }
        List<Schema> schemas = DataCodec.fromProto(table);
        Reader r = new Reader(b, schemas);
        List<SinkRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(r.record(spans[2 * i], spans[2 * i + 1]));
        }
        return out;
    }

    /** Reads the records of one batch against its schemas. */
    private static final class Reader {
        private final byte[] b;
        private final List<Schema> schemas;
        private int lastTopicOffset = -1; // where the last topic's bytes are in b
        private int lastTopicLength;
        private String lastTopic;

        Reader(byte[] b, List<Schema> schemas) {
            this.b = b;
            this.schemas = schemas;
        }

        SinkRecord record(int offset, int length) throws IOException {
            CodedInputStream in = CodedInputStream.newInstance(b, offset, length);
            String topic = "";
            int partition = 0;
            long kafkaOffset = 0;
            int keySchema = 0;
            int valueSchema = 0;
            int keyAt = -1;
            int keyLength = 0;
            int valueAt = -1;
            int valueLength = 0;
            Long timestamp = null;
            int timestampType = 0;
            int[] headers = null; // offset and length of each header
            int headerCount = 0;
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
                if (t == RECORD_TOPIC) {
                    topic = topic(in, offset);
                } else if (t == RECORD_KAFKA_PARTITION) {
                    partition = in.readInt32();
                } else if (t == RECORD_KAFKA_OFFSET) {
                    kafkaOffset = in.readInt64();
                } else if (t == RECORD_KEY_SCHEMA) {
                    keySchema = in.readUInt32();
                } else if (t == RECORD_KEY) {
                    keyLength = in.readRawVarint32();
                    keyAt = offset + in.getTotalBytesRead();
                    in.skipRawBytes(keyLength);
                } else if (t == RECORD_VALUE_SCHEMA) {
                    valueSchema = in.readUInt32();
                } else if (t == RECORD_VALUE) {
                    valueLength = in.readRawVarint32();
                    valueAt = offset + in.getTotalBytesRead();
                    in.skipRawBytes(valueLength);
                } else if (t == RECORD_TIMESTAMP) {
                    timestamp = in.readInt64();
                } else if (t == RECORD_TIMESTAMP_TYPE) {
                    timestampType = in.readEnum();
                } else if (t == RECORD_HEADERS) {
                    if (headers == null) {
                        headers = new int[8];
                    } else if (2 * headerCount + 2 > headers.length) {
                        headers = Arrays.copyOf(headers, 2 * headers.length);
                    }
                    int len = in.readRawVarint32();
                    headers[2 * headerCount] = offset + in.getTotalBytesRead();
                    headers[2 * headerCount + 1] = len;
                    headerCount++;
                    in.skipRawBytes(len);
                } else {
                    in.skipField(t);
                }
            }
            Schema ks = DataCodec.lookup(schemas, keySchema);
            Schema vs = DataCodec.lookup(schemas, valueSchema);
            Object key = keyAt < 0 ? null : value(keyAt, keyLength, ks);
            Object value = valueAt < 0 ? null : value(valueAt, valueLength, vs);
            ConnectHeaders hs = new ConnectHeaders();
            for (int i = 0; i < headerCount; i++) {
                header(hs, headers[2 * i], headers[2 * i + 1]);
            }
            return new SinkRecord(topic, partition, ks, key, vs, value, kafkaOffset, timestamp, timestampType(timestampType), hs);
        }

        /** A topic: the last record's String when the bytes are the same, as they mostly are. */
        private String topic(CodedInputStream in, int recordOffset) throws IOException {
            int len = in.readRawVarint32();
            int at = recordOffset + in.getTotalBytesRead();
            in.skipRawBytes(len); // checks that the bytes are there
            if (lastTopicOffset >= 0 && len == lastTopicLength
                    && Arrays.equals(b, at, at + len, b, lastTopicOffset, lastTopicOffset + len)) {
                return lastTopic;
            }
            String s = utf8(at, len);
            lastTopicOffset = at;
            lastTopicLength = len;
            lastTopic = s;
            return s;
        }

        /**
         * A proto3 string field's bytes as the generated code reads them, invalid UTF-8 refused,
         * but decoded by the JDK's intrinsic decoder (protobuf's own was the host's largest cost
         * in a put). The JDK replaces every malformed sequence with U+FFFD, so a string without
         * one was valid; one with it is checked.
         */
        private String utf8(int at, int len) throws InvalidProtocolBufferException {
            String s = new String(b, at, len, StandardCharsets.UTF_8);
            if (s.indexOf('\uFFFD') >= 0 && !UnsafeByteOperations.unsafeWrap(b, at, len).isValidUtf8()) {
                throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8.");
            }
            return s;
        }

        private void header(ConnectHeaders out, int offset, int length) throws IOException {
            CodedInputStream in = CodedInputStream.newInstance(b, offset, length);
            String key = "";
            int schema = 0;
            int valueAt = -1;
            int valueLength = 0;
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
                if (t == HEADER_KEY) {
                    key = in.readStringRequireUtf8();
                } else if (t == HEADER_SCHEMA) {
                    schema = in.readUInt32();
                } else if (t == HEADER_VALUE) {
                    valueLength = in.readRawVarint32();
                    valueAt = offset + in.getTotalBytesRead();
                    in.skipRawBytes(valueLength);
                } else {
                    in.skipField(t);
                }
            }
            Schema hs = DataCodec.lookup(schemas, schema);
            out.add(key, valueAt < 0 ? null : value(valueAt, valueLength, hs), hs);
        }

        /**
         * An encoded Value, as DataCodec.toJava decodes the generated one. The value's last kind
         * wins, as in a oneof; a list, map, struct or decimal among them sends the whole value
         * through the generated code.
         */
        private Object value(int offset, int length, Schema schema) throws IOException {
            CodedInputStream in = CodedInputStream.newInstance(b, offset, length);
            Object out = null;
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
                if (t == VALUE_STRING) {
                    int len = in.readRawVarint32();
                    int at = offset + in.getTotalBytesRead();
                    in.skipRawBytes(len); // checks that the bytes are there
                    out = utf8(at, len);
                } else if (t == VALUE_BYTES) {
                    out = in.readByteArray();
                } else if (t == VALUE_INT64) {
                    out = in.readSInt64();
                } else if (t == VALUE_INT32) {
                    out = in.readSInt32();
                } else if (t == VALUE_BOOL) {
                    out = in.readBool();
                } else if (t == VALUE_INT8) {
                    out = (byte) in.readSInt32();
                } else if (t == VALUE_INT16) {
                    out = (short) in.readSInt32();
                } else if (t == VALUE_FLOAT32) {
                    out = in.readFloat();
                } else if (t == VALUE_FLOAT64) {
                    out = in.readDouble();
                } else if (t == VALUE_DATE) {
                    out = new Date(in.readInt64());
                } else if (t == VALUE_ARRAY || t == VALUE_MAP || t == VALUE_STRUCT || t == VALUE_DECIMAL) {
                    return DataCodec.toJava(Value.parseFrom(CodedInputStream.newInstance(b, offset, length)), schema);
                } else {
                    in.skipField(t);
                }
            }
            return out;
        }
    }

    private static TimestampType timestampType(int t) {
        return switch (t) {
            case 1 -> TimestampType.CREATE_TIME; // TIMESTAMP_TYPE_CREATE_TIME
            case 2 -> TimestampType.LOG_APPEND_TIME; // TIMESTAMP_TYPE_LOG_APPEND_TIME
            default -> TimestampType.NO_TIMESTAMP_TYPE;
        };
    }
}
