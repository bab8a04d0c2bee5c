package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.Failure;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.kafka.connect.errors.RetriableException;

/** Turns a Java exception into the protocol's Failure, with the trace Kafka Connect would show. */
final class Failures {
    private Failures() {}

    static Failure of(Throwable t) {
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        return Failure.newBuilder()
                .setExceptionClass(t.getClass().getName())
                .setMessage(t.getMessage() == null ? "" : t.getMessage())
                .setStackTrace(trace.toString())
                .setRetriable(t instanceof RetriableException)
                .build();
    }
}
