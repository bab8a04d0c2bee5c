package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.Event;
import com.github.connectd.pluginhost.proto.Frame;
import com.github.connectd.pluginhost.proto.HostRequest;
import com.github.connectd.pluginhost.proto.OffsetEntry;
import com.github.connectd.pluginhost.proto.PluginType;
import com.github.connectd.pluginhost.proto.ReadOffsets;
import com.github.connectd.pluginhost.proto.TaskStart;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.ConnectorContext;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnectorContext;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.source.SourceConnectorContext;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/**
 * One plugin object the worker made, with the thread its calls run on (the plugin's classloader
 * as context classloader) and a second one for a source task's commit calls, which Kafka
 * Connect makes beside poll().
 */
final class PluginInstance {
    private final long id;
    private final Object target;
    private final PluginDesc desc;
    private final Channel channel;
    private final Metrics metrics;
    private final ExecutorService calls;
    private final ExecutorService commits;
    private volatile SourceTaskRunner source;
    private volatile SinkTaskRunner sink;
    private volatile PluginMetricsImpl pluginMetrics;

    PluginInstance(long id, Object target, PluginDesc desc, Channel channel, Metrics metrics) {
        this.id = id;
        this.target = target;
        this.desc = desc;
        this.channel = channel;
        this.metrics = metrics;
        String name = "connectd-plugin-" + id + "-" + target.getClass().getSimpleName();
        this.calls = Executors.newSingleThreadExecutor(r -> withLoaderThread(r, name));
        this.commits = Executors.newSingleThreadExecutor(r -> withLoaderThread(r, name + "-commit"));
    }

    /** The type the instance was made as: a class that is both a Converter and a HeaderConverter is used as the one it was asked for. */
    PluginType type() {
        return desc.type();
    }

    private Thread withLoaderThread(Runnable r, String name) {
        Thread t = Host.daemon(r, name);
        t.setContextClassLoader(desc.loader());
        return t;
    }

    Object target() {
        return target;
    }

    void execute(Runnable r) {
        calls.execute(r);
    }

    void executeCommit(Runnable r) {
        commits.execute(r);
    }

    /** Runs r on the calling thread with the plugin's classloader as context loader. */
    void withLoader(Runnable r) {
        try {
            Host.withLoader(desc.loader(), () -> {
                r.run();
                return null;
            });
        } catch (Exception e) {
            throw new ConnectException(e);
        }
    }

    /** The connector, initialized with its context on first use. */
    Connector connector() {
        if (!(target instanceof Connector c)) {
            throw new ConnectException(target.getClass().getName() + " is not a connector");
        }
        if (pluginMetrics == null) {
            pluginMetrics = new PluginMetricsImpl(metrics, Map.of("instance", Long.toString(id)));
            c.initialize(desc.type() == PluginType.PLUGIN_TYPE_SOURCE ? new SourceConnectorCtx() : new SinkConnectorCtx());
        }
        return c;
    }

    SourceTaskRunner source() {
        if (source == null) {
            throw new ConnectException("source task " + id + " was not started");
        }
        return source;
    }

    /** The started sink task, or null. */
    SinkTaskRunner sinkOrNull() {
        return sink;
    }

    SinkTaskRunner sink() {
        if (sink == null) {
            throw new ConnectException("sink task " + id + " was not started");
        }
        return sink;
    }

    void startTask(TaskStart req) {
        pluginMetrics = new PluginMetricsImpl(metrics,
                Map.of("connector", req.getConnector(), "task", Integer.toString(req.getTask())));
        if (target instanceof SourceTask t) {
            source = new SourceTaskRunner(t, req.getPropsMap(), new OffsetReader(), pluginMetrics, req.getCommitRecords(), req.getTransactionContext());
            source.start();
        } else if (target instanceof SinkTask t) {
            sink = new SinkTaskRunner(t, req.getPropsMap(), pluginMetrics, req.getErrantReporter() ? channel : null, id);
            sink.start();
        } else {
            throw new ConnectException(target.getClass().getName() + " is not a task");
        }
    }

    void stopTask() {
        if (target instanceof SourceTask t) {
            if (source != null) {
                source.stopPolling();
            }
            t.stop();
        } else if (target instanceof SinkTask t) {
            t.stop();
        } else {
            throw new ConnectException(target.getClass().getName() + " is not a task");
        }
    }

    /** Ends the instance's threads once their calls in flight have ended. */
    void close() {
        if (source != null) {
            source.stopPolling();
        }
        if (target instanceof org.apache.kafka.connect.transforms.Transformation<?>
                || target instanceof org.apache.kafka.connect.transforms.predicates.Predicate<?>
                || target instanceof org.apache.kafka.connect.storage.HeaderConverter) {
            // Their close() releases what configure() acquired; a task's and a connector's
            // stop() does that for them.
            calls.execute(() -> {
                try {
                    ((AutoCloseable) target).close();
                } catch (Exception e) {
                    System.err.println("connectd plugin host: close " + target.getClass().getName() + ": " + e);
                }
            });
        }
        calls.shutdown();
        commits.shutdown();
        if (pluginMetrics != null) {
            try {
                pluginMetrics.close();
            } catch (IOException ignored) {
                // metrics of a forgotten instance
            }
        }
    }

    private void event(Event.Builder e) {
        channel.send(Frame.newBuilder().setEvent(e.setInstance(id)).build());
    }

    private class SinkConnectorCtx implements SinkConnectorContext {
        @Override
        public void requestTaskReconfiguration() {
            event(Event.newBuilder().setRequestTaskReconfiguration(com.github.connectd.pluginhost.proto.Done.getDefaultInstance()));
        }

        @Override
        public void raiseError(Exception e) {
            event(Event.newBuilder().setRaiseError(Failures.of(e)));
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return pluginMetrics;
        }
    }

    private final class SourceConnectorCtx extends SinkConnectorCtx implements SourceConnectorContext {
        @Override
        public OffsetStorageReader offsetStorageReader() {
            return new OffsetReader();
        }
    }

    /** Reads committed source offsets from the worker, which reads connectd's offsets topic. */
    private final class OffsetReader implements OffsetStorageReader {
        @Override
        public <T> Map<String, Object> offset(Map<String, T> partition) {
            // Not List.of: a task may ask for the null partition, as Kafka Connect allows.
            return offsets(Collections.singletonList(partition)).get(partition);
        }

        @Override
        public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
            List<Map<String, T>> asked = new ArrayList<>(partitions);
            ReadOffsets.Builder req = ReadOffsets.newBuilder().setInstance(id);
            for (Map<String, T> p : asked) {
                req.addPartitions(DataCodec.toProto(p));
            }
            List<OffsetEntry> entries;
            try {
                entries = channel.call(HostRequest.newBuilder().setReadOffsets(req)).getOffsets().getEntriesList();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("interrupted while reading offsets", e);
            }
            if (entries.size() != asked.size()) {
                throw new ConnectException("the worker answered " + entries.size() + " offsets for " + asked.size() + " partitions");
            }
            Map<Map<String, T>, Map<String, Object>> out = new HashMap<>();
            for (int i = 0; i < asked.size(); i++) {
                out.put(asked.get(i), DataCodec.toStringMap(entries.get(i).getOffset()));
            }
            return out;
        }
    }
}
