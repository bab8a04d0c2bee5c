package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/connectd/connectd/actors/tlsconfig"
	"github.com/connectd/connectd/internal/wait"
)

// rawClientOpts are the options of an independent (franz-go) client of broker: the seed,
// plus the external broker's TLS and SASL settings when broker is the external one.
func rawClientOpts(t testing.TB, broker string) []kgo.Opt {
	t.Helper()
	opts := []kgo.Opt{kgo.SeedBrokers(broker)}
	if props := externalKafkaProps(t); props != nil && broker == externalBootstrap() {
		opts = append(opts, securityOpts(t, props)...)
	}
	return opts
}

// securityOpts maps the Java client properties the tests use onto franz-go: TLS from ssl.*
// (read by tlsconfig, like the worker's) and SASL PLAIN or SCRAM from sasl.jaas.config.
func securityOpts(t testing.TB, props map[string]string) []kgo.Opt {
	t.Helper()
	var opts []kgo.Opt
	proto := strings.ToUpper(props["security.protocol"])
	if strings.HasSuffix(proto, "SSL") {
		src, err := tlsconfig.Load(props, "")
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, kgo.Dialer(func(ctx context.Context, network, host string) (net.Conn, error) {
			h, _, _ := net.SplitHostPort(host)
			cfg := src.ClientConfig().Clone()
			cfg.ServerName = h
			d := &tls.Dialer{Config: cfg}
			return d.DialContext(ctx, network, host)
		}))
	}
	if strings.HasPrefix(proto, "SASL") {
		user, pass := jaasOption(props["sasl.jaas.config"], "username"), jaasOption(props["sasl.jaas.config"], "password")
		switch props["sasl.mechanism"] {
		case "PLAIN":
			opts = append(opts, kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
		case "SCRAM-SHA-256":
			opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()))
		case "SCRAM-SHA-512":
			opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()))
		default:
			t.Fatalf("the tests' raw client has no SASL mechanism %q", props["sasl.mechanism"])
		}
	}
	return opts
}

// jaasOption reads one quoted option of a sasl.jaas.config value (test data only).
func jaasOption(jaas, name string) string {
	m := regexp.MustCompile(name + `="([^"]*)"`).FindStringSubmatch(jaas)
	if m == nil {
		return ""
	}
	return m[1]
}

// secureKafka is the secured Apache Kafka of .ci/run's Apache pass (scripts/apache-kafka.sh
// start-secure): its client files' directory and secure.env. Tests of secured listeners
// skip without it; CI runs them.
func secureKafka(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := os.Getenv("CONNECTD_TEST_SECURE_KAFKA")
	if dir == "" {
		t.Skip("CONNECTD_TEST_SECURE_KAFKA is not set: the secured Apache Kafka runs in .ci/run's Apache pass")
	}
	env := map[string]string{}
	f, err := os.Open(filepath.Join(dir, "secure.env"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	return dir, env
}

// clientFile reads one of the secured broker's ready-made client properties files.
func clientFile(t *testing.T, dir, name string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props, err := parseProperties(f)
	if err != nil {
		t.Fatal(err)
	}
	return props
}

// workerProps are the properties of a worker on the secured broker: the internal topics of
// this test and the client settings given.
func securedWorkerProps(client map[string]string) map[string]string {
	p := map[string]string{
		"config.storage.replication.factor": "1",
		"offset.storage.replication.factor": "1",
		"status.storage.replication.factor": "1",
	}
	maps.Copy(p, client)
	return p
}

// startFails runs a worker with props that must not start: it waits for the process to
// exit and returns its output.
func startFails(t *testing.T, props map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{
		"data.dir":  dir,
		"listeners": fmt.Sprintf("http://127.0.0.1:%d", freePort(t)),
		"group.id":  "refused-" + fmt.Sprint(time.Now().UnixNano()),
	}
	maps.Copy(all, props)
	var b strings.Builder
	for k, v := range all {
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	path := filepath.Join(dir, "worker.properties")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "distributed", path).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("worker did not exit within 90s; output:\n%s", out)
	}
	if err == nil {
		t.Fatalf("worker exited cleanly, want a start failure; output:\n%s", out)
	}
	return string(out)
}

// TestKafkaSecuritySettingsRefused: settings connectd cannot honour stop the worker at start
// with one line naming the key, before any connection (so no broker is needed), and never a
// plaintext connection instead.
func TestKafkaSecuritySettingsRefused(t *testing.T) {
	unreachable := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	jaas := `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="pw-never-logged";`
	cases := []struct {
		name  string
		props map[string]string
		want  string
	}{
		{"unknown protocol", map[string]string{"security.protocol": "TLS"},
			"Invalid value TLS for configuration security.protocol: String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"},
		{"GSSAPI by default", map[string]string{"security.protocol": "SASL_SSL"}, "sasl.mechanism: sasl.mechanism GSSAPI (Kerberos) is not supported"},
		{"GSSAPI named", map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "GSSAPI", "sasl.jaas.config": jaas},
			"sasl.mechanism GSSAPI (Kerberos) is not supported"},
		{"unknown mechanism", map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "AWS_MSK_IAM", "sasl.jaas.config": jaas},
			"Invalid value AWS_MSK_IAM for configuration sasl.mechanism"},
		{"no JAAS", map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN"}, "sasl.jaas.config is required"},
		{"missing truststore", map[string]string{"security.protocol": "SSL", "ssl.truststore.location": "/nonexistent/truststore.jks", "ssl.truststore.password": "pw-never-logged"},
			"ssl.truststore.location"},
		{"missing keystore", map[string]string{"security.protocol": "SSL", "ssl.keystore.location": "/nonexistent/keystore.p12", "ssl.keystore.type": "PKCS12", "ssl.keystore.password": "pw-never-logged"},
			"ssl.keystore.location"},
		{"producer prefix", map[string]string{"producer.security.protocol": "SASL_SSL", "producer.sasl.mechanism": "DIGEST-MD5"},
			"producer.sasl.mechanism: Invalid value DIGEST-MD5"},
		{"client setting connectd cannot honour", map[string]string{"producer.delivery.timeout.ms": "120000"}, "producer.delivery.timeout.ms: delivery.timeout.ms is not supported"},
		{"embedded broker with security", map[string]string{"security.protocol": "SSL", "bootstrap.servers": ""}, "needs bootstrap.servers"},
		{"override policy", map[string]string{"connector.client.config.override.policy": "Some"}, "connector.client.config.override.policy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := map[string]string{"bootstrap.servers": unreachable}
			maps.Copy(props, c.props)
			if props["bootstrap.servers"] == "" {
				delete(props, "bootstrap.servers")
			}
			out := startFails(t, props)
			if !strings.Contains(out, c.want) {
				t.Errorf("output does not say %q:\n%s", c.want, out)
			}
			if strings.Contains(out, "pw-never-logged") {
				t.Errorf("output shows a password:\n%s", out)
			}
		})
	}
}

// TestSecureKafkaListeners connects workers to the secured broker the way managed-Kafka
// users configure them, each moving records file → topic, read back by an independent client
// with the same settings, and topic → file through a sink task.
func TestSecureKafkaListeners(t *testing.T) {
	dir, env := secureKafka(t)
	scram := clientFile(t, dir, "sasl-scram.properties")
	mtls := clientFile(t, dir, "mtls.properties")
	jaasFile := filepath.Join(t.TempDir(), "kafka-credentials.properties")
	if err := os.WriteFile(jaasFile, []byte("jaas="+strings.ReplaceAll(scram["sasl.jaas.config"], `\`, `\\`)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokens := newTokenServer(t, "connectd-client", "token-secret")
	cases := []struct {
		name   string
		props  map[string]string
		client map[string]string // the raw client's settings when they differ from props
	}{
		{"sasl-ssl-scram-sha-512-jks-truststore", scram, nil},
		{"sasl-ssl-plain-pem-truststore", clientFile(t, dir, "sasl-plain.properties"), nil},
		{"mtls-pkcs12-keystore-and-truststore", mtls, nil},
		{"mtls-jks-keystore", merge(mtls, map[string]string{"ssl.keystore.type": "JKS", "ssl.keystore.location": filepath.Join(dir, "client.jks")}), nil},
		{"mtls-pem-keystore-encrypted-key", merge(mtls, map[string]string{
			"ssl.keystore.type": "PEM", "ssl.keystore.location": filepath.Join(dir, "client-keystore.pem"), "ssl.keystore.password": "",
			"ssl.key.password": env["KEY_PASSWORD"], "ssl.truststore.type": "PEM", "ssl.truststore.location": filepath.Join(dir, "ca.pem"), "ssl.truststore.password": ""}), nil},
		{"scram-credentials-from-file-config-provider", merge(scram, map[string]string{
			"config.providers": "file", "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
			"sasl.jaas.config": "${file:" + jaasFile + ":jaas}"}), scram},
		{"sasl-ssl-oauthbearer-client-credentials", merge(scram, map[string]string{
			"sasl.mechanism": "OAUTHBEARER", "sasl.oauthbearer.token.endpoint.url": tokens.URL + "/token",
			"sasl.login.callback.handler.class": "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
			"sasl.jaas.config":                  `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="connectd-client" clientSecret="token-secret" scope="kafka";`,
		}), scram},
	}
	for _, c := range cases { // names become topic names: no spaces or commas
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.props { // an empty value removes the key
				if v == "" {
					delete(c.props, k)
				}
			}
			w := startWorker(t, securedWorkerProps(c.props))
			w.broker = c.props["bootstrap.servers"]
			in := filepath.Join(t.TempDir(), "in.txt")
			appendLines(t, in, "secure", 0, 20)
			cfg := sourceConfig(in, w.topic("secure"))
			cfg["value.converter"] = "org.apache.kafka.connect.storage.StringConverter"
			w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": cfg}, 201, nil)
			client := c.client
			if client == nil {
				client = c.props
			}
			recs := readTopicWith(t, append([]kgo.Opt{kgo.SeedBrokers(w.broker)}, securityOpts(t, client)...), w.topic("secure"), 20)
			if len(recs) != 20 || string(recs[0].Value) != "secure-000000" {
				t.Fatalf("read %d records from the secured topic, first %q", len(recs), firstValue(recs))
			}
			// And back out through a sink task's consumer, over the same listener.
			out := filepath.Join(t.TempDir(), "out.txt")
			sink := sinkConfig(out, w.topic("secure"))
			sink["value.converter"] = cfg["value.converter"]
			w.mustDo("POST", "/connectors", map[string]any{"name": "snk", "config": sink}, 201, nil)
			wait.For(t, 60*time.Second, "the sink to write the secured topic's records", func() bool { return len(lines(t, out)) == 20 })
			if got := lines(t, out); got[0] != "secure-000000" {
				t.Fatalf("the sink wrote %q first, want secure-000000", got[0])
			}
		})
	}
	if tokens.issued() == 0 {
		t.Error("the token endpoint issued no token")
	}
}

// TestSecureKafkaStartFailures: a wrong password, an untrusted certificate, a missing
// keystore and a refused OAuth client each stop the worker at start with their own error.
func TestSecureKafkaStartFailures(t *testing.T) {
	dir, env := secureKafka(t)
	scram := clientFile(t, dir, "sasl-scram.properties")
	mtls := clientFile(t, dir, "mtls.properties")
	tokens := newTokenServer(t, "connectd-client", "token-secret")
	cases := []struct {
		name  string
		props map[string]string
		want  string
	}{
		{"wrong SCRAM password", merge(scram, map[string]string{"sasl.jaas.config": strings.ReplaceAll(scram["sasl.jaas.config"], env["SCRAM_PASSWORD"], "not-the-password")}),
			"SASL Authentication failed"},
		{"untrusted certificate", merge(scram, map[string]string{"ssl.truststore.location": filepath.Join(dir, "other-ca-truststore.jks")}),
			"certificate signed by unknown authority"},
		{"missing keystore", merge(mtls, map[string]string{"ssl.keystore.location": filepath.Join(dir, "no-such-keystore.p12")}),
			"ssl.keystore.location"},
		{"wrong keystore password", merge(mtls, map[string]string{"ssl.keystore.password": "not-the-password", "ssl.key.password": "not-the-password"}),
			"ssl.keystore"},
		{"no client certificate on the mTLS listener", merge(mtls, map[string]string{"ssl.keystore.location": "", "ssl.keystore.password": "", "ssl.key.password": "", "ssl.keystore.type": ""}),
			"kafka client (security.protocol SSL)"},
		{"refused OAuth client", merge(scram, map[string]string{
			"sasl.mechanism": "OAUTHBEARER", "sasl.oauthbearer.token.endpoint.url": tokens.URL + "/token",
			"sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="connectd-client" clientSecret="not-the-password";`,
		}), "OAUTHBEARER token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.props {
				if v == "" {
					delete(c.props, k)
				}
			}
			out := startFails(t, securedWorkerProps(c.props))
			if !strings.Contains(out, c.want) {
				t.Errorf("output does not say %q:\n%s", c.want, out)
			}
			if strings.Contains(out, "not-the-password") {
				t.Errorf("output shows a password:\n%s", out)
			}
		})
	}
}

// merge returns the union of maps, later ones winning.
func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// readTopicWith reads n records of topic from its start with a client made of opts.
func readTopicWith(t testing.TB, opts []kgo.Opt, topic string, n int) []*kgo.Record {
	t.Helper()
	return readRecords(t, opts, topic, n, 60*time.Second)
}

// tokenServer is an OAuth 2 token endpoint for the client-credentials grant. Its tokens are
// unsigned JWTs ("alg":"none"): the test broker validates them with Kafka's default
// unsecured validator, which is for tests only, as this endpoint is.
type tokenServer struct {
	*httptest.Server
	count chan struct{}
}

func newTokenServer(t *testing.T, clientID, secret string) *tokenServer {
	ts := &tokenServer{count: make(chan struct{}, 1000)}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, pw, ok := r.BasicAuth()
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.URL.Path != "/token" || r.PostForm.Get("grant_type") != "client_credentials" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		if !ok || id != clientID || pw != secret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		enc := base64.RawURLEncoding
		now := time.Now().Unix()
		header := enc.EncodeToString([]byte(`{"alg":"none"}`))
		claims, _ := json.Marshal(map[string]any{"sub": id, "iat": now, "exp": now + 3600, "scope": r.PostForm.Get("scope")})
		select {
		case ts.count <- struct{}{}:
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": header + "." + enc.EncodeToString(claims) + ".", "token_type": "Bearer", "expires_in": 3600,
		})
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) issued() int { return len(ts.count) }
