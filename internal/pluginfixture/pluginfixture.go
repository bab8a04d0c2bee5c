// Package pluginfixture fills plugin.path directories for tests with real Kafka Connect plugins
// from Maven Central: Maven fetches them once (into ~/.m2, then into a plugin directory under
// the user's cache directory), and every later test run, of any package, reuses them.
//
// It imports only the standard library: the tests of connectors/javaplugin and cmd/connectd
// both use it.
package pluginfixture

import (
	"bytes"
	"fmt"
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
	dir, err := pluginPath(name, artifacts)
	if err != nil {
		t.Fatalf("plugin.path fixture %s: %v", name, err)
	}
	return dir
}

func pluginPath(name string, artifacts []string) (string, error) {
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
