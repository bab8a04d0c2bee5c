package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connectd/connectd/messages"
)

// TestPluginInfoVersion: version is left out only when it is "undefined" (spec §2.2).
func TestPluginInfoVersion(t *testing.T) {
	tests := []struct{ version, want string }{
		{"3.9.0", `{"class":"c","type":"sink","version":"3.9.0"}`},
		{"undefined", `{"class":"c","type":"sink"}`},
		{"null", `{"class":"c","type":"sink","version":"null"}`},
		{"", `{"class":"c","type":"sink","version":""}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(PluginInfo{Class: "c", Type: "sink", Version: tt.version})
		if err != nil || string(b) != tt.want {
			t.Errorf("version %q: %s (%v), want %s", tt.version, b, err, tt.want)
		}
	}
}

// decodeOnlyBackend accepts every create and config write, echoing the config: the one
// Backend that is not the real worker, because FuzzDecodeBody exercises the body decoder
// only, and the fuzzer must not start a connector per input. Its other methods are not called.
type decodeOnlyBackend struct{ Backend }

func (decodeOnlyBackend) CreateConnector(_ context.Context, name string, config map[string]string, _ messages.TargetState) (*messages.ConnectorInfo, error) {
	return &messages.ConnectorInfo{Name: name, Config: config, Type: "source"}, nil
}

func (decodeOnlyBackend) PutConnectorConfig(_ context.Context, name string, config map[string]string) (*messages.ConnectorInfo, bool, error) {
	return &messages.ConnectorInfo{Name: name, Config: config, Type: "source"}, true, nil
}

// FuzzDecodeBody sends arbitrary bodies to POST /connectors and PUT /connectors/{c}/config:
// the decoder never panics, and every rejection is a 4xx in Kafka Connect's error shape, never a
// 500 (DESIGN.md "Compatibility rules").
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `1`, `{"name":`, `{"name":"c","config":{}}`,
		`{"name":"c","config":{"connector.class":"FileStreamSource","tasks.max":1,"b":true,"n":null}}`,
		`{"name":" c ","config":{"name":"c"},"initial_state":"paused"}`,
		`{"name":"c","config":{"a":{"b":[1]}}}`, `{"name":"c","config":[]}`, `{"x":1}`,
		`{"connector.class":"FileStreamSource","topic":"t","file":"f"}`, `{"a":1e400}`, `{"a":"\ud800"}`,
		`{"name":"c","config":{}} {}`, `{"name":"c","name":"d","config":{"name":"c"}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s, err := New(decodeOnlyBackend{})
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range []struct{ method, path string }{{"POST", "/connectors"}, {"PUT", "/connectors/c/config"}} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(target.method, target.path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			s.Handler().ServeHTTP(rec, req)
			switch rec.Code {
			case http.StatusOK, http.StatusCreated:
				var info ConnectorInfo
				if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil {
					t.Fatalf("%s %q: %d with body %s", target.method, body, rec.Code, rec.Body)
				}
			case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge:
				var e ErrorMessage
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.ErrorCode != rec.Code || e.Message == "" {
					t.Fatalf("%s %q: %d with body %s", target.method, body, rec.Code, rec.Body)
				}
			default:
				// 500 is allowed only for an unknown connector class, a Backend answer.
				if !strings.Contains(rec.Body.String(), "Failed to find any class") {
					t.Fatalf("%s %q: %d %s", target.method, body, rec.Code, rec.Body)
				}
			}
		}
	})
}
