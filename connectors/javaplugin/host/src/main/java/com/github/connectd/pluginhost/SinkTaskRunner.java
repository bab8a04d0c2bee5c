package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.HostRequest;
import com.github.connectd.pluginhost.proto.PartitionOffset;
import com.github.connectd.pluginhost.proto.ReportErrant;
import com.github.connectd.pluginhost.proto.SinkReply;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * A started sink task. Its SinkTaskContext records what the task asks for (offset resets, pause,
 * resume, a commit, a retry timeout); each call's SinkReply carries that to the worker, which
 * applies it after the call, as Kafka Connect's WorkerSinkTask acts on its context after put().
 */
final class SinkTaskRunner {
    private final SinkTask task;
    private final Map<String, String> props;
    private final PluginMetrics metrics;
    private final ErrantRecordReporter reporter;
    private final Object lock = new Object();
    private final Set<TopicPartition> assignment = new HashSet<>();
    private Map<TopicPartition, Long> resets = new LinkedHashMap<>();
    private List<TopicPartition> pause = new ArrayList<>();
    private List<TopicPartition> resume = new ArrayList<>();
    private boolean requestCommit;
    private Long timeoutMs;
    /**
     * The last put threw, asked something of the context, or was skipped: a put sent ahead
     * behind it is skipped, for the worker acts on the context before it delivers more. Only
     * the task's thread reads and writes it.
     */
    private boolean asked;

    /**
     * @param channel the channel errant records are reported on, with instance naming the task;
     *     null when the worker has no reporter for the task (errantRecordReporter() is null)
     */
    SinkTaskRunner(SinkTask task, Map<String, String> props, PluginMetrics metrics, Channel channel, long instance) {
        this.task = task;
        this.props = Map.copyOf(props);
        this.metrics = metrics;
        this.reporter = channel == null ? null : new Reporter(channel, instance);
    }

    void start() {
        task.initialize(new Context());
        task.start(props);
    }

    SinkReply open(List<com.github.connectd.pluginhost.proto.TopicPartition> partitions) {
        List<TopicPartition> tps = toKafka(partitions);
        synchronized (lock) {
            assignment.addAll(tps);
        }
        task.open(tps);
        return drain().build();
    }

    SinkReply close(List<com.github.connectd.pluginhost.proto.TopicPartition> partitions) {
        List<TopicPartition> tps = toKafka(partitions);
        try {
            task.close(tps);
        } finally {
            synchronized (lock) {
                tps.forEach(assignment::remove);
            }
        }
        return drain().build();
    }

    /**
     * put() with the records of an encoded SinkPut (SinkPutReader); a put sent ahead is skipped
     * when the put before it threw or asked something of the context.
     */
    SinkReply put(ByteString req, boolean ahead) throws IOException {
        if (ahead && asked) {
            return SinkReply.newBuilder().setSkipped(true).build();
        }
        asked = true; // until put() returns
        task.put(SinkPutReader.records(req));
        SinkReply r = drain().build();
        asked = r.getRequestCommit() || r.getResetOffsetsCount() > 0 || r.getPauseCount() > 0 || r.getResumeCount() > 0 || r.hasTimeoutMs();
        return r;
    }

    SinkReply preCommit(List<PartitionOffset> offsets) {
        Map<TopicPartition, OffsetAndMetadata> current = new HashMap<>();
        for (PartitionOffset o : offsets) {
            current.put(new TopicPartition(o.getTopic(), o.getPartition()), new OffsetAndMetadata(o.getOffset()));
        }
        Map<TopicPartition, OffsetAndMetadata> commit = task.preCommit(current);
        SinkReply.Builder b = drain();
        if (commit != null) {
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : commit.entrySet()) {
                b.addCommit(PartitionOffset.newBuilder().setTopic(e.getKey().topic())
                        .setPartition(e.getKey().partition()).setOffset(e.getValue().offset()));
            }
        }
        return b.build();
    }

    /** What the context recorded since the last call, cleared. */
    SinkReply.Builder drain() {
        synchronized (lock) {
            SinkReply.Builder b = SinkReply.newBuilder().setRequestCommit(requestCommit);
            for (Map.Entry<TopicPartition, Long> e : resets.entrySet()) {
                b.addResetOffsets(PartitionOffset.newBuilder().setTopic(e.getKey().topic())
                        .setPartition(e.getKey().partition()).setOffset(e.getValue()));
            }
            pause.forEach(tp -> b.addPause(toProto(tp)));
            resume.forEach(tp -> b.addResume(toProto(tp)));
            if (timeoutMs != null) {
                b.setTimeoutMs(timeoutMs);
            }
            resets = new LinkedHashMap<>();
            pause = new ArrayList<>();
            resume = new ArrayList<>();
            requestCommit = false;
            timeoutMs = null;
            return b;
        }
    }

    private static List<TopicPartition> toKafka(List<com.github.connectd.pluginhost.proto.TopicPartition> tps) {
        List<TopicPartition> out = new ArrayList<>(tps.size());
        for (com.github.connectd.pluginhost.proto.TopicPartition tp : tps) {
            out.add(new TopicPartition(tp.getTopic(), tp.getPartition()));
        }
        return out;
    }

    private static com.github.connectd.pluginhost.proto.TopicPartition toProto(TopicPartition tp) {
        return com.github.connectd.pluginhost.proto.TopicPartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition()).build();
    }

    /**
     * Reports to the worker, which runs the record through the connector's error handling and
     * answers once the dead letter queue acknowledged it: the Future is complete when report()
     * returns. As Kafka Connect's WorkerErrantRecordReporter, report() throws when the
     * connector's errors.tolerance is exceeded (or the record could not be reported).
     */
    private static final class Reporter implements ErrantRecordReporter {
        private final Channel channel;
        private final long instance;

        Reporter(Channel channel, long instance) {
            this.channel = channel;
            this.instance = instance;
        }

        @Override
        public Future<Void> report(SinkRecord record, Throwable error) {
            DataCodec.SchemaTable schemas = new DataCodec.SchemaTable();
            com.github.connectd.pluginhost.proto.SinkRecord.Builder r = com.github.connectd.pluginhost.proto.SinkRecord.newBuilder()
                    .setTopic(record.topic())
                    .setKafkaPartition(record.kafkaPartition() == null ? 0 : record.kafkaPartition())
                    .setKafkaOffset(record.kafkaOffset())
                    .setKeySchema(schemas.ref(record.keySchema()))
                    .setKey(DataCodec.toProto(record.key()))
                    .setValueSchema(schemas.ref(record.valueSchema()))
                    .setValue(DataCodec.toProto(record.value()));
            if (record.timestamp() != null) {
                r.setTimestamp(record.timestamp());
            }
            for (org.apache.kafka.connect.header.Header h : record.headers()) {
                r.addHeaders(com.github.connectd.pluginhost.proto.Header.newBuilder().setKey(h.key())
                        .setSchema(schemas.ref(h.schema())).setValue(DataCodec.toProto(h.value())));
            }
            ReportErrant.Builder req = ReportErrant.newBuilder().setInstance(instance).setRecord(r)
                    .setError(Failures.of(error)).addAllSchemas(schemas.schemas());
            try {
                channel.call(HostRequest.newBuilder().setReportErrant(req));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("interrupted while reporting an errant record", e);
            }
            return CompletableFuture.completedFuture(null);
        }
    }

    private final class Context implements SinkTaskContext {
        @Override
        public Map<String, String> configs() {
            return props;
        }

        @Override
        public void offset(Map<TopicPartition, Long> offsets) {
            synchronized (lock) {
                resets.putAll(offsets);
            }
        }

        @Override
        public void offset(TopicPartition tp, long offset) {
            synchronized (lock) {
                resets.put(tp, offset);
            }
        }

        @Override
        public void timeout(long ms) {
            synchronized (lock) {
                timeoutMs = ms;
            }
        }

        @Override
        public Set<TopicPartition> assignment() {
            synchronized (lock) {
                return Set.copyOf(assignment);
            }
        }

        @Override
        public void pause(TopicPartition... partitions) {
            synchronized (lock) {
                pause.addAll(List.of(partitions));
            }
        }

        @Override
        public void resume(TopicPartition... partitions) {
            synchronized (lock) {
                resume.addAll(List.of(partitions));
            }
        }

        @Override
        public void requestCommit() {
            synchronized (lock) {
                requestCommit = true;
            }
        }

        @Override
        public ErrantRecordReporter errantRecordReporter() {
            return reporter;
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return metrics;
        }
    }
}
