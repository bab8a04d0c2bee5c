package com.github.connectd.pluginhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.connectd.pluginhost.proto.Header;
import com.github.connectd.pluginhost.proto.SinkPut;
import com.github.connectd.pluginhost.proto.TimestampType;
import com.github.connectd.pluginhost.proto.Value;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

/** SinkPutReader reads what the generated code parses, record for record. */
class SinkPutReaderTest {
    /** The records as the generated code parses them and DataCodec converts them: the reference. */
    private static List<SinkRecord> generated(ByteString bytes) throws Exception {
        SinkPut req = SinkPut.parseFrom(bytes);
        List<Schema> schemas = DataCodec.fromProto(req.getSchemasList());
        List<SinkRecord> records = new ArrayList<>();
        for (com.github.connectd.pluginhost.proto.SinkRecord r : req.getRecordsList()) {
            Schema ks = DataCodec.lookup(schemas, r.getKeySchema());
            Schema vs = DataCodec.lookup(schemas, r.getValueSchema());
            ConnectHeaders headers = new ConnectHeaders();
            for (Header h : r.getHeadersList()) {
                Schema hs = DataCodec.lookup(schemas, h.getSchema());
                headers.add(h.getKey(), DataCodec.toJava(h.getValue(), hs), hs);
            }
            records.add(new SinkRecord(r.getTopic(), r.getKafkaPartition(), ks, DataCodec.toJava(r.getKey(), ks), vs,
                    DataCodec.toJava(r.getValue(), vs), r.getKafkaOffset(), r.hasTimestamp() ? r.getTimestamp() : null,
                    switch (r.getTimestampType()) {
                        case TIMESTAMP_TYPE_CREATE_TIME -> org.apache.kafka.common.record.TimestampType.CREATE_TIME;
                        case TIMESTAMP_TYPE_LOG_APPEND_TIME -> org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME;
                        default -> org.apache.kafka.common.record.TimestampType.NO_TIMESTAMP_TYPE;
                    }, headers));
        }
        return records;
    }

    /** byte[] compared by content, the rest by equals (a Struct compares its byte[] fields so). */
    private static Object comparable(Object v) {
        return v instanceof byte[] b ? ByteBuffer.wrap(b) : v;
    }

    private static void assertSameRecords(List<SinkRecord> want, List<SinkRecord> got) {
        assertEquals(want.size(), got.size(), "records");
        for (int i = 0; i < want.size(); i++) {
            SinkRecord w = want.get(i);
            SinkRecord g = got.get(i);
            String at = "record " + i;
            assertEquals(w.topic(), g.topic(), at);
            assertEquals(w.kafkaPartition(), g.kafkaPartition(), at);
            assertEquals(w.kafkaOffset(), g.kafkaOffset(), at);
            assertEquals(w.keySchema(), g.keySchema(), at);
            assertEquals(comparable(w.key()), comparable(g.key()), at);
            assertEquals(w.valueSchema(), g.valueSchema(), at);
            assertEquals(comparable(w.value()), comparable(g.value()), at);
            assertEquals(w.timestamp(), g.timestamp(), at);
            assertEquals(w.timestampType(), g.timestampType(), at);
            assertEquals(w.headers().size(), g.headers().size(), at);
            Iterator<org.apache.kafka.connect.header.Header> gh = g.headers().iterator();
            for (org.apache.kafka.connect.header.Header h : w.headers()) {
                org.apache.kafka.connect.header.Header x = gh.next();
                assertEquals(h.key(), x.key(), at);
                assertEquals(h.schema(), x.schema(), at);
                assertEquals(comparable(h.value()), comparable(x.value()), at);
            }
        }
    }

    private static void check(ByteString bytes) throws Exception {
        assertSameRecords(generated(bytes), SinkPutReader.records(bytes));
        SinkPut generated = SinkPut.parseFrom(bytes);
        assertEquals(new SinkPutReader.Head(generated.getInstance(), generated.getAhead()), SinkPutReader.head(bytes));
    }

    @Test
    void everyKindOfValueAsTheGeneratedCode() throws Exception {
        Schema row = SchemaBuilder.struct().name("Row").version(2).doc("a row").parameter("p", "q").field("id", Schema.INT64_SCHEMA)
                .field("price", Decimal.schema(2)).field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
                .field("raw", Schema.OPTIONAL_BYTES_SCHEMA).build();
        Struct struct = new Struct(row).put("id", 7L).put("price", new BigDecimal("12.34")).put("tags", List.of("a", "b"))
                .put("raw", new byte[] {1, 2});
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("k", 1L);
        List<Object> values = Arrays.asList(null, true, false, (byte) -8, (byte) 127, (short) -300, -70000, Integer.MIN_VALUE, 0,
                -(1L << 40), Long.MAX_VALUE, Long.MIN_VALUE, 0L, 1.5f, Float.NaN, -2.25, Double.NEGATIVE_INFINITY, 0.0, "",
                "naïve ☃ 𝄞", "a replacement character \uFFFD is valid", "x".repeat(300), new byte[0], new byte[] {0, 1, (byte) 255}, new Date(1_700_000_000_123L),
                new Date(-1L), List.of(1, "two"), nested, new BigDecimal("-1.25"));
        DataCodec.SchemaTable schemas = new DataCodec.SchemaTable();
        SinkPut.Builder b = SinkPut.newBuilder().setInstance(1L << 40);
        TimestampType[] types = {TimestampType.TIMESTAMP_TYPE_NO_TIMESTAMP_TYPE, TimestampType.TIMESTAMP_TYPE_CREATE_TIME,
            TimestampType.TIMESTAMP_TYPE_LOG_APPEND_TIME};
        for (int i = 0; i < values.size(); i++) {
            Value v = DataCodec.toProto(values.get(i));
            com.github.connectd.pluginhost.proto.SinkRecord.Builder r = com.github.connectd.pluginhost.proto.SinkRecord.newBuilder()
                    .setTopic(i % 3 == 0 ? "topic-" + (i % 2) : "topic").setKafkaPartition(i % 4 - 1).setKafkaOffset(i * 1000L - 1)
                    .setKey(v).setValue(v).setTimestampType(types[i % 3]);
            if (i % 2 == 0) {
                r.setTimestamp(1_700_000_000_000L + i);
            }
            if (i % 5 == 1) {
                r.addHeaders(Header.newBuilder().setKey("h").setSchema(schemas.ref(Schema.OPTIONAL_STRING_SCHEMA)).setValue(DataCodec.toProto("x")));
                r.addHeaders(Header.newBuilder().setKey("row").setSchema(schemas.ref(row)).setValue(DataCodec.toProto(struct)));
                r.addHeaders(Header.newBuilder().setKey("v").setValue(v));
                r.addHeaders(Header.newBuilder()); // no key, no schema, no value
            }
            b.addRecords(r);
        }
        // A struct with its schema, a tombstone, a record with nothing set, and an unrecognized timestamp type.
        b.addRecords(com.github.connectd.pluginhost.proto.SinkRecord.newBuilder().setTopic("rows")
                .setKeySchema(schemas.ref(Schema.OPTIONAL_STRING_SCHEMA)).setKey(DataCodec.toProto("k"))
                .setValueSchema(schemas.ref(row)).setValue(DataCodec.toProto(struct)));
        b.addRecords(com.github.connectd.pluginhost.proto.SinkRecord.newBuilder().setTopic("rows")
                .setKeySchema(schemas.ref(Schema.OPTIONAL_STRING_SCHEMA)).setKey(DataCodec.toProto("k"))
                .setValueSchema(schemas.ref(row)).setValue(DataCodec.toProto((Object) null)));
        b.addRecords(com.github.connectd.pluginhost.proto.SinkRecord.newBuilder());
        b.addRecords(com.github.connectd.pluginhost.proto.SinkRecord.newBuilder().setTopic("t").setTimestamp(0).setTimestampTypeValue(7));
        check(b.addAllSchemas(schemas.schemas()).build().toByteString());
    }

    @Test
    void schemasAfterTheRecordsAndUnknownFields() throws Exception {
        Schema s = SchemaBuilder.struct().field("n", Schema.INT32_SCHEMA).build();
        SinkPut put = SinkPut.newBuilder().setInstance(3).setAhead(true)
                .addSchemas(DataCodec.toProto(s))
                .addRecords(com.github.connectd.pluginhost.proto.SinkRecord.newBuilder().setTopic("t").setValueSchema(1)
                        .setValue(DataCodec.toProto(new Struct(s).put("n", 5))))
                .build();
        // The same fields in another order, with fields this version does not know at every level.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(bytes);
        o.writeUInt64(99, 1);
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        CodedOutputStream r = CodedOutputStream.newInstance(rec);
        r.writeMessage(7, Value.newBuilder().setInt32Value(1).build()); // a value whose last kind wins below
        r.writeString(42, "unknown");
        r.writeUInt32(6, 1);
        r.writeByteArray(7, concat(Value.newBuilder().setStringValue("first").build().toByteArray(),
                DataCodec.toProto(new Struct(s).put("n", 6)).toByteArray()));
        r.writeString(1, "t");
        r.flush();
        o.writeByteArray(3, rec.toByteArray());
        ByteArrayOutputStream scalar = new ByteArrayOutputStream();
        CodedOutputStream sc = CodedOutputStream.newInstance(scalar);
        sc.writeByteArray(7, concat(DataCodec.toProto(new Struct(s).put("n", 6)).toByteArray(),
                Value.newBuilder().setInt64Value(9).build().toByteArray(), new byte[] {(byte) 0xf8, 0x03, 0x01})); // field 63: unknown
        sc.flush();
        o.writeByteArray(3, scalar.toByteArray());
        o.writeUInt64(1, 3);
        for (com.github.connectd.pluginhost.proto.Schema x : put.getSchemasList()) {
            o.writeMessage(2, x);
        }
        o.flush();
        check(ByteString.copyFrom(bytes.toByteArray()));
        check(put.toByteString());
    }

    @Test
    void badBatchesFailAsTheGeneratedCodeFails() throws Exception {
        byte[] badUtf8 = {(byte) 0xff, 'a'}; // written raw: the builders refuse it
        ByteString badTopic = put(field(1, badUtf8));
        ByteString badValue = put(concat(field(1, "t".getBytes()), field(7, field(8, badUtf8))));
        ByteString badRef = SinkPut.newBuilder().addRecords(com.github.connectd.pluginhost.proto.SinkRecord.newBuilder()
                .setTopic("t").setValueSchema(2)).build().toByteString();
        ByteString truncated = SinkPut.newBuilder().addRecords(com.github.connectd.pluginhost.proto.SinkRecord.newBuilder()
                .setTopic("t").setValue(DataCodec.toProto("value"))).build().toByteString().substring(0, 10);
        byte[] fffdThenBad = {(byte) 0xef, (byte) 0xbf, (byte) 0xbd, (byte) 0xc0, (byte) 0x80}; // U+FFFD, then an overlong NUL
        byte[] surrogate = {'a', (byte) 0xed, (byte) 0xa0, (byte) 0x80}; // U+D800 in UTF-8: not a character
        ByteString badValue2 = put(concat(field(1, "t".getBytes()), field(7, field(8, fffdThenBad))));
        ByteString badValue3 = put(concat(field(1, "t".getBytes()), field(7, field(8, surrogate))));
        ByteString topicBeyondRecord = put(new byte[] {0x0a, 50, 't'}); // topic: 50 bytes said, 1 there
        for (ByteString b : List.of(badTopic, badValue, badValue2, badValue3, truncated, topicBeyondRecord)) {
            assertThrows(InvalidProtocolBufferException.class, () -> generated(b));
            assertThrows(InvalidProtocolBufferException.class, () -> SinkPutReader.records(b));
        }
        assertThrows(DataException.class, () -> generated(badRef));
        assertThrows(DataException.class, () -> SinkPutReader.records(badRef));
    }

    /** A length-delimited field. */
    private static byte[] field(int number, byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(out);
        o.writeByteArray(number, data);
        o.flush();
        return out.toByteArray();
    }

    /** A SinkPut of one record. */
    private static ByteString put(byte[] record) throws Exception {
        return ByteString.copyFrom(field(3, record));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
