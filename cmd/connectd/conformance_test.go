package main

import (
	"encoding/json"
	"io"
	"net/http"
	neturl "net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/wait"
)

// TestConformance walks the conformance checklist of spec §14 over HTTP against a real
// worker process: each numbered subtest is the checklist item of that number. Where connectd
// differs from Apache Kafka Connect on purpose (DESIGN.md: type errors are 400, not 500) the
// subtest says so. The cluster items (§14.11: 409s while ownership moves) are TestCluster's.
func TestConformance(t *testing.T) {
	w := startWorker(t, nil)
	dir := t.TempDir()
	source := func(name string) map[string]any {
		file := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(name)+".txt")
		appendLines(t, file, "line", 0, 3)
		return map[string]any{"connector.class": "FileStreamSource", "tasks.max": "1", "file": file, "topic": w.topic("conf")}
	}
	sink := map[string]any{"connector.class": "FileStreamSink", "tasks.max": "1", "file": filepath.Join(dir, "sink.txt"), "topics": w.topic("conf")}

	// Each subtest talks through a copy of the worker bound to its own t, so a failed request
	// stops that item, not the walk.
	parent := w
	t.Run("01 error bodies", func(t *testing.T) {
		w := parent.on(t)
		for _, c := range []struct {
			method, path, contentType, body string
			code                            int
			message                         string
		}{
			{"GET", "/connectors/nope", "", "", 404, "Connector nope not found"},
			{"GET", "/no/such/route", "", "", 404, ""},
			{"DELETE", "/connectors", "", "", 405, ""},
			{"POST", "/connectors", "text/plain", `{"name":"x","config":{}}`, 415, "HTTP 415 Unsupported Media Type"},
			// spec §0.1: no Content-Type is a 415 too (a cross-site no-cors post sends none).
			{"POST", "/connectors", "", `{"name":"x","config":{}}`, 415, "HTTP 415 Unsupported Media Type"},
			{"PUT", "/connectors/x/config", "", `{}`, 415, "HTTP 415 Unsupported Media Type"},
			// spec §0.1: removed in Kafka Connect 4.0 (KAFKA-15387).
			{"GET", "/connectors/nope/tasks-config", "", "", 404, "HTTP 404 Not Found"},
		} {
			code, b := rawRequest(t, w, c.method, c.path, c.contentType, c.body)
			e := errorBody(t, b)
			if code != c.code || e.ErrorCode != c.code || (c.message != "" && e.Message != c.message) {
				t.Errorf("%s %s: %d %s; want %d with error_code %d and message %q", c.method, c.path, code, b, c.code, c.code, c.message)
			}
		}
	})

	t.Run("02 create", func(t *testing.T) {
		w := parent.on(t)
		name := "conf create/ü 1"
		status, hdr, b := w.do("POST", "/connectors", map[string]any{"name": name, "config": source(name)})
		if status != 201 {
			t.Fatalf("create: %d %s", status, b)
		}
		loc, err := neturl.Parse(hdr.Get("Location"))
		if err != nil || loc.Path != "/connectors/"+name || !loc.IsAbs() {
			t.Errorf("Location %q: want an absolute URL whose decoded path is /connectors/%s", hdr.Get("Location"), name)
		}
		expectError(t, w, "POST", "/connectors", map[string]any{"name": name, "config": source(name)}, 409, "Connector "+name+" already exists")
		expectError(t, w, "POST", "/connectors", map[string]any{"name": "a", "config": map[string]any{"name": "b", "connector.class": "FileStreamSource"}},
			400, "Connector name configuration (b) doesn't match connector name in the URL (a)")
		// spec §0.1: Kafka Connect 4.4's text, and a 400 for an unknown class.
		expectError(t, w, "POST", "/connectors", map[string]any{"name": "noclass", "config": map[string]any{"tasks.max": "1"}}, 400,
			"Connector config contains no connector type")
		code, _, b := w.do("POST", "/connectors", map[string]any{"name": "badclass", "config": map[string]any{"connector.class": "Nope"}})
		if e := errorBody(t, b); code != 400 || !strings.HasPrefix(e.Message, "Failed to find any class that implements Connector and which name matches Nope, available connectors are: ") {
			t.Errorf("unknown class: %d %s", code, b)
		}
		bad := source("bad")
		bad["tasks.max"] = "0"
		expectError(t, w, "POST", "/connectors", map[string]any{"name": "bad", "config": bad}, 400,
			"Connector configuration is invalid and contains the following 1 error(s):\nInvalid value 0 for configuration tasks.max: Value must be at least 1\n"+
				"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")
	})

	t.Run("03 PUT and PATCH config", func(t *testing.T) {
		w := parent.on(t)
		name := "conf-config"
		w.mustDo("PUT", "/connectors/"+name+"/config", source(name), 201, nil)
		w.mustDo("PUT", "/connectors/"+name+"/config", source(name), 200, nil)
		patched := map[string]any{}
		w.mustDo("PATCH", "/connectors/"+name+"/config", map[string]any{"batch.size": "7", "tasks.max": nil}, 200, &patched)
		var config map[string]string
		w.mustDo("GET", "/connectors/"+name+"/config", nil, 200, &config)
		if _, ok := config["tasks.max"]; ok || config["batch.size"] != "7" || config["name"] != name {
			t.Errorf("config after PATCH {batch.size: 7, tasks.max: null} = %v; want batch.size 7, no tasks.max, the name", config)
		}
		expectError(t, w, "PATCH", "/connectors/nope/config", map[string]any{"a": "b"}, 404, "Connector nope not found")
	})

	t.Run("04 status", func(t *testing.T) {
		w := parent.on(t)
		expectError(t, w, "GET", "/connectors/nope/status", nil, 404, "No status found for connector nope")
		name := "conf-status"
		w.mustDo("POST", "/connectors", map[string]any{"name": name, "config": source(name)}, 201, nil)
		w.waitState(name, "RUNNING", 1)
		_, _, b := w.do("GET", "/connectors/"+name+"/status", nil)
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"trace"`) {
			t.Errorf("a RUNNING connector's status has a trace field: %s", b)
		}
		for _, key := range []string{"name", "connector", "tasks", "type"} {
			if _, ok := raw[key]; !ok {
				t.Errorf("status has no %q: %s", key, b)
			}
		}
		// spec §0.1: the plugin's version in the connector's and each task's status (4.1+),
		// task.class in each task config.
		var versions struct {
			Connector struct {
				Version string `json:"version"`
			} `json:"connector"`
			Tasks []struct {
				Version string `json:"version"`
			} `json:"tasks"`
		}
		if err := json.Unmarshal(b, &versions); err != nil || versions.Connector.Version == "" || len(versions.Tasks) != 1 || versions.Tasks[0].Version == "" {
			t.Errorf("status without the plugin's version: %s", b)
		}
		var tasks []struct {
			Config map[string]string `json:"config"`
		}
		w.mustDo("GET", "/connectors/"+name+"/tasks", nil, 200, &tasks)
		if len(tasks) != 1 || tasks[0].Config["task.class"] != "org.apache.kafka.connect.file.FileStreamSourceTask" {
			t.Errorf("task configs %v: want task.class org.apache.kafka.connect.file.FileStreamSourceTask", tasks)
		}
	})

	t.Run("05 pause resume stop", func(t *testing.T) {
		w := parent.on(t)
		name := "conf-lifecycle"
		w.mustDo("POST", "/connectors", map[string]any{"name": name, "config": source(name)}, 201, nil)
		w.waitState(name, "RUNNING", 1)
		for range 2 {
			w.mustDo("PUT", "/connectors/"+name+"/pause", nil, 202, nil)
		}
		w.waitState(name, "PAUSED", 1)
		for range 2 {
			w.mustDo("PUT", "/connectors/"+name+"/resume", nil, 202, nil)
		}
		w.waitState(name, "RUNNING", 1)
		w.mustDo("PUT", "/connectors/"+name+"/stop", nil, 204, nil)
		w.mustDo("PUT", "/connectors/"+name+"/stop", nil, 204, nil)
		st := w.waitState(name, "STOPPED", 0)
		var info struct {
			Tasks []any `json:"tasks"`
		}
		w.mustDo("GET", "/connectors/"+name, nil, 200, &info)
		if len(st.Tasks) != 0 || info.Tasks == nil || len(info.Tasks) != 0 {
			t.Errorf("stopped: status tasks %v, info tasks %v; want both []", st.Tasks, info.Tasks)
		}
		w.mustDo("PUT", "/connectors/"+name+"/resume", nil, 202, nil)
		w.waitState(name, "RUNNING", 1)
	})

	t.Run("06 restart", func(t *testing.T) {
		w := parent.on(t)
		name := "conf-restart"
		w.mustDo("POST", "/connectors", map[string]any{"name": name, "config": source(name)}, 201, nil)
		w.waitState(name, "RUNNING", 1)
		w.mustDo("POST", "/connectors/"+name+"/restart", nil, 204, nil)
		var plan connectorStatus
		w.mustDo("POST", "/connectors/"+name+"/restart?includeTasks=true", nil, 202, &plan)
		if plan.Connector.State != "RESTARTING" || len(plan.Tasks) != 1 || plan.Tasks[0].State != "RESTARTING" {
			t.Errorf("restart plan %+v: want the connector and its task RESTARTING", plan)
		}
		w.waitState(name, "RUNNING", 1)
		w.mustDo("POST", "/connectors/"+name+"/restart?includeTasks=true&onlyFailed=true", nil, 202, &plan)
		if plan.Connector.State == "RESTARTING" || len(plan.Tasks) != 1 || plan.Tasks[0].State == "RESTARTING" {
			t.Errorf("no-op restart plan %+v: want the current states, nothing RESTARTING", plan)
		}
		expectError(t, w, "POST", "/connectors/nope/restart", nil, 404, "Unknown connector: nope")
		// As Kafka Connect, a restart writes UNASSIGNED when it stops the connector and RUNNING
		// once it runs again; the status stays readable in between (a restart plan needs one).
		var states []string
		wait.For(t, 30*time.Second, "RUNNING, UNASSIGNED, RUNNING in the status topic", func() bool {
			states = states[:0]
			for _, r := range readTopicToEnd(t, w.broker, w.props["status.storage.topic"]) {
				var st struct {
					State string `json:"state"`
				}
				if string(r.Key) == "status-connector-"+name && json.Unmarshal(r.Value, &st) == nil {
					states = append(states, st.State)
				}
			}
			i := slices.Index(states, "UNASSIGNED")
			return i > 0 && states[0] == "RUNNING" && slices.Contains(states[i:], "RUNNING")
		})
	})

	t.Run("07 offsets", func(t *testing.T) {
		w := parent.on(t)
		name := "conf-offsets"
		config := source(name)
		w.mustDo("POST", "/connectors", map[string]any{"name": name, "config": config}, 201, nil)
		w.waitState(name, "RUNNING", 1)
		partition := map[string]any{"filename": config["file"]}
		alter := map[string]any{"offsets": []any{map[string]any{"partition": partition, "offset": map[string]any{"position": 1}}}}
		expectError(t, w, "PATCH", "/connectors/"+name+"/offsets", alter, 400,
			"Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/"+name+"/stop' endpoint")
		w.mustDo("PUT", "/connectors/"+name+"/stop", nil, 204, nil)
		w.waitState(name, "STOPPED", 0)
		expectError(t, w, "PATCH", "/connectors/"+name+"/offsets", map[string]any{"offsets": []any{}}, 400,
			"Partitions / offsets need to be provided for an alter offsets request")
		// DESIGN.md: a body of the wrong JSON shape is 400 here (Kafka Connect: a Jackson 500).
		if code, _, b := w.do("PATCH", "/connectors/"+name+"/offsets", map[string]any{"offsets": 123}); code != 400 || errorBody(t, b).ErrorCode != 400 {
			t.Errorf("offsets of the wrong type: %d %s; want 400", code, b)
		}
		var msg struct {
			Message string `json:"message"`
		}
		w.mustDo("PATCH", "/connectors/"+name+"/offsets", alter, 200, &msg)
		if msg.Message != "The offsets for this connector have been altered successfully" {
			t.Errorf("alter: %q", msg.Message)
		}
		w.mustDo("DELETE", "/connectors/"+name+"/offsets", nil, 200, &msg)
		if msg.Message != "The offsets for this connector have been reset successfully" {
			t.Errorf("reset: %q", msg.Message)
		}

		sinkName := "conf-offsets-sink"
		w.mustDo("POST", "/connectors", map[string]any{"name": sinkName, "config": sink, "initial_state": "STOPPED"}, 201, nil)
		for _, c := range []struct {
			offset map[string]any
			want   string
		}{
			{map[string]any{"offset": map[string]any{"kafka_offset": 1}}, "The partition for a sink connector offset cannot be null or missing"},
			{map[string]any{"partition": map[string]any{"kafka_topic": "t"}, "offset": map[string]any{"kafka_offset": 1}},
				"The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'"},
			{map[string]any{"partition": map[string]any{"kafka_topic": "t", "kafka_partition": "x"}, "offset": map[string]any{"kafka_offset": 1}},
				"Failed to parse the following Kafka partition value in the provided offsets: 'x'. Partition values for sink connectors need to be integers."},
			{map[string]any{"partition": map[string]any{"kafka_topic": "t", "kafka_partition": 0}, "offset": map[string]any{"other": 1}},
				"The offset for a sink connector should either be null or contain the key 'kafka_offset'"},
		} {
			expectError(t, w, "PATCH", "/connectors/"+sinkName+"/offsets", map[string]any{"offsets": []any{c.offset}}, 400, c.want)
		}
	})

	t.Run("08 plugins", func(t *testing.T) {
		w := parent.on(t)
		var plugins []struct {
			Class string `json:"class"`
			Type  string `json:"type"`
		}
		types := func(query string) []string {
			w.mustDo("GET", "/connector-plugins"+query, nil, 200, &plugins)
			var ts []string
			for _, p := range plugins {
				if !slices.Contains(ts, p.Type) {
					ts = append(ts, p.Type)
				}
			}
			return ts
		}
		if got := types(""); !slices.Equal(got, []string{"sink", "source"}) {
			t.Errorf("default listing has types %v, want [sink source]", got)
		}
		if got := types("?connectorsOnly=false"); !slices.Equal(got, []string{"sink", "source", "transformation", "predicate", "converter", "header_converter"}) {
			t.Errorf("connectorsOnly=false has types %v", got)
		}
		expectError(t, w, "GET", "/connector-plugins/Nope/config", nil, 404, "Unknown plugin Nope.")
		for _, c := range []struct {
			what   string
			config map[string]any
			errors int
		}{
			{"a sink with neither topics nor topics.regex", map[string]any{"connector.class": "FileStreamSink", "name": "v"}, 2},
			{"a sink with both topics and topics.regex", map[string]any{"connector.class": "FileStreamSink", "name": "v", "topics": "a", "topics.regex": "a.*"}, 2},
			{"a DLQ topic among the topics", map[string]any{"connector.class": "FileStreamSink", "name": "v", "topics": "a,dlq", "errors.deadletterqueue.topic.name": "dlq"}, 1},
			{"a transform of an unknown class", map[string]any{"connector.class": "FileStreamSink", "name": "v", "topics": "a", "transforms": "x", "transforms.x.type": "Nope"}, 1},
			{"a valid sink", map[string]any{"connector.class": "FileStreamSink", "name": "v", "topics": "a"}, 0},
		} {
			var infos struct {
				ErrorCount int `json:"error_count"`
			}
			w.mustDo("PUT", "/connector-plugins/FileStreamSink/config/validate", c.config, 200, &infos)
			if infos.ErrorCount != c.errors {
				t.Errorf("validate %s: error_count %d, want %d", c.what, infos.ErrorCount, c.errors)
			}
		}
		// spec §0.1: Kafka Connect 4.4's ConfigKeyInfo shape, plugin version keys and order numbers.
		var infos struct {
			Configs []struct {
				Definition map[string]any `json:"definition"`
				Value      struct {
					RecommendedValues []string `json:"recommended_values"`
				} `json:"value"`
			} `json:"configs"`
		}
		w.mustDo("PUT", "/connector-plugins/FileStreamSource/config/validate", map[string]any{"connector.class": "FileStreamSource", "name": "v", "topic": "t", "file": "f"}, 200, &infos)
		orders := map[string]any{}
		for _, c := range infos.Configs {
			if _, old := c.Definition["order"]; old {
				t.Errorf("%v has the pre-4.2 order field", c.Definition["name"])
			}
			orders[c.Definition["name"].(string)] = c.Definition["order_in_group"]
			if c.Definition["name"] == "value.converter" && (c.Definition["default_value"] == nil || len(c.Value.RecommendedValues) < 9) {
				t.Errorf("value.converter: default %v, recommended %v; want the worker's and every converter", c.Definition["default_value"], c.Value.RecommendedValues)
			}
		}
		for key, want := range map[string]float64{"connector.plugin.version": 3, "key.converter.plugin.version": 7, "value.converter.plugin.version": 9,
			"header.converter.plugin.version": 11, "transforms": 12, "predicates": 13, "config.action.reload": 14,
			"exactly.once.support": 2, "transaction.boundary": 3, "transaction.boundary.interval.ms": 4} {
			if orders[key] != want {
				t.Errorf("validate: %s order_in_group %v, want %v", key, orders[key], want)
			}
		}
		if code, _, b := w.do("PUT", "/connector-plugins/FileStreamSink/config/validate", map[string]any{"name": "v"}); code != 500 {
			t.Errorf("validate without connector.class: %d %s; want 500", code, b)
		}
	})

	t.Run("09 loggers", func(t *testing.T) {
		w := parent.on(t)
		expectError(t, w, "GET", "/admin/loggers/no.such.logger", nil, 404, "Logger no.such.logger not found.")
		expectError(t, w, "PUT", "/admin/loggers/root", map[string]any{}, 400, "Desired 'level' parameter was not specified in request.")
		expectError(t, w, "PUT", "/admin/loggers/root", map[string]any{"level": "bogus"}, 404, "invalid log level 'bogus'.")
		logger := "github.com/connectd/connectd/actors"
		var changed []string
		w.mustDo("PUT", "/admin/loggers/"+neturl.PathEscape(logger), map[string]any{"level": "WARN"}, 200, &changed)
		if !slices.Contains(changed, logger) {
			t.Errorf("worker scope PUT answered %v, want a list naming %s", changed, logger)
		}
		var level struct {
			Level        string `json:"level"`
			LastModified *int64 `json:"last_modified"`
		}
		w.mustDo("GET", "/admin/loggers/"+neturl.PathEscape(logger), nil, 200, &level)
		if level.Level != "WARN" || level.LastModified == nil || *level.LastModified < time.Now().Add(-time.Minute).UnixMilli() {
			t.Errorf("logger after PUT: %+v; want WARN with a recent last_modified", level)
		}
		w.mustDo("PUT", "/admin/loggers/"+neturl.PathEscape(logger)+"?scope=cluster", map[string]any{"level": "ERROR"}, 204, nil)
		wait.For(t, 10*time.Second, "the cluster-scope level to apply", func() bool {
			w.mustDo("GET", "/admin/loggers/"+neturl.PathEscape(logger), nil, 200, &level)
			return level.Level == "ERROR"
		})
	})

	t.Run("10 health", func(t *testing.T) {
		w := parent.on(t)
		var health struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		}
		w.mustDo("GET", "/health", nil, 200, &health)
		if health.Status != "healthy" || health.Message != "Worker has completed startup and is ready to handle requests." {
			t.Errorf("health %+v", health)
		}
	})

	t.Run("11 forward parameter", func(t *testing.T) {
		w := parent.on(t)
		// Inter-worker forwarding does not exist in connectd (any worker reaches any grain),
		// but clients and proxies may pass forward=; it changes nothing.
		name := "conf-forward"
		w.mustDo("POST", "/connectors?forward=true", map[string]any{"name": name, "config": source(name)}, 201, nil)
		// A pause that lands before the connector has started leaves it without task configs,
		// as in Kafka Connect (task configs are generated only by a started connector); this step
		// is about forward=, so it pauses a connector whose task exists.
		w.waitState(name, "RUNNING", 1)
		w.mustDo("PUT", "/connectors/"+name+"/pause?forward=false", nil, 202, nil)
		w.waitState(name, "PAUSED", 1)
	})
}

// on is the worker as seen from test t: its helpers fail t.
func (w *worker) on(t testing.TB) *worker {
	c := *w
	c.t = t
	return &c
}

// rawRequest sends body with contentType (none if empty) and returns the status and body.
func rawRequest(t *testing.T, w *worker, method, path, contentType, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, w.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// errorBody decodes Kafka Connect's error entity; a body that is not one fails the test.
func errorBody(t *testing.T, b []byte) (e struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 2 || raw["error_code"] == nil || raw["message"] == nil {
		t.Errorf("error body %s: want exactly {error_code, message}", b)
		return e
	}
	_ = json.Unmarshal(b, &e)
	return e
}
