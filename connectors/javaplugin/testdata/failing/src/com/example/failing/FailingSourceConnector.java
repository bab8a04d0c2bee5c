package com.example.failing;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * A test plugin that fails where its config says: "fail" = start, poll or validate-hang.
 * Compiled by the Go tests against the host's Connect API and loaded from a plugin directory.
 */
public class FailingSourceConnector extends SourceConnector {
    private Map<String, String> props;

    @Override
    public String version() {
        return "1.0-test";
    }

    @Override
    public void start(Map<String, String> props) {
        if ("connector-start".equals(props.get("fail"))) {
            throw new IllegalStateException("connector start failed on purpose");
        }
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return FailingSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(props);
    }

    @Override
    public void stop() {}

    @Override
    public ConfigDef config() {
        return new ConfigDef().define("fail", ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH, "where to fail");
    }

    @Override
    public Config validate(Map<String, String> props) {
        if ("validate-hang".equals(props.get("fail"))) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return super.validate(props);
    }
}
