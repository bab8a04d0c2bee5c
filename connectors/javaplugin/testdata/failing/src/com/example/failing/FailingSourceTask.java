package com.example.failing;

import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/** The task of FailingSourceConnector: "fail" = task-start, poll or poll-retriable (armed when it starts). */
public class FailingSourceTask extends SourceTask {
    private String fail;

    @Override
    public String version() {
        return "1.0-test";
    }

    @Override
    public void start(Map<String, String> props) {
        fail = FailingSourceConnector.armed(props) ? props.getOrDefault("fail", "") : "";
        if (fail.equals("task-start")) {
            throw new ConnectException("task start failed on purpose");
        }
    }

    @Override
    public List<SourceRecord> poll() {
        if (fail.equals("poll")) {
            throw new ConnectException("poll failed on purpose", new IllegalArgumentException("the cause"));
        }
        if (fail.equals("poll-retriable")) {
            throw new RetriableException("try again");
        }
        return null;
    }

    @Override
    public void stop() {}
}
