package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.RecordAck;
import com.github.connectd.pluginhost.proto.Response;
import com.google.protobuf.ByteString;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.source.TransactionContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/** A started source task: poll() ahead of the worker, batches of polls, commit() and commitRecord(). */
final class SourceTaskRunner {
    private final SourceTask task;
    private final Map<String, String> props;
    private final OffsetStorageReader offsets;
    private final PluginMetrics metrics;
    private final boolean commitRecords;
    private final HostTransactionContext txn; // null unless transaction.boundary=connector
    private final InFlight inFlight = new InFlight();
    private long nextSeq;

    SourceTaskRunner(SourceTask task, Map<String, String> props, OffsetStorageReader offsets, PluginMetrics metrics,
            boolean commitRecords, boolean transactionContext) {
        this.task = task;
        this.props = Map.copyOf(props);
        this.offsets = offsets;
        this.metrics = metrics;
        this.commitRecords = commitRecords;
        this.txn = transactionContext ? new HostTransactionContext() : null;
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

            @Override
            public TransactionContext transactionContext() {
                return txn;
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
                if (txn != null) {
                    // This poll's transaction requests travel with its records (an empty
                    // poll's too, so it is kept below when it carries one).
                    @SuppressWarnings("unchecked")
                    List<SourceRecord> l = (List<SourceRecord>) polled;
                    polled = txn.take(l);
                }
            } catch (Throwable t) {
                polled = t;
            }
            synchronized (lock) {
                if (polled instanceof List<?> l && l.isEmpty()
                        && !(l instanceof HostTransactionContext.Poll p && !p.requests.isEmpty())) {
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
        ByteString encoded = encode(records);
        if (txn != null) {
            encoded = encoded.concat(HostTransactionContext.encode(batch)); // fields of the same SourceBatch
        }
        return Response.newBuilder().setSourceBatch(encoded);
    }

    /**
     * The records of polls as one encoded SourceBatch (SourceBatchWriter). One batch at a time,
     * so that seqs reach inFlight in order even if two answers are built at once.
     */
    private synchronized ByteString encode(List<SourceRecord> records) {
        SourceBatchWriter w = new SourceBatchWriter();
        for (SourceRecord r : records) {
            long seq = ++nextSeq;
            if (commitRecords) {
                inFlight.add(seq, r);
            }
            w.add(seq, r);
        }
        return w.finish();
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
