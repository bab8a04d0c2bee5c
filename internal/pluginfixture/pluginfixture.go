// Package pluginfixture fills plugin.path directories for tests with real Kafka Connect plugins
// from Maven Central: Maven fetches them once (into ~/.m2, then into a plugin directory under
// the user's cache directory), and every later test run, of any package, reuses them. It also
// makes the java executable the plugin host's fault tests start it with (UnstartableJava).
//
// It imports only the standard library: the tests of connectors/javaplugin and cmd/connectd
// both use it.
package pluginfixture

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// KafkaVersion is the Apache Kafka release whose plugins the fixtures fetch: the newest whose
// plugins run on connectd's default plugin host (javaplugin.DefaultKafkaVersion).
const KafkaVersion = "4.3.1"

// ConnectFile is a plugin.path holding Apache Kafka's connect-file JAR (the FileStream
// connectors) as one plugin directory.
func ConnectFile(t testing.TB) string {
	return PluginPath(t, "connect-file-"+KafkaVersion, "org.apache.kafka:connect-file:"+KafkaVersion)
}

// PluginPath returns a plugin.path directory called name holding one plugin directory, also
// called name, with the JARs of artifacts (group:artifact:version, without their
// dependencies: the Connect API and Kafka clients are the host's). It is built the first time
// and reused afterwards; a build in progress elsewhere is never seen half done, as the
// directory appears by a rename.
func PluginPath(t testing.TB, name string, artifacts ...string) string {
	t.Helper()
	dir, err := pluginPath(name, artifacts, false)
	if err != nil {
		t.Fatalf("plugin.path fixture %s: %v", name, err)
	}
	return dir
}

// WithDependencies returns a plugin.path directory called name holding one plugin directory,
// also called name, with the JAR of artifact (group:artifact:version) and of every runtime
// dependency Maven resolves for it, as a plugin that ships as a Maven artifact is installed
// (MirrorMaker 2's connect-mirror needs connect-runtime, Kafka's test connectors need
// kafka-server-common). Built once and reused, as PluginPath.
func WithDependencies(t testing.TB, name, artifact string) string {
	t.Helper()
	dir, err := pluginPath(name, []string{artifact}, true)
	if err != nil {
		t.Fatalf("plugin.path fixture %s: %v", name, err)
	}
	return dir
}

// ConnectMirror is a plugin.path holding MirrorMaker 2's connectors (connect-mirror) and their
// dependencies as one plugin directory.
func ConnectMirror(t testing.TB) string {
	return WithDependencies(t, "connect-mirror-"+KafkaVersion, "org.apache.kafka:connect-mirror:"+KafkaVersion)
}

// ConnectTestPlugins is a plugin.path holding Kafka's test connectors (connect-test-plugins:
// VerifiableSource/Sink, MockSource/Sink, SchemaSource) and their dependencies as one plugin
// directory.
func ConnectTestPlugins(t testing.TB) string {
	return WithDependencies(t, "connect-test-plugins-"+KafkaVersion, "org.apache.kafka:connect-test-plugins:"+KafkaVersion)
}

// DebeziumVersion is the Debezium release of DebeziumPostgres: the newest whose connectors run
// on the plugin host's default Kafka version (4.3.1; on 4.4.0's client classes Debezium 3.6.1
// fails with NoClassDefFoundError: org/apache/kafka/common/utils/Sanitizer).
const DebeziumVersion = "3.6.1.Final"

// DebeziumPostgres is a plugin.path holding Debezium's PostgreSQL connector as its plugin
// archive from Maven Central installs it (debezium-connector-postgres-<v>-plugin.tar.gz: the
// connector, Debezium's SMTs such as ExtractNewRecordState, and the JDBC driver).
func DebeziumPostgres(t testing.TB) string {
	t.Helper()
	dir, err := DebeziumPostgresDir()
	if err != nil {
		t.Fatalf("plugin.path fixture: %v", err)
	}
	return dir
}

// DebeziumPostgresDir is DebeziumPostgres for callers without a testing.TB (the benchmarks).
func DebeziumPostgresDir() (string, error) {
	return archivePath("debezium-connector-postgres-"+DebeziumVersion,
		"io.debezium:debezium-connector-postgres:"+DebeziumVersion+":tar.gz:plugin")
}

// Archive returns a plugin.path directory called name holding what the .tar.gz artifact
// (group:artifact:version:tar.gz:classifier) unpacks to, as a plugin distributed as an archive
// is installed. Built once and reused, as PluginPath.
func Archive(t testing.TB, name, artifact string) string {
	t.Helper()
	dir, err := archivePath(name, artifact)
	if err != nil {
		t.Fatalf("plugin.path fixture %s: %v", name, err)
	}
	return dir
}

func archivePath(name, artifact string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	root := filepath.Join(cache, "connectd", "test-plugins")
	dir := filepath.Join(root, name)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(root, "fetch-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	var out bytes.Buffer
	cmd := exec.Command("mvn", "-B", "-q", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy",
		"-Dartifact="+artifact, "-DoutputDirectory="+filepath.Join(work, "download"))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("mvn dependency:copy %s: %w\n%s", artifact, err, strings.TrimSpace(out.String()))
	}
	archives, _ := filepath.Glob(filepath.Join(work, "download", "*.tar.gz"))
	if len(archives) != 1 {
		return "", fmt.Errorf("mvn dependency:copy %s: %d archives downloaded", artifact, len(archives))
	}
	unpacked := filepath.Join(work, name)
	if err := untar(archives[0], unpacked); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(unpacked, ".complete"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(unpacked, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, ".complete")); statErr == nil {
			return dir, nil // another test process made it first
		}
		return "", err
	}
	return dir, nil
}

// untar unpacks the regular files and directories of a .tar.gz into dir, refusing paths that
// leave it.
func untar(archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", archive, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", archive, err)
		}
		path := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(path, filepath.Clean(dir)+string(os.PathSeparator)) {
			return fmt.Errorf("%s: entry %q leaves the plugin directory", archive, h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			_, cerr := io.Copy(out, tr)
			if err := errors.Join(cerr, out.Close()); err != nil {
				return fmt.Errorf("%s: %s: %w", archive, h.Name, err)
			}
		}
	}
}

func pluginPath(name string, artifacts []string, transitive bool) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	root := filepath.Join(cache, "connectd", "test-plugins")
	dir := filepath.Join(root, name)
	if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(root, "fetch-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	for _, a := range artifacts {
		var out bytes.Buffer
		cmd := exec.Command("mvn", "-B", "-q", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy",
			"-Dartifact="+a, "-DoutputDirectory="+filepath.Join(work, name, name))
		if transitive {
			// copy-dependencies works on a project: one whose only dependency is the artifact
			pom, err := dependentPOM(work, a)
			if err != nil {
				return "", err
			}
			cmd = exec.Command("mvn", "-B", "-q", "-f", pom, "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
				"-DincludeScope=runtime", "-DoutputDirectory="+filepath.Join(work, name, name))
		}
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("mvn dependency:copy %s: %w\n%s", a, err, strings.TrimSpace(out.String()))
		}
	}
	if err := os.Rename(filepath.Join(work, name), dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, name)); statErr == nil {
			return dir, nil // another test process made it first
		}
		return "", err
	}
	return dir, nil
}

// dependentPOM writes, in dir, the POM of a project whose only dependency is artifact.
func dependentPOM(dir, artifact string) (string, error) {
	gav := strings.Split(artifact, ":")
	if len(gav) != 3 {
		return "", fmt.Errorf("artifact %q is not group:artifact:version", artifact)
	}
	pom := fmt.Sprintf(`<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>connectd.test</groupId><artifactId>plugin</artifactId><version>1</version>
  <dependencies><dependency>
    <groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>
  </dependency></dependencies>
</project>
`, gav[0], gav[1], gav[2])
	path := filepath.Join(dir, "pom.xml")
	return path, os.WriteFile(path, []byte(pom), 0o644)
}

// UnstartableJava is a java executable for fault tests: it runs the real java (JAVA_HOME's,
// else the PATH's) for everything but the plugin host, whose every start it fails, with exit
// status 3 and "plugin host start refused by the test" on stderr, until the file allow exists.
// Each start of the host (failed or not) appends a line to the file starts.
func UnstartableJava(t testing.TB, allow, starts string) string {
	t.Helper()
	java := "java"
	if home := os.Getenv("JAVA_HOME"); home != "" {
		java = filepath.Join(home, "bin", "java")
	}
	real, err := exec.LookPath(java)
	if err != nil {
		t.Skipf("no java: %v", err)
	}
	script := fmt.Sprintf(`#!/bin/sh
for a in "$@"; do
	if [ "$a" = com.github.connectd.pluginhost.Main ]; then
		echo start >> %[1]q
		if [ ! -e %[2]q ]; then
			echo "plugin host start refused by the test" >&2
			exit 3
		fi
	fi
done
exec %[3]q "$@"
`, starts, allow, real)
	path := filepath.Join(t.TempDir(), "java")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}
