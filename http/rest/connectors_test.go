package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/connectd/connectd/internal/wait"
)

// escapedNames are connector names that need escaping in a path, with the path segment a
// client sends for each (spec §13.1: ConnectorsResourceTest's special-character names).
var escapedNames = []struct{ name, segment string }{
	{"my conn", "my%20conn"},
	{"a/b", "a%2Fb"},
	{"/leading/and/trailing/", "%2Fleading%2Fand%2Ftrailing%2F"},
	{"ünïcødé ☃", "%C3%BCn%C3%AFc%C3%B8d%C3%A9%20%E2%98%83"},
	{"a+b", "a+b"},
	{"100%", "100%25"},
	{"what?", "what%3F"},
	{"hash#tag", "hash%23tag"},
	{"&=[]:@;,$!'()*", "&=%5B%5D:@%3B,$%21%27%28%29%2A"},
}

// TestEscapedNames: names that need escaping round-trip through Location on create and PUT,
// and reach the right connector on every route (spec §1.1, §13.1).
func TestEscapedNames(t *testing.T) {
	for _, tt := range escapedNames {
		t.Run(tt.segment, func(t *testing.T) {
			srv, f := newTestServer(t)
			// POST and PUT create two names, each tt's with a token of its own after the first
			// character, so that no name is created again after its DELETE (TestPutAfterDelete).
			name, segment := withToken(tt.name, tt.segment, "_1_")
			f.own(name)
			config := f.sourceConfig(1)
			body, _ := json.Marshal(map[string]any{"name": name, "config": config})
			r := call(t, srv, "POST", "/connectors", string(body))
			if r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			assertLocation(t, srv.URL, r.header.Get("Location"), name)

			path := "/connectors/" + segment
			// The task routes need the task's config and its status: a task with no status
			// yet is "No status found" (spec §0.1).
			f.waitRunning(name, 1)
			for _, c := range []struct {
				method, suffix string
				want           int
			}{
				{"GET", "", 200}, {"GET", "/config", 200}, {"GET", "/status", 200},
				{"GET", "/tasks", 200}, {"GET", "/tasks/0/status", 200},
				{"POST", "/restart", 204}, {"POST", "/restart?includeTasks=true", 202},
				{"POST", "/tasks/0/restart", 204}, {"PUT", "/pause", 202}, {"PUT", "/resume", 202},
			} {
				got := call(t, srv, c.method, path+c.suffix, "")
				if got.status != c.want {
					t.Errorf("%s %s: %d, want %d: %s", c.method, path+c.suffix, got.status, c.want, got.body)
				}
			}
			var info ConnectorInfo
			if err := json.Unmarshal([]byte(call(t, srv, "GET", path, "").body), &info); err != nil || info.Name != name || info.Config["name"] != name {
				t.Errorf("GET %s: %+v, %v", path, info, err)
			}
			names, _ := json.Marshal(f.names(t))
			want, _ := json.Marshal([]string{name})
			assertJSON(t, string(names), string(want))
			if got := call(t, srv, "DELETE", path, ""); got.status != http.StatusNoContent {
				t.Errorf("DELETE %s: %d %s", path, got.status, got.body)
			}

			// PUT creates under the path name, and Location round-trips too.
			name, segment = withToken(tt.name, tt.segment, "_2_")
			f.own(name)
			path = "/connectors/" + segment
			put, _ := json.Marshal(config)
			r = call(t, srv, "PUT", path+"/config", string(put))
			if r.status != http.StatusCreated {
				t.Fatalf("PUT: %d %s", r.status, r.body)
			}
			assertLocation(t, srv.URL, r.header.Get("Location"), name)
			assertJSON(t, call(t, srv, "GET", path+"/config", "").body, configJSON(name, config))
		})
	}
}

// withToken inserts token, which needs no escaping, and a number unique in the process after
// the first character of name and of its path segment, keeping what the name starts and
// ends with.
func withToken(name, segment, token string) (string, string) {
	token += strconv.FormatInt(prefixSeq.Add(1), 10)
	r, n := utf8.DecodeRuneInString(name)
	seg := n * 3 // percent-encoded, each byte as %XX
	if strings.HasPrefix(segment, string(r)) {
		seg = n
	}
	return name[:n] + token + name[n:], segment[:seg] + token + segment[seg:]
}

// TestPutAfterDelete: a deleted connector can be created again at once under its name
// (spec §3.17: DELETE answers at once and the shutdown is asynchronous; §3.7: PUT creates).
func TestPutAfterDelete(t *testing.T) {
	srv, f := newTestServer(t)
	c := f.name("c")
	put, _ := json.Marshal(f.sourceConfig(1))
	for i := range 200 { // the failure is rare: enough cycles to see it more often than not
		if r := call(t, srv, "PUT", path(c, "/config"), string(put)); r.status != http.StatusCreated {
			t.Fatalf("cycle %d: PUT: %d %s", i, r.status, r.body)
		}
		f.waitTasks(c, 1)
		if r := call(t, srv, "DELETE", path(c, ""), ""); r.status != http.StatusNoContent {
			t.Fatalf("cycle %d: DELETE: %d %s", i, r.status, r.body)
		}
	}
}

// assertLocation fails unless location is base's /connectors/<name>, name path-escaped, and
// following it finds the connector.
func assertLocation(t *testing.T, base, location, name string) {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatalf("Location %q: %v", location, err)
	}
	b, _ := url.Parse(base)
	seg, ok := strings.CutPrefix(u.EscapedPath(), "/connectors/")
	if u.Scheme != "http" || u.Host != b.Host || !ok || strings.Contains(seg, "/") {
		t.Fatalf("Location %q: want %s/connectors/<one segment>", location, base)
	}
	if got, err := url.PathUnescape(seg); err != nil || got != name {
		t.Fatalf("Location %q names %q (%v), want %q", location, got, err, name)
	}
}

// configJSON is config with name inserted, as JSON.
func configJSON(name string, config map[string]string) string {
	c := map[string]string{"name": name}
	for k, v := range config {
		c[k] = v
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// validSource is a valid FileStreamSource config's keys, a fill template.
const validSource = `"connector.class":"FileStreamSource","topic":"t","file":"{{file}}"`

// TestCreateConnector covers POST /connectors (spec §3.4) and connectd's 400s for bodies
// Kafka Connect answers with 500 (DESIGN.md "Compatibility rules"). Bodies, replies and
// messages are fill templates.
func TestCreateConnector(t *testing.T) {
	nullValue := invalidConfig([]string{"Invalid value null for configuration file: " + msgNullValue}).Error()
	tests := []struct {
		name     string
		body     string
		status   int
		want     string // the whole body; for errors, the message
		location string // the connector name Location names, for 201s, unprefixed
	}{
		{name: "created", body: `{"name":"{{c}}","config":{` + validSource + `}}`, status: 201, location: "c",
			want: `{"name":"{{c}}","config":{"name":"{{c}}",` + validSource + `},"tasks":[],"type":"source"}`},
		{name: "numbers and booleans become strings", status: 201, location: "c",
			body: `{"name":"{{c}}","config":{` + validSource + `,"tasks.max":1,"b":true,"f":false,"x":1.50,"e":-1e3}}`,
			want: `{"name":"{{c}}","config":{"name":"{{c}}",` + validSource + `,"tasks.max":"1","b":"true","f":"false","x":"1.50","e":"-1e3"},"tasks":[],"type":"source"}`},
		{name: "name trimmed", body: `{"name":"  {{c}} \t","config":{` + validSource + `}}`, status: 201, location: "c",
			want: `{"name":"{{c}}","config":{"name":"{{c}}",` + validSource + `},"tasks":[],"type":"source"}`},
		{name: "config name equal to trimmed name", body: `{"name":" {{c}} ","config":{"name":"{{c}}",` + validSource + `}}`, status: 201, location: "c",
			want: `{"name":"{{c}}","config":{"name":"{{c}}",` + validSource + `},"tasks":[],"type":"source"}`},
		{name: "null config name replaced", body: `{"name":"{{c}}","config":{"name":null,` + validSource + `}}`, status: 201, location: "c",
			want: `{"name":"{{c}}","config":{"name":"{{c}}",` + validSource + `},"tasks":[],"type":"source"}`},
		{name: "initial_state null", body: `{"name":"{{c}}","config":{` + validSource + `},"initial_state":null}`, status: 201, location: "c",
			want: `{"name":"{{c}}","config":{"name":"{{c}}",` + validSource + `},"tasks":[],"type":"source"}`},
		{name: "unicode and html kept", body: `{"name":"{{c}}","config":{` + validSource + `,"h":"<a&b>","u":"\u00fc"}}`, status: 201, location: "c",
			want: `{"name":"{{c}}","config":{"name":"{{c}}",` + validSource + `,"h":"<a&b>","u":"ü"},"tasks":[],"type":"source"}`},

		{name: "name mismatch", body: `{"name":"{{c}}","config":{"name":"d",` + validSource + `}}`, status: 400,
			want: "Connector name configuration (d) doesn't match connector name in the URL ({{c}})"},
		{name: "name mismatch untrimmed config", body: `{"name":"{{c}}","config":{"name":" {{c}}",` + validSource + `}}`, status: 400,
			want: "Connector name configuration ( {{c}}) doesn't match connector name in the URL ({{c}})"},
		{name: "null value", body: `{"name":"{{c}}","config":{"connector.class":"FileStreamSource","topic":"t","file":null}}`, status: 400, want: nullValue},
		{name: "missing name", body: `{"config":{` + validSource + `}}`, status: 400,
			want: invalidConfig([]string{"Invalid value  for configuration name: String may not be empty"}).Error()},
		{name: "blank name", body: `{"name":"  ","config":{` + validSource + `}}`, status: 400,
			want: invalidConfig([]string{"Invalid value  for configuration name: String may not be empty"}).Error()},
		{name: "no connector class", body: `{"name":"{{c}}","config":{"tasks.max":"1"}}`, status: 400,
			want: "Connector config contains no connector type"}, // spec §0.1
		{name: "config missing", body: `{"name":"{{c}}"}`, status: 400, want: msgConfigMissing},
		{name: "config null", body: `{"name":"{{c}}","config":null}`, status: 400, want: msgConfigMissing},
		{name: "body null", body: `null`, status: 400, want: msgConfigMissing},
		{name: "empty object", body: `{}`, status: 400, want: msgConfigMissing},
		{name: "empty body", body: ``, status: 400, want: msgBodyEmpty},
		{name: "whitespace body", body: " \n", status: 400, want: msgBodyEmpty},
		{name: "initial_state bad", body: `{"name":"{{c}}","config":{` + validSource + `},"initial_state":"SLEEPING"}`, status: 400,
			want: `Invalid initial_state "SLEEPING": must be RUNNING, PAUSED or STOPPED`},
		{name: "initial_state number", body: `{"name":"{{c}}","config":{` + validSource + `},"initial_state":1}`, status: 400,
			want: `Field "initial_state" must be a string, not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, f := newTestServer(t)
			r := call(t, srv, "POST", "/connectors", f.fill(tt.body))
			if tt.status >= 400 {
				assertError(t, r, tt.status, f.fill(tt.want))
				return
			}
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			assertJSON(t, r.body, f.fill(tt.want))
			assertLocation(t, srv.URL, r.header.Get("Location"), f.name(tt.location))
		})
	}
}

// TestMalformedBodies: malformed JSON, JSON of the wrong type and oversized bodies are 400 or
// 413 with a JSON error on both POST and PUT, never 500 (DESIGN.md "Compatibility rules").
func TestMalformedBodies(t *testing.T) {
	huge := `{"name":"c","config":{"x":"` + strings.Repeat("a", maxBodyBytes) + `"}}`
	tests := []struct {
		name, body string
		status     int
	}{
		{"truncated", `{"name":`, 400},
		{"truncated object", `{"name":"c","config":{`, 400},
		{"not json", `name=c`, 400},
		{"trailing garbage", `{"name":"c","config":{}} x`, 400},
		{"two values", `{"name":"c","config":{}} {}`, 400},
		{"array body", `[]`, 400},
		{"string body", `"c"`, 400},
		{"number body", `1`, 400},
		{"config string", `{"name":"c","config":"x"}`, 400},
		{"config array", `{"name":"c","config":[]}`, 400},
		{"config number", `{"name":"c","config":1}`, 400},
		{"nested object value", `{"name":"c","config":{"a":{"b":"c"}}}`, 400},
		{"nested array value", `{"name":"c","config":{"a":["b"]}}`, 400},
		{"unknown field", `{"name":"c","config":{},"extra":1}`, 400},
		{"name number", `{"name":1,"config":{}}`, 400},
		{"name object", `{"name":{},"config":{}}`, 400},
		{"invalid utf8 escape", `{"name":"c","config":{"a":"\ud800"}}`, 0}, // accepted: Go replaces it
		{"oversized", huge, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t)
			for _, target := range []struct{ method, path string }{{"POST", "/connectors"}, {"PUT", "/connectors/c/config"}} {
				r := call(t, srv, target.method, target.path, tt.body)
				if tt.status == 0 {
					if r.status >= 500 {
						t.Errorf("%s: %d %s", target.method, r.status, r.body)
					}
					continue
				}
				if target.method == "PUT" && strings.HasPrefix(tt.name, "config ") {
					continue // a flat map: {"config": "x"} is a valid PUT body
				}
				if r.status != tt.status {
					t.Errorf("%s: status %d, want %d: %s", target.method, r.status, tt.status, r.body)
				}
				var e ErrorMessage
				if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.ErrorCode != tt.status || e.Message == "" {
					t.Errorf("%s: error body %s (%v)", target.method, r.body, err)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("%s: Content-Type %q", target.method, ct)
				}
			}
		})
	}
	t.Run("oversized message", func(t *testing.T) {
		srv, _ := newTestServer(t)
		assertError(t, call(t, srv, "POST", "/connectors", huge), 413, fmt.Sprintf(msgBodyTooLarge, maxBodyBytes))
	})
}

// TestInitialState: initial_state is case-insensitive and reaches the connector (spec §3.4).
func TestInitialState(t *testing.T) {
	tests := []struct{ initial, want, tasks string }{
		{"RUNNING", "RUNNING", `[` + instance(0, "RUNNING", "") + `]`},
		{"running", "RUNNING", `[` + instance(0, "RUNNING", "") + `]`},
		{"Paused", "PAUSED", `[]`},
		{"stopped", "STOPPED", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.initial, func(t *testing.T) {
			srv, f := newTestServer(t)
			r := call(t, srv, "POST", "/connectors", f.fill(`{"name":"{{c}}","config":{`+validSource+`},"initial_state":"`+tt.initial+`"}`))
			if r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			// The connector and its tasks reach their states asynchronously.
			want := f.fill(`{"name":"{{c}}","connector":` + instance(-1, tt.want, "") + `,"tasks":` + tt.tasks + `,"type":"source"}`)
			r = f.waitJSON(path(f.name("c"), "/status"), want)
			assertJSON(t, r.body, want)
		})
	}
}

// TestCreateExisting: 409 with Kafka Connect's text (spec §3.4 step 5).
func TestCreateExisting(t *testing.T) {
	srv, f := newTestServer(t)
	mustCreate(t, srv, f.name("c"), f.sourceConfig(1))
	assertError(t, call(t, srv, "POST", "/connectors", f.fill(`{"name":"{{c}}","config":{`+validSource+`}}`)), 409, f.fill("Connector {{c}} already exists"))
}

// TestPutConnectorConfig covers PUT /connectors/{c}/config (spec §3.7). Paths, bodies, replies
// and messages are fill templates.
func TestPutConnectorConfig(t *testing.T) {
	srv, f := newTestServer(t)
	r := call(t, srv, "PUT", f.fill("/connectors/{{c}}/config"), f.fill(`{`+validSource+`,"tasks.max":2}`))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	assertJSON(t, r.body, f.fill(`{"name":"{{c}}","config":{"name":"{{c}}",`+validSource+`,"tasks.max":"2"},"tasks":[],"type":"source"}`))
	assertLocation(t, srv.URL, r.header.Get("Location"), f.name("c"))

	// The reply lists the tasks from before the update (spec §16.14): wait until the connector
	// has generated its one task.
	f.waitTasks(f.name("c"), 1)
	r = call(t, srv, "PUT", f.fill("/connectors/{{c}}/config"), f.fill(`{"name":"{{c}}",`+validSource+`,"topic":"u"}`))
	if r.status != http.StatusOK || r.header.Get("Location") != "" {
		t.Fatalf("update: %d, Location %q: %s", r.status, r.header.Get("Location"), r.body)
	}
	assertJSON(t, r.body, f.fill(`{"name":"{{c}}","config":{"name":"{{c}}","connector.class":"FileStreamSource","topic":"u","file":"{{file}}"},"tasks":[{"connector":"{{c}}","task":0}],"type":"source"}`))

	// The worker names every connector class its registry holds, test plugins included
	// (connectors.Registry.ConnectorClassNames orders them); the built-in ones must be there.
	names := f.stack.registry.ConnectorClassNames()
	for _, c := range []string{fileSource, fileSink, gatedClass} {
		if !slices.Contains(names, c) {
			t.Fatalf("the registry's connectors %v lack %s", names, c)
		}
	}
	availableConnectors := strings.Join(names, ", ")
	tests := []struct {
		name, path, body string
		status           int
		message          string
	}{
		{"name mismatch", "/connectors/{{c}}/config", `{"name":"d",` + validSource + `}`, 400,
			"Connector name configuration (d) doesn't match connector name in the URL ({{c}})"},
		{"path name not trimmed", "/connectors/%20{{c}}/config", `{"name":"{{c}}",` + validSource + `}`, 400,
			"Connector name configuration ({{c}}) doesn't match connector name in the URL ( {{c}})"},
		{"null value", "/connectors/{{c}}/config", `{` + validSource + `,"tasks.max":null}`, 400,
			invalidConfig([]string{"Invalid value null for configuration tasks.max: " + msgNullValue}).Error()},
		{"two null values", "/connectors/{{c}}/config", `{` + validSource + `,"z":null,"a":null}`, 400,
			invalidConfig([]string{"Invalid value null for configuration a: " + msgNullValue, "Invalid value null for configuration z: " + msgNullValue}).Error()},
		{"create request body", "/connectors/{{c}}/config", `{"name":"{{c}}","config":{` + validSource + `}}`, 400,
			`Connector config value of "config" must be a string, number or boolean, not an object`},
		{"array body", "/connectors/{{c}}/config", `[]`, 400, "Connector config must be a JSON object of string values, not an array"},
		{"null body", "/connectors/{{c}}/config", `null`, 400, msgConfigMissing},
		{"invalid config", "/connectors/{{c}}/config", `{` + validSource + `,"tasks.max":"0"}`, 400,
			invalidConfig([]string{"Invalid value 0 for configuration tasks.max: Value must be at least 1"}).Error()},
		{"unknown class", "/connectors/{{c}}/config", `{"connector.class":"Nope"}`, 400, // spec §0.1
			"Failed to find any class that implements Connector and which name matches Nope, available connectors are: " + availableConnectors},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertError(t, call(t, srv, "PUT", f.fill(tt.path), f.fill(tt.body)), tt.status, f.fill(tt.message))
		})
	}
	t.Run("path name with spaces kept", func(t *testing.T) {
		f.own(" " + f.name("c") + " ")
		r := call(t, srv, "PUT", f.fill("/connectors/%20{{c}}%20/config"), f.fill(`{"name":" {{c}} ",`+validSource+`}`))
		if r.status != http.StatusCreated {
			t.Fatalf("%d %s", r.status, r.body)
		}
		assertLocation(t, srv.URL, r.header.Get("Location"), " "+f.name("c")+" ")
	})
}

// TestGetConnector covers GET /connectors, /connectors/{c}, /config and /tasks (spec §3.3,
// §3.5, §3.6, §3.10).
func TestGetConnector(t *testing.T) {
	srv, f := newTestServer(t)
	t.Run("empty list", func(t *testing.T) {
		// Every test deletes its connectors at cleanup, and this one has made none yet.
		var r response
		wait.ForNil(t, waitTimeout, "a worker without connectors", func() error {
			if r = call(t, srv, "GET", "/connectors", ""); !jsonEqual(r.body, `[]`) {
				return fmt.Errorf("%d %s", r.status, r.body)
			}
			return nil
		})
		if r.body != `[]` {
			t.Errorf("body %s, want []", r.body)
		}
	})

	s := f.name("s")
	sink := map[string]string{"connector.class": fileSink, "tasks.max": "2", "topics": "t", "file": filepath.Join(f.dir, "out.txt")}
	mustCreate(t, srv, s, sink)
	f.waitTasks(s, 2) // the connector generates its task configs asynchronously
	cfg := configJSON(s, sink)
	// Each task config is the sink's with task.class, as Kafka Connect writes it (spec §0.1).
	taskCfg := configJSON(s, map[string]string{"connector.class": fileSink, "tasks.max": "2", "topics": "t", "file": sink["file"],
		"task.class": "org.apache.kafka.connect.file.FileStreamSinkTask"})
	tests := []struct{ path, want string }{
		{"/connectors", `["` + s + `"]`}, // other tests' connectors left out
		{"/connectors/" + s, `{"name":"` + s + `","config":` + cfg + `,"tasks":[{"connector":"` + s + `","task":0},{"connector":"` + s + `","task":1}],"type":"sink"}`},
		{"/connectors/" + s + "/config", cfg},
		{"/connectors/" + s + "/tasks", `[{"id":{"connector":"` + s + `","task":0},"config":` + taskCfg + `},{"id":{"connector":"` + s + `","task":1},"config":` + taskCfg + `}]`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := call(t, srv, "GET", tt.path, "")
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			got := r.body
			if tt.path == "/connectors" {
				b, _ := json.Marshal(f.mineOf(t, r))
				got = string(b)
			}
			assertJSON(t, got, tt.want)
		})
	}
}

// TestNotFound: the Backend's 404s pass through with their texts. Paths and messages are
// fill templates; {{x}} names no connector.
func TestNotFound(t *testing.T) {
	tests := []struct{ method, path, message string }{
		{"GET", "/connectors/{{x}}", "Connector {{x}} not found"},
		{"GET", "/connectors/{{x}}/config", "Connector {{x}} not found"},
		{"GET", "/connectors/{{x}}/tasks", "Connector {{x}} not found"},
		{"GET", "/connectors/{{x}}/status", "No status found for connector {{x}}"},
		{"GET", "/connectors/{{x}}/tasks/0/status", "No status found for task {{x}}-0"},
		{"GET", "/connectors/{{c}}/tasks/7/status", "No status found for task {{c}}-7"},
		{"GET", "/connectors/{{c}}/tasks/-1/status", "No status found for task {{c}}--1"},
		{"POST", "/connectors/{{x}}/restart", "Unknown connector: {{x}}"},
		{"POST", "/connectors/{{x}}/restart?includeTasks=true", "Unknown connector: {{x}}"},
		{"POST", "/connectors/{{x}}/tasks/0/restart", "Unknown connector: {{x}}"},
		{"POST", "/connectors/{{c}}/tasks/3/restart", "Unknown task: {{c}}-3"},
		{"PUT", "/connectors/{{x}}/pause", "Unknown connector {{x}}"},
		{"PUT", "/connectors/{{x}}/resume", "Unknown connector {{x}}"},
		{"DELETE", "/connectors/{{x}}", "Connector {{x}} not found"},
	}
	srv, f := newTestServer(t)
	mustCreate(t, srv, f.name("c"), f.sourceConfig(1))
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			assertError(t, call(t, srv, tt.method, f.fill(tt.path), ""), 404, f.fill(tt.message))
		})
	}
}

// TestStatus: ConnectorStateInfo with trace only when set, tasks sorted (spec §2.2, §3.9).
func TestStatus(t *testing.T) {
	srv, f := newTestServer(t)
	s := f.name("s")
	_, st := f.createFailedSink(s, 3, 1)
	trace := st.Tasks[1].Trace // the worker's error text and its causes
	if !strings.Contains(trace, "Couldn't find or create file") {
		t.Errorf("task 1 trace %q lacks FileStreamSinkTask's error", trace)
	}
	r := call(t, srv, "GET", path(s, "/status"), "")
	want := `{"name":"` + s + `","connector":` + instance(-1, "RUNNING", "") + `,"tasks":[` +
		instance(0, "RUNNING", "") + `,` + instance(1, "FAILED", trace) + `,` + instance(2, "RUNNING", "") + `],"type":"sink"}`
	if r.body != want { // exact bytes: field names and order, trace omitted when empty
		t.Errorf("body\n got %s\nwant %s", r.body, want)
	}
	r = call(t, srv, "GET", path(s, "/tasks/1/status"), "")
	if want := instance(1, "FAILED", trace); r.body != want {
		t.Errorf("task status %s, want %s", r.body, want)
	}

	call(t, srv, "PUT", path(s, "/pause"), "")
	paused := `{"name":"` + s + `","connector":` + instance(-1, "PAUSED", "") + `,"tasks":[` +
		instance(0, "PAUSED", "") + `,` + instance(1, "FAILED", trace) + `,` + instance(2, "PAUSED", "") + `],"type":"sink"}`
	assertJSON(t, f.waitJSON(path(s, "/status"), paused).body, paused) // tasks pause asynchronously
	call(t, srv, "PUT", path(s, "/resume"), "")
	call(t, srv, "POST", path(s, "/tasks/1/restart"), "")
	assertJSON(t, f.waitJSON(path(s, "/tasks/1/status"), instance(1, "RUNNING", "")).body, instance(1, "RUNNING", ""))
	if r := call(t, srv, "DELETE", path(s, "/"), ""); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	assertError(t, call(t, srv, "GET", path(s, "/status"), ""), 404, "No status found for connector "+s)
}

// TestRestartFlags: the flag matrix of spec §3.13: 204 for the legacy form, else 202 and the
// plan; a flag is true only for a case-insensitive "true". Task 1 is FAILED, and with
// failConnector the connector too.
func TestRestartFlags(t *testing.T) {
	const (
		running    = "RUNNING"
		restarting = "RESTARTING"
		failed     = "FAILED"
	)
	// plan is the states the plan shows for the connector and tasks 0 and 1.
	plan := func(connector, t0, t1 string) []string { return []string{connector, t0, t1} }
	tests := []struct {
		query         string
		failConnector bool
		status        int
		want          []string // nil: no body
	}{
		{"", false, 204, nil},
		{"?includeTasks=false&onlyFailed=false", false, 204, nil},
		{"?includeTasks=yes&onlyFailed=1", false, 204, nil},
		{"?includeTasks=true", false, 202, plan(restarting, restarting, restarting)},
		{"?includeTasks=TRUE&onlyFailed=false", false, 202, plan(restarting, restarting, restarting)},
		{"?onlyFailed=true", false, 202, plan(running, running, failed)},
		{"?onlyFailed=True", true, 202, plan(restarting, running, failed)},
		{"?includeTasks=true&onlyFailed=true", false, 202, plan(running, running, restarting)},
		{"?includeTasks=true&onlyFailed=true", true, 202, plan(restarting, running, restarting)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s failed=%v", tt.query, tt.failConnector), func(t *testing.T) {
			srv, f := newTestServer(t)
			s := f.name("s")
			config, st := f.createFailedSink(s, 2, 1)
			if tt.failConnector {
				st = f.failConnector(s, config)
			}
			r := call(t, srv, "POST", path(s, "/restart"+tt.query), "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.want == nil {
				if r.body != "" || r.header.Get("Content-Type") != "" {
					t.Errorf("legacy restart has a body: %q", r.body)
				}
				return
			}
			// Each instance keeps the worker_id and trace of its current status, RESTARTING
			// ones too, as Kafka's AbstractHerder.buildRestartPlan does.
			want := `{"name":"` + s + `","connector":` + instance(-1, tt.want[0], st.Connector.Trace) + `,"tasks":[` +
				instance(0, tt.want[1], st.Tasks[0].Trace) + `,` + instance(1, tt.want[2], st.Tasks[1].Trace) + `],"type":"sink"}`
			assertJSON(t, r.body, want)
		})
	}
}
