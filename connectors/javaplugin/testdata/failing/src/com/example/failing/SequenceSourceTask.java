package com.example.failing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * Returns records.per.poll records numbered from where its offset says; with
 * null.partition=true its records have no source partition (Kafka Connect keeps their offset
 * under the null partition).
 */
public class SequenceSourceTask extends SourceTask {
    private Map<String, Object> partition = Map.of("sequence", "0");
    private String topic;
    private int perPoll;
    private long next;

    @Override
    public String version() {
        return "1.0-test";
    }

    private String padding = "";

    @Override
    public void start(Map<String, String> props) {
        topic = props.get("topic");
        perPoll = Integer.parseInt(props.getOrDefault("records.per.poll", "1"));
        padding = "x".repeat(Integer.parseInt(props.getOrDefault("value.padding", "0")));
        if (Boolean.parseBoolean(props.get("null.partition"))) {
            partition = null;
        }
        Map<String, Object> offset = context.offsetStorageReader().offset(partition);
        next = offset == null ? 0 : ((Number) offset.get("next")).longValue();
    }

    @Override
    public List<SourceRecord> poll() {
        List<SourceRecord> out = new ArrayList<>(perPoll);
        for (int i = 0; i < perPoll; i++, next++) {
            out.add(new SourceRecord(partition, Map.of("next", next + 1), topic, Schema.STRING_SCHEMA, "record-" + next + padding));
        }
        return out;
    }

    @Override
    public void stop() {}
}
