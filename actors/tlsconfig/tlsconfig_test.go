package tlsconfig_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/actors/tlsconfig"
	"github.com/connectd/connectd/actors/tlsconfig/testcerts"
)

// handshake runs one TLS handshake between a listener on server and a client on client, and
// returns the client's view of the connection.
func handshake(t *testing.T, server, client *tls.Config, serverName string) (tls.ConnectionState, error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.(*tls.Conn).Handshake()
		_, _ = io.Copy(io.Discard, c)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := tls.Dialer{Config: client.Clone()}
	d.Config.ServerName = serverName
	c, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	tc := c.(*tls.Conn)
	// TLS 1.3 reports a refused client certificate on the first read, not in the handshake.
	_ = tc.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := tc.Read(make([]byte, 1)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return tls.ConnectionState{}, err
	}
	return tc.ConnectionState(), nil
}

func mustLoad(t *testing.T, props map[string]string, prefix string, opts ...tlsconfig.Option) *tlsconfig.Source {
	t.Helper()
	s, err := tlsconfig.Load(props, prefix, opts...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func TestStoresEveryFormat(t *testing.T) {
	pki := testcerts.New(t)
	server := pki.Issue(t, "server", "localhost", "127.0.0.1")
	client := pki.Issue(t, "client")
	ts := pki.Truststores(t)
	keystores := map[string]func(id testcerts.Identity) map[string]string{
		"PEM file": func(id testcerts.Identity) map[string]string {
			return map[string]string{"ssl.keystore.type": "PEM", "ssl.keystore.location": id.PEMKeystore, "ssl.key.password": pki.KeyPassword}
		},
		"PEM inline": func(id testcerts.Identity) map[string]string {
			return map[string]string{"ssl.keystore.type": "PEM", "ssl.keystore.key": read(t, id.KeyPEM), "ssl.keystore.certificate.chain": read(t, id.CertPEM), "ssl.key.password": pki.KeyPassword}
		},
		"PKCS12": func(id testcerts.Identity) map[string]string {
			return map[string]string{"ssl.keystore.type": "PKCS12", "ssl.keystore.location": id.P12, "ssl.keystore.password": pki.StorePassword}
		},
		"JKS": func(id testcerts.Identity) map[string]string {
			return map[string]string{"ssl.keystore.location": id.JKS, "ssl.keystore.password": pki.StorePassword, "ssl.key.password": pki.KeyPassword}
		},
		// Java opens a PKCS12 file named JKS (keystore.type.compat); so does connectd.
		"PKCS12 named JKS": func(id testcerts.Identity) map[string]string {
			return map[string]string{"ssl.keystore.type": "JKS", "ssl.keystore.location": id.P12, "ssl.keystore.password": pki.StorePassword}
		},
	}
	truststores := map[string]map[string]string{
		"PEM file":   {"ssl.truststore.type": "PEM", "ssl.truststore.location": ts.PEM},
		"PEM inline": {"ssl.truststore.type": "PEM", "ssl.truststore.certificates": read(t, ts.PEM)},
		"PKCS12":     {"ssl.truststore.type": "PKCS12", "ssl.truststore.location": ts.P12, "ssl.truststore.password": pki.StorePassword},
		"JKS":        {"ssl.truststore.location": ts.JKS, "ssl.truststore.password": pki.StorePassword},
	}
	for kname, ks := range keystores {
		for tname, trust := range truststores {
			t.Run(kname+" keystore, "+tname+" truststore", func(t *testing.T) {
				sp := merge(ks(server), trust, map[string]string{"ssl.client.auth": "required"})
				cp := merge(ks(client), trust)
				srv, err := mustLoad(t, sp, "").ServerConfig()
				if err != nil {
					t.Fatal(err)
				}
				st, err := handshake(t, srv, mustLoad(t, cp, "").ClientConfig(), "localhost")
				if err != nil {
					t.Fatalf("mutual TLS handshake: %v", err)
				}
				if got := st.PeerCertificates[0].Subject.CommonName; got != "server" {
					t.Fatalf("server presented %q", got)
				}
			})
		}
	}
}

func TestClientAuthAndHostNames(t *testing.T) {
	pki := testcerts.New(t)
	server := pki.Issue(t, "server", "localhost", "127.0.0.1")
	client := pki.Issue(t, "client")
	otherPKI := testcerts.New(t)
	other := otherPKI.Issue(t, "stranger", "localhost")
	trust := map[string]string{"ssl.truststore.type": "PEM", "ssl.truststore.location": pki.CAPEM}
	serverKS := map[string]string{"ssl.keystore.type": "PKCS12", "ssl.keystore.location": server.P12, "ssl.keystore.password": pki.StorePassword}
	withCert := merge(trust, map[string]string{"ssl.keystore.type": "PKCS12", "ssl.keystore.location": client.P12, "ssl.keystore.password": pki.StorePassword})
	strangerCert := merge(trust, map[string]string{"ssl.keystore.type": "PKCS12", "ssl.keystore.location": other.P12, "ssl.keystore.password": otherPKI.StorePassword})
	cases := []struct {
		name       string
		server     map[string]string
		client     map[string]string
		serverName string
		ok         bool
	}{
		{"none: no client certificate", merge(serverKS, trust), trust, "localhost", true},
		{"requested: no client certificate", merge(serverKS, trust, map[string]string{"ssl.client.auth": "requested"}), trust, "localhost", true},
		{"requested: trusted certificate", merge(serverKS, trust, map[string]string{"ssl.client.auth": "requested"}), withCert, "localhost", true},
		{"requested: untrusted certificate", merge(serverKS, trust, map[string]string{"ssl.client.auth": "requested"}), strangerCert, "localhost", false},
		{"required: trusted certificate", merge(serverKS, trust, map[string]string{"ssl.client.auth": "required"}), withCert, "localhost", true},
		{"required: no certificate", merge(serverKS, trust, map[string]string{"ssl.client.auth": "required"}), trust, "localhost", false},
		{"required: untrusted certificate", merge(serverKS, trust, map[string]string{"ssl.client.auth": "required"}), strangerCert, "localhost", false},
		{"https: wrong host name", merge(serverKS, trust), trust, "elsewhere", false},
		{"https: IP address in the certificate", merge(serverKS, trust), trust, "127.0.0.1", true},
		{"https: other IP address", merge(serverKS, trust), trust, "127.0.0.2", false},
		{"empty algorithm: wrong host name accepted", merge(serverKS, trust), merge(trust, map[string]string{"ssl.endpoint.identification.algorithm": ""}), "elsewhere", true},
		{"empty algorithm: untrusted chain still refused", merge(serverKS, trust), map[string]string{"ssl.truststore.type": "PEM", "ssl.truststore.location": other.CertPEM, "ssl.endpoint.identification.algorithm": ""}, "localhost", false},
		{"TLSv1.2 only on both", merge(serverKS, map[string]string{"ssl.enabled.protocols": "TLSv1.2"}), merge(trust, map[string]string{"ssl.protocol": "TLSv1.2"}), "localhost", true},
		{"server TLSv1.3 only, client capped at TLSv1.2", merge(serverKS, map[string]string{"ssl.enabled.protocols": "TLSv1.3"}), merge(trust, map[string]string{"ssl.protocol": "TLSv1.2"}), "localhost", false},
		{"no common cipher suite", merge(serverKS, map[string]string{"ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}), merge(trust, map[string]string{"ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}), "localhost", false},
		{"common cipher suite", merge(serverKS, map[string]string{"ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}), merge(trust, map[string]string{"ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}), "localhost", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, err := mustLoad(t, c.server, "").ServerConfig()
			if err != nil {
				t.Fatal(err)
			}
			_, err = handshake(t, srv, mustLoad(t, c.client, "").ClientConfig(), c.serverName)
			if (err == nil) != c.ok {
				t.Fatalf("handshake error %v, want success %v", err, c.ok)
			}
		})
	}
}

func TestCipherSuiteIsApplied(t *testing.T) {
	pki := testcerts.New(t)
	server := pki.Issue(t, "server", "localhost")
	srv, err := mustLoad(t, map[string]string{"ssl.keystore.type": "PEM", "ssl.keystore.location": server.PEMKeystore, "ssl.key.password": pki.KeyPassword,
		"ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"}, "").ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	st, err := handshake(t, srv, mustLoad(t, map[string]string{"ssl.truststore.type": "PEM", "ssl.truststore.location": pki.CAPEM}, "").ClientConfig(), "localhost")
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != tls.VersionTLS12 || st.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 {
		t.Fatalf("negotiated %s %s; want TLSv1.2 with the one suite named (no TLS 1.3 suite named: no TLS 1.3)", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	}
}

func TestBadInputNamesKeyAndFileNeverPassword(t *testing.T) {
	pki := testcerts.New(t)
	id := pki.Issue(t, "server", "localhost")
	garbage := pki.Dir + "/garbage.jks"
	if err := os.WriteFile(garbage, []byte("not a keystore at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		props map[string]string
		want  []string // substrings of the error
	}{
		{"missing keystore file", map[string]string{"listeners.https.ssl.keystore.location": pki.Dir + "/nope.jks", "listeners.https.ssl.keystore.password": pki.StorePassword},
			[]string{"listeners.https.ssl.keystore.location", "nope.jks"}},
		{"wrong JKS store password", map[string]string{"listeners.https.ssl.keystore.location": id.JKS, "listeners.https.ssl.keystore.password": "wrong-" + pki.StorePassword, "listeners.https.ssl.key.password": pki.KeyPassword},
			[]string{"listeners.https.ssl.keystore.location", id.JKS}},
		{"wrong JKS key password", map[string]string{"listeners.https.ssl.keystore.location": id.JKS, "listeners.https.ssl.keystore.password": pki.StorePassword, "listeners.https.ssl.key.password": "wrong-" + pki.KeyPassword},
			[]string{"listeners.https.ssl.keystore.location", "key password"}},
		{"wrong PKCS12 password", map[string]string{"listeners.https.ssl.keystore.type": "PKCS12", "listeners.https.ssl.keystore.location": id.P12, "listeners.https.ssl.keystore.password": "wrong-" + pki.StorePassword},
			[]string{"listeners.https.ssl.keystore.location", id.P12}},
		{"wrong PEM key password", map[string]string{"listeners.https.ssl.keystore.type": "PEM", "listeners.https.ssl.keystore.location": id.PEMKeystore, "listeners.https.ssl.key.password": "wrong-" + pki.KeyPassword},
			[]string{"listeners.https.ssl.keystore.location", id.PEMKeystore, "key password"}},
		{"PEM key without password", map[string]string{"listeners.https.ssl.keystore.type": "PEM", "listeners.https.ssl.keystore.location": id.PEMKeystore},
			[]string{"listeners.https.ssl.keystore.location", "encrypted"}},
		{"garbage keystore", map[string]string{"listeners.https.ssl.keystore.location": garbage, "listeners.https.ssl.keystore.password": pki.StorePassword},
			[]string{"listeners.https.ssl.keystore.location", garbage}},
		{"wrong truststore password", map[string]string{"listeners.https.ssl.truststore.location": id.JKS, "listeners.https.ssl.truststore.password": "wrong-" + pki.StorePassword},
			[]string{"listeners.https.ssl.truststore.location", id.JKS}},
		{"JKS truststore without password", map[string]string{"listeners.https.ssl.truststore.location": id.JKS},
			[]string{"listeners.https.ssl.truststore.location", "ssl.truststore.password"}},
		{"unknown store type", map[string]string{"listeners.https.ssl.keystore.type": "BCFKS"}, []string{"listeners.https.ssl.keystore.type"}},
		{"PEM keystore with store password", map[string]string{"listeners.https.ssl.keystore.type": "PEM", "listeners.https.ssl.keystore.password": pki.StorePassword},
			[]string{"listeners.https.ssl.keystore.password", "PEM"}},
		{"protocol gap", map[string]string{"listeners.https.ssl.enabled.protocols": "TLSv1.1,TLSv1.3"}, []string{"listeners.https.ssl.enabled.protocols", "gap"}},
		{"unknown protocol", map[string]string{"listeners.https.ssl.enabled.protocols": "SSLv3"}, []string{"listeners.https.ssl.enabled.protocols", "SSLv3"}},
		{"unknown cipher", map[string]string{"listeners.https.ssl.cipher.suites": "TLS_NOT_A_SUITE"}, []string{"listeners.https.ssl.cipher.suites", "TLS_NOT_A_SUITE"}},
		{"some TLS 1.3 suites", map[string]string{"listeners.https.ssl.cipher.suites": "TLS_AES_128_GCM_SHA256"}, []string{"listeners.https.ssl.cipher.suites", "TLS 1.3"}},
		{"TLS 1.3 only without a TLS 1.3 suite", map[string]string{"listeners.https.ssl.enabled.protocols": "TLSv1.3", "listeners.https.ssl.cipher.suites": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
			[]string{"listeners.https.ssl.cipher.suites"}},
		{"client auth value", map[string]string{"listeners.https.ssl.client.auth": "always"}, []string{"listeners.https.ssl.client.auth"}},
		{"endpoint algorithm", map[string]string{"listeners.https.ssl.endpoint.identification.algorithm": "ldaps"}, []string{"listeners.https.ssl.endpoint.identification.algorithm"}},
		{"Java provider", map[string]string{"listeners.https.ssl.provider": "BCJSSE"}, []string{"listeners.https.ssl.provider"}},
		{"engine factory", map[string]string{"listeners.https.ssl.engine.factory.class": "com.example.Factory"}, []string{"listeners.https.ssl.engine.factory.class"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tlsconfig.Load(c.props, "listeners.https.")
			if err == nil {
				t.Fatal("Load accepted it")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			for _, secret := range []string{pki.StorePassword, pki.KeyPassword} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows a password", err)
				}
			}
		})
	}
}

func TestServerConfigNeedsKeystore(t *testing.T) {
	s := mustLoad(t, map[string]string{}, "")
	if _, err := s.ServerConfig(); !errors.Is(err, tlsconfig.ErrNoKeystore) || !strings.Contains(err.Error(), "ssl.keystore.location") {
		t.Fatalf("ServerConfig without keystore: %v", err)
	}
}

func TestSelectPrefixIsAllOrNothing(t *testing.T) {
	cases := []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{"ssl.keystore.location": "a"}, ""},
		{map[string]string{"ssl.keystore.location": "a", "listeners.https.ssl.keystore.location": "b"}, "listeners.https."},
		// One prefixed key is enough to ignore every unprefixed one (valuesWithPrefixAllOrNothing).
		{map[string]string{"ssl.keystore.location": "a", "listeners.https.ssl.client.auth": "required"}, "listeners.https."},
	}
	for _, c := range cases {
		if got := tlsconfig.SelectPrefix(c.props, "listeners.https."); got != c.want {
			t.Errorf("SelectPrefix(%v) = %q, want %q", c.props, got, c.want)
		}
	}
}

func TestReloadOnFileChange(t *testing.T) {
	pki := testcerts.New(t)
	first := pki.Issue(t, "first", "localhost")
	second := pki.Issue(t, "second", "localhost")
	live := pki.Dir + "/live.p12"
	copyFile(t, first.P12, live)
	src := mustLoad(t, map[string]string{"ssl.keystore.type": "PKCS12", "ssl.keystore.location": live, "ssl.keystore.password": pki.StorePassword}, "",
		tlsconfig.WithCheckInterval(0))
	srv, err := src.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	client := mustLoad(t, map[string]string{"ssl.truststore.type": "PEM", "ssl.truststore.location": pki.CAPEM}, "").ClientConfig()
	presented := func() string {
		st, err := handshake(t, srv, client, "localhost")
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		return st.PeerCertificates[0].Subject.CommonName
	}
	if got := presented(); got != "first" {
		t.Fatalf("presented %q before the change", got)
	}
	// A half-written file keeps the old certificate in service.
	if err := os.WriteFile(live, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := presented(); got != "first" {
		t.Fatalf("presented %q while the file was broken", got)
	}
	copyFile(t, second.P12, live)
	// Same size files written within the file system's time granularity look unchanged;
	// move the modification time on so the test does not depend on the clock.
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(live, future, future); err != nil {
		t.Fatal(err)
	}
	if got := presented(); got != "second" {
		t.Fatalf("presented %q after the change", got)
	}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
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

var _ net.Conn = (*tls.Conn)(nil)

// FuzzParseSettings: any ssl.* values either parse into settings a Source accepts or are
// refused with ErrInvalid naming a key; never a panic, never a password in the error.
func FuzzParseSettings(f *testing.F) {
	f.Add("PKCS12", "TLSv1.2,TLSv1.3", "TLS_AES_128_GCM_SHA256", "required", "https", "secret")
	f.Add("PEM", "TLSv1.3", "", "none", "", "")
	f.Add("jks", "TLSv1,TLSv1.3", "SSL_RSA_WITH_3DES_EDE_CBC_SHA", "requested", "x", "p")
	f.Fuzz(func(t *testing.T, typ, protocols, suites, clientAuth, endpoint, password string) {
		props := map[string]string{"ssl.keystore.type": typ, "ssl.enabled.protocols": protocols, "ssl.cipher.suites": suites,
			"ssl.client.auth": clientAuth, "ssl.endpoint.identification.algorithm": endpoint, "ssl.truststore.password": password}
		_, err := tlsconfig.Parse(props, "")
		if err == nil {
			return
		}
		if !errors.Is(err, tlsconfig.ErrInvalid) || !strings.Contains(err.Error(), "ssl.") {
			t.Fatalf("error %v: not ErrInvalid naming a key", err)
		}
		if len(password) > 6 && strings.Contains(err.Error(), password) {
			t.Fatalf("error %v shows the password", err)
		}
	})
}
