// Command connectd is a Kafka Connect-compatible connector runtime: the Kafka Connect REST
// API on :8083, Kafka Connect's worker and connector config files and internal topics, with
// connectors and tasks running as supervised actors on a protoactor-go cluster.
//
//	connectd                                   # = connectd distributed, embedded broker
//	connectd distributed [worker.properties] [--override key=value]...
//	connectd standalone worker.properties connector.properties|connector.json... [--override key=value]...
//	connectd broker [--listen host:port] [--data-dir dir]
//	connectd version
//
// This package is the only one that reads flags, environment and signals, and the only one
// that wires the layers together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/connectd/connectd/loglevel"
)

func main() {
	tuneGC(os.Getenv)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a command-line mistake: exit status 2 and the usage text.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

const usage = `usage:
  connectd                                   run a distributed worker with an embedded broker
  connectd distributed [worker.properties] [--override key=value]...
  connectd standalone worker.properties connector.properties|connector.json... [--override key=value]...
  connectd broker [--listen host:port] [--data-dir dir]
  connectd version
`

func run(args []string, stdout, stderr io.Writer) int {
	log := newLogger(stderr)
	slog.SetDefault(log)
	servePprof(log)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cmd, rest := "distributed", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "distributed":
		err = runDistributed(ctx, rest, log)
	case "standalone":
		err = runStandalone(ctx, rest, log)
	case "broker":
		err = runBroker(ctx, rest, stdout, log)
	case "version":
		err = runVersion(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usageError{fmt.Errorf("unknown command %q", cmd)}
	}
	var ue usageError
	var ee exitError
	switch {
	case err == nil:
		return 0
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		// Stopped (SIGINT, SIGTERM) before startup completed: what was asked for happened.
		log.Info("stopped before startup completed", "err", err)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "connectd: %v\n%s", err, usage)
		return 2
	case errors.As(err, &ee):
		fmt.Fprintf(stderr, "connectd: %v\n", err)
		return ee.code
	default:
		fmt.Fprintf(stderr, "connectd: %v\n", err)
		return 1
	}
}

// newLogger builds the process's one slog handler: text on stderr, filtered per logger by
// processLogging's levels, root's from CONNECTD_LOG_LEVEL (a log4j level name such as debug,
// info, warn, error; default info). The logger it returns is this package's.
func newLogger(w io.Writer) *slog.Logger {
	levels, err := loglevel.New(os.Getenv("CONNECTD_LOG_LEVEL"))
	if err != nil {
		levels, _ = loglevel.New("INFO")
	}
	h := slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: slog.Level(math.MinInt32), // levels filters
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if l, ok := a.Value.Any().(slog.Level); ok && a.Key == slog.LevelKey && len(groups) == 0 {
				a.Value = slog.StringValue(loglevel.LevelName(l)) // TRACE and FATAL, not DEBUG-4
			}
			return a
		},
	})
	processLogging = &logging{levels: levels, handler: h}
	return levels.Logger(h, pkgPath+"cmd/connectd")
}

// pkgPath is the module path; loggers are named by package path.
const pkgPath = "github.com/connectd/connectd/"

// logging is the process's logger levels and the handler its loggers write to.
type logging struct {
	levels  *loglevel.Levels
	handler slog.Handler
}

// processLogging is set by newLogger; nil when the process's logger was built elsewhere.
var processLogging *logging

// packageLogger is the logger of package pkg (a path below the module), for the process's
// levels; without them, log.
func packageLogger(log *slog.Logger, pkg string) *slog.Logger {
	if processLogging == nil {
		return log
	}
	return processLogging.levels.Logger(processLogging.handler, pkgPath+pkg)
}

// processLevels is the process's logger levels, or nil.
func processLevels() *loglevel.Levels {
	if processLogging == nil {
		return nil
	}
	return processLogging.levels
}

// workerArgs parses `[worker.properties] [--override key=value]...`: the file's properties,
// then the overrides in order, later ones winning.
func workerArgs(args []string, requireFile bool) (props map[string]string, files []string, err error) {
	props = map[string]string{}
	var overrides [][2]string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--override" || a == "-override":
			if i+1 >= len(args) {
				return nil, nil, usageError{errors.New("--override needs key=value")}
			}
			i++
			k, v, ok := strings.Cut(args[i], "=")
			if !ok || k == "" {
				return nil, nil, usageError{fmt.Errorf("--override %q: expected key=value", args[i])}
			}
			overrides = append(overrides, [2]string{k, v})
		case strings.HasPrefix(a, "--override="):
			k, v, ok := strings.Cut(strings.TrimPrefix(a, "--override="), "=")
			if !ok || k == "" {
				return nil, nil, usageError{fmt.Errorf("%q: expected --override key=value", a)}
			}
			overrides = append(overrides, [2]string{k, v})
		case strings.HasPrefix(a, "-"):
			return nil, nil, usageError{fmt.Errorf("unknown flag %q", a)}
		default:
			files = append(files, a)
		}
	}
	if len(files) > 0 {
		f, err := os.Open(files[0])
		if err != nil {
			return nil, nil, fmt.Errorf("worker properties: %w", err)
		}
		defer f.Close()
		if props, err = parseProperties(f); err != nil {
			return nil, nil, fmt.Errorf("worker properties %s: %w", files[0], err)
		}
		files = files[1:]
	} else if requireFile {
		return nil, nil, usageError{errors.New("a worker properties file is required")}
	}
	for _, kv := range overrides {
		props[kv[0]] = kv[1]
	}
	return props, files, nil
}
