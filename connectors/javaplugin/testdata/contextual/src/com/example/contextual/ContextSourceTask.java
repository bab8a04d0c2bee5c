package com.example.contextual;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * Its first poll returns records r1 and r2 for topic t; every later poll returns what
 * commitRecord was told since, one record per call: "r1 t-0@7", or "r2 null" for a record
 * that was not written. Without any, it polls nothing.
 */
public class ContextSourceTask extends SourceTask {
    private final List<String> committed = new ArrayList<>();
    private boolean first = true;

    @Override
    public String version() {
        return "1.0-test";
    }

    @Override
    public void start(Map<String, String> props) {}

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        List<SourceRecord> out = new ArrayList<>();
        if (first) {
            first = false;
            for (String v : List.of("r1", "r2")) {
                out.add(new SourceRecord(Map.of("p", 1), Map.of("o", v), "t", null, Schema.STRING_SCHEMA, v));
            }
            return out;
        }
        synchronized (committed) {
            for (String c : committed) {
                out.add(new SourceRecord(Map.of("p", 1), null, "t", null, Schema.STRING_SCHEMA, c));
            }
            committed.clear();
        }
        if (out.isEmpty()) {
            Thread.sleep(50);
            return null;
        }
        return out;
    }

    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        String where = metadata == null ? "null" : metadata.topic() + "-" + metadata.partition() + "@" + metadata.offset();
        synchronized (committed) {
            committed.add(record.value() + " " + where);
        }
    }

    @Override
    public void stop() {}
}
