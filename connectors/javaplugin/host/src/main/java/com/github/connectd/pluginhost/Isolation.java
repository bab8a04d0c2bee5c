package com.github.connectd.pluginhost;

/**
 * Which classes a plugin shares with the host and which it loads itself, following Kafka
 * Connect's isolation rules: the Java platform, slf4j, the Kafka clients and the Connect API are
 * shared (one copy, from the host's classpath, whatever a plugin bundles), so that the host and
 * every plugin agree on {@code Connector}, {@code SourceRecord} or {@code Schema}; everything else,
 * including the implementations Apache ships inside the {@code org.apache.kafka.connect}
 * namespace (FileStream, MirrorMaker, the JSON converter, the built-in transforms, the test
 * connectors of {@code connect.tools}), is loaded by the plugin's own classloader first.
 *
 * <p>One deliberate difference: Kafka Connect 4.4 leaves {@code org.apache.kafka.connect.tools}
 * to its parent classloader, so its test connectors can be listed from plugin.path but not
 * created; here they are isolated like any plugin.
 */
final class Isolation {
    private Isolation() {}

    /** Packages of the platform and the logging API, always shared. */
    private static final String[] PLATFORM = {
        "java.", "javax.", "jdk.", "sun.", "com.sun.", "org.w3c.dom.", "org.xml.sax.", "org.ietf.jgss.",
        "org.omg.", "org.slf4j.",
    };

    /** The Connect API's packages (connect-api), shared unless {@link #ISOLATED_CONNECT} says otherwise. */
    private static final String[] CONNECT_API = {
        "org.apache.kafka.connect.components.", "org.apache.kafka.connect.connector.",
        "org.apache.kafka.connect.data.", "org.apache.kafka.connect.errors.",
        "org.apache.kafka.connect.header.", "org.apache.kafka.connect.health.",
        "org.apache.kafka.connect.rest.", "org.apache.kafka.connect.sink.",
        "org.apache.kafka.connect.source.", "org.apache.kafka.connect.storage.",
        "org.apache.kafka.connect.transforms.", "org.apache.kafka.connect.util.",
    };

    /** Implementations inside the Connect API's packages: plugins, loaded in isolation. */
    private static final String[] ISOLATED_CONNECT = {
        "org.apache.kafka.connect.storage.StringConverter",
        "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    };

    /** The API types of the transforms package; everything else in it is an implementation. */
    private static final String[] TRANSFORMS_API = {
        "org.apache.kafka.connect.transforms.Transformation",
        "org.apache.kafka.connect.transforms.predicates.Predicate",
    };

    /**
     * Reports whether a plugin's classloader loads {@code name} itself (child first) rather than
     * taking the host's copy.
     */
    static boolean loadInIsolation(String name) {
        for (String p : PLATFORM) {
            if (name.startsWith(p)) {
                return false;
            }
        }
        if (!name.startsWith("org.apache.kafka.")) {
            return true;
        }
        if (name.startsWith("org.apache.kafka.common.") || name.startsWith("org.apache.kafka.clients.")
                || name.startsWith("org.apache.kafka.server.")) {
            return false;
        }
        for (String p : ISOLATED_CONNECT) {
            // a prefix, as in Kafka Connect: StringConverterConfig goes with StringConverter
            if (name.startsWith(p)) {
                return true;
            }
        }
        if (name.startsWith("org.apache.kafka.connect.transforms.")) {
            for (String p : TRANSFORMS_API) {
                if (name.equals(p) || name.startsWith(p + "$")) {
                    return false;
                }
            }
            return true;
        }
        for (String p : CONNECT_API) {
            if (name.startsWith(p)) {
                return false;
            }
        }
        // connect.json, connect.file, connect.mirror, connect.converters, connect.tools,
        // connect.runtime and every other Kafka module are implementations.
        return true;
    }
}
