package com.example.contextual;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.TransactionContext;

/**
 * Defines its transactions through context.transactionContext(), one poll at a time:
 * poll 1 returns a0 a1 a2 and commits after a1; poll 2 returns nothing and commits the poll;
 * poll 3 returns a3 a4, aborts after a4 and aborts the poll; poll 4 returns a5 and commits the
 * poll; poll 5 returns a6 a7 asking both to commit and to abort after a6; then nothing. Without
 * a transaction context its first poll returns the one record "no transaction context".
 */
public class TransactionSourceTask extends SourceTask {
    private int polls;

    @Override
    public String version() {
        return "1.0-test";
    }

    @Override
    public void start(Map<String, String> props) {}

    private static SourceRecord record(String v) {
        return new SourceRecord(Map.of("p", 1), Map.of("o", v), "t", null, Schema.STRING_SCHEMA, v);
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        TransactionContext txn = context.transactionContext();
        polls++;
        if (txn == null) {
            return polls == 1 ? List.of(record("no transaction context")) : null;
        }
        List<SourceRecord> out = new ArrayList<>();
        switch (polls) {
            case 1 -> {
                out.add(record("a0"));
                out.add(record("a1"));
                out.add(record("a2"));
                txn.commitTransaction(record("a1")); // an equal record names it, as in Kafka
            }
            case 2 -> txn.commitTransaction();
            case 3 -> {
                out.add(record("a3"));
                out.add(record("a4"));
                txn.abortTransaction(out.get(1));
                txn.abortTransaction();
            }
            case 4 -> {
                out.add(record("a5"));
                txn.commitTransaction();
            }
            case 5 -> {
                out.add(record("a6"));
                out.add(record("a7"));
                txn.commitTransaction(out.get(0));
                txn.abortTransaction(out.get(0));
            }
            default -> {
                Thread.sleep(50);
                return null;
            }
        }
        return out;
    }

    @Override
    public void stop() {}
}
