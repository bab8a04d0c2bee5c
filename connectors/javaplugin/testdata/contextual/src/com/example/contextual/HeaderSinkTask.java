package com.example.contextual;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/** Appends each record put to its file: the value, then " key:TYPE=value" for each header. */
public class HeaderSinkTask extends SinkTask {
    private Path file;

    @Override
    public String version() {
        return "1.0-test";
    }

    @Override
    public void start(Map<String, String> props) {
        file = Path.of(props.get("file"));
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        StringBuilder out = new StringBuilder();
        for (SinkRecord r : records) {
            out.append(r.value());
            for (Header h : r.headers()) {
                out.append(' ').append(h.key()).append(':').append(h.schema() == null ? "null" : h.schema().type()).append('=').append(h.value());
            }
            out.append('\n');
        }
        try {
            Files.writeString(file, out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {}
}
