package basicauth_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connectd/connectd/http/basicauth"
)

func TestUsersFileFromJAAS(t *testing.T) {
	cases := []struct {
		name string
		jaas string
		file string // "" when an error is expected
		want string // substring of the error
	}{
		{"Kafka's documented file", `KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="/etc/kafka/connect.password";
};`, "/etc/kafka/connect.password", ""},
		{"comments, other entries, single quotes", `// the broker's
KafkaServer { org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="x"; };
/* REST */ KafkaConnect {
	org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule sufficient debug=true file='/a b/users';
};`, "/a b/users", ""},
		{"no KafkaConnect entry", `KafkaServer { a.B required; };`, "", "no KafkaConnect entry"},
		{"other module", `KafkaConnect { com.example.LdapLoginModule required url="ldap://x"; };`, "", "com.example.LdapLoginModule is not supported"},
		{"two modules", `KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="a"; org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="b"; };`, "", "2 login modules"},
		{"no file option", `KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required; };`, "", "file="},
		{"bad flag", `KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule mandatory file="a"; };`, "", "control flag"},
		{"missing semicolon", `KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="a" }`, "", "expected"},
		{"unterminated string", `KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="a; };`, "", "unterminated"},
		{"empty", ``, "", "no KafkaConnect entry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file, err := basicauth.UsersFile(c.jaas)
			if c.file != "" {
				if err != nil || file != c.file {
					t.Fatalf("UsersFile = %q, %v; want %q", file, err, c.file)
				}
				return
			}
			if err == nil || !errors.Is(err, basicauth.ErrJAAS) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("UsersFile error %v; want one mentioning %q", err, c.want)
			}
		})
	}
}

func basic(userpass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userpass))
}

func TestAuthenticate(t *testing.T) {
	a, err := basicauth.New(map[string]string{"alice": "s3cret:with:colons", "bob": ""})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	cases := []struct {
		name, method, path, header string
		want                       int
	}{
		{"right", "GET", "/connectors", basic("alice:s3cret:with:colons"), http.StatusTeapot},
		{"scheme is case-insensitive", "GET", "/connectors", "bAsIc " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret:with:colons")), http.StatusTeapot},
		{"empty password in the file", "GET", "/", basic("bob:"), http.StatusTeapot},
		{"wrong password", "GET", "/connectors", basic("alice:s3cret"), http.StatusUnauthorized},
		{"unknown user", "GET", "/connectors", basic("mallory:s3cret:with:colons"), http.StatusUnauthorized},
		{"missing", "GET", "/connectors", "", http.StatusUnauthorized},
		{"health needs credentials too", "GET", "/health", "", http.StatusUnauthorized},
		{"other scheme", "GET", "/connectors", "Bearer abc", http.StatusUnauthorized},
		{"no space", "GET", "/connectors", "Basic", http.StatusUnauthorized},
		{"not base64", "GET", "/connectors", "Basic %%%notbase64", http.StatusUnauthorized},
		{"no colon", "GET", "/connectors", basic("alice"), http.StatusUnauthorized},
		{"empty user", "GET", "/connectors", basic(":s3cret:with:colons"), http.StatusUnauthorized},
		{"invalid UTF-8", "GET", "/connectors", "Basic " + base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, ':', 0xff}), http.StatusUnauthorized},
		{"internal task configs pass (signature-checked)", "POST", "/connectors/c/tasks", "", http.StatusTeapot},
		{"internal fence passes", "PUT", "/connectors/c%2Fd/fence", "", http.StatusTeapot},
		{"GET tasks is not internal", "GET", "/connectors/c/tasks", "", http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.path, nil)
			if c.header != "" {
				r.Header.Set("Authorization", c.header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.want {
				t.Fatalf("status %d, want %d", w.Code, c.want)
			}
			if c.want != http.StatusUnauthorized {
				return
			}
			if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic realm=") {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if body := w.Body.String(); body != `{"error_code":401,"message":"User cannot access the resource."}` {
				t.Errorf("body %s", body)
			}
		})
	}
}

func TestEmptyUsersRefused(t *testing.T) {
	if _, err := basicauth.New(map[string]string{}); !errors.Is(err, basicauth.ErrNoUsers) {
		t.Fatalf("New(empty) = %v", err)
	}
}

func FuzzParseJAAS(f *testing.F) {
	f.Add(`KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="/x"; };`)
	f.Add(`/* c */ A { b c d='e\'f'; }; // x`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = basicauth.ParseJAAS(s)
		_, _ = basicauth.UsersFile(s)
	})
}
