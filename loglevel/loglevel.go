// Package loglevel gives slog loggers levels per logger name, changeable at run time, with
// Kafka Connect's /admin/loggers semantics (spec §3.25–§3.27) and log4j's level names.
//
// A logger is a *slog.Logger carrying the attribute LoggerKey (its name, a Go package path
// such as "github.com/connectd/connectd/actors"); Handler filters each record by the
// effective level of the logger that made it. Records of a logger without a name use "root".
//
// It imports only the standard library.
//
// Invariants:
//   - a logger exists once a logger of that name was made, or a level was set on its name;
//     lookups never create one (spec §3.26);
//   - a logger without a level of its own has the level of its nearest ancestor that has one
//     (names split at '/' and '.'), else root's; root always has a level;
//   - LastModified changes only when a level is set through Set and differs from the
//     logger's current one (spec §3.27, §16.19).
package loglevel

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoggerKey is the attribute that names a logger.
const LoggerKey = "logger"

// RootName is the name of the root logger, matched case-insensitively (spec §3.26).
const RootName = "root"

// ErrInvalidLevel is returned for a level that is not one of log4j's names.
var ErrInvalidLevel = errors.New("invalid log level")

// Log4j's level names, mapped onto slog's levels: TRACE below Debug, FATAL above Error, ALL
// and OFF at the ends, so that OFF silences everything and ALL lets everything through.
var levelValues = map[string]slog.Level{
	"ALL":   slog.Level(math.MinInt32),
	"TRACE": slog.LevelDebug - 4,
	"DEBUG": slog.LevelDebug,
	"INFO":  slog.LevelInfo,
	"WARN":  slog.LevelWarn,
	"ERROR": slog.LevelError,
	"FATAL": slog.LevelError + 4,
	"OFF":   slog.Level(math.MaxInt32),
}

// ParseLevel returns the canonical (upper-case) name of a log4j level name, matched
// case-insensitively, and its slog level; ErrInvalidLevel for any other name.
func ParseLevel(name string) (string, slog.Level, error) {
	n := strings.ToUpper(name)
	v, ok := levelValues[n]
	if !ok {
		return "", 0, ErrInvalidLevel
	}
	return n, v, nil
}

// LevelName names a slog level as log4j would: the name of the highest log4j level at or
// below it. Handlers use it to print levels (TRACE, FATAL) that slog has no name for.
func LevelName(l slog.Level) string {
	best, bestV := "ALL", slog.Level(math.MinInt32)
	for n, v := range levelValues {
		if v <= l && v >= bestV && n != "OFF" {
			best, bestV = n, v
		}
	}
	return best
}

// Setting is a logger's level as GET /admin/loggers shows it (spec §2.1 LoggerLevel).
type Setting struct {
	// Level is a log4j level name.
	Level string
	// LastModified is the epoch milliseconds of the last change made through Set; 0 means
	// never.
	LastModified int64
}

// Levels is the set of loggers of one process and their levels. It is safe for concurrent
// use.
type Levels struct {
	now func() time.Time

	mu      sync.Mutex
	root    *logger
	loggers map[string]*logger // root excluded
}

type logger struct {
	name      string
	level     string // "" when the logger has no level of its own
	modified  int64
	effective atomic.Int64 // slog.Level
}

func (l *logger) enabled(level slog.Level) bool { return int64(level) >= l.effective.Load() }

// New returns Levels whose root logger has level root, a log4j level name.
func New(root string) (*Levels, error) {
	name, v, err := ParseLevel(root)
	if err != nil {
		return nil, err
	}
	l := &Levels{now: time.Now, root: &logger{name: RootName, level: name}, loggers: map[string]*logger{}}
	l.root.effective.Store(int64(v))
	return l, nil
}

// Logger returns a logger named name whose records go to next when its level allows.
func (l *Levels) Logger(next slog.Handler, name string) *slog.Logger {
	return slog.New(l.Handler(next)).With(LoggerKey, name)
}

// Handler returns a handler that passes to next the records the level of their logger allows.
// The logger is named by the LoggerKey attribute given to With; a record without one is
// root's. next should let every level through: the filtering is done here.
func (l *Levels) Handler(next slog.Handler) slog.Handler {
	return &handler{levels: l, next: next, lg: l.root}
}

// All returns the loggers that have a level of their own, root included (spec §3.25).
func (l *Levels) All() map[string]Setting {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]Setting{RootName: {Level: l.root.level, LastModified: l.root.modified}}
	for name, lg := range l.loggers {
		if lg.level != "" {
			out[name] = Setting{Level: lg.level, LastModified: lg.modified}
		}
	}
	return out
}

// Get returns a logger's level, its own or else its effective one; false when no logger of
// that name exists (spec §3.26).
func (l *Levels) Get(name string) (Setting, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lg := l.lookup(name)
	if lg == nil {
		return Setting{}, false
	}
	level := lg.level
	if level == "" {
		level = l.inherited(lg.name).level
	}
	return Setting{Level: level, LastModified: lg.modified}, true
}

// Set sets level on namespace and on every logger whose name starts with it (a plain prefix,
// spec §16.19), creating the namespace's logger; "root" sets every logger. A logger already
// at that level is left as it is. It returns the names of the loggers it covered, sorted
// (spec §3.27, scope worker).
func (l *Levels) Set(namespace, level string) ([]string, error) {
	name, _, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now().UnixMilli()
	var targets []*logger
	if strings.EqualFold(namespace, RootName) {
		targets = append(slices.Collect(maps.Values(l.loggers)), l.root)
	} else {
		for n, lg := range l.loggers {
			if strings.HasPrefix(n, namespace) {
				targets = append(targets, lg)
			}
		}
		if l.loggers[namespace] == nil {
			targets = append(targets, l.create(namespace))
		}
	}
	// Every logger is compared with its level from before this change, so the outcome does not
	// depend on whether a parent was updated before its children.
	current := make([]string, len(targets))
	for i, lg := range targets {
		if current[i] = lg.level; current[i] == "" {
			current[i] = l.inherited(lg.name).level
		}
	}
	names := make([]string, 0, len(targets))
	for i, lg := range targets {
		names = append(names, lg.name)
		if current[i] != name {
			lg.level, lg.modified = name, now
		}
	}
	l.recompute()
	slices.Sort(names)
	return names, nil
}

// lookup finds a logger without creating it; l.mu is held.
func (l *Levels) lookup(name string) *logger {
	if strings.EqualFold(name, RootName) {
		return l.root
	}
	return l.loggers[name]
}

// get finds or creates a logger; it takes l.mu.
func (l *Levels) get(name string) *logger {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lg := l.lookup(name); lg != nil {
		return lg
	}
	return l.create(name)
}

// create adds a logger without a level of its own; l.mu is held.
func (l *Levels) create(name string) *logger {
	lg := &logger{name: name}
	lg.effective.Store(l.effectiveOf(name))
	l.loggers[name] = lg
	return lg
}

// inherited is the nearest ancestor of name that has a level of its own, else root; l.mu is
// held.
func (l *Levels) inherited(name string) *logger {
	for {
		i := strings.LastIndexAny(name, "/.")
		if i <= 0 {
			return l.root
		}
		name = name[:i]
		if lg := l.loggers[name]; lg != nil && lg.level != "" {
			return lg
		}
	}
}

// effectiveOf is the slog level a logger named name logs at; l.mu is held.
func (l *Levels) effectiveOf(name string) int64 {
	lg := l.lookup(name)
	if lg == nil || lg.level == "" {
		lg = l.inherited(name)
	}
	return int64(levelValues[lg.level])
}

// recompute refreshes every logger's effective level after a change; l.mu is held.
func (l *Levels) recompute() {
	l.root.effective.Store(int64(levelValues[l.root.level]))
	for name, lg := range l.loggers {
		lg.effective.Store(l.effectiveOf(name))
	}
}

// handler is Levels' slog.Handler for one logger.
type handler struct {
	levels *Levels
	next   slog.Handler
	lg     *logger
}

func (h *handler) Enabled(_ context.Context, level slog.Level) bool { return h.lg.enabled(level) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error { return h.next.Handle(ctx, r) }

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	lg := h.lg
	for _, a := range attrs {
		if a.Key == LoggerKey && a.Value.Kind() == slog.KindString {
			lg = h.levels.get(a.Value.String())
		}
	}
	return &handler{levels: h.levels, next: h.next.WithAttrs(attrs), lg: lg}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{levels: h.levels, next: h.next.WithGroup(name), lg: h.lg}
}
