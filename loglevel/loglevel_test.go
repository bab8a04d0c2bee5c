package loglevel

import (
	"bytes"
	"errors"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	actors = "github.com/connectd/connectd/actors"
	store  = "github.com/connectd/connectd/actors/store"
	rest   = "github.com/connectd/connectd/http/rest"
)

// newLevels returns Levels with root INFO, a clock that ticks 1 ms per Set, and loggers
// named names writing to buf at every level.
func newLevels(t *testing.T, buf *bytes.Buffer, names ...string) (*Levels, map[string]*slog.Logger) {
	t.Helper()
	l, err := New("info")
	if err != nil {
		t.Fatal(err)
	}
	ms := int64(1000)
	l.now = func() time.Time { ms++; return time.UnixMilli(ms) }
	next := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.Level(math.MinInt32)})
	loggers := map[string]*slog.Logger{}
	for _, n := range names {
		loggers[n] = l.Logger(next, n)
	}
	return l, loggers
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in, name string
		level    slog.Level
		err      error
	}{
		{"INFO", "INFO", slog.LevelInfo, nil},
		{"debug", "DEBUG", slog.LevelDebug, nil},
		{"Trace", "TRACE", slog.LevelDebug - 4, nil},
		{"warn", "WARN", slog.LevelWarn, nil},
		{"error", "ERROR", slog.LevelError, nil},
		{"FATAL", "FATAL", slog.LevelError + 4, nil},
		{"off", "OFF", slog.Level(math.MaxInt32), nil},
		{"all", "ALL", slog.Level(math.MinInt32), nil},
		{"HIGH", "", 0, ErrInvalidLevel},
		{"WARNING", "", 0, ErrInvalidLevel},
		{"", "", 0, ErrInvalidLevel},
	}
	for _, tt := range tests {
		name, level, err := ParseLevel(tt.in)
		if name != tt.name || level != tt.level || !errors.Is(err, tt.err) {
			t.Errorf("ParseLevel(%q) = %q, %v, %v; want %q, %v, %v", tt.in, name, level, err, tt.name, tt.level, tt.err)
		}
	}
}

func TestLevelName(t *testing.T) {
	tests := map[slog.Level]string{
		slog.LevelDebug - 4: "TRACE", slog.LevelDebug: "DEBUG", slog.LevelInfo: "INFO", slog.LevelInfo + 1: "INFO",
		slog.LevelWarn: "WARN", slog.LevelError: "ERROR", slog.LevelError + 4: "FATAL", slog.LevelDebug - 5: "ALL",
	}
	for l, want := range tests {
		if got := LevelName(l); got != want {
			t.Errorf("LevelName(%v) = %q, want %q", l, got, want)
		}
	}
}

// TestSet follows spec §3.27 (worker scope) and §16.19: plain-prefix matching, the namespace
// logger created, untouched loggers keep last_modified, root covers every logger.
func TestSet(t *testing.T) {
	tests := []struct {
		name      string
		set       [][2]string // namespace, level, in order
		wantNames []string    // of the last Set
		wantAll   map[string]Setting
	}{
		{"package", [][2]string{{actors, "DEBUG"}}, []string{actors, store},
			map[string]Setting{"root": {"INFO", 0}, actors: {"DEBUG", 1001}, store: {"DEBUG", 1001}}},
		{"plain prefix", [][2]string{{"github.com/connectd/connectd/act", "warn"}}, []string{"github.com/connectd/connectd/act", actors, store},
			map[string]Setting{"root": {"INFO", 0}, "github.com/connectd/connectd/act": {"WARN", 1001}, actors: {"WARN", 1001}, store: {"WARN", 1001}}},
		{"new namespace at its inherited level", [][2]string{{"org.apache", "INFO"}}, []string{"org.apache"},
			map[string]Setting{"root": {"INFO", 0}}},
		{"new namespace", [][2]string{{"org.apache", "ERROR"}}, []string{"org.apache"},
			map[string]Setting{"root": {"INFO", 0}, "org.apache": {"ERROR", 1001}}},
		{"root", [][2]string{{"ROOT", "ERROR"}}, []string{actors, store, rest, "root"},
			map[string]Setting{"root": {"ERROR", 1001}, actors: {"ERROR", 1001}, store: {"ERROR", 1001}, rest: {"ERROR", 1001}}},
		{"same level again keeps last_modified", [][2]string{{actors, "DEBUG"}, {actors, "debug"}}, []string{actors, store},
			map[string]Setting{"root": {"INFO", 0}, actors: {"DEBUG", 1001}, store: {"DEBUG", 1001}}},
		{"child changed, then parent", [][2]string{{store, "TRACE"}, {actors, "TRACE"}}, []string{actors, store},
			map[string]Setting{"root": {"INFO", 0}, actors: {"TRACE", 1002}, store: {"TRACE", 1001}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l, _ := newLevels(t, &buf, actors, store, rest)
			var names []string
			for _, s := range tt.set {
				var err error
				if names, err = l.Set(s[0], s[1]); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(names, tt.wantNames) {
				t.Errorf("names %v, want %v", names, tt.wantNames)
			}
			if got := l.All(); !reflect.DeepEqual(got, tt.wantAll) {
				t.Errorf("All() = %v, want %v", got, tt.wantAll)
			}
		})
	}
	t.Run("invalid level", func(t *testing.T) {
		l, _ := newLevels(t, &bytes.Buffer{}, actors)
		if _, err := l.Set(actors, "HIGH"); !errors.Is(err, ErrInvalidLevel) {
			t.Fatalf("err %v", err)
		}
		if got := l.All(); len(got) != 1 {
			t.Errorf("All() = %v after an invalid Set", got)
		}
	})
}

// TestGet: the own level, else the effective one; root case-insensitive; no logger is
// created by a lookup (spec §3.26).
func TestGet(t *testing.T) {
	var buf bytes.Buffer
	l, _ := newLevels(t, &buf, actors, store)
	if _, err := l.Set(store, "WARN"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Set("github.com/x", "ERROR"); err != nil {
		t.Fatal(err)
	}
	l.Logger(slog.NewTextHandler(&buf, nil), "github.com/x/y") // made after its ancestor's Set
	tests := []struct {
		name string
		want Setting
		ok   bool
	}{
		{"root", Setting{"INFO", 0}, true},
		{"Root", Setting{"INFO", 0}, true},
		{store, Setting{"WARN", 1001}, true},
		{actors, Setting{"INFO", 0}, true},
		{"github.com/x", Setting{"ERROR", 1002}, true},
		{"github.com/x/y", Setting{"ERROR", 0}, true},
		{"github.com/connectd/connectd/nope", Setting{}, false},
		{"github.com", Setting{}, false},
	}
	for _, tt := range tests {
		got, ok := l.Get(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Get(%q) = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := l.Get("github.com/connectd/connectd/nope"); ok {
		t.Error("a lookup created a logger")
	}
}

// TestHandlerFilters: each record is filtered by its logger's effective level, which follows
// the nearest ancestor with a level, and changes take effect at once.
func TestHandlerFilters(t *testing.T) {
	var buf bytes.Buffer
	l, loggers := newLevels(t, &buf, actors, store, rest)
	unnamed := slog.New(l.Handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.Level(math.MinInt32)})))
	logged := func(lg *slog.Logger, level slog.Level) bool {
		buf.Reset()
		lg.Log(t.Context(), level, "m")
		return strings.Contains(buf.String(), "msg=m")
	}
	type probe struct {
		lg    *slog.Logger
		level slog.Level
		want  bool
	}
	steps := []struct {
		namespace, level string // "" for no change
		probes           []probe
	}{
		{"", "", []probe{{loggers[actors], slog.LevelDebug, false}, {loggers[actors], slog.LevelInfo, true}, {unnamed, slog.LevelInfo, true}, {unnamed, slog.LevelDebug, false}}},
		{actors, "DEBUG", []probe{{loggers[actors], slog.LevelDebug, true}, {loggers[store], slog.LevelDebug, true}, {loggers[rest], slog.LevelDebug, false}}},
		{store, "OFF", []probe{{loggers[store], slog.LevelError + 4, false}, {loggers[actors], slog.LevelDebug, true}}},
		{"root", "WARN", []probe{{loggers[rest], slog.LevelInfo, false}, {loggers[rest], slog.LevelWarn, true}, {unnamed, slog.LevelInfo, false}, {loggers[store], slog.LevelWarn, true}}},
	}
	for _, s := range steps {
		if s.namespace != "" {
			if _, err := l.Set(s.namespace, s.level); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range s.probes {
			if got := logged(p.lg, p.level); got != p.want {
				t.Errorf("after Set(%q, %q): logged at %v = %v, want %v", s.namespace, s.level, p.level, got, p.want)
			}
		}
	}
	// A logger made after a namespace's level was set inherits it.
	if _, err := l.Set("github.com/other", "TRACE"); err != nil {
		t.Fatal(err)
	}
	late := l.Logger(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.Level(math.MinInt32)}), "github.com/other/pkg")
	if !logged(late, slog.LevelDebug-4) {
		t.Error("a logger made later does not inherit its ancestor's level")
	}
	if !strings.Contains(buf.String(), "logger=github.com/other/pkg") {
		t.Errorf("record lacks the logger attribute: %s", buf.String())
	}
}
