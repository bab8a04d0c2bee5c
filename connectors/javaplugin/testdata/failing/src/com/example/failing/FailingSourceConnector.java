package com.example.failing;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * A test plugin that fails where its config says: "fail" = connector-start, task-start, poll,
 * poll-retriable or validate-hang; with "fail.file" set, only while that file exists, so that a
 * test can let a restart succeed. Compiled by the Go tests against the Connect API and loaded
 * from a plugin directory.
 */
public class FailingSourceConnector extends SourceConnector {
    private Map<String, String> props;

    @Override
    public String version() {
        return "1.0-test";
    }

    @Override
    public void start(Map<String, String> props) {
        if ("connector-start".equals(props.get("fail")) && armed(props)) {
            throw new IllegalStateException("connector start failed on purpose");
        }
        this.props = props;
    }

    /** Whether the failure asked for is on: always, or while the "fail.file" exists. */
    static boolean armed(Map<String, String> props) {
        String file = props.get("fail.file");
        return file == null || file.isEmpty() || java.nio.file.Files.exists(java.nio.file.Path.of(file));
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
        return new ConfigDef()
                .define("fail", ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH, "where to fail")
                .define("fail.file", ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, "fail only while this file exists");
    }

    @Override
    public Config validate(Map<String, String> props) {
        if ("validate-hang".equals(props.get("fail")) && armed(props)) {
            try {
                String marker = props.get("hang.marker");
                if (marker != null && !marker.isEmpty()) { // tells a test that validate() hangs now
                    java.nio.file.Files.writeString(java.nio.file.Path.of(marker), "hanging");
                }
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return super.validate(props);
    }
}
