package com.github.connectd.pluginhost;

import com.github.connectd.pluginhost.proto.PluginType;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

/**
 * Reads plugin.path as Kafka Connect does. Each entry is one of:
 * <ul>
 *   <li>a directory of plugins: each subdirectory is a plugin (all the JARs below it, or, when it
 *       holds none, the directory itself as a root of classes), and each JAR or ZIP directly in it
 *       is a plugin of its own (an uber-JAR);</li>
 *   <li>a JAR or ZIP: one plugin.</li>
 * </ul>
 * Every plugin gets its own {@link PluginClassLoader}; the classes of its own URLs that are public,
 * concrete, constructible without arguments and implement a plugin interface are listed.
 * An entry that does not exist or holds no plugin is a warning, never an error.
 */
final class PluginScanner {
    private final ClassLoader parent;
    private final List<PluginDesc> plugins = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    PluginScanner(ClassLoader parent) {
        this.parent = parent;
    }

    List<PluginDesc> plugins() {
        return plugins;
    }

    List<String> warnings() {
        return warnings;
    }

    /** Scans one plugin.path entry. */
    void scanEntry(String entry) {
        Path p = Path.of(entry).toAbsolutePath().normalize();
        int before = plugins.size();
        if (!Files.exists(p)) {
            warnings.add("plugin.path entry " + entry + " does not exist");
            return;
        }
        try {
            if (Files.isDirectory(p)) {
                List<Path> children;
                try (Stream<Path> s = Files.list(p)) {
                    children = s.sorted().toList();
                }
                for (Path child : children) {
                    if (Files.isDirectory(child)) {
                        scanLocation(child, urlsUnder(child));
                    } else if (isArchive(child)) {
                        scanLocation(child, List.of(child));
                    }
                }
            } else if (isArchive(p)) {
                scanLocation(p, List.of(p));
            }
        } catch (IOException e) {
            warnings.add("plugin.path entry " + entry + " could not be read: " + e);
        }
        if (plugins.size() == before) {
            warnings.add("plugin.path entry " + entry + " holds no plugin");
        }
    }

    private static boolean isArchive(Path p) {
        String n = p.getFileName().toString().toLowerCase();
        return Files.isRegularFile(p) && (n.endsWith(".jar") || n.endsWith(".zip"));
    }

    /** The JARs below dir, or dir itself when it holds none (a directory of classes). */
    private static List<Path> urlsUnder(Path dir) throws IOException {
        List<Path> jars;
        try (Stream<Path> s = Files.walk(dir)) {
            jars = s.filter(PluginScanner::isArchive).sorted().toList();
        }
        return jars.isEmpty() ? List.of(dir) : jars;
    }

    private void scanLocation(Path location, List<Path> roots) throws IOException {
        URL[] urls = new URL[roots.size()];
        for (int i = 0; i < roots.size(); i++) {
            urls[i] = toURL(roots.get(i));
        }
        PluginClassLoader loader = new PluginClassLoader(location.toString(), urls, parent);
        for (Path root : roots) {
            for (String name : classNames(root)) {
                inspect(name, loader);
            }
        }
    }

    private static URL toURL(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(p.toString(), e);
        }
    }

    /** The binary names of the classes in a JAR or below a directory of classes. */
    private static List<String> classNames(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(f -> f.toString().endsWith(".class")).forEach(f -> out.add(binaryName(root.relativize(f).toString())));
            }
            return out;
        }
        try (ZipFile zip = new ZipFile(root.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                if (!e.isDirectory() && e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                    out.add(binaryName(e.getName()));
                }
            }
        }
        return out;
    }

    private static String binaryName(String path) {
        return path.substring(0, path.length() - ".class".length()).replace('/', '.').replace('\\', '.');
    }

    private void inspect(String name, PluginClassLoader loader) {
        if (name.endsWith("module-info") || name.endsWith("package-info") || !Isolation.loadInIsolation(name)) {
            return;
        }
        Class<?> c;
        try {
            c = Class.forName(name, false, loader);
        } catch (Throwable t) {
            // A class whose optional dependencies are missing is no plugin we can run; Kafka
            // Connect skips it the same way.
            return;
        }
        if (c.getClassLoader() != loader || !Modifier.isPublic(c.getModifiers())
                || Modifier.isAbstract(c.getModifiers()) || c.isInterface()) {
            return;
        }
        try {
            c.getConstructor();
        } catch (Throwable t) {
            return;
        }
        for (PluginType type : typesOf(c)) {
            plugins.add(new PluginDesc(c, type, versionOf(c, loader), loader));
        }
    }

    static List<PluginType> typesOf(Class<?> c) {
        List<PluginType> out = new ArrayList<>();
        if (SinkConnector.class.isAssignableFrom(c)) {
            out.add(PluginType.PLUGIN_TYPE_SINK);
        }
        if (SourceConnector.class.isAssignableFrom(c)) {
            out.add(PluginType.PLUGIN_TYPE_SOURCE);
        }
        if (Converter.class.isAssignableFrom(c)) {
            out.add(PluginType.PLUGIN_TYPE_CONVERTER);
        }
        if (HeaderConverter.class.isAssignableFrom(c)) {
            out.add(PluginType.PLUGIN_TYPE_HEADER_CONVERTER);
        }
        if (Transformation.class.isAssignableFrom(c)) {
            out.add(PluginType.PLUGIN_TYPE_TRANSFORMATION);
        }
        if (Predicate.class.isAssignableFrom(c)) {
            out.add(PluginType.PLUGIN_TYPE_PREDICATE);
        }
        return out;
    }

    /** version() of a fresh instance, with the plugin's loader as context loader, as Kafka Connect asks it. */
    private static String versionOf(Class<?> c, ClassLoader loader) {
        if (!Versioned.class.isAssignableFrom(c)) {
            return PluginDesc.UNDEFINED_VERSION;
        }
        Thread t = Thread.currentThread();
        ClassLoader saved = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            Object o = c.getConstructor().newInstance();
            String v = ((Versioned) o).version();
            return v == null ? PluginDesc.UNDEFINED_VERSION : v;
        } catch (Throwable e) {
            return PluginDesc.UNDEFINED_VERSION;
        } finally {
            t.setContextClassLoader(saved);
        }
    }
}
