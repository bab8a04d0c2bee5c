package com.example.contextual;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/** Polls its lines once, in one batch, each with the header h of its text; then nothing. */
public class HeaderSourceTask extends SourceTask {
    private String[] lines;
    private String topic;
    private boolean done;

    @Override
    public String version() {
        return "1.0-test";
    }

    @Override
    public void start(Map<String, String> props) {
        lines = props.get("lines").split(",");
        topic = props.get("topic");
        done = context.offsetStorageReader().offset(Map.of("p", 1)) != null;
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        if (done) {
            Thread.sleep(50);
            return null;
        }
        done = true;
        List<SourceRecord> out = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            ConnectHeaders headers = new ConnectHeaders();
            headers.addString("h", lines[i]);
            out.add(new SourceRecord(Map.of("p", 1), Map.of("o", i), topic, null, null, null, Schema.STRING_SCHEMA, lines[i], null, headers));
        }
        return out;
    }

    @Override
    public void stop() {}
}
