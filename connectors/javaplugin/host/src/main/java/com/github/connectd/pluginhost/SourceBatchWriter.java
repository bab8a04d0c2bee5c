package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.Header;
import com.github.connectd.pluginhost.proto.OffsetKeys;
import com.github.connectd.pluginhost.proto.Value;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Writes one poll batch as an encoded SourceBatch (proto/pluginhost.proto) straight from the
 * task's SourceRecords. The batch is the protocol's one message that grows with the data, and
 * built through the generated builders every record and every value was a builder and a
 * message, measured and then written: here a record's fields go to the stream as they are read.
 * Scalar values are written here; lists, maps, structs and decimals through DataCodec's
 * messages; what repeats from record to record (schemas, source partitions, offset key sets)
 * once per batch, as SourceBatch says. The worker decodes it the same way
 * (connectors/javaplugin/sourcebatch.go); SourceBatchWriterTest holds this writer to the generated
 * encoding.
 */
final class SourceBatchWriter {
    // Field numbers, as in the .proto.
    private static final int BATCH_SCHEMAS = 1;
    private static final int BATCH_RECORDS = 2;
    private static final int BATCH_PARTITIONS = 3;
    private static final int BATCH_OFFSET_KEYS = 4;
    private static final int RECORD_SEQ = 1;
    private static final int RECORD_TOPIC = 4;
    private static final int RECORD_KAFKA_PARTITION = 5;
    private static final int RECORD_KEY_SCHEMA = 6;
    private static final int RECORD_KEY = 7;
    private static final int RECORD_VALUE_SCHEMA = 8;
    private static final int RECORD_VALUE = 9;
    private static final int RECORD_TIMESTAMP = 10;
    private static final int RECORD_HEADERS = 11;
    private static final int RECORD_SOURCE_PARTITION = 12;
    private static final int RECORD_OFFSET_KEYS = 13;
    private static final int RECORD_OFFSET_VALUES = 14;

    private final DataCodec.SchemaTable schemas = new DataCodec.SchemaTable();
    private final List<Value> partitions = new ArrayList<>();
    private final Map<Map<String, ?>, Integer> partitionIndex = new HashMap<>();
    private Map<String, ?> lastPartition;
    private int lastPartitionRef;
    private final List<OffsetKeys> offsetKeys = new ArrayList<>();
    private final Map<List<String>, Integer> offsetKeyIndex = new HashMap<>();
    private String[] lastKeys;
    private int lastKeysRef;
    private String lastTopic;
    private byte[] lastTopicBytes;

    private final ByteString.Output batch = ByteString.newOutput(1 << 16);
    private final CodedOutputStream out = CodedOutputStream.newInstance(batch, 1 << 14);
    private final ByteString.Output record = ByteString.newOutput(256);
    private final CodedOutputStream rec = CodedOutputStream.newInstance(record, 1 << 12);

    /** Adds a record the host numbered seq. */
    void add(long seq, SourceRecord r) {
        try {
            if (seq != 0) {
                rec.writeUInt64(RECORD_SEQ, seq);
            }
            byte[] topic = topicBytes(r.topic());
            if (topic.length > 0) {
                rec.writeByteArray(RECORD_TOPIC, topic);
            }
            if (r.kafkaPartition() != null) {
                rec.writeInt32(RECORD_KAFKA_PARTITION, r.kafkaPartition());
            }
            int keySchema = schemas.ref(r.keySchema());
            if (keySchema != 0) {
                rec.writeUInt32(RECORD_KEY_SCHEMA, keySchema);
            }
            if (r.key() != null) {
                writeValue(rec, RECORD_KEY, r.key());
            }
            int valueSchema = schemas.ref(r.valueSchema());
            if (valueSchema != 0) {
                rec.writeUInt32(RECORD_VALUE_SCHEMA, valueSchema);
            }
            if (r.value() != null) {
                writeValue(rec, RECORD_VALUE, r.value());
            }
            if (r.timestamp() != null) {
                rec.writeInt64(RECORD_TIMESTAMP, r.timestamp());
            }
            for (org.apache.kafka.connect.header.Header h : r.headers()) {
                rec.writeMessage(RECORD_HEADERS, Header.newBuilder().setKey(h.key()).setSchema(schemas.ref(h.schema()))
                        .setValue(DataCodec.toProto(h.value())).build());
            }
            int partition = partitionRef(r.sourcePartition());
            if (partition != 0) {
                rec.writeUInt32(RECORD_SOURCE_PARTITION, partition);
            }
            Map<String, ?> offset = r.sourceOffset();
            if (offset != null) {
                rec.writeUInt32(RECORD_OFFSET_KEYS, offsetKeysRef(offset));
                for (Object v : offset.values()) {
                    if (v == null) {
                        rec.writeTag(RECORD_OFFSET_VALUES, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                        rec.writeUInt32NoTag(0); // an unset Value: null, kept in its place
                    } else {
                        writeValue(rec, RECORD_OFFSET_VALUES, v);
                    }
                }
            }
            rec.flush();
            out.writeTag(BATCH_RECORDS, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(record.size());
            out.flush();
            record.writeTo(batch);
            record.reset();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: not expected
        }
    }

    /** The encoded SourceBatch of the records added. */
    ByteString finish() {
        try {
            for (com.github.connectd.pluginhost.proto.Schema s : schemas.schemas()) {
                out.writeMessage(BATCH_SCHEMAS, s);
            }
            for (Value p : partitions) {
                out.writeMessage(BATCH_PARTITIONS, p);
            }
            for (OffsetKeys k : offsetKeys) {
                out.writeMessage(BATCH_OFFSET_KEYS, k);
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return batch.toByteString();
    }

    /**
     * Writes a non-null value as a Value field. A scalar is written here, sized first (a tag,
     * then its payload), as the generated Value would be; anything else is DataCodec's message.
     */
    static void writeValue(CodedOutputStream o, int field, Object v) throws IOException {
        if (v instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8); // the JDK's intrinsic encoder
            o.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(CodedOutputStream.computeByteArraySize(Value.STRING_VALUE_FIELD_NUMBER, b));
            o.writeByteArray(Value.STRING_VALUE_FIELD_NUMBER, b);
        } else if (v instanceof Long x) {
            o.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(CodedOutputStream.computeSInt64Size(Value.INT64_VALUE_FIELD_NUMBER, x));
            o.writeSInt64(Value.INT64_VALUE_FIELD_NUMBER, x);
        } else if (v instanceof Integer x) {
            o.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(CodedOutputStream.computeSInt32Size(Value.INT32_VALUE_FIELD_NUMBER, x));
            o.writeSInt32(Value.INT32_VALUE_FIELD_NUMBER, x);
        } else if (v instanceof byte[] b) {
            o.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(CodedOutputStream.computeByteArraySize(Value.BYTES_VALUE_FIELD_NUMBER, b));
            o.writeByteArray(Value.BYTES_VALUE_FIELD_NUMBER, b);
        } else if (v instanceof ByteBuffer bb) {
            writeValue(o, field, bytesOf(bb));
        } else if (v instanceof Boolean x) {
            o.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(CodedOutputStream.computeBoolSize(Value.BOOL_VALUE_FIELD_NUMBER, x));
            o.writeBool(Value.BOOL_VALUE_FIELD_NUMBER, x);
        } else if (v instanceof Double x) {
            o.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(CodedOutputStream.computeDoubleSize(Value.FLOAT64_VALUE_FIELD_NUMBER, x));
            o.writeDouble(Value.FLOAT64_VALUE_FIELD_NUMBER, x);
        } else {
            o.writeMessage(field, DataCodec.toProto(v));
        }
    }

    private static byte[] bytesOf(ByteBuffer bb) {
        ByteBuffer d = bb.duplicate();
        byte[] b = new byte[d.remaining()];
        d.get(b);
        return b;
    }

    private byte[] topicBytes(String topic) {
        if (topic == null) {
            return new byte[0];
        }
        if (!topic.equals(lastTopic)) {
            lastTopic = topic;
            lastTopicBytes = topic.getBytes(StandardCharsets.UTF_8);
        }
        return lastTopicBytes;
    }

    /**
     * The reference of a source partition. Tasks often make a new but equal map for every
     * record (FileStreamSourceTask does), so equality is the test; the last partition is
     * checked first, as consecutive records mostly share one.
     */
    private int partitionRef(Map<String, ?> p) {
        if (p == null) {
            return 0;
        }
        if (p == lastPartition || (lastPartition != null && p.equals(lastPartition))) {
            return lastPartitionRef;
        }
        Integer i = partitionIndex.get(p);
        if (i == null) {
            partitions.add(DataCodec.toProto(p));
            i = partitions.size();
            partitionIndex.put(p, i);
        }
        lastPartition = p;
        lastPartitionRef = i;
        return i;
    }

    /** The reference of an offset's key set, in its iteration order (that of its values). */
    private int offsetKeysRef(Map<String, ?> offset) {
        if (lastKeys != null && sameKeys(offset)) {
            return lastKeysRef;
        }
        List<String> keys = new ArrayList<>(offset.size());
        for (Object k : offset.keySet()) {
            if (!(k instanceof String s)) {
                throw new DataException("a source offset key must be a string, got " + (k == null ? "null" : k.getClass().getName()));
            }
            keys.add(s);
        }
        Integer i = offsetKeyIndex.get(keys);
        if (i == null) {
            offsetKeys.add(OffsetKeys.newBuilder().addAllKeys(keys).build());
            i = offsetKeys.size();
            offsetKeyIndex.put(keys, i);
        }
        lastKeys = keys.toArray(new String[0]);
        lastKeysRef = i;
        return i;
    }

    /** Whether offset's keys are the last key set's, in order: no allocation on the usual path. */
    private boolean sameKeys(Map<String, ?> offset) {
        if (offset.size() != lastKeys.length) {
            return false;
        }
        int i = 0;
        for (Object k : offset.keySet()) {
            if (!lastKeys[i++].equals(k)) {
                return false;
            }
        }
        return true;
    }
}
