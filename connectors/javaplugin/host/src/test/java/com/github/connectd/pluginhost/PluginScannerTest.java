package com.github.connectd.pluginhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.connectd.pluginhost.proto.PluginType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.connect.source.SourceConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginScannerTest {
    private static PluginScanner scan(String... entries) {
        PluginScanner s = new PluginScanner(PluginScannerTest.class.getClassLoader());
        for (String e : entries) {
            s.scanEntry(e);
        }
        return s;
    }

    private static List<String> found(PluginScanner s) {
        return s.plugins().stream().map(d -> d.className() + " " + d.type() + " " + d.version()).sorted().toList();
    }

    private static final List<String> FILESTREAM = List.of(
            Fixtures.SINK + " PLUGIN_TYPE_SINK 4.3.1",
            Fixtures.SOURCE + " PLUGIN_TYPE_SOURCE 4.3.1");

    @Test
    void directoryOfPluginDirectories() {
        PluginScanner s = scan(Fixtures.pluginPath().toString());
        assertEquals(FILESTREAM, found(s));
        assertEquals(List.of(), s.warnings());
    }

    @Test
    void uberJarAsEntryAndInsideADirectory(@TempDir Path dir) throws Exception {
        Path jar = Fixtures.connectFileJar();
        assertEquals(FILESTREAM, found(scan(jar.toString())));
        Files.copy(jar, dir.resolve("connect-file.jar"));
        assertEquals(FILESTREAM, found(scan(dir.toString())));
    }

    @Test
    void directoryOfClasses(@TempDir Path dir) throws Exception {
        Fixtures.unzip(Fixtures.connectFileJar(), dir.resolve("filestream-classes"));
        assertEquals(FILESTREAM, found(scan(dir.toString())));
    }

    @Test
    void eachPluginInItsOwnClassLoaderSharingTheConnectApi(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        Files.copy(Fixtures.connectFileJar(), dir.resolve("a/connect-file.jar"));
        Files.copy(Fixtures.connectFileJar(), dir.resolve("b/connect-file.jar"));
        PluginScanner s = scan(dir.toString());
        List<PluginDesc> sources = s.plugins().stream().filter(d -> d.type() == PluginType.PLUGIN_TYPE_SOURCE).toList();
        assertEquals(2, sources.size());
        Class<?> a = sources.get(0).pluginClass();
        Class<?> b = sources.get(1).pluginClass();
        assertNotSame(a, b, "two plugin directories with the same class load two copies");
        assertNotSame(a.getClassLoader(), b.getClassLoader());
        assertTrue(a.getClassLoader() instanceof PluginClassLoader);
        assertSame(SourceConnector.class, a.getSuperclass(), "the Connect API is the host's one copy");
        assertThrows(ClassNotFoundException.class,
                () -> Class.forName(Fixtures.SOURCE, false, PluginScannerTest.class.getClassLoader()),
                "the plugin is not on the host's classpath");
    }

    @Test
    void entriesThatAreMissingOrEmptyAreWarnings(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path missing = dir.resolve("missing");
        PluginScanner s = scan(missing.toString(), empty.toString(), Fixtures.pluginPath().toString());
        assertEquals(FILESTREAM, found(s));
        assertEquals(List.of(
                "plugin.path entry " + missing + " does not exist",
                "plugin.path entry " + empty + " holds no plugin"), s.warnings());
    }

    @Test
    void newestVersionUnlessOneIsAsked() throws Exception {
        assertTrue(Plugins.compareVersions("4.3.1", "4.10.0") < 0);
        assertTrue(Plugins.compareVersions("3.6.1.Final", "3.6.0.Final") > 0);
        assertEquals(0, Plugins.compareVersions("4.3", "4.3.0"));
        Plugins p = new Plugins(scan(Fixtures.pluginPath().toString()).plugins());
        assertEquals("4.3.1", p.find(Fixtures.SOURCE, PluginType.PLUGIN_TYPE_UNSPECIFIED, "").version());
        assertEquals("4.3.1", p.find(Fixtures.SOURCE, PluginType.PLUGIN_TYPE_SOURCE, "4.3.1").version());
        assertThrows(ClassNotFoundException.class, () -> p.find(Fixtures.SOURCE, PluginType.PLUGIN_TYPE_SOURCE, "9.9.9"));
        assertThrows(ClassNotFoundException.class, () -> p.find(Fixtures.SOURCE, PluginType.PLUGIN_TYPE_SINK, ""));
        assertThrows(ClassNotFoundException.class, () -> p.find("com.example.Nope", PluginType.PLUGIN_TYPE_UNSPECIFIED, ""));
    }
}
