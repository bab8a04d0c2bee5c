package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.PluginType;

/** One plugin class found in one plugin location, with the loader that defines it. */
record PluginDesc(Class<?> pluginClass, PluginType type, String version, PluginClassLoader loader) {
    /** Kafka Connect's version text for a plugin that is not Versioned. */
    static final String UNDEFINED_VERSION = "undefined";

    String className() {
        return pluginClass.getName();
    }
}
