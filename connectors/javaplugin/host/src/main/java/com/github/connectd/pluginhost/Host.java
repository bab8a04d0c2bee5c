package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.Answer;
import com.github.connectd.pluginhost.proto.Done;
import com.github.connectd.pluginhost.proto.Frame;
import com.github.connectd.pluginhost.proto.Instance;
import com.github.connectd.pluginhost.proto.Request;
import com.github.connectd.pluginhost.proto.Response;
import com.github.connectd.pluginhost.proto.TaskConfig;
import com.github.connectd.pluginhost.proto.TaskConfigs;
import com.github.connectd.pluginhost.proto.Validation;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.connect.components.ConnectPlugin;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceTask;

/**
 * Serves the worker's requests: makes plugin instances and calls them. Calls on one instance
 * run in order on the instance's own thread (with the plugin's classloader as the thread's context
 * classloader), so a slow or hanging plugin holds up only its own instance; calls that need no
 * instance (validate, config definitions, making an instance) each run on a thread of their own,
 * so a hanging validate holds up nothing else.
 */
final class Host {
    private final Plugins plugins;
    private final Channel channel;
    private final Metrics metrics = new Metrics();
    private final AtomicLong nextInstance = new AtomicLong();
    private final Map<Long, PluginInstance> instances = new ConcurrentHashMap<>();
    private final ExecutorService oneOff = Executors.newCachedThreadPool(r -> daemon(r, "connectd-host-call"));

    Host(Plugins plugins, Channel channel) {
        this.plugins = plugins;
        this.channel = channel;
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A call's result; any exception it throws becomes the response's Failure. */
    @FunctionalInterface
    interface Call {
        Response.Builder run() throws Exception;
    }

    /** Dispatches one request; never blocks the reading thread on a plugin. */
    void handle(Request r) {
        long id = r.getId();
        switch (r.getCallCase()) {
            case NEW_INSTANCE -> oneOff.execute(() -> respond(id, () -> newInstance(r.getNewInstance())));
            case GET_CONFIG_DEF -> oneOff.execute(() -> respond(id, () -> configDef(r.getGetConfigDef())));
            case VALIDATE -> oneOff.execute(() -> respond(id, () -> validate(r.getValidate())));
            case PING -> respond(id, Host::done);
            case CLOSE_INSTANCE -> respond(id, () -> {
                PluginInstance inst = instances.remove(r.getCloseInstance().getInstance());
                if (inst != null) {
                    inst.close();
                }
                return done();
            });
            case CONNECTOR_START -> onInstance(id, r.getConnectorStart().getInstance(), false, inst -> {
                inst.connector().start(r.getConnectorStart().getPropsMap());
                return done();
            });
            case CONNECTOR_TASK_CONFIGS -> onInstance(id, r.getConnectorTaskConfigs().getInstance(), false, inst -> {
                List<Map<String, String>> configs = inst.connector().taskConfigs(r.getConnectorTaskConfigs().getMaxTasks());
                TaskConfigs.Builder b = TaskConfigs.newBuilder();
                Class<?> taskClass = inst.connector().taskClass();
                if (taskClass != null) {
                    b.setTaskClass(taskClass.getName());
                }
                if (configs != null) {
                    for (Map<String, String> c : configs) {
                        b.addConfigs(TaskConfig.newBuilder().putAllProps(c));
                    }
                }
                return Response.newBuilder().setTaskConfigs(b);
            });
            case CONNECTOR_STOP -> onInstance(id, r.getConnectorStop().getInstance(), false, inst -> {
                inst.connector().stop();
                return done();
            });
            case TASK_START -> onInstance(id, r.getTaskStart().getInstance(), false, inst -> {
                inst.startTask(r.getTaskStart());
                return done();
            });
            case TASK_STOP -> {
                PluginInstance inst = instances.get(r.getTaskStop().getInstance());
                // Kafka Connect stops a source task from another thread while poll() blocks, so
                // that poll returns; a sink task is stopped on its own thread.
                boolean beside = inst != null && inst.target() instanceof SourceTask;
                onInstance(id, r.getTaskStop().getInstance(), beside, i -> {
                    i.stopTask();
                    return done();
                });
            }
            case SOURCE_POLL -> onSourcePoll(id, r.getSourcePoll().getInstance());
            case SOURCE_COMMIT -> onCommitter(id, r.getSourceCommit().getInstance(), inst -> {
                inst.source().commit();
                return done();
            });
            case SOURCE_COMMIT_RECORDS -> onCommitter(id, r.getSourceCommitRecords().getInstance(), inst -> {
                inst.source().commitRecords(r.getSourceCommitRecords().getAcksList());
                return done();
            });
            case SINK_OPEN -> onInstance(id, r.getSinkOpen().getInstance(), false,
                    inst -> sinkCall(inst, s -> s.open(r.getSinkOpen().getPartitionsList())));
            case SINK_CLOSE -> onInstance(id, r.getSinkClose().getInstance(), false,
                    inst -> sinkCall(inst, s -> s.close(r.getSinkClose().getPartitionsList())));
            case SINK_PUT -> onSinkPut(id, r.getSinkPut());
            case SINK_PRE_COMMIT -> onInstance(id, r.getSinkPreCommit().getInstance(), false,
                    inst -> sinkCall(inst, s -> s.preCommit(r.getSinkPreCommit().getOffsetsList())));
            case CONFIGURE -> onInstance(id, r.getConfigure().getInstance(), false, inst -> {
                Transforms.configure(inst.target(), inst.type(), r.getConfigure().getPropsMap(), r.getConfigure().getIsKey());
                return done();
            });
            case TRANSFORM_BATCH -> onInstance(id, r.getTransformBatch().getInstance(), false,
                    inst -> Response.newBuilder().setTransformed(Transforms.apply(inst.target(), r.getTransformBatch())));
            case PREDICATE_BATCH -> onInstance(id, r.getPredicateBatch().getInstance(), false,
                    inst -> Response.newBuilder().setPredicateResults(Transforms.test(inst.target(), r.getPredicateBatch())));
            case CONVERT_BATCH -> onInstance(id, r.getConvertBatch().getInstance(), false,
                    inst -> Response.newBuilder().setConverted(Transforms.convert(inst.target(), inst.type(), r.getConvertBatch())));
            case EXACTLY_ONCE_SUPPORT -> oneOff.execute(() -> respond(id, () -> exactlyOnceSupport(r.getExactlyOnceSupport())));
            case CAN_DEFINE_TRANSACTION_BOUNDARIES -> oneOff.execute(() -> respond(id,
                    () -> transactionBoundaries(r.getCanDefineTransactionBoundaries())));
            case ALTER_OFFSETS -> oneOff.execute(() -> respond(id, () -> alterOffsets(r.getAlterOffsets())));
            default -> respond(id, () -> {
                throw new UnsupportedOperationException("request " + r.getCallCase() + " is not served by this host");
            });
        }
    }

    /** An instance call; it fails at once when the instance is unknown. */
    @FunctionalInterface
    interface InstanceCall {
        Response.Builder run(PluginInstance inst) throws Exception;
    }

    @FunctionalInterface
    interface SinkCall {
        com.github.connectd.pluginhost.proto.SinkReply run(SinkTaskRunner s) throws Exception;
    }

    /**
     * A sink task call. When it throws, the response carries what the task asked of its context
     * during the call beside the Failure: a put() that sets timeout() and throws a
     * RetriableException is retried after that timeout, as Kafka Connect does.
     */
    private static Response.Builder sinkCall(PluginInstance inst, SinkCall call) {
        try {
            return Response.newBuilder().setSink(call.run(inst.sink()));
        } catch (Throwable t) {
            Response.Builder b = Response.newBuilder().setFailure(Failures.of(unwrap(t)));
            SinkTaskRunner s = inst.sinkOrNull();
            if (s != null) {
                b.setSink(s.drain());
            }
            return b;
        }
    }

    private void onInstance(long id, long instance, boolean beside, InstanceCall call) {
        PluginInstance inst = instances.get(instance);
        if (inst == null) {
            respond(id, () -> {
                throw new ConnectException("no plugin instance " + instance + " in this host");
            });
            return;
        }
        Runnable run = () -> respond(id, () -> call.run(inst));
        if (beside) {
            oneOff.execute(() -> inst.withLoader(run));
        } else {
            inst.execute(run);
        }
    }

    /**
     * A sink task's put: the batch names its instance inside its bytes, and its records are read
     * on the task's thread (SinkTaskRunner.put), not on the channel's.
     */
    private void onSinkPut(long id, ByteString put) {
        SinkPutReader.Head head;
        try {
            head = SinkPutReader.head(put);
        } catch (IOException e) {
            respond(id, () -> {
                throw new ConnectException("a put batch that cannot be read", e);
            });
            return;
        }
        onInstance(id, head.instance(), false, inst -> sinkCall(inst, s -> s.put(put, head.ahead())));
    }

    /** A source task's poll: see SourceTaskRunner.ask (polls run ahead on the task's thread). */
    private void onSourcePoll(long id, long instance) {
        PluginInstance inst = instances.get(instance);
        SourceTaskRunner runner;
        try {
            if (inst == null) {
                throw new ConnectException("no plugin instance " + instance + " in this host");
            }
            runner = inst.source();
        } catch (ConnectException e) {
            respond(id, () -> {
                throw e;
            });
            return;
        }
        runner.ask(id, inst::execute, oneOff, this::respond);
    }

    private void onCommitter(long id, long instance, InstanceCall call) {
        PluginInstance inst = instances.get(instance);
        if (inst == null) {
            respond(id, () -> {
                throw new ConnectException("no plugin instance " + instance + " in this host");
            });
            return;
        }
        inst.executeCommit(() -> respond(id, () -> call.run(inst)));
    }

    private void respond(long id, Call call) {
        Response.Builder b;
        try {
            b = call.run();
        } catch (Throwable t) {
            b = Response.newBuilder().setFailure(Failures.of(unwrap(t)));
        }
        channel.send(Frame.newBuilder().setResponse(b.setId(id)).build());
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof InvocationTargetException && t.getCause() != null ? t.getCause() : t;
    }

    private static Response.Builder done() {
        return Response.newBuilder().setDone(Done.getDefaultInstance());
    }

    private Response.Builder newInstance(com.github.connectd.pluginhost.proto.NewInstance req) throws Exception {
        PluginDesc d = plugins.find(req.getClassName(), req.getType(), req.getVersion());
        Object target = construct(d.pluginClass(), d.loader());
        Class<?> cls = d.pluginClass();
        String version = d.version();
        boolean commitsRecords = false;
        if (req.getTaskOfConnector()) {
            if (!(target instanceof Connector c)) {
                throw new ConnectException(req.getClassName() + " is not a connector");
            }
            cls = withLoader(d.loader(), c::taskClass);
            Task task = (Task) construct(cls, d.loader());
            target = task;
            version = withLoader(d.loader(), task::version);
            commitsRecords = task instanceof SourceTask && overridesCommitRecord(cls);
        }
        long id = nextInstance.incrementAndGet();
        instances.put(id, new PluginInstance(id, target, d, channel, metrics));
        return Response.newBuilder().setInstance(Instance.newBuilder()
                .setInstance(id).setClassName(cls.getName()).setVersion(version == null ? "" : version)
                .setCommitsRecords(commitsRecords));
    }

    /**
     * Whether a SourceTask class overrides commitRecord, in either signature: SourceTask's own
     * does nothing, so acknowledging each record to it would only cost both sides. The
     * one-argument form exists only in a Connect API before 4.0, which a worker may choose.
     */
    static boolean overridesCommitRecord(Class<?> cls) {
        return overrides(cls, "commitRecord", org.apache.kafka.connect.source.SourceRecord.class,
                        org.apache.kafka.clients.producer.RecordMetadata.class)
                || overrides(cls, "commitRecord", org.apache.kafka.connect.source.SourceRecord.class);
    }

    private static boolean overrides(Class<?> cls, String name, Class<?>... params) {
        try {
            return cls.getMethod(name, params).getDeclaringClass() != SourceTask.class;
        } catch (NoSuchMethodException e) {
            return false; // not in this Connect API, so not SourceTask's either
        }
    }

    private Response.Builder configDef(com.github.connectd.pluginhost.proto.GetConfigDef req) throws Exception {
        PluginDesc d = plugins.find(req.getClassName(), req.getType(), req.getVersion());
        Object p = construct(d.pluginClass(), d.loader());
        ConfigDef def = withLoader(d.loader(), () -> Transforms.configOf(p));
        return Response.newBuilder().setConfigDef(ConfigCodec.toProto(def));
    }

    private Response.Builder validate(com.github.connectd.pluginhost.proto.Validate req) throws Exception {
        PluginDesc d = plugins.find(req.getClassName(), req.getType(), req.getVersion());
        Object o = construct(d.pluginClass(), d.loader());
        if (!(o instanceof Connector c)) {
            throw new ConnectException(req.getClassName() + " is not a connector");
        }
        return withLoader(d.loader(), () -> {
            ConfigDef def = c.config();
            Config result = c.validate(req.getPropsMap());
            Validation.Builder v = Validation.newBuilder().setConfigDef(ConfigCodec.toProto(def));
            if (result != null) {
                for (org.apache.kafka.common.config.ConfigValue cv : result.configValues()) {
                    v.addValues(ConfigCodec.toProto(cv, def));
                }
            }
            return Response.newBuilder().setValidation(v);
        });
    }

    /** A fresh instance of a connector class, for the calls Kafka Connect makes on one. */
    private Connector freshConnector(String className, com.github.connectd.pluginhost.proto.PluginType type, String version)
            throws Exception {
        PluginDesc d = plugins.find(className, type, version);
        Object o = construct(d.pluginClass(), d.loader());
        if (!(o instanceof Connector c)) {
            throw new ConnectException(className + " is not a connector");
        }
        return c;
    }

    private Response.Builder exactlyOnceSupport(com.github.connectd.pluginhost.proto.ExactlyOnceSupport req) throws Exception {
        PluginDesc d = plugins.find(req.getClassName(), req.getType(), req.getVersion());
        Connector c = freshConnector(req.getClassName(), req.getType(), req.getVersion());
        return withLoader(d.loader(), () -> {
            Object v = c instanceof SourceConnector s ? s.exactlyOnceSupport(req.getPropsMap()) : null;
            return Response.newBuilder().setAnswer(Answer.newBuilder().setValue(v == null ? "" : v.toString()));
        });
    }

    private Response.Builder transactionBoundaries(com.github.connectd.pluginhost.proto.CanDefineTransactionBoundaries req) throws Exception {
        PluginDesc d = plugins.find(req.getClassName(), req.getType(), req.getVersion());
        Connector c = freshConnector(req.getClassName(), req.getType(), req.getVersion());
        return withLoader(d.loader(), () -> {
            Object v = c instanceof SourceConnector s ? s.canDefineTransactionBoundaries(req.getPropsMap()) : null;
            return Response.newBuilder().setAnswer(Answer.newBuilder().setValue(v == null ? "" : v.toString()));
        });
    }

    private Response.Builder alterOffsets(com.github.connectd.pluginhost.proto.AlterOffsets req) throws Exception {
        PluginDesc d = plugins.find(req.getClassName(), req.getType(), req.getVersion());
        Connector c = freshConnector(req.getClassName(), req.getType(), req.getVersion());
        return withLoader(d.loader(), () -> {
            boolean done;
            if (c instanceof SourceConnector s) {
                Map<Map<String, ?>, Map<String, ?>> offsets = new HashMap<>();
                for (com.github.connectd.pluginhost.proto.OffsetEntry e : req.getSourceOffsetsList()) {
                    offsets.put(DataCodec.toStringMap(e.getPartition()), e.hasOffset() ? DataCodec.toStringMap(e.getOffset()) : null);
                }
                done = s.alterOffsets(req.getPropsMap(), offsets);
            } else if (c instanceof SinkConnector s) {
                Map<TopicPartition, Long> offsets = new HashMap<>();
                for (com.github.connectd.pluginhost.proto.PartitionOffset o : req.getSinkOffsetsList()) {
                    offsets.put(new TopicPartition(o.getTopic(), o.getPartition()), o.getOffset());
                }
                for (com.github.connectd.pluginhost.proto.TopicPartition tp : req.getResetPartitionsList()) {
                    offsets.put(new TopicPartition(tp.getTopic(), tp.getPartition()), null);
                }
                done = s.alterOffsets(req.getPropsMap(), offsets);
            } else {
                throw new ConnectException(req.getClassName() + " is neither a source nor a sink connector");
            }
            return Response.newBuilder().setAnswer(Answer.newBuilder().setFlag(done));
        });
    }

    /** A fresh instance of c, made with the plugin's loader as the context loader. */
    static Object construct(Class<?> c, ClassLoader loader) throws Exception {
        return withLoader(loader, () -> c.getConstructor().newInstance());
    }

    @FunctionalInterface
    interface Body<T> {
        T run() throws Exception;
    }

    static <T> T withLoader(ClassLoader loader, Body<T> body) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader saved = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            return body.run();
        } finally {
            t.setContextClassLoader(saved);
        }
    }
}
