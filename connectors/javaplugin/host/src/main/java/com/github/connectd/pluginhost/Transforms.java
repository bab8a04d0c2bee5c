package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.ConnectRecord;
import com.github.connectd.pluginhost.proto.ConvertBatch;
import com.github.connectd.pluginhost.proto.ConvertItem;
import com.github.connectd.pluginhost.proto.Converted;
import com.github.connectd.pluginhost.proto.ConvertedBatch;
import com.github.connectd.pluginhost.proto.Done;
import com.github.connectd.pluginhost.proto.Header;
import com.github.connectd.pluginhost.proto.PluginType;
import com.github.connectd.pluginhost.proto.PredicateResults;
import com.github.connectd.pluginhost.proto.RawHeader;
import com.github.connectd.pluginhost.proto.RecordBatch;
import com.github.connectd.pluginhost.proto.TransformedBatch;
import com.github.connectd.pluginhost.proto.TransformedRecord;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

/** Runs a batch of the worker's records through a Java transformation or predicate. */
final class Transforms {
    private Transforms() {}

    /** apply() on each record in turn; a record's exception is its result, the others go on. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static TransformedBatch apply(Object target, RecordBatch batch) {
        if (!(target instanceof Transformation t)) {
            throw new ConnectException(target.getClass().getName() + " is not a transformation");
        }
        List<Schema> schemas = DataCodec.fromProto(batch.getSchemasList());
        DataCodec.SchemaTable out = new DataCodec.SchemaTable();
        TransformedBatch.Builder b = TransformedBatch.newBuilder();
        for (ConnectRecord r : batch.getRecordsList()) {
            TransformedRecord.Builder tr = TransformedRecord.newBuilder();
            try {
                org.apache.kafka.connect.connector.ConnectRecord result = t.apply(toJava(r, schemas));
                if (result == null) {
                    tr.setDropped(Done.getDefaultInstance());
                } else {
                    tr.setRecord(toProto(result, out));
                }
            } catch (Throwable e) {
                tr.setFailure(Failures.of(e));
            }
            b.addRecords(tr);
        }
        return b.addAllSchemas(out.schemas()).build();
    }

    /** test() on each record. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static PredicateResults test(Object target, RecordBatch batch) {
        if (!(target instanceof Predicate p)) {
            throw new ConnectException(target.getClass().getName() + " is not a predicate");
        }
        List<Schema> schemas = DataCodec.fromProto(batch.getSchemasList());
        PredicateResults.Builder b = PredicateResults.newBuilder();
        for (ConnectRecord r : batch.getRecordsList()) {
            b.addMatches(p.test(toJava(r, schemas)));
        }
        return b.build();
    }

    /** A worker's record as a SinkRecord (it has a Kafka offset) or a SourceRecord. */
    static org.apache.kafka.connect.connector.ConnectRecord<?> toJava(ConnectRecord r, List<Schema> schemas) {
        Schema ks = DataCodec.lookup(schemas, r.getKeySchema());
        Schema vs = DataCodec.lookup(schemas, r.getValueSchema());
        ConnectHeaders headers = new ConnectHeaders();
        for (Header h : r.getHeadersList()) {
            Schema hs = DataCodec.lookup(schemas, h.getSchema());
            headers.add(h.getKey(), DataCodec.toJava(h.getValue(), hs), hs);
        }
        Integer partition = r.hasKafkaPartition() ? r.getKafkaPartition() : null;
        Long timestamp = r.hasTimestamp() ? r.getTimestamp() : null;
        Object key = DataCodec.toJava(r.getKey(), ks);
        Object value = DataCodec.toJava(r.getValue(), vs);
        if (r.hasKafkaOffset()) {
            return new SinkRecord(r.getTopic(), partition == null ? 0 : partition, ks, key, vs, value, r.getKafkaOffset(), timestamp,
                    timestamp == null ? org.apache.kafka.common.record.TimestampType.NO_TIMESTAMP_TYPE
                            : org.apache.kafka.common.record.TimestampType.CREATE_TIME, headers);
        }
        return new SourceRecord(null, null, r.getTopic(), partition, ks, key, vs, value, timestamp, headers);
    }

    static ConnectRecord toProto(org.apache.kafka.connect.connector.ConnectRecord<?> r, DataCodec.SchemaTable schemas) {
        ConnectRecord.Builder b = ConnectRecord.newBuilder()
                .setTopic(r.topic() == null ? "" : r.topic())
                .setKeySchema(schemas.ref(r.keySchema()))
                .setKey(DataCodec.toProto(r.key()))
                .setValueSchema(schemas.ref(r.valueSchema()))
                .setValue(DataCodec.toProto(r.value()));
        if (r.kafkaPartition() != null) {
            b.setKafkaPartition(r.kafkaPartition());
        }
        if (r instanceof SinkRecord s) {
            b.setKafkaOffset(s.kafkaOffset());
        }
        if (r.timestamp() != null) {
            b.setTimestamp(r.timestamp());
        }
        for (org.apache.kafka.connect.header.Header h : r.headers()) {
            b.addHeaders(Header.newBuilder().setKey(h.key()).setSchema(schemas.ref(h.schema())).setValue(DataCodec.toProto(h.value())));
        }
        return b.build();
    }

    /** The ConfigDef of any plugin kind (config() is not on one common interface). */
    static org.apache.kafka.common.config.ConfigDef configOf(Object o) {
        if (o instanceof org.apache.kafka.connect.components.ConnectPlugin p) {
            return p.config();
        }
        if (o instanceof Transformation<?> t) {
            return t.config();
        }
        if (o instanceof Predicate<?> p) {
            return p.config();
        }
        if (o instanceof org.apache.kafka.connect.storage.Converter c) {
            return c.config();
        }
        if (o instanceof org.apache.kafka.connect.storage.HeaderConverter h) {
            return h.config();
        }
        throw new ConnectException(o.getClass().getName() + " has no ConfigDef");
    }

    /**
     * configure() of any configurable plugin kind. An instance made as a header converter is
     * configured as one, with converter.type=header as Kafka Connect sets it, also when its class
     * is a Converter too (as StringConverter and JsonConverter are).
     */
    static void configure(Object o, PluginType type, java.util.Map<String, String> props, boolean isKey) {
        if (type == PluginType.PLUGIN_TYPE_HEADER_CONVERTER && o instanceof HeaderConverter h) {
            java.util.Map<String, Object> withType = new java.util.HashMap<>(props);
            withType.put("converter.type", "header");
            h.configure(withType);
        } else if (o instanceof Converter c) {
            c.configure(props, isKey);
        } else if (o instanceof org.apache.kafka.common.Configurable c) {
            c.configure(props);
        } else {
            throw new ConnectException(o.getClass().getName() + " cannot be configured");
        }
    }

    /**
     * fromConnectData or toConnectData on each item, with the item's headers, as Kafka Connect
     * calls them; on an instance made as a header converter, fromConnectHeader or
     * toConnectHeader. An item's exception is its result.
     */
    static ConvertedBatch convert(Object target, PluginType type, ConvertBatch batch) {
        if (type == PluginType.PLUGIN_TYPE_HEADER_CONVERTER && target instanceof HeaderConverter h) {
            return convertHeaders(h, batch);
        }
        if (!(target instanceof Converter c)) {
            throw new ConnectException(target.getClass().getName() + " is not a converter");
        }
        List<Schema> schemas = DataCodec.fromProto(batch.getSchemasList());
        DataCodec.SchemaTable out = new DataCodec.SchemaTable();
        ConvertedBatch.Builder b = ConvertedBatch.newBuilder();
        for (ConvertItem it : batch.getItemsList()) {
            Converted.Builder r = Converted.newBuilder();
            RecordHeaders headers = headersOf(it);
            try {
                if (batch.getToConnect()) {
                    SchemaAndValue sv = c.toConnectData(it.getTopic(), headers, it.hasData() ? it.getData().toByteArray() : null);
                    if (sv != null) {
                        r.setSchema(out.ref(sv.schema())).setValue(DataCodec.toProto(sv.value()));
                    }
                } else {
                    org.apache.kafka.common.header.Header[] before = headers.toArray();
                    Schema s = DataCodec.lookup(schemas, it.getSchema());
                    byte[] data = c.fromConnectData(it.getTopic(), headers, s, DataCodec.toJava(it.getValue(), s));
                    if (data != null) {
                        r.setData(ByteString.copyFrom(data));
                    }
                    org.apache.kafka.common.header.Header[] after = headers.toArray();
                    if (changed(before, after)) {
                        r.setHeadersChanged(true);
                        for (org.apache.kafka.common.header.Header x : after) {
                            RawHeader.Builder rh = RawHeader.newBuilder().setKey(x.key());
                            if (x.value() != null) {
                                rh.setValue(ByteString.copyFrom(x.value()));
                            }
                            r.addHeaders(rh);
                        }
                    }
                }
            } catch (Throwable e) {
                r.setFailure(Failures.of(e));
            }
            b.addItems(r);
        }
        return b.addAllSchemas(out.schemas()).build();
    }

    /** fromConnectHeader or toConnectHeader on each item, one header each. */
    private static ConvertedBatch convertHeaders(HeaderConverter h, ConvertBatch batch) {
        List<Schema> schemas = DataCodec.fromProto(batch.getSchemasList());
        DataCodec.SchemaTable out = new DataCodec.SchemaTable();
        ConvertedBatch.Builder b = ConvertedBatch.newBuilder();
        for (ConvertItem it : batch.getItemsList()) {
            Converted.Builder r = Converted.newBuilder();
            try {
                if (batch.getToConnect()) {
                    SchemaAndValue sv = h.toConnectHeader(it.getTopic(), it.getHeaderKey(), it.hasData() ? it.getData().toByteArray() : null);
                    if (sv != null) {
                        r.setSchema(out.ref(sv.schema())).setValue(DataCodec.toProto(sv.value()));
                    }
                } else {
                    Schema s = DataCodec.lookup(schemas, it.getSchema());
                    byte[] data = h.fromConnectHeader(it.getTopic(), it.getHeaderKey(), s, DataCodec.toJava(it.getValue(), s));
                    if (data != null) {
                        r.setData(ByteString.copyFrom(data));
                    }
                }
            } catch (Throwable e) {
                r.setFailure(Failures.of(e));
            }
            b.addItems(r);
        }
        return b.addAllSchemas(out.schemas()).build();
    }

    /** The item's headers as the Headers a converter is given (empty when none were sent). */
    private static RecordHeaders headersOf(ConvertItem it) {
        RecordHeaders headers = new RecordHeaders();
        for (RawHeader rh : it.getHeadersList()) {
            headers.add(rh.getKey(), rh.hasValue() ? rh.getValue().toByteArray() : null);
        }
        return headers;
    }

    /** Whether a converter changed its Headers: Kafka's headers are added, removed or replaced, never changed in place. */
    private static boolean changed(org.apache.kafka.common.header.Header[] before, org.apache.kafka.common.header.Header[] after) {
        if (before.length != after.length) {
            return true;
        }
        for (int i = 0; i < before.length; i++) {
            if (before[i] != after[i]) {
                return true;
            }
        }
        return false;
    }
}
