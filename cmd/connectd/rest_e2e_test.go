package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/wait"
)

// get sends a body-less request with headers and returns status, headers and body.
func get(t *testing.T, method, url string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// TestListeners: every URL of listeners is served; admin.listeners unset serves the admin
// endpoints there, a list serves them only on its own listeners (404 on the main ones, which
// keep everything else), and the empty string disables them (spec §3.0, §8.1); CORS follows
// access.control.allow.origin and access.control.allow.methods (spec §8.1, §13.1).
func TestListeners(t *testing.T) {
	const notFound = `{"error_code":404,"message":"HTTP 404 Not Found"}`
	type check struct {
		listener     int // index into the worker's listeners, then its admin listeners
		path, status string
	}
	tests := []struct {
		name   string
		admin  *int // number of admin listeners; nil: unset
		checks []check
	}{
		{"admin on listeners", nil, []check{
			{0, "/connectors", "200"}, {1, "/connectors", "200"}, {0, "/admin/loggers", "200"}, {1, "/admin/loggers/root", "200"}}},
		{"admin listeners", ptr(1), []check{
			{0, "/connectors", "200"}, {1, "/", "200"}, {0, "/admin/loggers", "404"}, {1, "/admin/loggers/root", "404"},
			{2, "/admin/loggers", "200"}, {2, "/admin/loggers/root", "200"}, {2, "/connectors", "404"}}},
		{"admin disabled", ptr(0), []check{
			{0, "/connectors", "200"}, {0, "/admin/loggers", "404"}, {1, "/admin/loggers/root", "404"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			urls := []string{fmt.Sprintf("http://127.0.0.1:%d", freePort(t)), fmt.Sprintf("http://127.0.0.1:%d", freePort(t))}
			props := map[string]string{
				"listeners":                    strings.Join(urls, ","),
				"access.control.allow.origin":  "http://bar.com",
				"access.control.allow.methods": "PUT",
			}
			if tt.admin != nil {
				var admin []string
				for range *tt.admin {
					admin = append(admin, fmt.Sprintf("http://127.0.0.1:%d", freePort(t)))
				}
				props["admin.listeners"] = strings.Join(admin, ",")
				urls = append(urls, admin...)
			}
			startWorker(t, props)
			for _, c := range tt.checks {
				status, _, body := get(t, "GET", urls[c.listener]+c.path, nil)
				if fmt.Sprint(status) != c.status {
					t.Errorf("GET %s%s: %d %s, want %s", urls[c.listener], c.path, status, body, c.status)
				}
				if status == 404 && body != notFound {
					t.Errorf("GET %s%s: 404 body %s", urls[c.listener], c.path, body)
				}
			}
			// CORS on every listener: the origin echoed on a request and on a preflight.
			for _, u := range urls {
				_, h, _ := get(t, "GET", u+"/", map[string]string{"Origin": "http://bar.com"})
				if got := h.Get("Access-Control-Allow-Origin"); got != "http://bar.com" {
					t.Errorf("%s: Access-Control-Allow-Origin %q", u, got)
				}
				status, h, _ := get(t, "OPTIONS", u+"/connectors", map[string]string{"Origin": "http://bar.com", "Access-Control-Request-Method": "PUT"})
				if status != 200 || h.Get("Access-Control-Allow-Origin") != "http://bar.com" || h.Get("Access-Control-Allow-Methods") != "PUT" {
					t.Errorf("%s: preflight %d %v", u, status, h)
				}
				_, h, _ = get(t, "GET", u+"/", map[string]string{"Origin": "http://foo.com"})
				if got := h.Get("Access-Control-Allow-Origin"); got != "" {
					t.Errorf("%s: another origin allowed: %q", u, got)
				}
			}
		})
	}
}

func ptr(n int) *int { return &n }

// loggerLevel is GET /admin/loggers/{logger}'s body.
type loggerLevel struct {
	Level        string `json:"level"`
	LastModified *int64 `json:"last_modified"`
}

// level returns a logger's level on w, or ok=false while it answers 404.
func (w *worker) level(name string) (loggerLevel, bool) {
	w.t.Helper()
	status, _, b := w.do("GET", "/admin/loggers/"+name, nil)
	var l loggerLevel
	if status != http.StatusOK {
		return l, false
	}
	if err := json.Unmarshal(b, &l); err != nil {
		w.t.Fatalf("GET /admin/loggers/%s: %s: %v", name, b, err)
	}
	return l, true
}

// TestClusterLoggers: a scope=cluster level travels through the config topic to every worker
// that shares it, the writer included; a worker applies only records written after it started,
// so neither a worker started later nor a restarted one applies an older record (spec §3.27).
func TestClusterLoggers(t *testing.T) {
	const actorsLogger = "github.com/connectd/connectd/actors"
	a := startWorker(t, nil)
	ns := "test.cluster." + a.id
	a.mustDo("PUT", "/admin/loggers/"+ns+"?scope=cluster", map[string]string{"level": "TRACE"}, http.StatusNoContent, nil) // root is DEBUG
	wait.For(t, 30*time.Second, "a to apply its own cluster level", func() bool {
		l, ok := a.level(ns)
		return ok && l.Level == "TRACE" && l.LastModified != nil
	})

	// b shares a's broker, group and internal topics, and starts after the record was written.
	props := map[string]string{"bootstrap.servers": a.broker}
	for _, k := range []string{"group.id", "config.storage.topic", "offset.storage.topic", "status.storage.topic"} {
		props[k] = a.props[k]
	}
	for _, k := range []string{"config.storage.replication.factor", "offset.storage.replication.factor", "status.storage.replication.factor"} {
		props[k] = "1"
	}
	b := startWorker(t, props)
	if l, ok := b.level(ns); ok {
		t.Errorf("b applied a record written before it started: %+v", l)
	}

	b.mustDo("PUT", "/admin/loggers/"+actorsLogger+"?scope=cluster", map[string]string{"level": "WARN"}, http.StatusNoContent, nil)
	for _, w := range []*worker{a, b} {
		wait.For(t, 30*time.Second, "the cluster level on "+w.url, func() bool {
			l, ok := w.level(actorsLogger)
			return ok && l.Level == "WARN" && l.LastModified != nil
		})
	}

	a.restart(syscall.SIGTERM)
	if l, ok := a.level(actorsLogger); !ok || l.Level != "DEBUG" || l.LastModified != nil { // root's, from CONNECTD_LOG_LEVEL
		t.Errorf("after restart: %+v, %v; want the level from before any record, never modified", l, ok)
	}
	if l, ok := a.level(ns); ok {
		t.Errorf("after restart a applied an old record: %+v", l)
	}
}

// TestWorkerLoggerFilters: a worker-scope level changes what the process logs, at once: with
// the REST package at ERROR its Debug access log stops, and comes back at DEBUG.
func TestWorkerLoggerFilters(t *testing.T) {
	const restLogger = "github.com/connectd/connectd/http/rest"
	w := startWorker(t, nil) // CONNECTD_LOG_LEVEL=debug: requests are logged
	var names []string
	w.mustDo("PUT", "/admin/loggers/"+restLogger, map[string]string{"level": "ERROR"}, http.StatusOK, &names)
	if len(names) != 1 || names[0] != restLogger {
		t.Errorf("covered %v, want [%s]", names, restLogger)
	}
	// Whether a request is logged is decided before it is served, so the first request is
	// never logged, whenever the log is read.
	w.do("GET", "/connectors/silent-marker/status", nil)
	w.mustDo("PUT", "/admin/loggers/"+restLogger, map[string]string{"level": "DEBUG"}, http.StatusOK, nil)
	w.do("GET", "/connectors/loud-marker/status", nil)
	wait.For(t, 30*time.Second, "the second request in the log", func() bool {
		b, _ := os.ReadFile(w.logPath)
		return strings.Contains(string(b), "loud-marker")
	})
	b, _ := os.ReadFile(w.logPath)
	if strings.Contains(string(b), "silent-marker") {
		t.Error("a request was logged while the REST logger was at ERROR")
	}
	if !strings.Contains(string(b), "level=DEBUG") {
		t.Error("the log has no DEBUG records")
	}
}
