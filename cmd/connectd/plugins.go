package main

import (
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/builtin"
	"github.com/connectd/connectd/connectors/javaplugin"
)

// The worker's plugins: the built-ins, and the Java plugins of plugin.path run by one JVM
// plugin host (connectors/javaplugin). The host starts while the worker starts, only when
// plugin.path holds something a plugin can be made of, so that a worker without plugin.path
// stays one Go process that needs no Java. Starting it then, not on first use, is what
// Kafka Connect does too: GET /connector-plugins, create and validate need the plugins' classes
// and versions, which only the JVM can tell (version() is code).

// pluginHostStartTimeout bounds the host's first start: fetching its jars and compiling it
// takes tens of seconds (README), building it with Maven into an empty local repository (a
// Kafka version whose dependencies connectd does not pin) minutes; later starts take a second.
const pluginHostStartTimeout = 15 * time.Minute

// pluginHostRetryTimeout bounds each later attempt to start a host whose first start failed.
const pluginHostRetryTimeout = 5 * time.Minute

// pluginSide is the worker's plugin registry and the Java plugin host behind part of it.
type pluginSide struct {
	registry *connectors.Registry
	host     *javaplugin.Host // nil: no Java plugin on plugin.path (or no Java to run one)

	stopRetry context.CancelFunc // ends retryHost, if it runs
	retried   chan struct{}      // closed when retryHost has returned
}

// Close ends a retry of the host's start, if one runs, and stops the host, if one runs.
func (p *pluginSide) Close() {
	if p == nil {
		return
	}
	if p.stopRetry != nil {
		p.stopRetry()
		<-p.retried
	}
	if p.host != nil {
		_ = p.host.Close()
	}
}

// pluginLoad is openPlugins running beside the worker's other start steps.
type pluginLoad struct {
	cancel context.CancelFunc
	done   chan struct{}
	side   *pluginSide
}

// loadPlugins starts openPlugins in the background; wait returns its result.
func loadPlugins(ctx context.Context, cfg *workerConfig, log *slog.Logger) *pluginLoad {
	ctx, cancel := context.WithCancel(ctx)
	l := &pluginLoad{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		l.side = openPlugins(ctx, cfg, log)
	}()
	return l
}

// wait returns the worker's plugins once they are loaded, or ctx's error.
func (l *pluginLoad) wait(ctx context.Context) (*pluginSide, error) {
	select {
	case <-l.done:
		return l.side, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("load plugin.path: %w", ctx.Err())
	}
}

// Close ends a load still under way, waits for it, and stops the host it started.
func (l *pluginLoad) Close() {
	l.cancel()
	<-l.done
	l.side.Close()
}

// openPlugins is the built-in registry plus what plugin.path holds. It never fails the
// worker: an entry that does not exist or holds no plugin is a warning naming it, and Java
// plugins that cannot run (no Java 17+, a host that does not build) are recorded as such, so
// that a connector naming one is refused with the reason instead of as an unknown class.
func openPlugins(ctx context.Context, cfg *workerConfig, log *slog.Logger) *pluginSide {
	side := &pluginSide{registry: builtin.Registry()}
	entries := usablePluginPath(cfg.pluginPath, log)
	if len(entries) == 0 {
		return side
	}
	host, err := javaplugin.New(javaplugin.Config{PluginPath: entries, KafkaVersion: cfg.pluginHostKafka, Java: cfg.pluginHostJava, JVMOptions: cfg.pluginHostJVM,
		MavenRepository: cfg.pluginHostMaven},
		packageLogger(log, "connectors/javaplugin"))
	if err != nil {
		log.Error("Java plugins of plugin.path cannot run", "plugin.path", entries, "err", err)
		markUnavailable(side.registry, entries, err, log)
		return side
	}
	startCtx, cancel := context.WithTimeout(ctx, pluginHostStartTimeout)
	defer cancel()
	began := time.Now()
	plugins, err := host.Plugins(startCtx)
	switch {
	case err != nil && (errors.Is(err, javaplugin.ErrNoJava) || ctx.Err() != nil):
		// No Java 17+ does not come back by itself; a worker that is stopping wants nothing.
		_ = host.Close()
		log.Error("Java plugins of plugin.path cannot run", "plugin.path", entries, "err", err)
		markUnavailable(side.registry, entries, err, log)
		return side
	case err != nil:
		// A host that did not build (Maven Central out of reach) or died before it answered
		// may start on a later try: the worker runs its Go connectors meanwhile, refuses the
		// Java ones with the reason, and registers them once the host is up.
		log.Error("Java plugins of plugin.path cannot run yet; the worker keeps starting the plugin host, with backoff",
			"plugin.path", entries, "err", err)
		markUnavailable(side.registry, entries, fmt.Errorf("%w (the worker keeps trying to start the plugin host)", err), log)
		side.host = host
		retryCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
		side.stopRetry, side.retried = stop, make(chan struct{})
		go func() {
			defer close(side.retried)
			side.retryHost(retryCtx, entries, log)
		}()
		return side
	}
	if hello, err := host.Hello(startCtx); err == nil && len(hello.GetPlugins()) == 0 {
		// JARs that hold no plugin (the host warned, naming the entries): no JVM for nothing.
		_ = host.Close()
		log.Info("no Java plugin on plugin.path; the plugin host is stopped", "plugin.path", entries)
		return side
	}
	side.host = host
	registerJava(side.registry, plugins, log)
	log.Info("Java plugins loaded", "plugin.path", entries, "plugins", len(plugins), "took", time.Since(began).Round(time.Millisecond))
	return side
}

// retryHost starts the plugin host again until it answers, waiting between tries as the host
// does after it died (javaplugin.Config.RestartBackoff, doubling up to a minute), then
// registers its plugins; the classes stay marked unavailable, with the last failure, until then.
func (p *pluginSide) retryHost(ctx context.Context, entries []string, log *slog.Logger) {
	for attempt := 2; ; attempt++ {
		tryCtx, cancel := context.WithTimeout(ctx, pluginHostRetryTimeout)
		plugins, err := p.host.Plugins(tryCtx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.Warn("the plugin host did not start; the worker tries again", "attempt", attempt, "err", err)
			markUnavailable(p.registry, entries, fmt.Errorf("%w (the worker keeps trying to start the plugin host)", err), log)
			continue
		}
		registerJava(p.registry, plugins, log)
		log.Info("Java plugins loaded after the plugin host started", "plugin.path", entries, "plugins", len(plugins), "attempt", attempt)
		return
	}
}

// registerJava adds the Java plugins to r, after the built-ins.
func registerJava(r *connectors.Registry, plugins []connectors.Plugin, log *slog.Logger) {
	for _, p := range plugins {
		// Kafka's own transformations, predicates and converters found there (connect-transforms
		// on plugin.path) are further versions of connectd's Go ones, registered first and so
		// still the default: a config runs the Java one only when its plugin.version key asks.
		if _, _, dup := r.LookupVersion(p.Class, p.Version, func(t connectors.PluginType) bool { return t == p.Type }); dup {
			log.Warn("a Java plugin on plugin.path has the class and version of another plugin; the first one found runs",
				"class", p.Class, "type", p.Type, "version", p.Version)
			continue
		}
		r.Register(p)
	}
}

// usablePluginPath returns the plugin.path entries that may hold a plugin: an existing JAR or
// ZIP, or a directory with one, or with class files, below it. The others are warned about,
// with Kafka Connect's leniency: the worker starts without them.
func usablePluginPath(path []string, log *slog.Logger) []string {
	var out []string
	for _, entry := range path {
		info, err := os.Stat(entry)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			log.Warn("plugin.path entry " + entry + " does not exist")
			continue
		case err != nil:
			log.Warn("plugin.path entry "+entry+" cannot be read", "err", err)
			continue
		case !info.IsDir() && !isArchive(entry):
			log.Warn("plugin.path entry " + entry + " holds no plugin")
			continue
		case info.IsDir() && !holdsPluginFiles(entry):
			log.Warn("plugin.path entry " + entry + " holds no plugin")
			continue
		}
		out = append(out, entry)
	}
	return out
}

func isArchive(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".jar") || strings.HasSuffix(n, ".zip")
}

// holdsPluginFiles reports whether a JAR, a ZIP or a class file is below dir.
func holdsPluginFiles(dir string) bool {
	errFound := errors.New("found")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable subdirectory holds nothing we can load
		}
		if !d.IsDir() && (isArchive(p) || strings.HasSuffix(p, ".class")) {
			return errFound
		}
		return nil
	})
	return errors.Is(err, errFound)
}

// serviceFiles are the ServiceLoader manifests of Kafka Connect's connector interfaces, which
// plugins carry since KIP-898 (Kafka's plugin.discovery=service_load reads them).
var serviceFiles = map[string]connectors.PluginType{
	"META-INF/services/org.apache.kafka.connect.source.SourceConnector": connectors.Source,
	"META-INF/services/org.apache.kafka.connect.sink.SinkConnector":     connectors.Sink,
}

// markUnavailable records the connector classes the JARs of entries declare in their
// service manifests as unable to run, because of why: without the host, the manifests are
// all that tells which connectors the user installed.
func markUnavailable(r *connectors.Registry, entries []string, why error, log *slog.Logger) {
	reason := fmt.Errorf("the connector is a Java plugin from plugin.path, which this worker cannot run: %w", why)
	for _, entry := range entries {
		_ = filepath.WalkDir(entry, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isArchive(p) {
				return nil
			}
			for class, t := range declaredConnectors(p) {
				log.Debug("Java connector unavailable", "class", class, "jar", p)
				r.MarkUnavailable(class, t, reason)
			}
			return nil
		})
	}
}

// declaredConnectors reads the connector classes a JAR's service manifests declare.
func declaredConnectors(jar string) map[string]connectors.PluginType {
	z, err := zip.OpenReader(jar)
	if err != nil {
		return nil
	}
	defer z.Close()
	out := map[string]connectors.PluginType{}
	for _, f := range z.File {
		t, ok := serviceFiles[f.Name]
		if !ok {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		s := bufio.NewScanner(rc)
		for s.Scan() {
			line, _, _ := strings.Cut(s.Text(), "#")
			if line = strings.TrimSpace(line); line != "" {
				out[line] = t
			}
		}
		rc.Close()
	}
	return out
}
