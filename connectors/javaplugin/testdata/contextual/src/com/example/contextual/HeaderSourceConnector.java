package com.example.contextual;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/** A test source whose one task writes the comma-separated lines to topic, each with a header h of its text. */
public class HeaderSourceConnector extends SourceConnector {
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
        return HeaderSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(props);
    }

    @Override
    public void stop() {}

    @Override
    public ConfigDef config() {
        return new ConfigDef()
                .define("lines", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "The records' values, comma-separated.")
                .define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "The topic written.");
    }
}
