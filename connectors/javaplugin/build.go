package javaplugin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The host's Maven module travels inside the binary, so a connectd built anywhere can build
// its host with nothing but Java and Maven: no checkout, no download of ours.
//
//go:embed host/pom.xml host/src/main
var hostModule embed.FS

// hostBuild is a built host: its JAR and the directory of its runtime classpath.
type hostBuild struct {
	jar string
	lib string
}

func (b hostBuild) classpath() string {
	return b.jar + string(os.PathListSeparator) + filepath.Join(b.lib, "*")
}

// moduleHash identifies the embedded module's content, so a cached build is reused exactly as
// long as the sources it was built from are the ones in this binary.
func moduleHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(hostModule, "host", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := hostModule.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

var kafkaVersionPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+([.-][A-Za-z0-9]+)*$`)

// ensureBuilt returns the host built for kafkaVersion under cacheDir, building it with Maven
// the first time (minutes when Maven's local repository is empty, see README). Concurrent
// workers on one machine build once: the build holds a file lock and the result appears
// atomically.
func ensureBuilt(ctx context.Context, cacheDir, maven, kafkaVersion string) (hostBuild, error) {
	if !kafkaVersionPattern.MatchString(kafkaVersion) {
		return hostBuild{}, fmt.Errorf("plugin host kafka version %q: %w", kafkaVersion, ErrBadVersion)
	}
	hash, err := moduleHash()
	if err != nil {
		return hostBuild{}, fmt.Errorf("read the embedded plugin host module: %w", err)
	}
	dir := filepath.Join(cacheDir, hash+"-kafka-"+kafkaVersion)
	b := hostBuild{jar: filepath.Join(dir, "connectd-pluginhost.jar"), lib: filepath.Join(dir, "lib")}
	if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
		return b, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return hostBuild{}, fmt.Errorf("plugin host cache: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(cacheDir, "build.lock"))
	if err != nil {
		return hostBuild{}, err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
		return b, nil // another worker built it while this one waited
	}
	if _, err := exec.LookPath(maven); err != nil {
		return hostBuild{}, fmt.Errorf("build the plugin host: %w: %w", ErrNoMaven, err)
	}
	work, err := os.MkdirTemp(cacheDir, "build-")
	if err != nil {
		return hostBuild{}, fmt.Errorf("plugin host cache: %w", err)
	}
	defer os.RemoveAll(work)
	if err := extractModule(work); err != nil {
		return hostBuild{}, err
	}
	cmd := exec.CommandContext(ctx, maven, "-B", "-q", "-f", filepath.Join(work, "pom.xml"),
		"-Dmaven.test.skip=true", "-Dkafka.version="+kafkaVersion, "package")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return hostBuild{}, fmt.Errorf("build the plugin host with Maven (kafka %s): %w\n%s", kafkaVersion, err, tail(out.String(), 40))
	}
	staged := filepath.Join(work, "staged")
	if err := os.MkdirAll(staged, 0o755); err != nil {
		return hostBuild{}, err
	}
	if err := os.Rename(filepath.Join(work, "target", "connectd-pluginhost.jar"), filepath.Join(staged, "connectd-pluginhost.jar")); err != nil {
		return hostBuild{}, fmt.Errorf("plugin host build: %w", err)
	}
	if err := os.Rename(filepath.Join(work, "target", "lib"), filepath.Join(staged, "lib")); err != nil {
		return hostBuild{}, fmt.Errorf("plugin host build: %w", err)
	}
	if err := os.WriteFile(filepath.Join(staged, "ready"), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return hostBuild{}, err
	}
	os.RemoveAll(dir) // a half-built directory of an interrupted older build
	if err := os.Rename(staged, dir); err != nil {
		return hostBuild{}, fmt.Errorf("plugin host build: %w", err)
	}
	return b, nil
}

func extractModule(dst string) error {
	return fs.WalkDir(hostModule, "host", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dst, strings.TrimPrefix(path, "host"))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := hostModule.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// lockFile takes an exclusive lock on path, polling so that ctx can end the wait.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("plugin host build lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("plugin host build lock: %w", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("wait for another worker's plugin host build: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// javaVersion runs java -version and returns the feature release (17 for "17.0.15").
func javaVersion(ctx context.Context, java string) (int, error) {
	out, err := exec.CommandContext(ctx, java, "-version").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s -version: %w", java, err)
	}
	m := regexp.MustCompile(`version "(1\.)?([0-9]+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%s -version: no version in %q", java, tail(string(out), 3))
	}
	return strconv.Atoi(string(m[2]))
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
