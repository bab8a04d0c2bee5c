package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.PluginType;
import java.util.ArrayList;
import java.util.List;

/** The plugins found on plugin.path, looked up by class, kind and version. */
final class Plugins {
    private final List<PluginDesc> all;

    Plugins(List<PluginDesc> all) {
        this.all = List.copyOf(all);
    }

    List<PluginDesc> all() {
        return all;
    }

    /**
     * The plugin class {@code className} of kind {@code type} (UNSPECIFIED: any kind) at
     * {@code version}; an empty version picks the newest, as Kafka Connect 4.1+ does when
     * connector.plugin.version is not set.
     */
    PluginDesc find(String className, PluginType type, String version) throws ClassNotFoundException {
        List<PluginDesc> matches = new ArrayList<>();
        for (PluginDesc d : all) {
            if (d.className().equals(className) && (type == PluginType.PLUGIN_TYPE_UNSPECIFIED || d.type() == type)) {
                matches.add(d);
            }
        }
        if (matches.isEmpty()) {
            throw new ClassNotFoundException("no plugin on plugin.path has the class " + className);
        }
        if (!version.isEmpty()) {
            for (PluginDesc d : matches) {
                if (d.version().equals(version)) {
                    return d;
                }
            }
            throw new ClassNotFoundException("plugin " + className + " has no version " + version);
        }
        PluginDesc newest = matches.get(0);
        for (PluginDesc d : matches) {
            if (compareVersions(d.version(), newest.version()) > 0) {
                newest = d;
            }
        }
        return newest;
    }

    /** Compares dotted versions numerically segment by segment, other segments as text. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String s = i < x.length ? x[i] : "0";
            String t = i < y.length ? y[i] : "0";
            int c;
            if (s.matches("\\d+") && t.matches("\\d+")) {
                c = Long.compare(Long.parseLong(s), Long.parseLong(t));
            } else {
                c = s.compareTo(t);
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
