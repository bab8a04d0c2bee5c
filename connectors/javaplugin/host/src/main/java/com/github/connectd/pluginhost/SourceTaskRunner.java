package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.Header;
import com.github.connectd.pluginhost.proto.RecordAck;
import com.github.connectd.pluginhost.proto.SourceBatch;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/** A started source task: poll() as one batch, commit() and commitRecord(). */
final class SourceTaskRunner {
    private final SourceTask task;
    private final Map<String, String> props;
    private final OffsetStorageReader offsets;
    private final PluginMetrics metrics;
    private final boolean commitRecords;
    private final Map<Long, SourceRecord> inFlight = new ConcurrentHashMap<>();
    private long nextSeq;

    SourceTaskRunner(SourceTask task, Map<String, String> props, OffsetStorageReader offsets, PluginMetrics metrics,
            boolean commitRecords) {
        this.task = task;
        this.props = Map.copyOf(props);
        this.offsets = offsets;
        this.metrics = metrics;
        this.commitRecords = commitRecords;
    }

    void start() {
        task.initialize(new SourceTaskContext() {
            @Override
            public Map<String, String> configs() {
                return props;
            }

            @Override
            public OffsetStorageReader offsetStorageReader() {
                return offsets;
            }

            @Override
            public PluginMetrics pluginMetrics() {
                return metrics;
            }
        });
        task.start(props);
    }

    /** One poll(); null is an empty batch. */
    SourceBatch poll() throws InterruptedException {
        List<SourceRecord> records = task.poll();
        SourceBatch.Builder b = SourceBatch.newBuilder();
        if (records == null || records.isEmpty()) {
            return b.build();
        }
        DataCodec.SchemaTable schemas = new DataCodec.SchemaTable();
        for (SourceRecord r : records) {
            long seq = ++nextSeq;
            if (commitRecords) {
                inFlight.put(seq, r);
            }
            com.github.connectd.pluginhost.proto.SourceRecord.Builder pr = com.github.connectd.pluginhost.proto.SourceRecord.newBuilder()
                    .setSeq(seq)
                    .setTopic(r.topic() == null ? "" : r.topic())
                    .setKeySchema(schemas.ref(r.keySchema()))
                    .setKey(DataCodec.toProto(r.key()))
                    .setValueSchema(schemas.ref(r.valueSchema()))
                    .setValue(DataCodec.toProto(r.value()));
            if (r.sourcePartition() != null) {
                pr.setSourcePartition(DataCodec.toProto(r.sourcePartition()));
            }
            if (r.sourceOffset() != null) {
                pr.setSourceOffset(DataCodec.toProto(r.sourceOffset()));
            }
            if (r.kafkaPartition() != null) {
                pr.setKafkaPartition(r.kafkaPartition());
            }
            if (r.timestamp() != null) {
                pr.setTimestamp(r.timestamp());
            }
            for (org.apache.kafka.connect.header.Header h : r.headers()) {
                pr.addHeaders(Header.newBuilder().setKey(h.key()).setSchema(schemas.ref(h.schema()))
                        .setValue(DataCodec.toProto(h.value())));
            }
            b.addRecords(pr);
        }
        return b.addAllSchemas(schemas.schemas()).build();
    }

    void commit() throws InterruptedException {
        task.commit();
    }

    /** commitRecord for each acknowledged record, in the worker's order. */
    void commitRecords(List<RecordAck> acks) throws InterruptedException {
        for (RecordAck a : acks) {
            SourceRecord r = inFlight.remove(a.getSeq());
            if (r == null) {
                continue; // acknowledged twice, or polled before commit_records was asked for
            }
            RecordMetadata md = a.getProduced()
                    ? new RecordMetadata(new TopicPartition(a.getTopic(), a.getPartition()), a.getOffset(), 0,
                            a.getTimestamp(), -1, -1)
                    : null;
            task.commitRecord(r, md);
        }
    }
}
