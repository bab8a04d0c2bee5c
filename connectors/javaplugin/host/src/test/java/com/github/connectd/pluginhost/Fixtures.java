package com.github.connectd.pluginhost;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** The real plugin.path the Maven build fills for the tests: Apache's connect-file JAR from Maven Central. */
final class Fixtures {
    private Fixtures() {}

    static final String SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector";
    static final String SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";

    /** target/plugin-path, holding the plugin directory connect-file/. */
    static Path pluginPath() {
        String p = System.getProperty("test.plugin.path");
        if (p == null) {
            throw new IllegalStateException("test.plugin.path is not set: run the tests through Maven");
        }
        return Path.of(p);
    }

    /** The connect-file JAR itself. */
    static Path connectFileJar() throws IOException {
        try (Stream<Path> s = Files.list(pluginPath().resolve("connect-file"))) {
            return s.filter(f -> f.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
    }

    /** Unpacks a JAR into dir (a directory of classes). */
    static void unzip(Path jar, Path dir) throws IOException {
        try (InputStream in = Files.newInputStream(jar); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                Path out = dir.resolve(e.getName()).normalize();
                if (!out.startsWith(dir)) {
                    throw new IOException("entry outside the directory: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(zip, out);
                }
            }
        }
    }
}
