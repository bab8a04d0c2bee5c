package javaplugin

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/connectd/connectd/connectors/javaplugin/mavenrepo"
)

// The host's Maven module travels inside the binary, so a connectd built anywhere can build
// its host with nothing but Java: no checkout, no Maven, no download of ours (its generated
// protobuf code is committed, made by `go generate`).
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

// CheckKafkaVersion says whether v can be the host's Kafka version (Config.KafkaVersion), so
// that a worker refuses a bad one at start instead of when its host is built.
func CheckKafkaVersion(v string) error {
	if !kafkaVersionPattern.MatchString(v) {
		return fmt.Errorf("%q: %w", v, ErrBadVersion)
	}
	return nil
}

// buildConfig is what building the host needs from Config.
type buildConfig struct {
	cacheDir     string
	java         string // the java executable that runs the host (and ecj)
	maven        string // mvn, for a Kafka version without a pinned dependency list
	kafkaVersion string
	repository   string   // Config.MavenRepository
	compiler     string   // Config.Compiler
	repoLocal    []string // local Maven repositories to take pinned jars from; nil means ~/.m2/repository
}

// build builds the host for h's configuration, or finds it built.
func (h *Host) build(ctx context.Context) (hostBuild, error) {
	java, err := exec.LookPath(h.cfg.Java)
	if err != nil {
		return hostBuild{}, fmt.Errorf("%w: no %s found: %w", ErrNoJava, h.cfg.Java, err)
	}
	return ensureBuilt(ctx, buildConfig{cacheDir: h.cfg.CacheDir, java: java, maven: h.cfg.Maven,
		kafkaVersion: h.cfg.KafkaVersion, repository: h.cfg.MavenRepository, compiler: h.cfg.Compiler})
}

// ensureBuilt returns the host built for c.kafkaVersion under c.cacheDir, building it the first
// time: its pinned jars fetched from Maven Central (or c.repository) into the cache, its sources
// compiled with javac beside c.java, else with ecj on c.java (so that a JRE suffices); a Kafka
// version without a pinned list is built with Maven. Concurrent workers on one machine build
// once: the build holds a file lock and the result appears atomically.
func ensureBuilt(ctx context.Context, c buildConfig) (hostBuild, error) {
	if !kafkaVersionPattern.MatchString(c.kafkaVersion) {
		return hostBuild{}, fmt.Errorf("plugin host kafka version %q: %w", c.kafkaVersion, ErrBadVersion)
	}
	switch c.compiler {
	case "", "javac", "ecj":
	default:
		return hostBuild{}, fmt.Errorf("plugin host compiler %q: %w", c.compiler, ErrBadCompiler)
	}
	hash, err := moduleHash()
	if err != nil {
		return hostBuild{}, fmt.Errorf("read the embedded plugin host module: %w", err)
	}
	dir := filepath.Join(c.cacheDir, hash+"-kafka-"+c.kafkaVersion)
	b := hostBuild{jar: filepath.Join(dir, "connectd-pluginhost.jar"), lib: filepath.Join(dir, "lib")}
	if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
		return b, nil
	}
	if err := os.MkdirAll(c.cacheDir, 0o755); err != nil {
		return hostBuild{}, fmt.Errorf("plugin host cache: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(c.cacheDir, "build.lock"))
	if err != nil {
		return hostBuild{}, err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
		return b, nil // another worker built it while this one waited
	}
	work, err := os.MkdirTemp(c.cacheDir, "build-")
	if err != nil {
		return hostBuild{}, fmt.Errorf("plugin host cache: %w", err)
	}
	defer os.RemoveAll(work)
	if err := extractModule(work); err != nil {
		return hostBuild{}, err
	}
	staged := filepath.Join(work, "staged")
	if err := os.MkdirAll(filepath.Join(staged, "lib"), 0o755); err != nil {
		return hostBuild{}, err
	}
	if deps, ok := hostDeps[c.kafkaVersion]; ok {
		err = buildWithoutMaven(ctx, c, work, deps)
	} else {
		err = buildWithMaven(ctx, c, work)
	}
	if err != nil {
		return hostBuild{}, err
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

// repo is where the build's jars come from and are cached: the cache's repository/ directory,
// filled from c.repository (Maven Central by default), or from ~/.m2/repository when that
// already holds a file with the pinned checksum.
func (c buildConfig) repo() mavenrepo.Repo {
	r := mavenrepo.Repo{Remote: c.repository, Cache: filepath.Join(c.cacheDir, "repository"), Local: c.repoLocal}
	if home, err := os.UserHomeDir(); err == nil && r.Local == nil {
		r.Local = []string{filepath.Join(home, ".m2", "repository")}
	}
	return r
}

// buildWithoutMaven builds the host in work/staged from the module in work: deps fetched into
// staged/lib, the sources compiled into classes, they and the resources packed into the JAR.
func buildWithoutMaven(ctx context.Context, c buildConfig, work string, deps []mavenrepo.Artifact) error {
	repo := c.repo()
	var classpath []string
	for _, a := range deps {
		path, err := repo.Fetch(ctx, a)
		if err != nil {
			return fmt.Errorf("fetch the plugin host's dependency %s: %w", a, err)
		}
		lib := filepath.Join("staged", "lib", a.FileName())
		if err := linkOrCopy(path, filepath.Join(work, lib)); err != nil {
			return fmt.Errorf("plugin host build: %w", err)
		}
		classpath = append(classpath, lib)
	}
	var sources []string
	err := filepath.WalkDir(filepath.Join(work, "src", "main", "java"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".java") {
			rel, _ := filepath.Rel(work, path)
			sources = append(sources, rel)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("plugin host sources: %w", err)
	}
	// Paths relative to work, which the build's own temporary name keeps free of spaces, so the
	// argument file needs no quoting whatever the cache directory is called.
	if err := os.WriteFile(filepath.Join(work, "sources"), []byte(strings.Join(sources, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	cp := strings.Join(classpath, string(os.PathListSeparator))
	var cmd *exec.Cmd
	javac := ""
	if c.compiler != "ecj" {
		javac = javacBeside(c.java)
		if javac == "" && c.compiler == "javac" {
			return fmt.Errorf("build the plugin host: no javac beside %s (the compiler asked for)", c.java)
		}
	}
	if javac != "" {
		cmd = exec.CommandContext(ctx, javac, "--release", "17", "-encoding", "UTF-8", "-nowarn", "-proc:none",
			"-cp", cp, "-d", "classes", "@sources")
	} else {
		jar, err := repo.Fetch(ctx, ecj)
		if err != nil {
			return fmt.Errorf("fetch the Eclipse compiler for Java (%s has no javac beside it): %w", c.java, err)
		}
		cmd = exec.CommandContext(ctx, c.java, "-jar", jar, "-17", "-encoding", "UTF-8", "-nowarn", "-proc:none",
			"-cp", cp, "-d", "classes", "@sources")
	}
	cmd.Dir = work
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("compile the plugin host (%s): %w\n%s", filepath.Base(cmd.Args[0])+" "+cmd.Args[1], err, tail(out.String(), 40))
	}
	if err := copyResources(filepath.Join(work, "src", "main", "resources"), filepath.Join(work, "classes")); err != nil {
		return err
	}
	return writeJar(filepath.Join(work, "classes"), filepath.Join(work, "staged", "connectd-pluginhost.jar"))
}

// buildWithMaven builds the host in work/staged with Maven, which resolves the dependencies of
// a Kafka version connectd has no pinned list for.
func buildWithMaven(ctx context.Context, c buildConfig, work string) error {
	if _, err := exec.LookPath(c.maven); err != nil {
		return fmt.Errorf("build the plugin host for kafka %s, whose dependencies connectd does not pin (it pins %s): %w: %w",
			c.kafkaVersion, strings.Join(pinnedVersions(), ", "), ErrNoMaven, err)
	}
	cmd := exec.CommandContext(ctx, c.maven, "-B", "-q", "-f", filepath.Join(work, "pom.xml"),
		"-Dmaven.test.skip=true", "-Dkafka.version="+c.kafkaVersion, "package")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build the plugin host with Maven (kafka %s): %w\n%s", c.kafkaVersion, err, tail(out.String(), 40))
	}
	staged := filepath.Join(work, "staged")
	os.Remove(filepath.Join(staged, "lib"))
	if err := os.Rename(filepath.Join(work, "target", "connectd-pluginhost.jar"), filepath.Join(staged, "connectd-pluginhost.jar")); err != nil {
		return fmt.Errorf("plugin host build: %w", err)
	}
	if err := os.Rename(filepath.Join(work, "target", "lib"), filepath.Join(staged, "lib")); err != nil {
		return fmt.Errorf("plugin host build: %w", err)
	}
	return nil
}

func pinnedVersions() []string {
	vs := make([]string, 0, len(hostDeps))
	for v := range hostDeps {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	return vs
}

// javacBeside is the javac of the JDK that java belongs to, or "" when java is a JRE's.
func javacBeside(java string) string {
	real, err := filepath.EvalSymlinks(java)
	if err != nil {
		return ""
	}
	name := "javac"
	if runtime.GOOS == "windows" {
		name = "javac.exe"
	}
	javac := filepath.Join(filepath.Dir(real), name)
	if fi, err := os.Stat(javac); err != nil || fi.IsDir() {
		return ""
	}
	return javac
}

// copyResources copies the module's resources into classes, filtered as the pom filters them:
// ${project.version} becomes the pom's version. Any other ${...} is refused rather than left
// unfilled, so that a resource added to the module cannot differ between the two builds.
func copyResources(src, dst string) error {
	pom, err := hostModule.ReadFile("host/pom.xml")
	if err != nil {
		return err
	}
	var project struct {
		Version string `xml:"version"`
	}
	if err := xml.Unmarshal(pom, &project); err != nil || project.Version == "" {
		return fmt.Errorf("plugin host pom.xml: no project version (%v)", err)
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if errors.Is(err, fs.ErrNotExist) && path == src {
				return nil
			}
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		data = bytes.ReplaceAll(data, []byte("${project.version}"), []byte(project.Version))
		rel, _ := filepath.Rel(src, path)
		if i := bytes.Index(data, []byte("${")); i >= 0 {
			return fmt.Errorf("plugin host resource %s: %s is filtered by Maven only", rel, tail(string(data[i:min(len(data), i+40)]), 1))
		}
		target := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// writeJar packs the directory classes into a JAR at path.
func writeJar(classes, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	w, err := zw.Create("META-INF/MANIFEST.MF")
	if err == nil {
		_, err = io.WriteString(w, "Manifest-Version: 1.0\r\nCreated-By: connectd\r\n\r\n")
	}
	if err == nil {
		err = filepath.WalkDir(classes, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(classes, p)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			w, err := zw.Create(filepath.ToSlash(rel))
			if err != nil {
				return err
			}
			_, err = w.Write(data)
			return err
		})
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pack the plugin host JAR: %w", err)
	}
	return nil
}

// linkOrCopy puts src at dst, hard-linked when they share a file system.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
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
