package rest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestMetricsRoute: GET /metrics is answered by the metrics handler as it writes it (not
// JSON, a Prometheus Accept header is no 406), already while the worker starts, on the
// handlers that serve it: the admin listeners' when admin.listeners names any, else the
// main listeners'.
func TestMetricsRoute(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = io.WriteString(w, "up 1\n")
	})
	with, err := NewStarting(func() string { return "starting" }, WithMetrics(metrics))
	if err != nil {
		t.Fatal(err)
	}
	without, err := NewStarting(func() string { return "starting" })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		handler http.Handler
		want    int
	}{
		{"every route", with.Handler(), http.StatusOK},
		{"api with admin.listeners set", with.APIHandler(), http.StatusNotFound},
		{"api with admin.listeners empty", with.APIMetricsHandler(), http.StatusOK},
		{"admin listeners", with.AdminHandler(), http.StatusOK},
		{"no metrics handler", without.Handler(), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
			rec := httptest.NewRecorder()
			tt.handler.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if tt.want == http.StatusOK && rec.Body.String() != "up 1\n" {
				t.Errorf("body %q, want the metrics handler's", rec.Body)
			}
		})
	}
}

// TestMetricsBehindAuthentication: with authentication on, /metrics asks for credentials like
// every other route; a scraper is configured with them.
func TestMetricsBehindAuthentication(t *testing.T) {
	refuse := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	}
	s, err := NewStarting(func() string { return "starting" }, WithAuthentication(refuse),
		WithMetrics(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "up 1\n") })))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []http.Handler{s.Handler(), s.APIMetricsHandler(), s.AdminHandler()} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("GET /metrics without credentials: %d, want 401", rec.Code)
		}
	}
}
