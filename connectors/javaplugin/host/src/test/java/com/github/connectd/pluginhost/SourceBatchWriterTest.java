package com.github.connectd.pluginhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.connectd.pluginhost.proto.OffsetKeys;
import com.github.connectd.pluginhost.proto.SourceBatch;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** SourceBatchWriter writes what the generated builders would, field for field. */
class SourceBatchWriterTest {
    /** The batch as the generated builders make it: the reference. */
    private static SourceBatch generated(List<SourceRecord> records) {
        SourceBatch.Builder b = SourceBatch.newBuilder();
        DataCodec.SchemaTable schemas = new DataCodec.SchemaTable();
        List<Map<String, ?>> partitions = new ArrayList<>();
        List<List<String>> keySets = new ArrayList<>();
        long seq = 0;
        for (SourceRecord r : records) {
            com.github.connectd.pluginhost.proto.SourceRecord.Builder pr = com.github.connectd.pluginhost.proto.SourceRecord.newBuilder()
                    .setSeq(++seq).setTopic(r.topic())
                    .setKeySchema(schemas.ref(r.keySchema())).setValueSchema(schemas.ref(r.valueSchema()));
            if (r.key() != null) {
                pr.setKey(DataCodec.toProto(r.key()));
            }
            if (r.value() != null) {
                pr.setValue(DataCodec.toProto(r.value()));
            }
            if (r.sourcePartition() != null) {
                if (!partitions.contains(r.sourcePartition())) {
                    partitions.add(r.sourcePartition());
                    b.addPartitions(DataCodec.toProto(r.sourcePartition()));
                }
                pr.setSourcePartition(partitions.indexOf(r.sourcePartition()) + 1);
            }
            if (r.sourceOffset() != null) {
                List<String> keys = new ArrayList<>(r.sourceOffset().keySet());
                if (!keySets.contains(keys)) {
                    keySets.add(keys);
                    b.addOffsetKeys(OffsetKeys.newBuilder().addAllKeys(keys));
                }
                pr.setOffsetKeys(keySets.indexOf(keys) + 1);
                for (Object v : r.sourceOffset().values()) {
                    pr.addOffsetValues(DataCodec.toProto(v));
                }
            }
            if (r.kafkaPartition() != null) {
                pr.setKafkaPartition(r.kafkaPartition());
            }
            if (r.timestamp() != null) {
                pr.setTimestamp(r.timestamp());
            }
            for (org.apache.kafka.connect.header.Header h : r.headers()) {
                pr.addHeaders(com.github.connectd.pluginhost.proto.Header.newBuilder().setKey(h.key())
                        .setSchema(schemas.ref(h.schema())).setValue(DataCodec.toProto(h.value())));
            }
            b.addRecords(pr);
        }
        return b.addAllSchemas(schemas.schemas()).build();
    }

    private static SourceBatch written(List<SourceRecord> records) throws Exception {
        SourceBatchWriter w = new SourceBatchWriter();
        long seq = 0;
        for (SourceRecord r : records) {
            w.add(++seq, r);
        }
        return SourceBatch.parseFrom(w.finish());
    }

    @Test
    void everyKindOfValueAsTheGeneratedCode() throws Exception {
        Schema row = SchemaBuilder.struct().name("Row").field("id", Schema.INT64_SCHEMA)
                .field("price", Decimal.schema(2)).field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build()).build();
        Struct struct = new Struct(row).put("id", 7L).put("price", new BigDecimal("12.34")).put("tags", List.of("a", "b"));
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("k", 1L);
        List<Object> values = Arrays.asList(null, true, false, (byte) -8, (short) -300, -70000, 0, -(1L << 40), 0L, 1.5f, -2.25, 0.0,
                "", "naïve ☃ 𝄞", "unpaired \uD800 surrogate", new byte[0], new byte[] {0, 1, (byte) 255},
                ByteBuffer.wrap(new byte[] {9, 8, 7}, 1, 2), new Date(1_700_000_000_123L), List.of(1, "two"), nested,
                new BigDecimal("-1.25"));
        List<SourceRecord> records = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            Object v = values.get(i);
            Map<String, Object> offset = new LinkedHashMap<>();
            offset.put("position", (long) i);
            offset.put("file", i % 2 == 0 ? "a" : null);
            Map<String, Object> partition = i % 3 == 0 ? null : Map.of("filename", "f" + (i % 2));
            SourceRecord r = i % 4 == 0
                    ? new SourceRecord(partition, offset, "topic-" + (i % 2), i % 3, null, v, null, v, 1_700_000_000_000L + i)
                    : new SourceRecord(partition, i % 5 == 0 ? null : offset, "topic", null, null, v);
            if (i % 4 == 1) {
                r.headers().addString("h", "x").add("row", struct, row);
            }
            records.add(r);
        }
        records.add(new SourceRecord(Map.of("filename", "f1"), Map.of("n", 1), "rows", Schema.OPTIONAL_STRING_SCHEMA, "k", row, struct));
        assertEquals(generated(records), written(records));
    }

    @Test
    void fileStreamLikeRecordsShareTheirTables() throws Exception {
        List<SourceRecord> records = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // A new, equal partition map and a new offset map for every record, as FileStreamSourceTask makes them.
            records.add(new SourceRecord(new HashMap<>(Map.of("filename", "in.txt")), Map.of("position", (long) i * 10),
                    "lines", null, null, null, Schema.STRING_SCHEMA, "line " + i, null));
        }
        SourceBatch b = written(records);
        assertEquals(generated(records), b);
        assertEquals(1, b.getPartitionsCount());
        assertEquals(1, b.getOffsetKeysCount());
        assertEquals(1, b.getSchemasCount());
    }

    @Test
    void anOffsetKeyThatIsNoString() {
        Map<Object, Object> offset = new HashMap<>();
        offset.put(1, 2L);
        @SuppressWarnings("unchecked")
        SourceRecord r = new SourceRecord(null, (Map<String, ?>) (Map<?, ?>) offset, "t", null, "v");
        assertThrows(DataException.class, () -> new SourceBatchWriter().add(1, r));
    }
}
