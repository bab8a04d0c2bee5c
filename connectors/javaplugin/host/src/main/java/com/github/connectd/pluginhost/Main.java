package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.Frame;
import com.github.connectd.pluginhost.proto.Hello;
import com.github.connectd.pluginhost.proto.PluginInfo;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Properties;

/**
 * The plugin host's entry point: {@code java -cp connectd-pluginhost.jar:lib/* 
 * com.github.connectd.pluginhost.Main PLUGIN_PATH_ENTRY...}. It scans plugin.path, sends Hello,
 * then serves the worker on standard input and output until the worker closes standard input,
 * and exits then: a host never outlives its worker.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        // The channel is standard input and file descriptor 3, a pipe the worker gives the host
        // for it alone: whatever the JVM or a plugin prints, on standard output or error, is the
        // host's log, which the worker reads from one pipe.
        var protocolOut = new BufferedOutputStream(new FileOutputStream(CHANNEL_OUT), 1 << 16);
        InputStream protocolIn = new BufferedInputStream(new FileInputStream(FileDescriptor.in), 1 << 16);
        System.setOut(bufferedLog());
        System.setErr(bufferedLog());
        startLogFlusher();
        System.setIn(InputStream.nullInputStream());

        Channel channel = new Channel(protocolIn, protocolOut);
        PluginScanner scanner = new PluginScanner(Main.class.getClassLoader());
        for (String entry : args) {
            scanner.scanEntry(entry);
        }
        Plugins plugins = new Plugins(scanner.plugins());
        channel.send(Frame.newBuilder().setHello(hello(plugins, scanner)).build());
        Host host = new Host(plugins, channel);
        try {
            channel.run(host::handle);
        } finally {
            exit(0);
        }
    }

    /** The worker's pipe for the host's half of the channel: file descriptor 3 (host.go). */
    static final String CHANNEL_OUT = "/dev/fd/3";

    /** How often what plugins print is pushed to the worker. */
    private static final long LOG_FLUSH_MILLIS = 50;

    /**
     * A print stream onto standard error that writes when its buffer fills or the flusher runs,
     * not at every line: plugins that print a line per record (Kafka's VerifiableSource prints
     * two) would otherwise make two write calls per line, and wake the worker's reader as often.
     */
    private static PrintStream bufferedLog() {
        return new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.err), 1 << 16), false);
    }

    private static void startLogFlusher() {
        Thread flusher = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(LOG_FLUSH_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                flushLogs();
            }
        }, "connectd-host-log-flusher");
        flusher.setDaemon(true);
        flusher.start();
    }

    static void flushLogs() {
        System.out.flush();
        System.err.flush();
    }

    static Hello hello(Plugins plugins, PluginScanner scanner) {
        Hello.Builder h = Hello.newBuilder()
                .setHostVersion(versionOf("/connectd-pluginhost-version.properties"))
                .setKafkaVersion(versionOf("/kafka/kafka-version.properties"))
                .setJavaVersion(System.getProperty("java.version"))
                .addAllWarnings(scanner.warnings());
        for (PluginDesc d : plugins.all()) {
            h.addPlugins(PluginInfo.newBuilder().setClassName(d.className()).setType(d.type())
                    .setVersion(d.version()).setLocation(d.loader().location()));
        }
        return h.build();
    }

    /** The "version" of a properties resource of the host's classpath (kafka-clients writes one). */
    static String versionOf(String resource) {
        try (InputStream in = Main.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown").trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** Exits, and halts if a plugin's shutdown hook or thread keeps the JVM from exiting. */
    private static void exit(int code) {
        flushLogs();
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
            Runtime.getRuntime().halt(code);
        }, "connectd-host-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(code);
    }
}
