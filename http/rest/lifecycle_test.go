package rest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/connectd/connectd/internal/wait"
)

// TestExpand covers GET /connectors?expand= (spec §3.3, §16.7): repeated values, unknown and
// comma-separated values ignored, {} per connector when nothing known is asked for. Other
// tests' connectors are left out of the comparison.
func TestExpand(t *testing.T) {
	srv, f := newTestServer(t)
	r, s := f.name("r"), f.name("s")
	mustCreate(t, srv, r, f.sourceConfig(1))
	call(t, srv, "POST", "/connectors", f.fill(`{"name":"{{s}}","config":{`+validSource+`},"initial_state":"STOPPED"}`))
	f.waitRunning(r, 1)
	f.waitJSON(path(s, "/status"), f.fill(`{"name":"{{s}}","connector":`+instance(-1, "STOPPED", "")+`,"tasks":[],"type":"source"}`))

	rStatus := f.fill(`{"name":"{{r}}","connector":` + instance(-1, "RUNNING", "") + `,"tasks":[` + instance(0, "RUNNING", "") + `],"type":"source"}`)
	sStatus := f.fill(`{"name":"{{s}}","connector":` + instance(-1, "STOPPED", "") + `,"tasks":[],"type":"source"}`)
	rConfig := configJSON(r, f.sourceConfig(1))
	sConfig := f.fill(`{"name":"{{s}}",` + validSource + `}`)
	rInfo := `{"name":"` + r + `","config":` + rConfig + `,"tasks":[{"connector":"` + r + `","task":0}],"type":"source"}`
	sInfo := `{"name":"` + s + `","config":` + sConfig + `,"tasks":[],"type":"source"}`
	tests := []struct{ query, want string }{
		{"?expand=status", `{"` + r + `":{"status":` + rStatus + `},"` + s + `":{"status":` + sStatus + `}}`},
		{"?expand=info", `{"` + r + `":{"info":` + rInfo + `},"` + s + `":{"info":` + sInfo + `}}`},
		{"?expand=status&expand=info", `{"` + r + `":{"status":` + rStatus + `,"info":` + rInfo + `},"` + s + `":{"status":` + sStatus + `,"info":` + sInfo + `}}`},
		{"?expand=info&expand=status&expand=info", `{"` + r + `":{"status":` + rStatus + `,"info":` + rInfo + `},"` + s + `":{"status":` + sStatus + `,"info":` + sInfo + `}}`},
		{"?expand=status,info", `{"` + r + `":{},"` + s + `":{}}`},
		{"?expand=STATUS", `{"` + r + `":{},"` + s + `":{}}`},
		{"?expand=", `{"` + r + `":{},"` + s + `":{}}`},
		{"?expand=nope&expand=info", `{"` + r + `":{"info":` + rInfo + `},"` + s + `":{"info":` + sInfo + `}}`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			// Statuses come from the status topic's tail, which follows the grains: wait for it.
			wait.ForNil(t, waitTimeout, "GET /connectors"+tt.query, func() error {
				got := call(t, srv, "GET", "/connectors"+tt.query, "")
				if got.status != http.StatusOK {
					return fmt.Errorf("%d %s", got.status, got.body)
				}
				var all map[string]json.RawMessage
				if err := json.Unmarshal([]byte(got.body), &all); err != nil {
					return fmt.Errorf("%v: %s", err, got.body)
				}
				mine := map[string]json.RawMessage{}
				for name, v := range all {
					if f.mine(name) {
						mine[name] = v
					}
				}
				b, _ := json.Marshal(mine)
				if !jsonEqual(string(b), tt.want) {
					return fmt.Errorf("got %s\nwant %s", b, tt.want)
				}
				return nil
			})
		})
	}
	t.Run("deleted", func(t *testing.T) {
		call(t, srv, "DELETE", path(r, ""), "")
		wait.ForNil(t, waitTimeout, r+" gone from expand", func() error {
			for _, q := range []string{"?expand=status", "?expand=status&expand=info", "?expand=info"} {
				if got := call(t, srv, "GET", "/connectors"+q, ""); strings.Contains(got.body, `"`+r+`"`) {
					return fmt.Errorf("%s: %s", q, got.body)
				}
			}
			return nil
		})
	})
}

// TestPatchConnectorConfig covers PATCH /connectors/{c}/config (spec §3.8, §13.2): merge, a
// null value removes its key, tasks.max changes the task count, validation as for PUT, 404
// for an unknown connector, 200 and never 201. Bodies and messages are fill templates.
func TestPatchConnectorConfig(t *testing.T) {
	srv, f := newTestServer(t)
	c := f.name("c")
	mustCreate(t, srv, c, map[string]string{"connector.class": fileSink, "tasks.max": "1", "topics": "t", "file": f.dir + "/out.txt", "extra": "x"})
	f.waitTasks(c, 1)

	r := call(t, srv, "PATCH", path(c, "/config"), `{"tasks.max":2,"extra":null,"added":"y"}`)
	if r.status != http.StatusOK || r.header.Get("Location") != "" {
		t.Fatalf("PATCH: %d, Location %q: %s", r.status, r.header.Get("Location"), r.body)
	}
	want := f.fill(`{"name":"{{c}}","connector.class":"` + fileSink + `","tasks.max":"2","topics":"t","file":"` + f.dir + `/out.txt","added":"y"}`)
	assertJSON(t, call(t, srv, "GET", path(c, "/config"), "").body, want)
	f.waitTasks(c, 2) // the new tasks.max reaches the connector
	f.waitRunning(c, 2)

	tests := []struct {
		name, path, body string
		status           int
		message          string
	}{
		{"unknown connector", "/connectors/{{x}}/config", `{"tasks.max":"1"}`, 404, "Connector {{x}} not found"},
		{"invalid value", "/connectors/{{c}}/config", `{"tasks.max":"0"}`, 400,
			invalidConfig([]string{"Invalid value 0 for configuration tasks.max: Value must be at least 1"}).Error()},
		{"required key removed", "/connectors/{{c}}/config", `{"connector.class":null}`, 400,
			"Connector config contains no connector type"},
		{"null body", "/connectors/{{c}}/config", `null`, 400, msgConfigMissing},
		{"array body", "/connectors/{{c}}/config", `[]`, 400, "Connector config must be a JSON object of string values, not an array"},
		{"object value", "/connectors/{{c}}/config", `{"a":{}}`, 400, `Connector config value of "a" must be a string, number or boolean, not an object`},
		{"empty body", "/connectors/{{c}}/config", ``, 400, msgBodyEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertError(t, call(t, srv, "PATCH", f.fill(tt.path), f.fill(tt.body)), tt.status, f.fill(tt.message))
		})
	}
	// A rejected patch changes nothing.
	assertJSON(t, call(t, srv, "GET", path(c, "/config"), "").body, want)

	t.Run("empty patch", func(t *testing.T) {
		r := call(t, srv, "PATCH", path(c, "/config"), `{}`)
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		assertJSON(t, call(t, srv, "GET", path(c, "/config"), "").body, want)
	})
}

// TestPatchConcurrent fires PATCHes of different keys of one connector at once: every one
// answers 200 and every key is in the stored config, since the connector grain reads, merges
// and writes each patch in one step (spec §3.8).
func TestPatchConcurrent(t *testing.T) {
	srv, f := newTestServer(t)
	c := f.name("c")
	mustCreate(t, srv, c, f.sourceConfig(1))
	const patches = 12
	var wg sync.WaitGroup
	statuses := make([]response, patches)
	for i := range patches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest("PATCH", srv.URL+path(c, "/config"), strings.NewReader(fmt.Sprintf(`{"k%d":"v%d"}`, i, i)))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Errorf("PATCH k%d: %v", i, err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			statuses[i] = response{status: resp.StatusCode, body: string(body)}
		}()
	}
	wg.Wait()
	for i, r := range statuses {
		if r.status != http.StatusOK {
			t.Errorf("PATCH k%d: %d %s", i, r.status, r.body)
		}
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(call(t, srv, "GET", path(c, "/config"), "").body), &got); err != nil {
		t.Fatal(err)
	}
	for i := range patches {
		if k := fmt.Sprintf("k%d", i); got[k] != fmt.Sprintf("v%d", i) {
			t.Errorf("%s = %q after the concurrent PATCHes; config %v", k, got[k], got)
		}
	}
}

// TestStopResume covers PUT /connectors/{c}/stop (spec §3.16, §6.2, §13.2's pause/stop/resume
// matrix): 204 and idempotent; STOPPED with no tasks in status, info and /tasks; pause after stop keeps 0 tasks; resume regenerates the tasks.
func TestStopResume(t *testing.T) {
	srv, f := newTestServer(t)
	c := f.name("c")
	mustCreate(t, srv, c, f.sourceConfig(2))
	f.waitRunning(c, 1) // FileStreamSource makes one task whatever tasks.max says

	for i := range 2 {
		if r := call(t, srv, "PUT", path(c, "/stop"), ""); r.status != http.StatusNoContent || r.body != "" {
			t.Fatalf("stop %d: %d %q", i, r.status, r.body)
		}
	}
	stopped := f.fill(`{"name":"{{c}}","connector":` + instance(-1, "STOPPED", "") + `,"tasks":[],"type":"source"}`)
	assertJSON(t, f.waitJSON(path(c, "/status"), stopped).body, stopped)
	info := call(t, srv, "GET", path(c, ""), "")
	assertJSON(t, info.body, `{"name":"`+c+`","config":`+configJSON(c, f.sourceConfig(2))+`,"tasks":[],"type":"source"}`)
	assertJSON(t, call(t, srv, "GET", path(c, "/tasks"), "").body, `[]`)

	if r := call(t, srv, "PUT", path(c, "/pause"), ""); r.status != http.StatusAccepted {
		t.Fatalf("pause: %d %s", r.status, r.body)
	}
	paused := f.fill(`{"name":"{{c}}","connector":` + instance(-1, "PAUSED", "") + `,"tasks":[],"type":"source"}`)
	assertJSON(t, f.waitJSON(path(c, "/status"), paused).body, paused)

	if r := call(t, srv, "PUT", path(c, "/resume"), ""); r.status != http.StatusAccepted {
		t.Fatalf("resume: %d %s", r.status, r.body)
	}
	f.waitRunning(c, 1)
	f.waitTasks(c, 1)

	t.Run("unknown connector", func(t *testing.T) {
		assertError(t, call(t, srv, "PUT", path(f.name("x"), "/stop"), ""), 404, "Unknown connector "+f.name("x"))
	})
	t.Run("failed connector", func(t *testing.T) {
		// Stopping a FAILED connector moves it to STOPPED (spec §6.2).
		s := f.name("s")
		config, _ := f.createFailedSink(s, 1)
		// failConnector makes the broker reject this connector's task configs until its test
		// ends, and stop writes them: fail it in a subtest of its own.
		t.Run("fail", func(t *testing.T) {
			sub := *f
			sub.tb = t
			sub.failConnector(s, config)
		})
		if r := call(t, srv, "PUT", path(s, "/stop"), ""); r.status != http.StatusNoContent {
			t.Fatalf("stop: %d %s", r.status, r.body)
		}
		want := f.fill(`{"name":"{{s}}","connector":` + instance(-1, "STOPPED", "") + `,"tasks":[],"type":"sink"}`)
		assertJSON(t, f.waitJSON(path(s, "/status"), want).body, want)
	})
}

// TestInitialStateResume: a connector created PAUSED or STOPPED has no tasks and runs them
// once resumed (spec §3.4, §13.2).
func TestInitialStateResume(t *testing.T) {
	for _, initial := range []string{"PAUSED", "STOPPED"} {
		t.Run(initial, func(t *testing.T) {
			srv, f := newTestServer(t)
			c := f.name("c")
			r := call(t, srv, "POST", "/connectors", f.fill(`{"name":"{{c}}","config":{`+validSource+`},"initial_state":"`+initial+`"}`))
			if r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			want := f.fill(`{"name":"{{c}}","connector":` + instance(-1, initial, "") + `,"tasks":[],"type":"source"}`)
			f.waitJSON(path(c, "/status"), want)
			assertJSON(t, call(t, srv, "GET", path(c, "/tasks"), "").body, `[]`)
			if r := call(t, srv, "PUT", path(c, "/resume"), ""); r.status != http.StatusAccepted {
				t.Fatalf("resume: %d %s", r.status, r.body)
			}
			f.waitRunning(c, 1)
		})
	}
}
