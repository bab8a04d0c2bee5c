package rest

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/actors"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors/builtin"
	"github.com/connectd/connectd/internal/wait"
)

// callWith is call with request headers of its own: no Content-Type is added.
func callWith(tb testing.TB, srv *httptest.Server, method, path, body string, headers map[string]string) response {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// TestHealthy: GET /health on a worker that completed startup (spec §3.2).
func TestHealthy(t *testing.T) {
	srv, _ := newTestServer(t)
	r := call(t, srv, "GET", "/health", "")
	if r.status != http.StatusOK || r.body != `{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}` {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// TestHealthStarting: a worker whose runtime has not started yet is "starting", 503 (spec
// §3.2): a second runtime over the shared stores, made and never started.
func TestHealthStarting(t *testing.T) {
	s := sharedStack(t)
	rt, err := actors.New(actors.Config{WorkerID: fixtureWorkerID}, actors.Stores{Config: s.configs, Status: s.statuses, Offsets: s.offsets},
		builtin.Registry(), &pipeline.Clients{Brokers: s.cluster.ListenAddrs(), Admin: s.admin, Hash: store.PartitionFor})
	if err != nil {
		t.Fatal(err)
	}
	srv := serveBackend(t, rt.Client())
	r := call(t, srv, "GET", "/health", "")
	if r.status != http.StatusServiceUnavailable || r.body != `{"status":"starting","message":"Worker is still starting up."}` {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// TestHealthUnhealthy: a worker that cannot read its config topic to the end within the
// health timeout is "unhealthy", 500, with Kafka Connect's stage summary (spec §3.2, §1.3);
// once the topic answers again the worker is healthy. The broker answers the config topic's
// end-offset requests with LEADER_NOT_AVAILABLE, which the store retries, until the test ends.
func TestHealthUnhealthy(t *testing.T) {
	srv, f := newTestServer(t, WithHealthTimeout(300*time.Millisecond))
	var armed atomic.Bool
	armed.Store(true)
	c := f.stack.cluster
	c.ControlKey(kmsg.ListOffsets.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		if !armed.Load() {
			c.DropControl()
			return nil, nil, false
		}
		c.KeepControl()
		req := kreq.(*kmsg.ListOffsetsRequest)
		if len(req.Topics) != 1 || req.Topics[0].Topic != fixtureConfigTopic {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.ListOffsetsResponse)
		rt := kmsg.NewListOffsetsResponseTopic()
		rt.Topic = fixtureConfigTopic
		for _, p := range req.Topics[0].Partitions {
			rp := kmsg.NewListOffsetsResponseTopicPartition()
			rp.Partition = p.Partition
			rp.ErrorCode = kerr.LeaderNotAvailable.Code
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
		return resp, nil, true
	})
	r := call(t, srv, "GET", "/health", "")
	var ws WorkerStatus
	if err := json.Unmarshal([]byte(r.body), &ws); err != nil {
		t.Fatalf("%d %s: %v", r.status, r.body, err)
	}
	want := msgUnhealthy + " The worker is currently reading the config topic to its end, which began at "
	if r.status != http.StatusInternalServerError || ws.Status != "unhealthy" || !strings.HasPrefix(ws.Message, want) || !strings.HasSuffix(ws.Message, "Z.") {
		t.Errorf("%d %s, want 500 unhealthy %q…", r.status, r.body, want)
	}
	armed.Store(false)
	wait.ForNil(t, waitTimeout, "healthy again", func() error {
		if r := call(t, srv, "GET", "/health", ""); r.status != http.StatusOK {
			return fmt.Errorf("%d %s", r.status, r.body)
		}
		return nil
	})
}

// TestLoggers covers /admin/loggers (spec §3.25–§3.27, §13.1 LoggingResourceTest, §13.2
// StandaloneWorkerIntegrationTest's dynamic logging). Namespaces are this test's own, under
// the fixture's logger or named by the test, so that other tests' loggers stay as they are.
func TestLoggers(t *testing.T) {
	var logs logTail
	srv, f := newTestServer(t, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	ns := "test." + strings.TrimSuffix(f.prefix, "-") // a namespace no logger has
	child := fixtureLogger + "/" + f.prefix           // a logger under the fixture's
	f.stack.levels.Logger(slog.DiscardHandler, child)

	t.Run("list", func(t *testing.T) {
		r := call(t, srv, "GET", "/admin/loggers", "")
		var all map[string]json.RawMessage
		if err := json.Unmarshal([]byte(r.body), &all); r.status != 200 || err != nil {
			t.Fatalf("%d %s", r.status, r.body)
		}
		assertJSON(t, string(all["root"]), `{"level":"INFO","last_modified":null}`)
		if _, ok := all[child]; ok {
			t.Errorf("%s listed without a level of its own: %s", child, r.body)
		}
		assertJSON(t, call(t, srv, "GET", "/admin/loggers/", "").body, r.body)
	})

	before := time.Now().UnixMilli()
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string // the body; for errors, the message
	}{
		{"root", "GET", "/admin/loggers/root", "", 200, `{"level":"INFO","last_modified":null}`},
		{"root any case", "GET", "/admin/loggers/ROOT/", "", 200, `{"level":"INFO","last_modified":null}`},
		{"effective level", "GET", "/admin/loggers/" + child, "", 200, `{"level":"INFO","last_modified":null}`},
		{"escaped name", "GET", "/admin/loggers/" + strings.ReplaceAll(child, "/", "%2F"), "", 200, `{"level":"INFO","last_modified":null}`},
		{"unknown logger", "GET", "/admin/loggers/" + ns, "", 404, "Logger " + ns + " not found."},
		{"missing level", "PUT", "/admin/loggers/" + ns, `{}`, 400, msgLevelMissing},
		{"missing level, cluster", "PUT", "/admin/loggers/" + ns + "?scope=cluster", `{"other":"x"}`, 400, msgLevelMissing},
		{"missing level, bad scope", "PUT", "/admin/loggers/" + ns + "?scope=N/A", `{}`, 400, msgLevelMissing},
		{"null level", "PUT", "/admin/loggers/" + ns, `{"level":null}`, 400, msgLevelMissing},
		{"null body", "PUT", "/admin/loggers/" + ns, `null`, 400, msgLevelMissing},
		{"empty body", "PUT", "/admin/loggers/" + ns, ``, 400, msgBodyEmpty},
		{"array body", "PUT", "/admin/loggers/" + ns, `[]`, 400, "Connector config must be a JSON object of string values, not an array"},
		{"invalid level", "PUT", "/admin/loggers/" + ns, `{"level":"HIGH"}`, 404, "invalid log level 'HIGH'."},
		{"invalid level, cluster", "PUT", "/admin/loggers/" + ns + "?scope=cluster", `{"level":"high"}`, 404, "invalid log level 'high'."},
		{"number level", "PUT", "/admin/loggers/" + ns, `{"level":1}`, 404, "invalid log level '1'."},
		{"no name", "PUT", "/admin/loggers/", `{"level":"INFO"}`, 405, msgMethodNotAllowed},
		{"worker scope", "PUT", "/admin/loggers/" + child, `{"level":"debug"}`, 200, `["` + child + `"]`},
		{"set", "GET", "/admin/loggers/" + child, "", 200, ""}, // checked below: last_modified varies
		{"namespace created", "PUT", "/admin/loggers/" + ns + "?scope=Worker", `{"level":"WARN"}`, 200, `["` + ns + `"]`},
		{"invalid scope is worker", "PUT", "/admin/loggers/" + ns + "a?scope=nope", `{"level":"ERROR"}`, 200, `["` + ns + `a"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, tt.method, tt.path, tt.body)
			switch {
			case tt.status >= 400:
				assertError(t, r, tt.status, tt.want)
			case r.status != tt.status:
				t.Fatalf("%d %s", r.status, r.body)
			case tt.want != "":
				assertJSON(t, r.body, tt.want)
			}
		})
	}
	if n := strings.Count(logs.String(), "level=WARN msg=\"Received invalid scope"); n != 1 {
		t.Errorf("%d WARNs for one invalid scope:\n%s", n, logs.String())
	}

	var set LoggerLevel
	get := func(name string) LoggerLevel {
		t.Helper()
		var l LoggerLevel
		if r := call(t, srv, "GET", "/admin/loggers/"+name, ""); r.status != 200 || json.Unmarshal([]byte(r.body), &l) != nil {
			t.Fatalf("GET %s: %d %s", name, r.status, r.body)
		}
		return l
	}
	if set = get(child); set.Level != "DEBUG" || set.LastModified == nil || *set.LastModified < before {
		t.Fatalf("after PUT: %+v, want DEBUG modified at or after %d", set, before)
	}
	t.Run("same level again", func(t *testing.T) {
		r := call(t, srv, "PUT", "/admin/loggers/"+child, `{"level":"DEBUG"}`)
		assertJSON(t, r.body, `["`+child+`"]`)
		if again := get(child); *again.LastModified != *set.LastModified {
			t.Errorf("last_modified %d, was %d", *again.LastModified, *set.LastModified)
		}
	})
	t.Run("listed", func(t *testing.T) {
		var all map[string]LoggerLevel
		_ = json.Unmarshal([]byte(call(t, srv, "GET", "/admin/loggers", "").body), &all)
		for _, n := range []string{child, ns, ns + "a", "root"} {
			if _, ok := all[n]; !ok {
				t.Errorf("%s not listed: %v", n, all)
			}
		}
	})
	t.Run("cluster scope", func(t *testing.T) {
		// The level travels through the config topic and this worker applies it on reading.
		r := call(t, srv, "PUT", "/admin/loggers/"+ns+"b?scope=CLUSTER", `{"level":"trace"}`)
		if r.status != http.StatusNoContent || r.body != "" {
			t.Fatalf("%d %q", r.status, r.body)
		}
		wait.ForNil(t, waitTimeout, "the cluster level applied", func() error {
			r := call(t, srv, "GET", "/admin/loggers/"+ns+"b", "")
			var l LoggerLevel
			if json.Unmarshal([]byte(r.body), &l) != nil || l.Level != "TRACE" || l.LastModified == nil {
				return fmt.Errorf("%d %s", r.status, r.body)
			}
			return nil
		})
		// Written to the config topic in Kafka Connect's format (spec §12.1).
		snap := f.stack.configs.Snapshot()
		if got := snap.LoggerLevels()[ns+"b"]; got != "TRACE" {
			t.Errorf("config topic holds %q", got)
		}
	})
}

// TestAdminHandlers: with admin.listeners set, the admin endpoints live only on the admin
// handler and the main one answers 404 for them (spec §3.0, §13.1 ConnectRestServerTest).
func TestAdminHandlers(t *testing.T) {
	s, err := New(realBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	api, admin := httptest.NewServer(s.APIHandler()), httptest.NewServer(s.AdminHandler())
	t.Cleanup(api.Close)
	t.Cleanup(admin.Close)
	tests := []struct {
		srv          *httptest.Server
		method, path string
		status       int
	}{
		{api, "GET", "/connectors", 200},
		{api, "GET", "/", 200},
		{api, "GET", "/admin/loggers", 404},
		{api, "GET", "/admin/loggers/root", 404},
		{api, "PUT", "/admin/loggers/root", 404},
		{admin, "GET", "/admin/loggers", 200},
		{admin, "GET", "/admin/loggers/root", 200},
		{admin, "GET", "/connectors", 404},
		{admin, "GET", "/", 404},
		{admin, "GET", "/health", 404},
	}
	for _, tt := range tests {
		name := "api"
		if tt.srv == admin {
			name = "admin"
		}
		t.Run(name+" "+tt.method+" "+tt.path, func(t *testing.T) {
			r := call(t, tt.srv, tt.method, tt.path, "")
			if tt.status == 404 {
				assertError(t, r, 404, msgNotFound)
			} else if r.status != tt.status {
				t.Errorf("%d %s", r.status, r.body)
			}
		})
	}
}

// TestCORS ports ConnectRestServerTest's CORS checks (spec §13.1) and Jetty CrossOriginFilter's
// rules: a simple request and a preflight from an allowed origin get the headers, any other
// gets none.
func TestCORS(t *testing.T) {
	tests := []struct {
		name, origins, methods, origin, method string
		want                                   string // Access-Control-Allow-Origin; "" none
		wantMethods                            string // Access-Control-Allow-Methods of the preflight
	}{
		{"any origin", "*", "PUT", "http://bar.com", "PUT", "http://bar.com", "PUT"},
		{"that origin", "http://bar.com", "PUT", "http://bar.com", "PUT", "http://bar.com", "PUT"},
		{"one of several", "http://foo.com, http://bar.com", "GET,PUT", "http://bar.com", "GET", "http://bar.com", "GET,PUT"},
		{"pattern", "http://*.bar.com", "", "http://x.bar.com", "POST", "http://x.bar.com", "GET,POST,HEAD"},
		{"default methods", "*", "", "http://bar.com", "GET", "http://bar.com", "GET,POST,HEAD"},
		{"other origin", "http://foo.com", "PUT", "http://bar.com", "PUT", "", ""},
		{"pattern mismatch", "http://*.bar.com", "", "http://bar.org", "GET", "", ""},
		{"disabled", "", "PUT", "http://bar.com", "PUT", "", ""},
		{"blank", "  ", "PUT", "http://bar.com", "PUT", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serveBackend(t, realBackend(t), WithCORS(tt.origins, tt.methods))
			r := callWith(t, srv, "GET", "/connectors", "", map[string]string{"Origin": tt.origin, "Referer": tt.origin + "/page"})
			if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != tt.want {
				t.Errorf("GET: %d, Access-Control-Allow-Origin %q, want %q", r.status, r.header.Get("Access-Control-Allow-Origin"), tt.want)
			}
			r = callWith(t, srv, "OPTIONS", "/connector-plugins/FileStreamSource/validate", "",
				map[string]string{"Origin": tt.origin, "Referer": tt.origin + "/page", "Access-Control-Request-Method": tt.method})
			if tt.want == "" {
				if r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Methods") != "" {
					t.Errorf("preflight got CORS headers: %v", r.header)
				}
				return
			}
			if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != tt.want || r.header.Get("Access-Control-Allow-Methods") != tt.wantMethods {
				t.Errorf("preflight: %d %v", r.status, r.header)
			}
		})
	}
	t.Run("method not allowed", func(t *testing.T) {
		srv := serveBackend(t, realBackend(t), WithCORS("*", "GET"))
		r := callWith(t, srv, "OPTIONS", "/connectors", "", map[string]string{"Origin": "http://bar.com", "Access-Control-Request-Method": "DELETE"})
		if r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("preflight for another method got CORS headers: %v", r.header)
		}
	})
}

// TestOptions: OPTIONS lists a path's methods as text/plain, as Jersey does without WADL
// (spec §13.1 ConnectRestServerTest); an unknown path is a 404.
func TestOptions(t *testing.T) {
	srv, _ := newTestServer(t)
	r := call(t, srv, "OPTIONS", "/connectors", "")
	if r.status != 200 || r.header.Get("Content-Type") != "text/plain" || r.body != r.header.Get("Allow") || !strings.Contains(r.body, "POST") || !strings.Contains(r.body, "GET") {
		t.Errorf("%d %v %q", r.status, r.header, r.body)
	}
	assertError(t, call(t, srv, "OPTIONS", "/nope", ""), 404, msgNotFound)
}

// TestMediaTypes: a body that is not declared JSON, no Content-Type included, is a 415 and an
// Accept without JSON a 406, in Kafka Connect's error shape (spec §0.1, §1.1): a cross-site
// form or no-cors post cannot create a connector. Any request to a JSON resource declaring
// another type is a 415 too, as Jersey answers; the root resource takes any. JSON with
// parameters is accepted. Paths and bodies are fill templates.
func TestMediaTypes(t *testing.T) {
	create := `{"name":"{{c}}","config":{` + validSource + `}}`
	tests := []struct {
		name, method, path, body string
		headers                  map[string]string
		status                   int
	}{
		{"text body", "POST", "/connectors", create, map[string]string{"Content-Type": "text/plain"}, 415},
		{"curl's default", "POST", "/connectors", create, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"merge patch type", "PATCH", "/connectors/{{c}}/config", `{}`, map[string]string{"Content-Type": "application/merge-patch+json"}, 415},
		{"put text", "PUT", "/connectors/{{c}}/config", `{}`, map[string]string{"Content-Type": "text/plain"}, 415},
		{"logger text", "PUT", "/admin/loggers/root", `{"level":"INFO"}`, map[string]string{"Content-Type": "text/plain"}, 415},
		{"malformed type", "POST", "/connectors", create, map[string]string{"Content-Type": "application/"}, 415},
		{"accept html only", "GET", "/connectors", "", map[string]string{"Accept": "text/html"}, 406},
		{"accept json q=0", "GET", "/connectors", "", map[string]string{"Accept": "application/json;q=0, text/html"}, 406},
		{"accept html, then anything", "GET", "/connectors", "", map[string]string{"Accept": "text/html, */*;q=0.1"}, 200},
		{"accept application wildcard", "GET", "/connectors", "", map[string]string{"Accept": "application/*"}, 200},
		{"json with charset", "POST", "/connectors", create, map[string]string{"Content-Type": "application/json; charset=utf-8"}, 201},
		{"no content type", "POST", "/connectors", create, nil, 415},
		{"put without content type", "PUT", "/connectors/{{c}}/config", `{}`, nil, 415},
		{"patch without content type", "PATCH", "/connectors/{{c}}/config", `{}`, nil, 415},
		{"validate without content type", "PUT", "/connector-plugins/FileStreamSource/config/validate", `{}`, nil, 415},
		{"logger without content type", "PUT", "/admin/loggers/root", `{"level":"INFO"}`, nil, 415},
		{"bodyless restart declaring text", "POST", "/connectors/{{c}}/restart", "", map[string]string{"Content-Type": "text/plain"}, 415},
		{"list declaring text", "GET", "/connectors", "", map[string]string{"Content-Type": "text/plain"}, 415},
		{"root declaring text", "GET", "/", "", map[string]string{"Content-Type": "text/plain"}, 200},
		{"bodyless pause without content type", "PUT", "/connectors/{{c}}/pause", "", nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, f := newTestServer(t)
			r := callWith(t, srv, tt.method, f.fill(tt.path), f.fill(tt.body), tt.headers)
			switch tt.status {
			case 415:
				assertError(t, r, 415, msgUnsupportedMediaType)
			case 406:
				assertError(t, r, 406, msgNotAcceptable)
			default:
				if r.status != tt.status {
					t.Errorf("%d %s", r.status, r.body)
				}
			}
		})
	}
}

// TestInternalEndpoints: the internal endpoints (spec §3.28) answer as a sessioned worker
// answers a request it cannot verify: 400 without a signature, 403 with one, for connectors
// that exist or not (SessionedProtocolIntegrationTest); they never write anything.
func TestInternalEndpoints(t *testing.T) {
	signed := map[string]string{"Content-Type": "application/json", headerSignature: "c2lnbmF0dXJl", headerAlgorithm: "HmacSHA256"}
	unsigned := map[string]string{"Content-Type": "application/json"}
	tests := []struct {
		name, method, path, body string
		headers                  map[string]string
		status                   int
		message                  string
	}{
		{"tasks unsigned", "POST", "/connectors/{{c}}/tasks", `[]`, unsigned, 400, msgSignatureMissing},
		{"tasks signed", "POST", "/connectors/{{c}}/tasks", `[{"k":"v"}]`, signed, 403, msgSignatureInvalid},
		{"tasks unknown connector", "POST", "/connectors/{{x}}/tasks", `[]`, signed, 403, msgSignatureInvalid},
		{"tasks algorithm only", "POST", "/connectors/{{c}}/tasks", `[]`, map[string]string{"Content-Type": "application/json", headerAlgorithm: "HmacSHA256"}, 400, msgSignatureMissing},
		{"tasks malformed body", "POST", "/connectors/{{c}}/tasks", `{`, signed, 400, "Malformed JSON in request body: unexpected end of input"},
		{"fence unsigned", "PUT", "/connectors/{{c}}/fence", ``, nil, 400, msgSignatureMissing},
		{"fence signed", "PUT", "/connectors/{{x}}/fence", ``, signed, 403, msgSignatureInvalid},
	}
	srv, f := newTestServer(t)
	mustCreate(t, srv, f.name("c"), f.sourceConfig(1))
	f.waitTasks(f.name("c"), 1)
	before := call(t, srv, "GET", path(f.name("c"), "/tasks"), "").body
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertError(t, callWith(t, srv, tt.method, f.fill(tt.path), tt.body, tt.headers), tt.status, tt.message)
		})
	}
	assertJSON(t, call(t, srv, "GET", path(f.name("c"), "/tasks"), "").body, before)
}

// TestNothingCrashes: hostile input on every route answers in the error shape and the worker
// keeps serving.
func TestNothingCrashes(t *testing.T) {
	srv, f := newTestServer(t)
	c := f.name("c")
	mustCreate(t, srv, c, f.sourceConfig(1))
	bodies := []string{"", "{", "[]", "null", `{"a":{"b":[1,{}]}}`, `"\u0000"`, strings.Repeat("[", 10000), `{"level":[]}`}
	paths := []string{"/connectors", path(c, ""), path(c, "/config"), path(c, "/restart?includeTasks=%ZZ"), path(c, "/tasks/-0/restart"),
		path(c, "/tasks/0x1/status"), "/admin/loggers/%2F%2F", "/admin/loggers/" + strings.Repeat("a/", 500), "/connectors?expand=%00", "/health?x=1"}
	for _, p := range paths {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			for _, b := range bodies {
				r := call(t, srv, m, p, b)
				if r.status >= 500 && r.status != 503 {
					t.Errorf("%s %s %.20q: %d %s", m, p, b, r.status, r.body)
				}
				if r.status >= 400 && r.header.Get("Content-Type") != "application/json" {
					t.Errorf("%s %s %.20q: %d without a JSON error: %s", m, p, b, r.status, r.body)
				}
			}
		}
	}
	// DELETE above removed the connector; the worker still creates and runs one.
	mustCreate(t, srv, f.name("d"), f.sourceConfig(1))
	f.waitRunning(f.name("d"), 1)
}
