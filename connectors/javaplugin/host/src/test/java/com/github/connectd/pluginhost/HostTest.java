package com.github.connectd.pluginhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.connectd.pluginhost.proto.Frame;
import com.github.connectd.pluginhost.proto.HostResponse;
import com.github.connectd.pluginhost.proto.NewInstance;
import com.github.connectd.pluginhost.proto.OffsetEntry;
import com.github.connectd.pluginhost.proto.Offsets;
import com.github.connectd.pluginhost.proto.PluginType;
import com.github.connectd.pluginhost.proto.Request;
import com.github.connectd.pluginhost.proto.Response;
import com.github.connectd.pluginhost.proto.SchemaType;
import com.github.connectd.pluginhost.proto.SinkPut;
import com.github.connectd.pluginhost.proto.SinkRecord;
import com.github.connectd.pluginhost.proto.SourceBatch;
import com.github.connectd.pluginhost.proto.TaskStart;
import com.github.connectd.pluginhost.proto.Value;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host served over a real channel, driven as the worker drives it, with Apache's FileStream
 * connectors from the test plugin.path: the same frames the Go side sends.
 */
class HostTest {
    private PipedOutputStream toHost;
    private PipedInputStream fromHost;
    private Thread hostThread;
    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private Thread reader;
    private long nextId;
    /** Offsets the "worker" answers ReadOffsets with: partition → offset. */
    private final Map<Value, Value> committed = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        PipedInputStream hostIn = new PipedInputStream(1 << 16);
        toHost = new PipedOutputStream(hostIn);
        fromHost = new PipedInputStream(1 << 16);
        PipedOutputStream hostOut = new PipedOutputStream(fromHost);
        Channel channel = new Channel(hostIn, hostOut);
        PluginScanner scanner = new PluginScanner(getClass().getClassLoader());
        scanner.scanEntry(Fixtures.pluginPath().toString());
        Plugins plugins = new Plugins(scanner.plugins());
        channel.send(Frame.newBuilder().setHello(Main.hello(plugins, scanner)).build());
        Host host = new Host(plugins, channel);
        hostThread = new Thread(() -> {
            try {
                channel.run(host::handle);
            } catch (IOException ignored) {
                // the test closed the pipe
            }
        }, "host");
        hostThread.start();
        reader = new Thread(this::read, "worker-reader");
        reader.start();
    }

    @AfterEach
    void stop() throws Exception {
        toHost.close();
        hostThread.join(10_000);
        reader.interrupt();
    }

    /** The "worker's" reading side: answers ReadOffsets, queues everything else. */
    private void read() {
        try {
            for (Frame f; (f = Frame.parseDelimitedFrom(fromHost)) != null; ) {
                if (f.hasHostRequest()) {
                    Offsets.Builder o = Offsets.newBuilder();
                    for (Value p : f.getHostRequest().getReadOffsets().getPartitionsList()) {
                        OffsetEntry.Builder e = OffsetEntry.newBuilder().setPartition(p);
                        Value off = committed.get(p);
                        if (off != null) {
                            e.setOffset(off);
                        }
                        o.addEntries(e);
                    }
                    send(Frame.newBuilder().setHostResponse(HostResponse.newBuilder()
                            .setId(f.getHostRequest().getId()).setOffsets(o)).build());
                    continue;
                }
                frames.add(f);
            }
        } catch (IOException ignored) {
            // closed
        }
    }

    private synchronized void send(Frame f) {
        try {
            f.writeDelimitedTo(toHost);
            toHost.flush();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private Frame next() throws InterruptedException {
        Frame f = frames.poll(30, TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("no frame from the host within 30 s");
        }
        return f;
    }

    private Response call(Request.Builder r) throws InterruptedException {
        long id = ++nextId;
        send(Frame.newBuilder().setRequest(r.setId(id)).build());
        Frame f = next();
        assertTrue(f.hasResponse(), "expected a response, got " + f);
        assertEquals(id, f.getResponse().getId());
        return f.getResponse();
    }

    private Response ok(Request.Builder r) throws InterruptedException {
        Response resp = call(r);
        assertFalse(resp.hasFailure(), () -> "call failed: " + resp.getFailure().getStackTrace());
        return resp;
    }

    private long newInstance(String cls, boolean task) throws InterruptedException {
        return ok(Request.newBuilder().setNewInstance(NewInstance.newBuilder().setClassName(cls).setTaskOfConnector(task)))
                .getInstance().getInstance();
    }

    @Test
    void helloListsThePlugins() throws Exception {
        Frame hello = next();
        assertTrue(hello.hasHello());
        assertEquals("4.3.1", hello.getHello().getKafkaVersion());
        List<String> plugins = new ArrayList<>();
        hello.getHello().getPluginsList().forEach(p -> plugins.add(p.getClassName() + " " + p.getType() + " " + p.getVersion()));
        plugins.sort(null);
        assertEquals(List.of(Fixtures.SINK + " PLUGIN_TYPE_SINK 4.3.1", Fixtures.SOURCE + " PLUGIN_TYPE_SOURCE 4.3.1"), plugins);
    }

    @Test
    void validateAndConfigDefAreThePluginsOwn() throws Exception {
        next(); // hello
        Response def = ok(Request.newBuilder().setGetConfigDef(com.github.connectd.pluginhost.proto.GetConfigDef.newBuilder()
                .setClassName(Fixtures.SOURCE).setType(PluginType.PLUGIN_TYPE_SOURCE)));
        List<String> keys = def.getConfigDef().getKeysList().stream().map(k -> k.getName() + ":" + k.getType()).toList();
        assertEquals(List.of("file:STRING", "topic:STRING", "batch.size:INT"), keys);
        Response v = ok(Request.newBuilder().setValidate(com.github.connectd.pluginhost.proto.Validate.newBuilder()
                .setClassName(Fixtures.SOURCE).setType(PluginType.PLUGIN_TYPE_SOURCE).putProps("batch.size", "x")));
        Map<String, List<String>> errors = new java.util.HashMap<>();
        v.getValidation().getValuesList().forEach(cv -> errors.put(cv.getName(), cv.getErrorsList()));
        assertEquals(List.of("Invalid value x for configuration batch.size: Not a number of type INT"), errors.get("batch.size"));
        assertFalse(errors.get("topic").isEmpty(), "topic is required");
    }

    @Test
    void pingIsAnsweredBesideAPluginCall(@TempDir Path dir) throws Exception {
        next();
        Path file = dir.resolve("empty.txt");
        Files.writeString(file, "");
        long task = newInstance(Fixtures.SOURCE, true);
        ok(Request.newBuilder().setTaskStart(TaskStart.newBuilder().setInstance(task)
                .putProps("file", file.toString()).putProps("topic", "t")));
        // FileStream's poll() waits for lines on the task's thread; the ping needs no plugin thread.
        long pollId = ++nextId;
        long pingId = ++nextId;
        send(Frame.newBuilder().setRequest(Request.newBuilder().setId(pollId).setSourcePoll(
                com.github.connectd.pluginhost.proto.SourcePoll.newBuilder().setInstance(task))).build());
        send(Frame.newBuilder().setRequest(Request.newBuilder().setId(pingId)
                .setPing(com.github.connectd.pluginhost.proto.Ping.getDefaultInstance())).build());
        Map<Long, Response> byId = new java.util.HashMap<>();
        for (int i = 0; i < 2; i++) {
            Response r = next().getResponse();
            byId.put(r.getId(), r);
        }
        assertTrue(byId.get(pingId).hasDone());
        assertEquals(0, SourceBatch.parseFrom(byId.get(pollId).getSourceBatch()).getRecordsCount());
    }

    @Test
    void unknownClassIsAFailure() throws Exception {
        next();
        Response r = call(Request.newBuilder().setNewInstance(NewInstance.newBuilder().setClassName("com.example.Nope")));
        assertEquals("java.lang.ClassNotFoundException", r.getFailure().getExceptionClass());
        r = call(Request.newBuilder().setSourcePoll(com.github.connectd.pluginhost.proto.SourcePoll.newBuilder().setInstance(999)));
        assertTrue(r.getFailure().getMessage().contains("no plugin instance 999"));
    }

    @Test
    void fileStreamSourceRoundTrip(@TempDir Path dir) throws Exception {
        next();
        Path file = dir.resolve("in.txt");
        Files.writeString(file, "first\nsecond\nthird\n");
        long conn = newInstance(Fixtures.SOURCE, false);
        ok(Request.newBuilder().setConnectorStart(com.github.connectd.pluginhost.proto.ConnectorStart.newBuilder()
                .setInstance(conn).putProps("file", file.toString()).putProps("topic", "lines")));
        Response tc = ok(Request.newBuilder().setConnectorTaskConfigs(
                com.github.connectd.pluginhost.proto.ConnectorTaskConfigs.newBuilder().setInstance(conn).setMaxTasks(3)));
        assertEquals(1, tc.getTaskConfigs().getConfigsCount(), "FileStream makes one task");
        Map<String, String> props = tc.getTaskConfigs().getConfigs(0).getPropsMap();

        // The task resumes after the committed offset of its file: position 6 skips "first\n".
        Value partition = DataCodec.toProto(Map.of("filename", file.toString()));
        committed.put(partition, DataCodec.toProto(Map.of("position", 6L)));
        long task = newInstance(Fixtures.SOURCE, true);
        ok(Request.newBuilder().setTaskStart(TaskStart.newBuilder().setInstance(task).putAllProps(props)
                .setConnector("fs").setTask(0).setCommitRecords(true)));
        List<String> lines = new ArrayList<>();
        SourceBatch last = null;
        for (int i = 0; i < 20 && lines.size() < 2; i++) {
            SourceBatch b = SourceBatch.parseFrom(ok(Request.newBuilder().setSourcePoll(
                    com.github.connectd.pluginhost.proto.SourcePoll.newBuilder().setInstance(task))).getSourceBatch());
            for (com.github.connectd.pluginhost.proto.SourceRecord r : b.getRecordsList()) {
                assertEquals("lines", r.getTopic());
                assertEquals(SchemaType.SCHEMA_TYPE_STRING, b.getSchemas(r.getValueSchema() - 1).getType());
                assertEquals(partition, b.getPartitions(r.getSourcePartition() - 1));
                assertEquals(List.of("position"), b.getOffsetKeys(r.getOffsetKeys() - 1).getKeysList());
                lines.add(r.getValue().getStringValue());
                // The offset is the position after the line: "first\n" is 6 bytes, each later line 6 or 7.
                assertEquals(lines.size() == 1 ? 13L : 19L, r.getOffsetValues(0).getInt64Value());
                last = b;
            }
        }
        assertEquals(List.of("second", "third"), lines);
        assertEquals(1, last.getSchemasCount(), "one schema per batch, not one per record");
        assertEquals(1, last.getPartitionsCount(), "one source partition per batch, not one per record");
        assertEquals(1, last.getOffsetKeysCount(), "one offset key set per batch, not one per record");
        ok(Request.newBuilder().setSourceCommitRecords(com.github.connectd.pluginhost.proto.SourceCommitRecords.newBuilder()
                .setInstance(task).addAcks(com.github.connectd.pluginhost.proto.RecordAck.newBuilder()
                        .setSeq(last.getRecords(0).getSeq()).setProduced(true).setTopic("lines").setOffset(0))));
        ok(Request.newBuilder().setSourceCommit(com.github.connectd.pluginhost.proto.SourceCommit.newBuilder().setInstance(task)));
        ok(Request.newBuilder().setTaskStop(com.github.connectd.pluginhost.proto.TaskStop.newBuilder().setInstance(task)));
        ok(Request.newBuilder().setConnectorStop(com.github.connectd.pluginhost.proto.ConnectorStop.newBuilder().setInstance(conn)));
        ok(Request.newBuilder().setCloseInstance(com.github.connectd.pluginhost.proto.CloseInstance.newBuilder().setInstance(task)));
    }

    @Test
    void fileStreamSinkWritesEveryRecordOfABatch(@TempDir Path dir) throws Exception {
        next();
        Path file = dir.resolve("out.txt");
        long task = newInstance(Fixtures.SINK, true);
        ok(Request.newBuilder().setTaskStart(TaskStart.newBuilder().setInstance(task).putProps("file", file.toString())
                .putProps("topics", "lines")));
        com.github.connectd.pluginhost.proto.TopicPartition tp =
                com.github.connectd.pluginhost.proto.TopicPartition.newBuilder().setTopic("lines").build();
        ok(Request.newBuilder().setSinkOpen(com.github.connectd.pluginhost.proto.SinkOpen.newBuilder().setInstance(task).addPartitions(tp)));
        SinkPut.Builder put = SinkPut.newBuilder().setInstance(task)
                .addSchemas(DataCodec.toProto(org.apache.kafka.connect.data.Schema.STRING_SCHEMA));
        for (int i = 0; i < 3; i++) {
            put.addRecords(SinkRecord.newBuilder().setTopic("lines").setKafkaOffset(i).setValueSchema(1)
                    .setValue(Value.newBuilder().setStringValue("line-" + i)));
        }
        ok(Request.newBuilder().setSinkPut(put.build().toByteString())); // the bytes of the message, as the worker writes them
        Response pc = ok(Request.newBuilder().setSinkPreCommit(com.github.connectd.pluginhost.proto.SinkPreCommit.newBuilder()
                .setInstance(task).addOffsets(com.github.connectd.pluginhost.proto.PartitionOffset.newBuilder()
                        .setTopic("lines").setOffset(3))));
        assertEquals(3, pc.getSink().getCommit(0).getOffset(), "preCommit's default flushes and commits what it was given");
        assertEquals("line-0\nline-1\nline-2\n", Files.readString(file));
        ok(Request.newBuilder().setSinkClose(com.github.connectd.pluginhost.proto.SinkClose.newBuilder().setInstance(task).addPartitions(tp)));
        ok(Request.newBuilder().setTaskStop(com.github.connectd.pluginhost.proto.TaskStop.newBuilder().setInstance(task)));
    }

    @Test
    void exactlyOnceSupportAndAlterOffsetsAreThePluginsOwn() throws Exception {
        next();
        com.github.connectd.pluginhost.proto.ExactlyOnceSupport.Builder eos = com.github.connectd.pluginhost.proto.ExactlyOnceSupport
                .newBuilder().setClassName(Fixtures.SOURCE).setType(PluginType.PLUGIN_TYPE_SOURCE).putProps("topic", "t");
        assertEquals("UNSUPPORTED", ok(Request.newBuilder().setExactlyOnceSupport(eos.clone())).getAnswer().getValue(),
                "FileStreamSourceConnector without a file cannot give exactly-once");
        assertEquals("SUPPORTED", ok(Request.newBuilder().setExactlyOnceSupport(eos.clone().putProps("file", "/tmp/x")))
                .getAnswer().getValue());
        com.github.connectd.pluginhost.proto.AlterOffsets.Builder alter = com.github.connectd.pluginhost.proto.AlterOffsets.newBuilder()
                .setClassName(Fixtures.SOURCE).setType(PluginType.PLUGIN_TYPE_SOURCE).putProps("file", "/tmp/x").putProps("topic", "t")
                .addSourceOffsets(OffsetEntry.newBuilder()
                        .setPartition(DataCodec.toProto(Map.of("filename", "/tmp/x")))
                        .setOffset(DataCodec.toProto(Map.of("position", 5L))));
        assertTrue(ok(Request.newBuilder().setAlterOffsets(alter.clone())).getAnswer().getFlag());
        Response bad = call(Request.newBuilder().setAlterOffsets(alter.clone().setSourceOffsets(0, OffsetEntry.newBuilder()
                .setPartition(DataCodec.toProto(Map.of("filename", "/tmp/x")))
                .setOffset(DataCodec.toProto(Map.of("position", "5"))))));
        assertEquals("The value for the 'position' key in the offset is expected to be a Long value", bad.getFailure().getMessage());
        assertTrue(ok(Request.newBuilder().setAlterOffsets(com.github.connectd.pluginhost.proto.AlterOffsets.newBuilder()
                .setClassName(Fixtures.SINK).setType(PluginType.PLUGIN_TYPE_SINK).putProps("file", "/tmp/x").putProps("topics", "t")
                .addResetPartitions(com.github.connectd.pluginhost.proto.TopicPartition.newBuilder().setTopic("t"))))
                .getAnswer().getFlag(), "FileStreamSinkConnector manages no offsets of its own");
    }
}
