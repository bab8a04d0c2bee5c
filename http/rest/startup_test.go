package rest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStartingServer: a Server made before its worker is ready listens at once, as Kafka
// Connect's does (spec §3.2). /health says "starting" with the stage; a request made while
// starting is answered once the worker is Ready; after Ready, /health is healthy.
func TestStartingServer(t *testing.T) {
	const stage = "The worker is currently joining the cluster, which began at 2026-01-01T00:00:00.000Z."
	s, err := NewStarting(func() string { return stage }, WithHealthTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	r := call(t, srv, "GET", "/health", "")
	if want := `{"status":"starting","message":"Worker is still starting up. ` + stage + `"}`; r.status != http.StatusServiceUnavailable || r.body != want {
		t.Fatalf("health while starting: %d %s, want 503 %s", r.status, r.body, want)
	}

	waiting := make(chan response, 1)
	go func() { waiting <- call(t, srv, "GET", "/connectors", "") }()
	select {
	case r := <-waiting:
		t.Fatalf("GET /connectors answered %d %s before the worker was ready", r.status, r.body)
	case <-time.After(100 * time.Millisecond):
	}
	s.Ready(realBackend(t))
	select {
	case r := <-waiting:
		if r.status != http.StatusOK || !strings.HasPrefix(r.body, "[") {
			t.Fatalf("GET /connectors after Ready: %d %s", r.status, r.body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("GET /connectors made while starting never answered after Ready")
	}
	if r := call(t, srv, "GET", "/health", ""); r.status != http.StatusOK {
		t.Fatalf("health after Ready: %d %s", r.status, r.body)
	}
}

// TestStartingTimeout: a request that waits for startup longer than its deadline is Kafka
// Connect's staged timeout, 500 "Request timed out. <stage>" (spec §1.3).
func TestStartingTimeout(t *testing.T) {
	const stage = "The worker is currently reading the internal topics, which began at 2026-01-01T00:00:00.000Z."
	s, err := NewStarting(func() string { return stage })
	if err != nil {
		t.Fatal(err)
	}
	err = s.awaitReady(t.Context(), 10*time.Millisecond)
	status, msg := errorStatus(err)
	if status != http.StatusInternalServerError || msg != "Request timed out. "+stage {
		t.Fatalf("got %d %q", status, msg)
	}
	s.Ready(realBackend(t))
	if err := s.awaitReady(t.Context(), time.Nanosecond); err != nil {
		t.Fatalf("after Ready: %v", err)
	}
}
