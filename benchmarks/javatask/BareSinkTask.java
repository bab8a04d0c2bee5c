import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * A Java sink task's own ceiling: the task put every line of a file, in batches, and flushed
 * every interval, with no Kafka and no runtime around it. The javahost benchmark runs it (Java's
 * single-file source launcher) with the plugin host's JVM options, so that a sink connector
 * through either runtime can be read against what the task alone does on the same machine.
 *
 * As in a runtime, the records are made on another thread while the task puts the last batch
 * (connectd's host reads the next put while the task works), and what the task prints goes to a
 * buffered stream (here /dev/null), as the plugin host's does.
 *
 * Usage: java -cp PLUGIN_JARS BareSinkTask.java TASK_CLASS LINES_FILE BATCH FLUSH_MS [key=value...]
 * Prints one line: "records N seconds S", S from the first put to the end of the last flush.
 */
public final class BareSinkTask {
    private static final List<SinkRecord> END = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            throw new IllegalArgumentException("usage: BareSinkTask TASK_CLASS LINES_FILE BATCH FLUSH_MS [key=value...]");
        }
        PrintStream report = System.out;
        System.setOut(new PrintStream(new BufferedOutputStream(new FileOutputStream("/dev/null"), 1 << 16), false));
        SinkTask task = (SinkTask) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        String file = args[1];
        int batch = Integer.parseInt(args[2]);
        long flushNanos = Long.parseLong(args[3]) * 1_000_000L;
        Map<String, String> props = new HashMap<>();
        for (int i = 4; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            props.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        String topic = "bare";
        TopicPartition tp = new TopicPartition(topic, 0);
        task.initialize(new Context());
        task.start(props);

        BlockingQueue<List<SinkRecord>> batches = new ArrayBlockingQueue<>(2);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new FileReader(file), 1 << 20)) {
                long offset = 0;
                List<SinkRecord> b = new ArrayList<>(batch);
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    b.add(new SinkRecord(topic, 0, Schema.OPTIONAL_STRING_SCHEMA, null, Schema.OPTIONAL_STRING_SCHEMA, line,
                            offset++, System.currentTimeMillis(), TimestampType.CREATE_TIME, new ConnectHeaders()));
                    if (b.size() == batch) {
                        batches.put(b);
                        b = new ArrayList<>(batch);
                    }
                }
                if (!b.isEmpty()) {
                    batches.put(b);
                }
                batches.put(END);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, "bare-reader");
        reader.setDaemon(true);
        reader.start();

        long n = 0;
        long start = System.nanoTime();
        long lastFlush = start;
        for (List<SinkRecord> b = batches.take(); b != END; b = batches.take()) {
            task.put(b);
            n += b.size();
            long now = System.nanoTime();
            if (now - lastFlush >= flushNanos) {
                task.preCommit(Map.of(tp, new OffsetAndMetadata(n)));
                lastFlush = now;
            }
        }
        task.preCommit(Map.of(tp, new OffsetAndMetadata(n)));
        double seconds = (System.nanoTime() - start) / 1e9;
        task.stop();
        System.out.flush();
        report.printf("records %d seconds %.3f%n", n, seconds);
    }

    /** A context that asks for nothing: the task's own calls on it are answered and ignored. */
    private static final class Context implements SinkTaskContext {
        public Map<String, String> configs() {
            return Map.of();
        }

        public void offset(Map<TopicPartition, Long> offsets) {}

        public void offset(TopicPartition tp, long offset) {}

        public void timeout(long timeoutMs) {}

        public java.util.Set<TopicPartition> assignment() {
            return java.util.Set.of(new TopicPartition("bare", 0));
        }

        public void pause(TopicPartition... partitions) {}

        public void resume(TopicPartition... partitions) {}

        public void requestCommit() {}

        public org.apache.kafka.common.metrics.PluginMetrics pluginMetrics() {
            throw new UnsupportedOperationException("no plugin metrics in a bare run");
        }
    }
}
