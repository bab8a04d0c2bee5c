package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRawGET holds the load generator's GET client to what a real net/http server answers:
// bodies by length and in chunks, answers without a body, a server closing the connection,
// and a status other than the one wanted. Each case sends three requests, so that a body left
// half-read would show up as a malformed next answer.
func TestRawGET(t *testing.T) {
	big := strings.Repeat("x", 100_000) // beyond the reader's buffer
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		want     int
		wantErr  error
		wantDial int64 // connections the three requests took
	}{
		{name: "content length", want: 200, wantDial: 1, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"name":"c"}`))
		}},
		{name: "large body", want: 200, wantDial: 1, handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(big))
		}},
		{name: "chunked", want: 200, wantDial: 1, handler: func(w http.ResponseWriter, r *http.Request) {
			for range 3 {
				_, _ = w.Write([]byte(big[:30_000]))
				w.(http.Flusher).Flush() // no Content-Length: chunks
			}
		}},
		{name: "no content", want: 204, wantDial: 1, handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}},
		{name: "server closes", want: 200, wantDial: 3, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			_, _ = w.Write([]byte("bye"))
		}},
		{name: "unwanted status", want: 200, wantErr: errStatus, wantDial: 1, handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error_code":404}`, http.StatusNotFound)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu    sync.Mutex
				paths []string
			)
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				paths = append(paths, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Accept"))
				mu.Unlock()
				tt.handler(w, r)
			}))
			var dials atomic.Int64
			srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
				dials.Add(1)
				return ctx
			}
			srv.Start()
			defer srv.Close()
			g, err := newRawGET(srv.URL, "/connectors/a%2Fb/status?x=1")
			if err != nil {
				t.Fatal(err)
			}
			defer g.close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for i := range 3 {
				err := g.get(ctx, tt.want)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("request %d: err %v, want %v", i, err, tt.wantErr)
				}
			}
			if got := dials.Load(); got != tt.wantDial {
				t.Errorf("%d connections, want %d", got, tt.wantDial)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(paths) != 3 {
				t.Errorf("server saw %d requests, want 3", len(paths))
			}
			for _, p := range paths {
				if p != "GET /connectors/a%2Fb/status?x=1 application/json" {
					t.Errorf("server saw %q", p)
				}
			}
		})
	}
}

// TestRawGETEndsWithItsContext: a request in flight when the run's context ends returns
// rather than waiting for a server that does not answer.
func TestRawGETEndsWithItsContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	g, err := newRawGET(srv.URL, "/")
	if err != nil {
		t.Fatal(err)
	}
	defer g.close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.get(ctx, 200) }()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a request the server never answered succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request did not end with its context")
	}
}
