package com.github.connectd.pluginhost;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The classloader of one plugin location: child first for the classes {@link Isolation} isolates,
 * so that each plugin sees its own copies of its dependencies, and parent first for the shared
 * API, so that every plugin and the host agree on the Connect types. A class the plugin does not
 * have falls back to the host's classpath, as Kafka Connect's PluginClassLoader falls back to
 * its parent.
 */
final class PluginClassLoader extends URLClassLoader {
    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final String location;

    PluginClassLoader(String location, URL[] urls, ClassLoader parent) {
        // Unnamed, as Kafka Connect's: a named loader prefixes every stack frame of the plugin
        // with its name, and traces are to read as they do in Kafka Connect.
        super(urls, parent);
        this.location = location;
    }

    /** The plugin.path entry or plugin directory this loader reads. */
    String location() {
        return location;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null && Isolation.loadInIsolation(name)) {
                try {
                    c = findClass(name);
                } catch (ClassNotFoundException e) {
                    // not in the plugin: the host's copy, below
                }
            }
            if (c == null) {
                c = super.loadClass(name, false);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        URL own = findResource(name);
        return own != null ? own : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        // The plugin's own resources first (ServiceLoader reads them in this order), then the host's.
        List<URL> all = new ArrayList<>(Collections.list(findResources(name)));
        ClassLoader parent = getParent();
        if (parent != null) {
            all.addAll(Collections.list(parent.getResources(name)));
        }
        return Collections.enumeration(all);
    }
}
