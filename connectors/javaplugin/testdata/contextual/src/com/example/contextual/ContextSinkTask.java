package com.example.contextual;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * Asks its SinkTaskContext for what its props say:
 * seek.on.open=N seeks every opened partition to N; pause.on.put pauses (and resume.on.put
 * resumes) the partitions of each batch; request.commit asks for a commit on each put;
 * retriable.puts=N makes the first N puts set timeout(timeout.ms) and throw a
 * RetriableException; precommit.lag=N commits N behind the position; records whose value is
 * "bad" are reported to errantRecordReporter(), waiting for the Future; with file set, each
 * record's value put is appended to that file as a line.
 */
public class ContextSinkTask extends SinkTask {
    private Map<String, String> props;
    private int retriablePuts;

    @Override
    public String version() {
        return "1.0-test";
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
        retriablePuts = Integer.parseInt(props.getOrDefault("retriable.puts", "0"));
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        if (props.containsKey("seek.on.open")) {
            long to = Long.parseLong(props.get("seek.on.open"));
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (TopicPartition tp : partitions) {
                offsets.put(tp, to);
            }
            context.offset(offsets);
        }
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        if (retriablePuts > 0) {
            retriablePuts--;
            context.timeout(Long.parseLong(props.getOrDefault("timeout.ms", "0")));
            throw new RetriableException("the store is busy, " + retriablePuts + " more");
        }
        for (SinkRecord r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
            if (props.containsKey("pause.on.put")) {
                context.pause(tp);
            }
            if (props.containsKey("resume.on.put")) {
                context.resume(tp);
            }
            if ("bad".equals(r.value())) {
                ErrantRecordReporter reporter = context.errantRecordReporter();
                if (reporter == null) {
                    throw new ConnectException("errantRecordReporter() is null");
                }
                try {
                    reporter.report(r, new IllegalArgumentException("bad record at " + r.kafkaOffset())).get();
                } catch (InterruptedException | ExecutionException e) {
                    throw new ConnectException("report failed", e);
                }
            }
        }
        if (props.containsKey("file")) {
            StringBuilder b = new StringBuilder();
            for (SinkRecord r : records) {
                b.append(r.value()).append('\n');
            }
            try {
                java.nio.file.Files.writeString(java.nio.file.Path.of(props.get("file")), b,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            } catch (java.io.IOException e) {
                throw new ConnectException(e);
            }
        }
        if (props.containsKey("request.commit")) {
            context.requestCommit();
        }
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> current) {
        long lag = Long.parseLong(props.getOrDefault("precommit.lag", "0"));
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : current.entrySet()) {
            out.put(e.getKey(), new OffsetAndMetadata(e.getValue().offset() - lag));
        }
        return out;
    }

    @Override
    public void stop() {}
}
