package javaplugin

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBuildWithoutMaven builds the host in an empty cache with Maven out of reach, with javac
// and with the Eclipse compiler (what a JRE gets), at each Kafka version whose dependencies are
// pinned, and runs it: it reports its own version (filled in as Maven fills it) and the Kafka
// version it was asked for, and lists connect-file's connectors.
func TestBuildWithoutMaven(t *testing.T) {
	tests := []struct{ compiler, kafka string }{
		{"javac", DefaultKafkaVersion},
		{"ecj", DefaultKafkaVersion},
		{"javac", "4.4.0"},
	}
	for _, tt := range tests {
		t.Run(tt.compiler+"-"+tt.kafka, func(t *testing.T) {
			cfg := Config{CacheDir: t.TempDir(), Compiler: tt.compiler, KafkaVersion: tt.kafka, Maven: filepath.Join(t.TempDir(), "no-mvn")}
			h := newTestHost(t, cfg)
			hello, err := h.Hello(testContext(t))
			if err != nil {
				t.Fatal(err)
			}
			if hello.GetHostVersion() != "0.1.0" || hello.GetKafkaVersion() != tt.kafka {
				t.Errorf("host %q on kafka %q, want 0.1.0 on %s", hello.GetHostVersion(), hello.GetKafkaVersion(), tt.kafka)
			}
			plugins, err := h.Connectors(testContext(t))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range plugins {
				got = append(got, p.Class)
			}
			slices.Sort(got)
			if want := []string{fileSink, fileSource}; !slices.Equal(got, want) {
				t.Fatalf("plugins = %q, want %q", got, want)
			}
			libs, _ := filepath.Glob(filepath.Join(cfg.CacheDir, "*-kafka-"+tt.kafka, "lib", "*.jar"))
			if len(libs) != len(hostDeps[tt.kafka]) {
				t.Errorf("lib holds %d jars, want the %d pinned", len(libs), len(hostDeps[tt.kafka]))
			}
		})
	}
}

// TestBuildRefusals: what cannot be built is refused with an error saying why.
func TestBuildRefusals(t *testing.T) {
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("no java on the PATH")
	}
	noMaven := filepath.Join(t.TempDir(), "no-mvn")
	tests := []struct {
		name string
		c    buildConfig
		want error
		text string
	}{
		{"unpinned version without Maven", buildConfig{kafkaVersion: "4.3.0", maven: noMaven}, ErrNoMaven, "it pins 4.3.1, 4.4.0"},
		{"not a version", buildConfig{kafkaVersion: "latest"}, ErrBadVersion, `"latest"`},
		{"unknown compiler", buildConfig{kafkaVersion: "4.3.1", compiler: "gcj"}, ErrBadCompiler, `"gcj"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.cacheDir, tt.c.java = t.TempDir(), java
			_, err := ensureBuilt(testContext(t), tt.c)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want %v saying %s", err, tt.want, tt.text)
			}
		})
	}
	// an unreachable repository: the error names the URL
	c := buildConfig{kafkaVersion: "4.3.1", cacheDir: t.TempDir(), java: java, repository: "http://127.0.0.1:1/maven2"}
	c.repoLocal = []string{}
	_, err = ensureBuilt(testContext(t), c)
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:1/maven2/org/apache/kafka/connect-api/4.3.1/connect-api-4.3.1.jar") {
		t.Fatalf("err = %v, want one naming the URL it could not fetch", err)
	}
}

// TestHostDepsMatchPom: the dependencies a worker fetches for each pinned Kafka version are
// exactly those Maven resolves for the module's pom, so that the two builds cannot drift.
func TestHostDepsMatchPom(t *testing.T) {
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		t.Skip("no mvn on the PATH (CI installs it)")
	}
	for _, version := range pinnedVersions() {
		t.Run(version, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "deps.txt")
			var log bytes.Buffer
			cmd := exec.CommandContext(testContext(t), mvn, "-B", "-q", "-f", filepath.Join("host", "pom.xml"),
				"org.apache.maven.plugins:maven-dependency-plugin:3.8.1:list", "-DincludeScope=runtime", "-Dkafka.version="+version,
				"-DoutputFile="+out, "-DoutputAbsoluteArtifactFilename=false", "-Dmaven.test.skip=true")
			cmd.Stdout, cmd.Stderr = &log, &log
			if err := cmd.Run(); err != nil {
				t.Fatalf("mvn dependency:list: %v\n%s", err, log.String())
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var resolved []string
			sc := bufio.NewScanner(bytes.NewReader(data))
			for sc.Scan() {
				// "   org.apache.kafka:connect-api:jar:4.3.1:compile -- module connect.api (auto)"
				f := strings.Split(strings.Fields(sc.Text() + " x")[0], ":")
				if len(f) == 5 && f[2] == "jar" {
					resolved = append(resolved, f[0]+":"+f[1]+":"+f[3])
				}
			}
			var pinned []string
			for _, a := range hostDeps[version] {
				pinned = append(pinned, a.String())
			}
			slices.Sort(resolved)
			slices.Sort(pinned)
			if len(resolved) == 0 || !slices.Equal(resolved, pinned) {
				t.Fatalf("pom resolves %q\ndeps.go pins %q", resolved, pinned)
			}
		})
	}
}

// TestJavacBeside: the host is compiled with the javac of the JDK its java belongs to (through
// symbolic links, as /usr/bin/java is), and with ecj when java has no javac beside it (a JRE,
// or a java behind a wrapper script).
func TestJavacBeside(t *testing.T) {
	jdk := filepath.Join(t.TempDir(), "jdk", "bin")
	jre := filepath.Join(t.TempDir(), "jre", "bin")
	links := t.TempDir()
	for _, dir := range []string{jdk, jre} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "java"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(jdk, "javac"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(jdk, "java"), filepath.Join(links, "java")); err != nil {
		t.Fatal(err)
	}
	realJDK, err := filepath.EvalSymlinks(jdk) // the temporary directory may be below a link
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ java, want string }{
		{filepath.Join(jdk, "java"), filepath.Join(realJDK, "javac")},
		{filepath.Join(links, "java"), filepath.Join(realJDK, "javac")},
		{filepath.Join(jre, "java"), ""},
		{filepath.Join(t.TempDir(), "missing"), ""},
	}
	for _, tt := range tests {
		if got := javacBeside(tt.java); got != tt.want {
			t.Errorf("javacBeside(%s) = %q, want %q", tt.java, got, tt.want)
		}
	}
}
