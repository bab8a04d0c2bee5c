// Package testcerts makes certificates and keystores at test time with the tools operators
// use, openssl and keytool, so that tests read the files real deployments have. It is imported
// only by tests; a missing tool fails the test (CI installs both), it never skips.
package testcerts

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// PKI is a throw-away certificate authority in a test's temporary directory.
type PKI struct {
	Dir string
	// CAPEM is the CA certificate in PEM: a PEM truststore.
	CAPEM string
	// StorePassword protects every PKCS12 and JKS store made here; KeyPassword every private
	// key (PEM keys are encrypted PKCS#8, JKS keys have their own password). Both are random,
	// so that a test can look for them in logs and replies.
	StorePassword string
	KeyPassword   string

	caKey string
}

// Identity is one key pair signed by the PKI, in every store format.
type Identity struct {
	Name string
	// CertPEM is the certificate followed by the CA: a chain.
	CertPEM string
	// KeyPEM is the private key as encrypted PKCS#8 (password PKI.KeyPassword).
	KeyPEM string
	// PEMKeystore holds KeyPEM and CertPEM in one file: ssl.keystore.type=PEM.
	PEMKeystore string
	// P12 is a PKCS12 keystore (store and key password PKI.StorePassword).
	P12 string
	// JKS is a JKS keystore (store password PKI.StorePassword, key password PKI.KeyPassword).
	JKS string
}

// Truststores hold the PKI's CA in each format.
type Truststores struct{ PEM, P12, JKS string }

// New makes a CA in a fresh temporary directory.
func New(t testing.TB) *PKI {
	t.Helper()
	p := &PKI{Dir: t.TempDir(), StorePassword: "store-" + random(t), KeyPassword: "key-" + random(t)}
	p.caKey = filepath.Join(p.Dir, "ca.key")
	p.CAPEM = filepath.Join(p.Dir, "ca.pem")
	run(t, p.Dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", p.caKey, "-out", p.CAPEM, "-days", "2", "-subj", "/CN=connectd test CA "+filepath.Base(p.Dir))
	return p
}

// Issue makes a key pair for name, valid for hosts (DNS names or IP addresses) as a server
// and as a client, and writes it in every store format.
func (p *PKI) Issue(t testing.TB, name string, hosts ...string) Identity {
	t.Helper()
	base := filepath.Join(p.Dir, name)
	id := Identity{Name: name, CertPEM: base + ".chain.pem", KeyPEM: base + ".key.pem", PEMKeystore: base + ".keystore.pem", P12: base + ".p12", JKS: base + ".jks"}
	var san []string
	for _, h := range hosts {
		if strings.Trim(h, "0123456789.:") == "" {
			san = append(san, "IP:"+h)
		} else {
			san = append(san, "DNS:"+h)
		}
	}
	ext := "extendedKeyUsage=serverAuth,clientAuth\n"
	if len(san) > 0 {
		ext += "subjectAltName=" + strings.Join(san, ",") + "\n"
	}
	write(t, base+".ext", ext)
	run(t, p.Dir, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", base+".plain.key", "-out", base+".csr", "-subj", "/CN="+name)
	run(t, p.Dir, "openssl", "x509", "-req", "-in", base+".csr", "-CA", p.CAPEM, "-CAkey", p.caKey, "-CAcreateserial",
		"-out", base+".crt", "-days", "2", "-extfile", base+".ext")
	run(t, p.Dir, "openssl", "pkcs8", "-topk8", "-in", base+".plain.key", "-out", id.KeyPEM, "-v2", "aes-256-cbc", "-passout", "pass:"+p.KeyPassword)
	crt, ca, key := read(t, base+".crt"), read(t, p.CAPEM), read(t, id.KeyPEM)
	write(t, id.CertPEM, crt+ca)
	write(t, id.PEMKeystore, key+crt+ca)
	run(t, p.Dir, "openssl", "pkcs12", "-export", "-inkey", base+".plain.key", "-in", base+".crt", "-certfile", p.CAPEM,
		"-name", name, "-passout", "pass:"+p.StorePassword, "-out", id.P12)
	run(t, p.Dir, "keytool", "-importkeystore", "-noprompt", "-srckeystore", id.P12, "-srcstoretype", "PKCS12", "-srcstorepass", p.StorePassword,
		"-destkeystore", id.JKS, "-deststoretype", "JKS", "-deststorepass", p.StorePassword, "-destkeypass", p.KeyPassword, "-srcalias", name, "-destalias", name)
	if err := os.Remove(base + ".plain.key"); err != nil {
		t.Fatal(err)
	}
	return id
}

// Truststores writes the CA as a PEM, a PKCS12 and a JKS truststore (password StorePassword).
func (p *PKI) Truststores(t testing.TB) Truststores {
	t.Helper()
	ts := Truststores{PEM: p.CAPEM, P12: filepath.Join(p.Dir, "truststore.p12"), JKS: filepath.Join(p.Dir, "truststore.jks")}
	for _, c := range []struct{ file, typ string }{{ts.P12, "PKCS12"}, {ts.JKS, "JKS"}} {
		run(t, p.Dir, "keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", p.CAPEM,
			"-keystore", c.file, "-storetype", c.typ, "-storepass", p.StorePassword)
	}
	return ts
}

func run(t testing.TB, dir, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is needed to make test certificates (.ci/run installs it): %v", name, err)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func random(t testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func read(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
