package com.example.failing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/** Returns records.per.poll records numbered from where its offset says. */
public class SequenceSourceTask extends SourceTask {
    private static final Map<String, Object> PARTITION = Map.of("sequence", "0");
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
        Map<String, Object> offset = context.offsetStorageReader().offset(PARTITION);
        next = offset == null ? 0 : ((Number) offset.get("next")).longValue();
    }

    @Override
    public List<SourceRecord> poll() {
        List<SourceRecord> out = new ArrayList<>(perPoll);
        for (int i = 0; i < perPoll; i++, next++) {
            out.add(new SourceRecord(PARTITION, Map.of("next", next + 1), topic, Schema.STRING_SCHEMA, "record-" + next + padding));
        }
        return out;
    }

    @Override
    public void stop() {}
}
