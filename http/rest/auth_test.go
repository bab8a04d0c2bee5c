package rest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAuthenticationLayer: WithAuthentication guards every route and sits inside CORS, so a
// browser's preflight (which never carries credentials) is answered while the request it
// announces is refused without them.
func TestAuthenticationLayer(t *testing.T) {
	deny := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "yes" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	s := newServer(WithCORS("http://ui.example", "GET,PUT"), WithAuthentication(deny))
	s.Ready(nil) // the routes below never reach the backend
	cases := []struct {
		name, method, path string
		headers            map[string]string
		want               int
	}{
		{"preflight", http.MethodOptions, "/connectors", map[string]string{"Origin": "http://ui.example", "Access-Control-Request-Method": "PUT"}, http.StatusOK},
		{"request without credentials", http.MethodGet, "/connectors", map[string]string{"Origin": "http://ui.example"}, http.StatusUnauthorized},
		{"health without credentials", http.MethodGet, "/health", nil, http.StatusUnauthorized},
		{"admin without credentials", http.MethodGet, "/admin/loggers", nil, http.StatusUnauthorized},
		{"unknown path without credentials", http.MethodGet, "/nope", nil, http.StatusUnauthorized},
		{"unknown path with credentials", http.MethodGet, "/nope", map[string]string{"Authorization": "yes"}, http.StatusNotFound},
	}
	for _, h := range []http.Handler{s.Handler(), s.APIHandler(), s.AdminHandler()} {
		for _, c := range cases {
			r := httptest.NewRequest(c.method, c.path, nil)
			for k, v := range c.headers {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.want {
				t.Errorf("%s: status %d, want %d", c.name, w.Code, c.want)
			}
		}
	}
}
