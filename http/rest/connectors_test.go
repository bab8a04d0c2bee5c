package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
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
			srv, _ := newTestServer(t)
			body, _ := json.Marshal(map[string]any{"name": tt.name, "config": sourceConfig(1)})
			r := call(t, srv, "POST", "/connectors", string(body))
			if r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			assertLocation(t, srv.URL, r.header.Get("Location"), tt.name)

			path := "/connectors/" + tt.segment
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
			if err := json.Unmarshal([]byte(call(t, srv, "GET", path, "").body), &info); err != nil || info.Name != tt.name || info.Config["name"] != tt.name {
				t.Errorf("GET %s: %+v, %v", path, info, err)
			}
			names := call(t, srv, "GET", "/connectors", "")
			want, _ := json.Marshal([]string{tt.name})
			assertJSON(t, names.body, string(want))
			if got := call(t, srv, "DELETE", path, ""); got.status != http.StatusNoContent {
				t.Errorf("DELETE %s: %d %s", path, got.status, got.body)
			}

			// PUT creates under the path name, and Location round-trips too.
			put, _ := json.Marshal(sourceConfig(1))
			r = call(t, srv, "PUT", path+"/config", string(put))
			if r.status != http.StatusCreated {
				t.Fatalf("PUT: %d %s", r.status, r.body)
			}
			assertLocation(t, srv.URL, r.header.Get("Location"), tt.name)
			assertJSON(t, call(t, srv, "GET", path+"/config", "").body, configJSON(tt.name, sourceConfig(1)))
		})
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

const validSource = `"connector.class":"FileStreamSource","topic":"t","file":"f"`

// TestCreateConnector covers POST /connectors (spec §3.4) and connectd's 400s for bodies
// Kafka Connect answers with 500 (DESIGN.md "Compatibility rules").
func TestCreateConnector(t *testing.T) {
	nullValue := invalidConfig([]string{"Invalid value null for configuration file: " + msgNullValue}).Error()
	tests := []struct {
		name     string
		body     string
		status   int
		want     string // the whole body; for errors, the message
		location string // the connector name Location names, for 201s
	}{
		{name: "created", body: `{"name":"c","config":{` + validSource + `}}`, status: 201, location: "c",
			want: `{"name":"c","config":{"name":"c",` + validSource + `},"tasks":[],"type":"source"}`},
		{name: "numbers and booleans become strings", status: 201, location: "c",
			body: `{"name":"c","config":{` + validSource + `,"tasks.max":1,"b":true,"f":false,"x":1.50,"e":-1e3}}`,
			want: `{"name":"c","config":{"name":"c",` + validSource + `,"tasks.max":"1","b":"true","f":"false","x":"1.50","e":"-1e3"},"tasks":[],"type":"source"}`},
		{name: "name trimmed", body: `{"name":"  c \t","config":{` + validSource + `}}`, status: 201, location: "c",
			want: `{"name":"c","config":{"name":"c",` + validSource + `},"tasks":[],"type":"source"}`},
		{name: "config name equal to trimmed name", body: `{"name":" c ","config":{"name":"c",` + validSource + `}}`, status: 201, location: "c",
			want: `{"name":"c","config":{"name":"c",` + validSource + `},"tasks":[],"type":"source"}`},
		{name: "null config name replaced", body: `{"name":"c","config":{"name":null,` + validSource + `}}`, status: 201, location: "c",
			want: `{"name":"c","config":{"name":"c",` + validSource + `},"tasks":[],"type":"source"}`},
		{name: "initial_state null", body: `{"name":"c","config":{` + validSource + `},"initial_state":null}`, status: 201, location: "c",
			want: `{"name":"c","config":{"name":"c",` + validSource + `},"tasks":[],"type":"source"}`},
		{name: "unicode and html kept", body: `{"name":"c","config":{` + validSource + `,"h":"<a&b>","u":"\u00fc"}}`, status: 201, location: "c",
			want: `{"name":"c","config":{"name":"c",` + validSource + `,"h":"<a&b>","u":"ü"},"tasks":[],"type":"source"}`},

		{name: "name mismatch", body: `{"name":"c","config":{"name":"d",` + validSource + `}}`, status: 400,
			want: "Connector name configuration (d) doesn't match connector name in the URL (c)"},
		{name: "name mismatch untrimmed config", body: `{"name":"c","config":{"name":" c",` + validSource + `}}`, status: 400,
			want: "Connector name configuration ( c) doesn't match connector name in the URL (c)"},
		{name: "null value", body: `{"name":"c","config":{"connector.class":"FileStreamSource","topic":"t","file":null}}`, status: 400, want: nullValue},
		{name: "missing name", body: `{"config":{` + validSource + `}}`, status: 400,
			want: invalidConfig([]string{"Invalid value  for configuration name: String may not be empty"}).Error()},
		{name: "blank name", body: `{"name":"  ","config":{` + validSource + `}}`, status: 400,
			want: invalidConfig([]string{"Invalid value  for configuration name: String may not be empty"}).Error()},
		{name: "no connector class", body: `{"name":"c","config":{"tasks.max":"1"}}`, status: 400,
			want: "Connector config {name=c, tasks.max=1} contains no connector type"},
		{name: "config missing", body: `{"name":"c"}`, status: 400, want: msgConfigMissing},
		{name: "config null", body: `{"name":"c","config":null}`, status: 400, want: msgConfigMissing},
		{name: "body null", body: `null`, status: 400, want: msgConfigMissing},
		{name: "empty object", body: `{}`, status: 400, want: msgConfigMissing},
		{name: "empty body", body: ``, status: 400, want: msgBodyEmpty},
		{name: "whitespace body", body: " \n", status: 400, want: msgBodyEmpty},
		{name: "initial_state bad", body: `{"name":"c","config":{` + validSource + `},"initial_state":"SLEEPING"}`, status: 400,
			want: `Invalid initial_state "SLEEPING": must be RUNNING, PAUSED or STOPPED`},
		{name: "initial_state number", body: `{"name":"c","config":{` + validSource + `},"initial_state":1}`, status: 400,
			want: `Field "initial_state" must be a string, not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t)
			r := call(t, srv, "POST", "/connectors", tt.body)
			if tt.status >= 400 {
				assertError(t, r, tt.status, tt.want)
				return
			}
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			assertJSON(t, r.body, tt.want)
			assertLocation(t, srv.URL, r.header.Get("Location"), tt.location)
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
		{"RUNNING", "RUNNING", `[{"id":0,"state":"RUNNING","worker_id":"127.0.0.1:8083"}]`},
		{"running", "RUNNING", `[{"id":0,"state":"RUNNING","worker_id":"127.0.0.1:8083"}]`},
		{"Paused", "PAUSED", `[]`},
		{"stopped", "STOPPED", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.initial, func(t *testing.T) {
			srv, _ := newTestServer(t)
			r := call(t, srv, "POST", "/connectors", `{"name":"c","config":{`+validSource+`},"initial_state":"`+tt.initial+`"}`)
			if r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			r = call(t, srv, "GET", "/connectors/c/status", "")
			assertJSON(t, r.body, `{"name":"c","connector":{"state":"`+tt.want+`","worker_id":"127.0.0.1:8083"},"tasks":`+tt.tasks+`,"type":"source"}`)
		})
	}
}

// TestCreateExisting: 409 with Kafka Connect's text (spec §3.4 step 5).
func TestCreateExisting(t *testing.T) {
	srv, _ := newTestServer(t)
	mustCreate(t, srv, "c", sourceConfig(1))
	assertError(t, call(t, srv, "POST", "/connectors", `{"name":"c","config":{`+validSource+`}}`), 409, "Connector c already exists")
}

// TestPutConnectorConfig covers PUT /connectors/{c}/config (spec §3.7).
func TestPutConnectorConfig(t *testing.T) {
	srv, _ := newTestServer(t)
	r := call(t, srv, "PUT", "/connectors/c/config", `{`+validSource+`,"tasks.max":2}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	assertJSON(t, r.body, `{"name":"c","config":{"name":"c",`+validSource+`,"tasks.max":"2"},"tasks":[],"type":"source"}`)
	assertLocation(t, srv.URL, r.header.Get("Location"), "c")

	r = call(t, srv, "PUT", "/connectors/c/config", `{"name":"c",`+validSource+`,"topic":"u"}`)
	if r.status != http.StatusOK || r.header.Get("Location") != "" {
		t.Fatalf("update: %d, Location %q: %s", r.status, r.header.Get("Location"), r.body)
	}
	assertJSON(t, r.body, `{"name":"c","config":{"name":"c","connector.class":"FileStreamSource","topic":"u","file":"f"},"tasks":[{"connector":"c","task":0}],"type":"source"}`)

	tests := []struct {
		name, path, body string
		status           int
		message          string
	}{
		{"name mismatch", "/connectors/c/config", `{"name":"d",` + validSource + `}`, 400,
			"Connector name configuration (d) doesn't match connector name in the URL (c)"},
		{"path name not trimmed", "/connectors/%20c/config", `{"name":"c",` + validSource + `}`, 400,
			"Connector name configuration (c) doesn't match connector name in the URL ( c)"},
		{"null value", "/connectors/c/config", `{` + validSource + `,"tasks.max":null}`, 400,
			invalidConfig([]string{"Invalid value null for configuration tasks.max: " + msgNullValue}).Error()},
		{"two null values", "/connectors/c/config", `{` + validSource + `,"z":null,"a":null}`, 400,
			invalidConfig([]string{"Invalid value null for configuration a: " + msgNullValue, "Invalid value null for configuration z: " + msgNullValue}).Error()},
		{"create request body", "/connectors/c/config", `{"name":"c","config":{` + validSource + `}}`, 400,
			`Connector config value of "config" must be a string, number or boolean, not an object`},
		{"array body", "/connectors/c/config", `[]`, 400, "Connector config must be a JSON object of string values, not an array"},
		{"null body", "/connectors/c/config", `null`, 400, msgConfigMissing},
		{"invalid config", "/connectors/c/config", `{` + validSource + `,"tasks.max":"0"}`, 400,
			invalidConfig([]string{"Invalid value 0 for configuration tasks.max: Value must be at least 1"}).Error()},
		{"unknown class", "/connectors/c/config", `{"connector.class":"Nope"}`, 500,
			"Failed to find any class that implements Connector and which name matches Nope, available connectors are: " + fileSink + ", " + fileSource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertError(t, call(t, srv, "PUT", tt.path, tt.body), tt.status, tt.message)
		})
	}
	t.Run("path name with spaces kept", func(t *testing.T) {
		r := call(t, srv, "PUT", "/connectors/%20c%20/config", `{"name":" c ",`+validSource+`}`)
		if r.status != http.StatusCreated {
			t.Fatalf("%d %s", r.status, r.body)
		}
		assertLocation(t, srv.URL, r.header.Get("Location"), " c ")
	})
}

// TestGetConnector covers GET /connectors/{c}, /config and /tasks (spec §3.5, §3.6, §3.10).
func TestGetConnector(t *testing.T) {
	srv, _ := newTestServer(t)
	sink := map[string]string{"connector.class": fileSink, "tasks.max": "2", "topics": "t", "file": "f"}
	mustCreate(t, srv, "s", sink)
	cfg := configJSON("s", sink)
	tests := []struct{ path, want string }{
		{"/connectors", `["s"]`},
		{"/connectors/s", `{"name":"s","config":` + cfg + `,"tasks":[{"connector":"s","task":0},{"connector":"s","task":1}],"type":"sink"}`},
		{"/connectors/s/config", cfg},
		{"/connectors/s/tasks", `[{"id":{"connector":"s","task":0},"config":` + cfg + `},{"id":{"connector":"s","task":1},"config":` + cfg + `}]`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := call(t, srv, "GET", tt.path, "")
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			assertJSON(t, r.body, tt.want)
		})
	}
	t.Run("empty list", func(t *testing.T) {
		srv, _ := newTestServer(t)
		if r := call(t, srv, "GET", "/connectors", ""); r.body != `[]` {
			t.Errorf("body %s, want []", r.body)
		}
	})
}

// TestNotFound: the Backend's 404s pass through with their texts.
func TestNotFound(t *testing.T) {
	tests := []struct{ method, path, message string }{
		{"GET", "/connectors/x", "Connector x not found"},
		{"GET", "/connectors/x/config", "Connector x not found"},
		{"GET", "/connectors/x/tasks", "Connector x not found"},
		{"GET", "/connectors/x/status", "No status found for connector x"},
		{"GET", "/connectors/x/tasks/0/status", "No status found for task x-0"},
		{"GET", "/connectors/c/tasks/7/status", "No status found for task c-7"},
		{"GET", "/connectors/c/tasks/-1/status", "No status found for task c--1"},
		{"POST", "/connectors/x/restart", "Unknown connector: x"},
		{"POST", "/connectors/x/restart?includeTasks=true", "Unknown connector: x"},
		{"POST", "/connectors/x/tasks/0/restart", "Unknown connector: x"},
		{"POST", "/connectors/c/tasks/3/restart", "Unknown task: c-3"},
		{"PUT", "/connectors/x/pause", "Unknown connector x"},
		{"PUT", "/connectors/x/resume", "Unknown connector x"},
		{"DELETE", "/connectors/x", "Connector x not found"},
	}
	srv, _ := newTestServer(t)
	mustCreate(t, srv, "c", sourceConfig(1))
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			assertError(t, call(t, srv, tt.method, tt.path, ""), 404, tt.message)
		})
	}
}

// TestStatus: ConnectorStateInfo with trace only when set, tasks sorted (spec §2.2, §3.9).
func TestStatus(t *testing.T) {
	srv, b := newTestServer(t)
	mustCreate(t, srv, "s", map[string]string{"connector.class": fileSink, "tasks.max": "3", "topics": "t"})
	b.fail("s", 1)
	r := call(t, srv, "GET", "/connectors/s/status", "")
	want := `{"name":"s","connector":{"state":"RUNNING","worker_id":"127.0.0.1:8083"},"tasks":[` +
		`{"id":0,"state":"RUNNING","worker_id":"127.0.0.1:8083"},` +
		`{"id":1,"state":"FAILED","worker_id":"127.0.0.1:8083","trace":"java.lang.RuntimeException: boom"},` +
		`{"id":2,"state":"RUNNING","worker_id":"127.0.0.1:8083"}],"type":"sink"}`
	if r.body != want { // exact bytes: field names and order, trace omitted when empty
		t.Errorf("body\n got %s\nwant %s", r.body, want)
	}
	r = call(t, srv, "GET", "/connectors/s/tasks/1/status", "")
	if want := `{"id":1,"state":"FAILED","worker_id":"127.0.0.1:8083","trace":"java.lang.RuntimeException: boom"}`; r.body != want {
		t.Errorf("task status %s, want %s", r.body, want)
	}

	call(t, srv, "PUT", "/connectors/s/pause", "")
	assertJSON(t, call(t, srv, "GET", "/connectors/s/status", "").body,
		`{"name":"s","connector":{"state":"PAUSED","worker_id":"127.0.0.1:8083"},"tasks":[`+
			`{"id":0,"state":"PAUSED","worker_id":"127.0.0.1:8083"},`+
			`{"id":1,"state":"FAILED","worker_id":"127.0.0.1:8083","trace":"java.lang.RuntimeException: boom"},`+
			`{"id":2,"state":"PAUSED","worker_id":"127.0.0.1:8083"}],"type":"sink"}`)
	call(t, srv, "PUT", "/connectors/s/resume", "")
	call(t, srv, "POST", "/connectors/s/tasks/1/restart", "")
	assertJSON(t, call(t, srv, "GET", "/connectors/s/tasks/1/status", "").body, `{"id":1,"state":"RUNNING","worker_id":"127.0.0.1:8083"}`)
	if r := call(t, srv, "DELETE", "/connectors/s/", ""); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	assertError(t, call(t, srv, "GET", "/connectors/s/status", ""), 404, "No status found for connector s")
}

// TestRestartFlags: the flag matrix of spec §3.13: 204 for the legacy form, else 202 and the
// plan; a flag is true only for a case-insensitive "true".
func TestRestartFlags(t *testing.T) {
	const (
		running    = `{"state":"RUNNING","worker_id":"127.0.0.1:8083"}`
		restarting = `{"state":"RESTARTING","worker_id":"127.0.0.1:8083"}`
		failed     = `{"state":"FAILED","worker_id":"127.0.0.1:8083","trace":"java.lang.RuntimeException: boom"}`
	)
	task := func(id int, state string) string { return fmt.Sprintf(`{"id":%d,%s`, id, state[1:]) }
	plan := func(connector, t0, t1 string) string {
		return `{"name":"s","connector":` + connector + `,"tasks":[` + task(0, t0) + `,` + task(1, t1) + `],"type":"sink"}`
	}
	tests := []struct {
		query         string
		failConnector bool
		status        int
		want          string
	}{
		{"", false, 204, ""},
		{"?includeTasks=false&onlyFailed=false", false, 204, ""},
		{"?includeTasks=yes&onlyFailed=1", false, 204, ""},
		{"?includeTasks=true", false, 202, plan(restarting, restarting, restarting)},
		{"?includeTasks=TRUE&onlyFailed=false", false, 202, plan(restarting, restarting, restarting)},
		{"?onlyFailed=true", false, 202, plan(running, running, failed)},
		{"?onlyFailed=True", true, 202, plan(restarting, running, failed)},
		{"?includeTasks=true&onlyFailed=true", false, 202, plan(running, running, restarting)},
		{"?includeTasks=true&onlyFailed=true", true, 202, plan(restarting, running, restarting)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s failed=%v", tt.query, tt.failConnector), func(t *testing.T) {
			srv, b := newTestServer(t)
			mustCreate(t, srv, "s", map[string]string{"connector.class": fileSink, "tasks.max": "2", "topics": "t"})
			b.fail("s", 1)
			if tt.failConnector {
				b.fail("s", -1)
			}
			r := call(t, srv, "POST", "/connectors/s/restart"+tt.query, "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.want == "" {
				if r.body != "" || r.header.Get("Content-Type") != "" {
					t.Errorf("legacy restart has a body: %q", r.body)
				}
				return
			}
			assertJSON(t, r.body, tt.want)
		})
	}
}
