package com.example.contextual;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * A test sink whose task uses the whole SinkTaskContext, as its props say, and whose
 * alterOffsets accepts only offsets below 1000.
 */
public class ContextSinkConnector extends SinkConnector {
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
        return ContextSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(props);
    }

    @Override
    public void stop() {}

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public boolean alterOffsets(Map<String, String> config, Map<TopicPartition, Long> offsets) {
        for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
            if (e.getValue() != null && e.getValue() >= 1000) {
                throw new ConnectException("offset " + e.getValue() + " of " + e.getKey() + " is too far");
            }
        }
        return offsets.containsValue(null); // distinguishes a reset from an alter in the answer
    }
}
