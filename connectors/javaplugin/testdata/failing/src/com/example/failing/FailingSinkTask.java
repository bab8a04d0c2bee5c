package com.example.failing;

import java.util.Collection;
import java.util.Map;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/** Throws from put() with the number of records it was handed (while armed: see "fail.file"). */
public class FailingSinkTask extends SinkTask {
    private boolean armed;

    @Override
    public String version() {
        return "1.0-test";
    }

    @Override
    public void start(Map<String, String> props) {
        armed = FailingSourceConnector.armed(props);
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (!armed || records.isEmpty()) {
            return;
        }
        throw new DataException("put of " + records.size() + " records failed on purpose");
    }

    @Override
    public void stop() {}
}
