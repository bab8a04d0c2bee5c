package com.example.failing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * A test source whose task returns "records.per.poll" numbered records from every poll(), as
 * fast as it is asked: the cost of the channel per round trip, without a plugin's own work.
 */
public class SequenceSourceConnector extends SourceConnector {
    private Map<String, String> props;

    @Override
    public String version() {
        return "1.0-test";
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return SequenceSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            out.add(props);
        }
        return out;
    }

    @Override
    public void stop() {}

    @Override
    public ConfigDef config() {
        return new ConfigDef()
                .define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "the topic")
                .define("records.per.poll", ConfigDef.Type.INT, 1, ConfigDef.Importance.MEDIUM, "records each poll() returns");
    }
}
