package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.TransactionRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.TransactionContext;

/**
 * A source task's TransactionContext with transaction.boundary=connector, as Kafka Connect's
 * WorkerTransactionContext keeps it: the task asks from any thread; right after each poll() the
 * poll loop takes the requests that concern that poll's records (a record is named by equals(),
 * as Kafka's HashSet names it) and the poll itself, and they cross to the worker with the
 * records (SourceBatch.transaction_requests), which ends its transactions there. Asking both to
 * commit and to abort at one record, or for one poll, fails the poll with Kafka's
 * IllegalStateException.
 */
final class HostTransactionContext implements TransactionContext {
    private static final int BATCH_TRANSACTION_REQUESTS = 5; // SourceBatch.transaction_requests

    private final Set<SourceRecord> commitRecords = new HashSet<>();
    private final Set<SourceRecord> abortRecords = new HashSet<>();
    private boolean commitBatch, abortBatch;

    @Override
    public synchronized void commitTransaction() {
        commitBatch = true;
    }

    @Override
    public synchronized void commitTransaction(SourceRecord record) {
        Objects.requireNonNull(record, "Source record used to define transaction boundaries may not be null");
        commitRecords.add(record);
    }

    @Override
    public synchronized void abortTransaction() {
        abortBatch = true;
    }

    @Override
    public synchronized void abortTransaction(SourceRecord record) {
        Objects.requireNonNull(record, "Source record used to define transaction boundaries may not be null");
        abortRecords.add(record);
    }

    /** One poll's records and the requests about them, positions counted within the poll. */
    static final class Poll extends ArrayList<SourceRecord> {
        final List<TransactionRequest> requests = new ArrayList<>();

        Poll(List<SourceRecord> records) {
            super(records);
        }
    }

    /** Takes the requests for a poll that returned records (may be empty), in record order, then the poll's own. */
    synchronized Poll take(List<SourceRecord> records) {
        Poll p = new Poll(records);
        if (!commitRecords.isEmpty() || !abortRecords.isEmpty()) {
            for (int i = 0; i < records.size(); i++) {
                SourceRecord r = records.get(i);
                boolean commit = commitRecords.contains(r), abort = abortRecords.contains(r);
                if (commit && abort) {
                    throw new IllegalStateException(String.format(
                            "Connector requested both commit and abort of same record against topic/partition %s/%s",
                            r.topic(), r.kafkaPartition()));
                }
                if (abort) {
                    abortRecords.remove(r);
                } else if (commit) {
                    commitRecords.remove(r);
                } else {
                    continue;
                }
                p.requests.add(TransactionRequest.newBuilder().setAfter(i + 1).setAbort(abort).setRecord(true).build());
            }
        }
        if (commitBatch && abortBatch) {
            throw new IllegalStateException("Connector requested both commit and abort of same transaction");
        }
        if (commitBatch || abortBatch) {
            p.requests.add(TransactionRequest.newBuilder().setAfter(records.size()).setAbort(abortBatch).build());
        }
        commitBatch = abortBatch = false;
        return p;
    }

    /** The requests of polls, shifted by the records before each poll, as SourceBatch fields to append to an encoded batch. */
    static ByteString encode(List<Object> polls) {
        ByteString.Output bytes = ByteString.newOutput();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            int before = 0;
            for (Object o : polls) {
                List<?> l = (List<?>) o;
                if (l instanceof Poll p) {
                    for (TransactionRequest r : p.requests) {
                        out.writeMessage(BATCH_TRANSACTION_REQUESTS, r.toBuilder().setAfter(before + r.getAfter()).build());
                    }
                }
                before += l.size();
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteString();
    }
}
