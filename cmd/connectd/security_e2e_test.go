package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/actors/tlsconfig/testcerts"
	"github.com/connectd/connectd/internal/wait"
)

// tlsClient is an HTTP client trusting pki's CA, presenting id's certificate when id is set.
func tlsClient(t *testing.T, pki *testcerts.PKI, id *testcerts.Identity) *http.Client {
	t.Helper()
	props := map[string]string{"ssl.truststore.type": "PEM", "ssl.truststore.location": pki.CAPEM}
	if id != nil {
		props["ssl.keystore.type"] = "PKCS12"
		props["ssl.keystore.location"] = id.P12
		props["ssl.keystore.password"] = pki.StorePassword
	}
	cfg := mustClientTLS(t, props)
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
}

func mustClientTLS(t *testing.T, props map[string]string) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	ca, err := os.ReadFile(props["ssl.truststore.location"])
	if err != nil {
		t.Fatal(err)
	}
	pool.AppendCertsFromPEM(ca)
	cfg := &tls.Config{RootCAs: pool}
	if loc := props["ssl.keystore.location"]; loc != "" {
		// The client's key pair, decoded by openssl (a different implementation from the one
		// under test) to PEM.
		dir := t.TempDir()
		out := filepath.Join(dir, "client.pem")
		b, err := exec.Command("openssl", "pkcs12", "-in", loc, "-nodes", "-passin", "pass:"+props["ssl.keystore.password"], "-out", out).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl pkcs12: %v %s", err, b)
		}
		pair, err := tls.LoadX509KeyPair(out, out)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg
}

// curl runs curl with args and returns its exit code and output (body, then -w output).
func curl(t *testing.T, args ...string) (int, string) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatalf("curl is needed (.ci/run installs it): %v", err)
	}
	out, err := exec.Command("curl", append([]string{"-sS", "--max-time", "30"}, args...)...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// TestHTTPSListeners: http and https listeners side by side, the https one from a PKCS12
// keystore under listeners.https.*, an https admin listener from a JKS keystore under
// admin.listeners.https.*, rest.advertised.listener=https choosing the advertised port; a
// second worker has only an https listener from the worker's ssl.* (PEM keystore with an
// encrypted key) requiring client certificates, and serves a renewed certificate without a
// restart. Checked with curl and Go's client; no password reaches the log.
func TestHTTPSListeners(t *testing.T) {
	pki := testcerts.New(t)
	server := pki.Issue(t, "server", "127.0.0.1", "localhost")
	client := pki.Issue(t, "client")
	stranger := testcerts.New(t).Issue(t, "stranger")
	secrets := []string{pki.StorePassword, pki.KeyPassword}

	t.Run("PKCS12 and JKS, http beside https", func(t *testing.T) {
		httpPort, httpsPort, adminPort := freePort(t), freePort(t), freePort(t)
		w := startWorker(t, map[string]string{
			"listeners":                                   fmt.Sprintf("http://127.0.0.1:%d,https://127.0.0.1:%d", httpPort, httpsPort),
			"listeners.https.ssl.keystore.type":           "PKCS12",
			"listeners.https.ssl.keystore.location":       server.P12,
			"listeners.https.ssl.keystore.password":       pki.StorePassword,
			"admin.listeners":                             fmt.Sprintf("https://127.0.0.1:%d", adminPort),
			"admin.listeners.https.ssl.keystore.location": server.JKS,
			"admin.listeners.https.ssl.keystore.password": pki.StorePassword,
			"admin.listeners.https.ssl.key.password":      pki.KeyPassword,
			"admin.listeners.https.ssl.enabled.protocols": "TLSv1.3",
			"rest.advertised.listener":                    "https",
		})
		https := fmt.Sprintf("https://127.0.0.1:%d", httpsPort)
		admin := fmt.Sprintf("https://127.0.0.1:%d", adminPort)
		if code, out := curl(t, "--cacert", pki.CAPEM, "-o", "/dev/null", "-w", "%{http_code}", https+"/"); code != 0 || out != "200" {
			t.Fatalf("curl https: exit %d, %s", code, out)
		}
		if code, out := curl(t, "--cacert", pki.CAPEM, "-o", "/dev/null", "-w", "%{http_code}", admin+"/admin/loggers"); code != 0 || out != "200" {
			t.Fatalf("curl admin https (JKS): exit %d, %s", code, out)
		}
		// The admin listener allows TLS 1.3 only (ssl.enabled.protocols).
		if code, _ := curl(t, "--cacert", pki.CAPEM, "--tls-max", "1.2", admin+"/admin/loggers"); code == 0 {
			t.Fatal("TLS 1.2 accepted by a TLSv1.3-only listener")
		}
		if code, _ := curl(t, "--cacert", stranger.CertPEM, https+"/"); code == 0 {
			t.Fatal("curl trusted a server certificate from another CA")
		}
		if code, _ := curl(t, "-o", "/dev/null", fmt.Sprintf("http://127.0.0.1:%d/", httpsPort)); code == 0 {
			// Go's TLS server answers plain HTTP with a 400; curl exits 0 on it, so look closer.
			_, out := curl(t, "-o", "/dev/null", "-w", "%{http_code}", fmt.Sprintf("http://127.0.0.1:%d/", httpsPort))
			if out == "200" {
				t.Fatal("the https listener served plain http")
			}
		}
		// Go's client too, and the advertised worker id is the https listener's.
		w.client = tlsClient(t, pki, nil)
		w.url = https
		w.mustDo("POST", "/connectors", map[string]any{"name": "tls-src", "config": map[string]string{
			"connector.class": "FileStreamSource", "file": filepath.Join(t.TempDir(), "in.txt"), "topic": w.topic("tls"), "tasks.max": "1"}}, 201, nil)
		st := w.waitState("tls-src", "RUNNING", 0)
		if want := fmt.Sprintf("127.0.0.1:%d", httpsPort); st.Connector.WorkerID != want {
			t.Errorf("worker_id %q, want the https listener's %q", st.Connector.WorkerID, want)
		}
		w.client, w.url = nil, fmt.Sprintf("http://127.0.0.1:%d", httpPort)
		w.mustDo("GET", "/connectors/tls-src", nil, 200, nil)
		assertNoSecrets(t, w, secrets)
	})

	t.Run("PEM from ssl.*, mutual TLS, reload", func(t *testing.T) {
		live := filepath.Join(t.TempDir(), "keystore.pem")
		copyFile(t, server.PEMKeystore, live)
		port := freePort(t)
		w := startWorker(t, map[string]string{
			"listeners":               fmt.Sprintf("https://127.0.0.1:%d", port),
			"ssl.keystore.type":       "PEM",
			"ssl.keystore.location":   live,
			"ssl.key.password":        pki.KeyPassword,
			"ssl.truststore.type":     "PEM",
			"ssl.truststore.location": pki.CAPEM,
			"ssl.client.auth":         "required",
		}, withClient(tlsClient(t, pki, &client)))
		w.mustDo("GET", "/connectors", nil, 200, nil)

		clientPEM := filepath.Join(t.TempDir(), "client.pem")
		if b, err := exec.Command("openssl", "pkcs12", "-in", client.P12, "-nodes", "-passin", "pass:"+pki.StorePassword, "-out", clientPEM).CombinedOutput(); err != nil {
			t.Fatalf("openssl: %v %s", err, b)
		}
		url := w.url + "/connectors"
		if code, out := curl(t, "--cacert", pki.CAPEM, "--cert", clientPEM, "-o", "/dev/null", "-w", "%{http_code}", url); code != 0 || out != "200" {
			t.Fatalf("curl with a client certificate: exit %d, %s", code, out)
		}
		if code, out := curl(t, "--cacert", pki.CAPEM, "-w", "%{http_code}", url); code == 0 {
			t.Fatalf("curl without a client certificate was served: %s", out)
		}
		if _, err := (&http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: rootsOf(t, pki.CAPEM)}}}).Get(url); err == nil {
			t.Fatal("Go client without a certificate was served")
		}

		// Renew: a new certificate for the same names lands in the same file; the next
		// handshakes present it, with no restart.
		renewed := pki.Issue(t, "renewed", "127.0.0.1", "localhost")
		copyFile(t, renewed.PEMKeystore, live)
		future := time.Now().Add(time.Hour)
		if err := os.Chtimes(live, future, future); err != nil {
			t.Fatal(err)
		}
		cfg := mustClientTLS(t, map[string]string{"ssl.truststore.location": pki.CAPEM, "ssl.keystore.location": client.P12, "ssl.keystore.password": pki.StorePassword})
		wait.For(t, 30*time.Second, "the renewed certificate to be served", func() bool {
			c, err := tls.Dial("tcp", strings.TrimPrefix(w.url, "https://"), cfg)
			if err != nil {
				return false
			}
			defer c.Close()
			return c.ConnectionState().PeerCertificates[0].Subject.CommonName == "renewed"
		})
		w.mustDo("GET", "/connectors", nil, 200, nil)
		assertNoSecrets(t, w, secrets)
	})
}

// TestBasicAuth: rest.extension.classes naming Kafka Connect's BasicAuthSecurityRestExtension
// with the JAAS file from KAFKA_OPTS: right credentials pass (curl, and Python's urllib,
// which sends them only after a 401 with WWW-Authenticate), wrong and missing ones are 401s
// with WWW-Authenticate, /health included (Kafka Connect's filter exempts it not), a malformed
// header is a 401, never a 500. No password reaches the log or a reply.
func TestBasicAuth(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.properties")
	const user, password = "operator", "pa55-w0rd:with-colon"
	if err := os.WriteFile(users, []byte("# Kafka Connect's format\n"+user+": "+password+"\nreader=r3ad-only-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	jaas := filepath.Join(dir, "connect_jaas.conf")
	if err := os.WriteFile(jaas, []byte(`KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="`+users+`";
};
`), 0o600); err != nil {
		t.Fatal(err)
	}
	w := startWorker(t, map[string]string{"rest.extension.classes": "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"},
		withEnv("KAFKA_OPTS=-Xmx256m -Djava.security.auth.login.config="+jaas), withBasicAuth(user, password))

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"right", []string{"-u", user + ":" + password}, "200"},
		{"other user", []string{"-u", "reader:r3ad-only-secret"}, "200"},
		{"wrong password", []string{"-u", user + ":nope"}, "401"},
		{"unknown user", []string{"-u", "nobody:" + password}, "401"},
		{"missing", nil, "401"},
		{"malformed header", []string{"-H", "Authorization: Basic !!!not-base64"}, "401"},
		{"no colon", []string{"-H", "Authorization: Basic b3BlcmF0b3I="}, "401"},
		{"other scheme", []string{"-H", "Authorization: Bearer abc"}, "401"},
	} {
		for _, path := range []string{"/connectors", "/health", "/admin/loggers"} {
			args := append(append([]string{}, c.args...), "-D", "-", "-o", "/dev/null", "-w", "%{http_code}", w.url+path)
			code, out := curl(t, args...)
			if code != 0 || !strings.HasSuffix(out, c.want) {
				t.Errorf("%s %s: curl exit %d, %q; want %s", c.name, path, code, out, c.want)
			}
			if c.want == "401" && !strings.Contains(strings.ToLower(out), "www-authenticate: basic realm=") {
				t.Errorf("%s %s: no WWW-Authenticate in %q", c.name, path, out)
			}
		}
	}
	code, out := curl(t, w.url+"/connectors")
	var body struct {
		Code    int    `json:"error_code"`
		Message string `json:"message"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &body) != nil || body.Code != 401 || body.Message != "User cannot access the resource." {
		t.Errorf("401 body %q", out)
	}

	// Python's standard client library: it answers the 401 challenge with the credentials.
	script := `import sys, urllib.request, urllib.error
url, user, password = sys.argv[1:4]
mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
mgr.add_password(None, url, user, password)
opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(mgr))
try:
    r = opener.open(url, timeout=30)
    print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
`
	py := func(u, p string) string {
		if _, err := exec.LookPath("python3"); err != nil {
			t.Fatalf("python3 is needed (.ci/run installs it): %v", err)
		}
		b, err := exec.Command("python3", "-c", script, w.url+"/connectors", u, p).CombinedOutput()
		if err != nil {
			t.Fatalf("python3: %v %s", err, b)
		}
		return strings.TrimSpace(string(b))
	}
	if got := py(user, password); got != "200 []" {
		t.Errorf("python urllib with the right credentials: %q", got)
	}
	if got := py(user, "wrong"); !strings.HasPrefix(got, "401 ") {
		t.Errorf("python urllib with a wrong password: %q", got)
	}

	// The fixture's own client authenticates: the API works behind the check.
	w.mustDo("GET", "/connectors?expand=status", nil, 200, nil)
	assertNoSecrets(t, w, []string{password, "r3ad-only-secret"})
}

// TestSecurityBadInput: a keystore that cannot be read, a wrong password, an extension
// connectd does not have, a JAAS file it cannot honour: the worker refuses to start with one
// line naming the key, never showing the password, and never listens.
func TestSecurityBadInput(t *testing.T) {
	pki := testcerts.New(t)
	server := pki.Issue(t, "server", "127.0.0.1")
	dir := t.TempDir()
	emptyUsers := filepath.Join(dir, "empty.properties")
	if err := os.WriteFile(emptyUsers, []byte("# nobody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	jaasEmpty := filepath.Join(dir, "empty_jaas.conf")
	if err := os.WriteFile(jaasEmpty, []byte(`KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="`+emptyUsers+`"; };`), 0o600); err != nil {
		t.Fatal(err)
	}
	jaasLDAP := filepath.Join(dir, "ldap_jaas.conf")
	if err := os.WriteFile(jaasLDAP, []byte(`KafkaConnect { com.sun.security.auth.module.LdapLoginModule required userProvider="ldap://x"; };`), 0o600); err != nil {
		t.Fatal(err)
	}
	const basic = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
	cases := []struct {
		name  string
		props map[string]string
		want  []string
	}{
		{"missing keystore", map[string]string{"listeners.https.ssl.keystore.location": filepath.Join(dir, "nope.p12"), "listeners.https.ssl.keystore.password": pki.StorePassword},
			[]string{"listeners.https.ssl.keystore.location", "nope.p12"}},
		{"wrong keystore password", map[string]string{"listeners.https.ssl.keystore.location": server.JKS, "listeners.https.ssl.keystore.password": "x" + pki.StorePassword},
			[]string{"listeners.https.ssl.keystore.location", server.JKS}},
		{"wrong key password", map[string]string{"ssl.keystore.type": "PEM", "ssl.keystore.location": server.PEMKeystore, "ssl.key.password": "x" + pki.KeyPassword},
			[]string{"ssl.keystore.location", "key password"}},
		{"https without keystore", map[string]string{}, []string{"ssl.keystore.location"}},
		{"unknown extension", map[string]string{"listeners": "http://127.0.0.1:0", "rest.extension.classes": "com.example.MyAuth"},
			[]string{"rest.extension.classes", "com.example.MyAuth"}},
		{"basic auth without JAAS", map[string]string{"listeners": "http://127.0.0.1:0", "rest.extension.classes": basic},
			[]string{"java.security.auth.login.config"}},
		{"empty users file", map[string]string{"listeners": "http://127.0.0.1:0", "rest.extension.classes": basic, "java.security.auth.login.config": jaasEmpty},
			[]string{"empty.properties", "refuses"}},
		{"other login module", map[string]string{"listeners": "http://127.0.0.1:0", "rest.extension.classes": basic, "java.security.auth.login.config": jaasLDAP},
			[]string{"LdapLoginModule"}},
		{"advertised protocol without listener", map[string]string{"listeners": "http://127.0.0.1:0", "rest.advertised.listener": "https"},
			[]string{"rest.advertised.listener"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port := freePort(t)
			props := map[string]string{"listeners": fmt.Sprintf("https://127.0.0.1:%d", port), "embedded.broker.listener": fmt.Sprintf("127.0.0.1:%d", freePort(t)), "data.dir": t.TempDir()}
			for k, v := range c.props {
				props[k] = v
			}
			var args []string
			for k, v := range props {
				args = append(args, "--override", k+"="+v)
			}
			cmd := exec.Command(binary, append([]string{"distributed"}, args...)...)
			cmd.Env = append(os.Environ(), "KAFKA_OPTS=")
			done := make(chan struct{})
			var out []byte
			var err error
			go func() { out, err = cmd.CombinedOutput(); close(done) }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("the worker did not refuse to start: %s", out)
			}
			if err == nil {
				t.Fatalf("the worker exited 0: %s", out)
			}
			text := string(out)
			for _, want := range c.want {
				if !strings.Contains(text, want) {
					t.Errorf("output does not mention %q:\n%s", want, text)
				}
			}
			for _, secret := range []string{pki.StorePassword, pki.KeyPassword} {
				if strings.Contains(text, secret) {
					t.Errorf("output shows a password:\n%s", text)
				}
			}
			if strings.Contains(text, "REST listening") || strings.Contains(text, "worker ready") {
				t.Errorf("the worker listened before refusing:\n%s", text)
			}
		})
	}
}

// assertNoSecrets fails when a secret appears in the worker's log or in its config replies.
func assertNoSecrets(t *testing.T, w *worker, secrets []string) {
	t.Helper()
	logText := read(t, w.logPath)
	_, _, connectors := w.do("GET", "/connectors?expand=info&expand=status", nil)
	for _, s := range secrets {
		if strings.Contains(logText, s) {
			t.Errorf("the worker log shows a secret")
		}
		if strings.Contains(string(connectors), s) {
			t.Errorf("a REST reply shows a secret")
		}
	}
}

func rootsOf(t *testing.T, caPEM string) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(read(t, caPEM)))
	return pool
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	if err := os.WriteFile(to, []byte(read(t, from)), 0o600); err != nil {
		t.Fatal(err)
	}
}
