package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.Header;
import com.github.connectd.pluginhost.proto.RecordAck;
import com.github.connectd.pluginhost.proto.SourceBatch;
import com.github.connectd.pluginhost.proto.Response;
import com.google.protobuf.ByteString;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/** A started source task: poll() ahead of the worker, batches of polls, commit() and commitRecord(). */
final class SourceTaskRunner {
    private final SourceTask task;
    private final Map<String, String> props;
    private final OffsetStorageReader offsets;
    private final PluginMetrics metrics;
    private final boolean commitRecords;
    private final InFlight inFlight = new InFlight();
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

    /** Records buffered ahead of the worker at most; a poll() batch is never split. */
    static final int MAX_AHEAD = 5_000;
    /** How long after the worker's last SourcePoll the task keeps polling ahead. */
    static final long DEMAND_NANOS = 500_000_000L;

    /** Answers a SourcePoll: a response, built on the thread that calls it. */
    @FunctionalInterface
    interface Responder {
        void respond(long id, Host.Call call);
    }

    private final Object lock = new Object();
    private final ArrayDeque<Object> ahead = new ArrayDeque<>(); // List<SourceRecord> batches, then maybe a Throwable
    private int aheadRecords;
    private long waiting = -1; // the SourcePoll waiting for the next poll(), if any
    private long lastAsk;
    private boolean looping, stopped;

    /**
     * A SourcePoll request. Kafka Connect calls poll() again as soon as it has handed the
     * previous batch to its producer; across a process boundary that would be a round trip per
     * poll(), one per record for a task whose poll() returns one (Kafka's VerifiableSource). So
     * the task polls ahead on its own thread while the worker keeps asking (DEMAND_NANOS), up to
     * MAX_AHEAD records, and a request takes everything polled so far as one batch, or waits for
     * the next poll() (whose empty result is answered too, as before). A paused or stopped task
     * is asked nothing, and polls at most that much more. A failed poll() ends the records before
     * it and is answered alone, as it was thrown, once they are delivered.
     */
    void ask(long id, Executor taskThread, Executor responder, Responder respond) {
        this.respond = respond;
        this.responder = responder;
        List<Object> out = null;
        synchronized (lock) {
            lastAsk = System.nanoTime();
            if (stopped) {
                out = List.of();
            } else if (!ahead.isEmpty()) {
                out = drain();
            } else {
                waiting = id;
            }
            if (!looping && !stopped) {
                looping = true;
                taskThread.execute(this::loop);
            }
            lock.notifyAll();
        }
        if (out != null) {
            List<Object> batch = out;
            responder.execute(() -> respond.respond(id, () -> answer(batch)));
        }
    }

    private volatile Responder respond;
    private volatile Executor responder;

    /** Ends the poll loop after the poll() in progress; a request waiting is answered empty. */
    void stopPolling() {
        synchronized (lock) {
            stopped = true;
            lock.notifyAll();
        }
    }

    /** Takes the batches polled ahead (a failure alone). Called holding lock. */
    private List<Object> drain() {
        List<Object> out = new ArrayList<>();
        if (ahead.peekFirst() instanceof Throwable t) {
            ahead.pollFirst();
            out.add(t);
            return out;
        }
        while (!ahead.isEmpty() && !(ahead.peekFirst() instanceof Throwable)) {
            @SuppressWarnings("unchecked")
            List<SourceRecord> b = (List<SourceRecord>) ahead.pollFirst();
            aheadRecords -= b.size();
            out.add(b);
        }
        return out;
    }

    /** Whether the loop should call poll() now. Called holding lock. */
    private boolean demand() {
        if (stopped || ahead.peekLast() instanceof Throwable) {
            return false; // a failure waits to be delivered before anything more is polled
        }
        return waiting >= 0 || (aheadRecords < MAX_AHEAD && System.nanoTime() - lastAsk < DEMAND_NANOS);
    }

    /** The task's poll loop, on its own thread; it returns while there is no demand. */
    private void loop() {
        while (true) {
            synchronized (lock) {
                if (!demand()) {
                    looping = false;
                    if (stopped && waiting >= 0) {
                        answerLater(waiting, List.of());
                        waiting = -1;
                    }
                    return;
                }
            }
            Object polled;
            try {
                List<SourceRecord> records = task.poll();
                polled = records == null ? List.of() : records;
            } catch (Throwable t) {
                polled = t;
            }
            synchronized (lock) {
                if (polled instanceof List<?> l && l.isEmpty()) {
                    if (waiting >= 0 && ahead.isEmpty()) {
                        answerLater(waiting, List.of()); // nothing now: the worker loops, as Kafka Connect's does
                        waiting = -1;
                    }
                    continue;
                }
                if (polled instanceof List<?> l) {
                    aheadRecords += l.size();
                }
                ahead.addLast(polled);
                if (waiting >= 0) {
                    answerLater(waiting, drain());
                    waiting = -1;
                }
            }
        }
    }

    private void answerLater(long id, List<Object> batch) {
        responder.execute(() -> respond.respond(id, () -> answer(batch)));
    }

    /** The response to a SourcePoll of batch: its records, or the failure it holds. */
    private Response.Builder answer(List<Object> batch) throws Exception {
        if (batch.size() == 1 && batch.get(0) instanceof Exception e) {
            throw e;
        }
        if (batch.size() == 1 && batch.get(0) instanceof Error e) {
            throw e;
        }
        List<SourceRecord> records = new ArrayList<>();
        for (Object b : batch) {
            @SuppressWarnings("unchecked")
            List<SourceRecord> l = (List<SourceRecord>) b;
            records.addAll(l);
        }
        return Response.newBuilder().setSourceBatch(encode(records));
    }

    /**
     * The records of polls as one batch: each distinct schema, source partition and offset key
     * set once (see SourceBatch), a record carrying references and its own values. One batch at
     * a time, so that seqs reach inFlight in order even if two answers are built at once.
     */
    private synchronized SourceBatch encode(List<SourceRecord> records) {
        SourceBatch.Builder b = SourceBatch.newBuilder();
        if (records == null || records.isEmpty()) {
            return b.build();
        }
        DataCodec.SchemaTable schemas = new DataCodec.SchemaTable();
        PartitionTable partitions = new PartitionTable(b);
        OffsetKeyTable offsetKeys = new OffsetKeyTable(b);
        TopicCache topics = new TopicCache();
        for (SourceRecord r : records) {
            long seq = ++nextSeq;
            if (commitRecords) {
                inFlight.add(seq, r);
            }
            com.github.connectd.pluginhost.proto.SourceRecord.Builder pr = com.github.connectd.pluginhost.proto.SourceRecord.newBuilder()
                    .setSeq(seq)
                    .setTopicBytes(topics.bytes(r.topic()))
                    .setKeySchema(schemas.ref(r.keySchema()))
                    .setValueSchema(schemas.ref(r.valueSchema()))
                    .setSourcePartition(partitions.ref(r.sourcePartition()));
            if (r.key() != null) {
                pr.setKey(DataCodec.toProto(r.key()));
            }
            if (r.value() != null) {
                pr.setValue(DataCodec.toProto(r.value()));
            }
            Map<String, ?> offset = r.sourceOffset();
            if (offset != null) {
                pr.setOffsetKeys(offsetKeys.ref(offset));
                for (Object v : offset.values()) {
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
                pr.addHeaders(Header.newBuilder().setKey(h.key()).setSchema(schemas.ref(h.schema()))
                        .setValue(DataCodec.toProto(h.value())).build());
            }
            b.addRecords(pr.build()); // a built message: a builder here would be tracked as a nested builder
        }
        return b.addAllSchemas(schemas.schemas()).build();
    }

    /** A batch's topic names, each encoded to UTF-8 once, as records mostly share one topic. */
    private static final class TopicCache {
        private String last;
        private ByteString lastBytes = ByteString.EMPTY;

        ByteString bytes(String topic) {
            if (topic == null) {
                return ByteString.EMPTY;
            }
            if (!topic.equals(last)) {
                last = topic;
                lastBytes = ByteString.copyFromUtf8(topic);
            }
            return lastBytes;
        }
    }

    /**
     * The polled records the worker has not acknowledged yet, by seq, for commitRecord. Seqs are
     * given out consecutively and the worker acknowledges mostly in poll order, so a window that
     * starts at the oldest unacknowledged seq holds them without a map entry (or a boxed Long)
     * per record.
     */
    static final class InFlight {
        private SourceRecord[] ring = new SourceRecord[1024];
        private int head; // index in ring of seq base
        private int size; // seqs base .. base + size - 1 are in the window (acknowledged ones null)
        private long base = 1;

        /** Keeps r under seq, which is one more than the last seq kept. */
        synchronized void add(long seq, SourceRecord r) {
            if (size == 0) {
                base = seq;
            } else if (seq != base + size) {
                throw new IllegalStateException("seq " + seq + " after " + (base + size - 1));
            }
            if (size == ring.length) {
                SourceRecord[] grown = new SourceRecord[ring.length * 2];
                for (int i = 0; i < size; i++) {
                    grown[i] = ring[(head + i) % ring.length];
                }
                ring = grown;
                head = 0;
            }
            ring[(head + size) % ring.length] = r;
            size++;
        }

        /** Takes the record of seq; null if it is not kept (or was taken already). */
        synchronized SourceRecord remove(long seq) {
            if (seq < base || seq >= base + size) {
                return null;
            }
            int i = (int) ((head + (seq - base)) % ring.length);
            SourceRecord r = ring[i];
            ring[i] = null;
            while (size > 0 && ring[head] == null) { // the window starts at the oldest one kept
                head = (head + 1) % ring.length;
                base++;
                size--;
            }
            return r;
        }

        synchronized int size() {
            return size;
        }
    }

    /**
     * The distinct source partitions of one batch. Tasks often make a new but equal map for
     * every record (FileStreamSourceTask does), so equality is the test; the last partition is
     * checked by identity and then equality first, as consecutive records mostly share one.
     */
    private static final class PartitionTable {
        private final SourceBatch.Builder batch;
        private final Map<Map<String, ?>, Integer> index = new HashMap<>();
        private Map<String, ?> last;
        private int lastRef;

        PartitionTable(SourceBatch.Builder batch) {
            this.batch = batch;
        }

        int ref(Map<String, ?> p) {
            if (p == null) {
                return 0;
            }
            if (p == last || (last != null && p.equals(last))) {
                return lastRef;
            }
            Integer i = index.get(p);
            if (i == null) {
                batch.addPartitions(DataCodec.toProto(p));
                i = batch.getPartitionsCount();
                index.put(p, i);
            }
            last = p;
            lastRef = i;
            return i;
        }
    }

    /** The distinct key sets (in iteration order) of one batch's source offsets. */
    private static final class OffsetKeyTable {
        private final SourceBatch.Builder batch;
        private final Map<List<String>, Integer> index = new HashMap<>();
        private String[] last;
        private int lastRef;

        OffsetKeyTable(SourceBatch.Builder batch) {
            this.batch = batch;
        }

        int ref(Map<String, ?> offset) {
            if (last != null && sameKeys(offset)) {
                return lastRef;
            }
            List<String> keys = new ArrayList<>(offset.size());
            for (String k : offset.keySet()) {
                if (k == null) {
                    throw new org.apache.kafka.connect.errors.DataException("a source offset has a null key");
                }
                keys.add(k);
            }
            Integer i = index.get(keys);
            if (i == null) {
                batch.addOffsetKeys(com.github.connectd.pluginhost.proto.OffsetKeys.newBuilder().addAllKeys(keys));
                i = batch.getOffsetKeysCount();
                index.put(keys, i);
            }
            last = keys.toArray(new String[0]);
            lastRef = i;
            return i;
        }

        /** Whether offset's keys are last's, in the same order: no allocation on the common path. */
        private boolean sameKeys(Map<String, ?> offset) {
            if (offset.size() != last.length) {
                return false;
            }
            int i = 0;
            for (String k : offset.keySet()) {
                if (!last[i++].equals(k)) {
                    return false;
                }
            }
            return true;
        }
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
