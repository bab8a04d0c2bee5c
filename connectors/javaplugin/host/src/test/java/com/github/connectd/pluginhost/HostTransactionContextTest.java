package com.github.connectd.pluginhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.connectd.pluginhost.proto.SourceBatch;
import com.github.connectd.pluginhost.proto.TransactionRequest;
import java.util.List;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** WorkerTransactionContext's contract, as the host keeps it per poll and sends it on. */
class HostTransactionContextTest {
    private static SourceRecord r(String v) {
        return new SourceRecord(null, null, "t", null, v);
    }

    private static TransactionRequest req(int after, boolean abort, boolean record) {
        return TransactionRequest.newBuilder().setAfter(after).setAbort(abort).setRecord(record).build();
    }

    @Test
    void recordRequestsByEqualityThenThePollsOwn() throws Exception {
        HostTransactionContext c = new HostTransactionContext();
        c.commitTransaction(r("b")); // an equal record, as Kafka's HashSet matches
        c.abortTransaction(r("later"));
        c.commitTransaction();
        HostTransactionContext.Poll p = c.take(List.of(r("a"), r("b"), r("c")));
        assertEquals(List.of(req(2, false, true), req(3, false, false)), p.requests);
        // The unmatched request waits for a later poll; the poll's own was used up.
        HostTransactionContext.Poll empty = c.take(List.of());
        assertEquals(List.of(), empty.requests);
        HostTransactionContext.Poll later = c.take(List.of(r("later")));
        assertEquals(List.of(req(1, true, true)), later.requests);
        // Encoded as SourceBatch fields, counted from the batch's first record.
        c.abortTransaction();
        HostTransactionContext.Poll aborted = c.take(List.of());
        SourceBatch b = SourceBatch.parseFrom(HostTransactionContext.encode(List.of(p, empty, later, aborted)));
        assertEquals(List.of(req(2, false, true), req(3, false, false), req(4, true, true), req(4, true, false)),
                b.getTransactionRequestsList());
    }

    @Test
    void bothForOneRecordOrOnePollIsKafkasIllegalState() {
        HostTransactionContext c = new HostTransactionContext();
        c.commitTransaction(r("a"));
        c.abortTransaction(r("a"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.take(List.of(r("a"))));
        assertEquals("Connector requested both commit and abort of same record against topic/partition t/null", e.getMessage());
        HostTransactionContext d = new HostTransactionContext();
        d.commitTransaction();
        d.abortTransaction();
        e = assertThrows(IllegalStateException.class, () -> d.take(List.of()));
        assertEquals("Connector requested both commit and abort of same transaction", e.getMessage());
        assertThrows(NullPointerException.class, () -> d.commitTransaction(null));
    }
}
