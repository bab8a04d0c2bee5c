package com.example.contextual;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * A test source whose exactlyOnceSupport and canDefineTransactionBoundaries answer what the
 * props eos and boundaries say (null when absent). It has no tasks worth running and does not
 * override alterOffsets, so Kafka's default refuses.
 */
public class ContextSourceConnector extends SourceConnector {
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
        return com.example.contextual.ContextSourceTask.class;
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
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> config) {
        String v = config.get("eos");
        return v == null ? null : ExactlyOnceSupport.valueOf(v);
    }

    @Override
    public ConnectorTransactionBoundaries canDefineTransactionBoundaries(Map<String, String> config) {
        String v = config.get("boundaries");
        return v == null ? null : ConnectorTransactionBoundaries.valueOf(v);
    }
}
