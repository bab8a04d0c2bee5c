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
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
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

// newLogger builds the process's one slog handler: text on stderr, level from
// CONNECTD_LOG_LEVEL (debug, info, warn, error; default info).
func newLogger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("CONNECTD_LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
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
