package tlsconfig

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sort"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"
	"github.com/youmark/pkcs8"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// jksMagic starts every JKS file; Java reads a PKCS12 file named as JKS (and the other way
// round) by looking at it, and so does loadKeystore.
var jksMagic = []byte{0xFE, 0xED, 0xFE, 0xED}

// material is what one load of the settings produced.
type material struct {
	certs []tls.Certificate // from the keystore; empty when none is configured
	roots *x509.CertPool    // from the truststore; nil: the system roots
}

// load reads the keystore and the truststore.
func (s Settings) load() (material, error) {
	var m material
	certs, err := s.loadKeystore()
	if err != nil {
		return material{}, err
	}
	m.certs = certs
	roots, err := s.loadTruststore()
	if err != nil {
		return material{}, err
	}
	m.roots = roots
	return m, nil
}

// files lists the files the settings name, to watch for changes.
func (s Settings) files() []string {
	var fs []string
	if s.KeystoreLocation != "" {
		fs = append(fs, s.KeystoreLocation)
	}
	if s.TruststoreLocation != "" {
		fs = append(fs, s.TruststoreLocation)
	}
	return fs
}

func (s Settings) loadKeystore() ([]tls.Certificate, error) {
	if s.KeystoreKey != "" {
		cert, err := pemKeyPair([]byte(s.KeystoreCertChain), []byte(s.KeystoreKey), s.KeyPassword)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.key(kKeystoreKey), err)
		}
		return []tls.Certificate{cert}, nil
	}
	if s.KeystoreLocation == "" {
		return nil, nil
	}
	where := fmt.Sprintf("%s=%s", s.key(kKeystoreLocation), s.KeystoreLocation)
	data, err := os.ReadFile(s.KeystoreLocation)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	keyPassword := s.KeyPassword
	if keyPassword == "" {
		keyPassword = s.KeystorePassword // Java's default: the key shares the store's password
	}
	var certs []tls.Certificate
	switch {
	case s.KeystoreType == TypePEM:
		var c tls.Certificate
		c, err = pemKeyPair(data, data, s.KeyPassword)
		certs = []tls.Certificate{c}
	case bytes.HasPrefix(data, jksMagic):
		certs, err = jksKeyPairs(data, s.KeystorePassword, keyPassword)
	default:
		var c tls.Certificate
		c, err = p12KeyPair(data, s.KeystorePassword, keyPassword)
		certs = []tls.Certificate{c}
	}
	if err != nil {
		return nil, fmt.Errorf("%s (%s keystore): %w", where, s.KeystoreType, err)
	}
	return certs, nil
}

func (s Settings) loadTruststore() (*x509.CertPool, error) {
	var (
		data  []byte
		where = s.key(kTruststoreCerts)
	)
	switch {
	case s.TruststoreCertificates != "":
		data = []byte(s.TruststoreCertificates)
	case s.TruststoreLocation != "":
		where = fmt.Sprintf("%s=%s", s.key(kTruststoreLocation), s.TruststoreLocation)
		var err error
		if data, err = os.ReadFile(s.TruststoreLocation); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	default:
		return nil, nil
	}
	var (
		certs []*x509.Certificate
		err   error
	)
	switch {
	case s.TruststoreType == TypePEM:
		certs, err = pemCertificates(data)
	case bytes.HasPrefix(data, jksMagic):
		certs, err = jksCertificates(data, s.TruststorePassword)
	default:
		certs, err = p12Certificates(data, s.TruststorePassword)
	}
	if err == nil && len(certs) == 0 {
		err = errors.New("no certificate in the truststore")
	}
	if err != nil {
		return nil, fmt.Errorf("%s (%s truststore): %w", where, s.TruststoreType, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// pemKeyPair reads a PKCS#8 private key (encrypted with password when it is an ENCRYPTED
// PRIVATE KEY, as Kafka's PEM keystores are) and a certificate chain.
func pemKeyPair(chainPEM, keyPEM []byte, password string) (tls.Certificate, error) {
	chain, err := pemCertificates(chainPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	if len(chain) == 0 {
		return tls.Certificate{}, errors.New("no CERTIFICATE block")
	}
	var key crypto.PrivateKey
blocks:
	for rest := keyPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "ENCRYPTED PRIVATE KEY":
			if password == "" {
				return tls.Certificate{}, errors.New("the private key is encrypted and no key password is set")
			}
			key, err = pkcs8.ParsePKCS8PrivateKey(b.Bytes, []byte(password))
			if err != nil {
				return tls.Certificate{}, errors.New("cannot decrypt the private key: wrong key password or unsupported encryption")
			}
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("parse private key: %w", err)
		}
		break blocks
	}
	if key == nil {
		return tls.Certificate{}, errors.New("no PRIVATE KEY block")
	}
	return keyPair(key, chain)
}

func p12KeyPair(data []byte, storePassword, keyPassword string) (tls.Certificate, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, storePassword)
	if err != nil && keyPassword != storePassword {
		key, leaf, cas, err = pkcs12.DecodeChain(data, keyPassword)
	}
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("wrong password or not a PKCS12 keystore: %w", err)
	}
	return keyPair(key, append([]*x509.Certificate{leaf}, cas...))
}

func jksKeyPairs(data []byte, storePassword, keyPassword string) ([]tls.Certificate, error) {
	ks := keystore.New()
	if err := ks.Load(bytes.NewReader(data), []byte(storePassword)); err != nil {
		return nil, fmt.Errorf("wrong password or not a JKS keystore: %w", err)
	}
	aliases := ks.Aliases()
	sort.Strings(aliases)
	var out []tls.Certificate
	for _, a := range aliases {
		if !ks.IsPrivateKeyEntry(a) {
			continue
		}
		e, err := ks.GetPrivateKeyEntry(a, []byte(keyPassword))
		if err != nil {
			return nil, fmt.Errorf("entry %q: wrong key password: %w", a, err)
		}
		key, err := x509.ParsePKCS8PrivateKey(e.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("entry %q: parse private key: %w", a, err)
		}
		var chain []*x509.Certificate
		for _, c := range e.CertificateChain {
			cert, err := x509.ParseCertificate(c.Content)
			if err != nil {
				return nil, fmt.Errorf("entry %q: parse certificate: %w", a, err)
			}
			chain = append(chain, cert)
		}
		pair, err := keyPair(key, chain)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", a, err)
		}
		out = append(out, pair)
	}
	if len(out) == 0 {
		return nil, errors.New("no private key entry")
	}
	return out, nil
}

func jksCertificates(data []byte, password string) ([]*x509.Certificate, error) {
	ks := keystore.New()
	// Java opens a JKS truststore without a password by skipping its integrity check;
	// connectd always checks it, so it asks for the password instead of trusting silently.
	if password == "" {
		return nil, errors.New("a JKS truststore needs ssl.truststore.password (connectd always checks its integrity)")
	}
	if err := ks.Load(bytes.NewReader(data), []byte(password)); err != nil {
		return nil, fmt.Errorf("wrong password or not a JKS truststore: %w", err)
	}
	aliases := ks.Aliases()
	sort.Strings(aliases)
	var out []*x509.Certificate
	for _, a := range aliases {
		var ders [][]byte
		switch {
		case ks.IsTrustedCertificateEntry(a):
			e, err := ks.GetTrustedCertificateEntry(a)
			if err != nil {
				return nil, fmt.Errorf("entry %q: %w", a, err)
			}
			ders = append(ders, e.Certificate.Content)
		case ks.IsPrivateKeyEntry(a):
			// Java's PKIX trust manager trusts only certificate entries.
			continue
		}
		for _, d := range ders {
			c, err := x509.ParseCertificate(d)
			if err != nil {
				return nil, fmt.Errorf("entry %q: parse certificate: %w", a, err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func p12Certificates(data []byte, password string) ([]*x509.Certificate, error) {
	certs, err := pkcs12.DecodeTrustStore(data, password)
	if err == nil {
		return certs, nil
	}
	// A PKCS12 file of certificates made by openssl carries no Java trust attribute; its
	// certificates are what the operator means to trust.
	blocks, perr := pkcs12.ToPEM(data, password)
	if perr != nil {
		return nil, fmt.Errorf("wrong password or not a PKCS12 truststore: %w", err)
	}
	for _, b := range blocks {
		if b.Type == "PRIVATE KEY" {
			return nil, errors.New("the PKCS12 truststore holds a private key")
		}
	}
	for _, b := range blocks {
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

func pemCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// keyPair builds a tls.Certificate and checks that the key belongs to the leaf.
func keyPair(key crypto.PrivateKey, chain []*x509.Certificate) (tls.Certificate, error) {
	if len(chain) == 0 || chain[0] == nil {
		return tls.Certificate{}, errors.New("no certificate for the private key")
	}
	type publicKeyer interface{ Public() crypto.PublicKey }
	pk, ok := key.(publicKeyer)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("unsupported private key type %T", key)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	switch pub := pk.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		if !pub.(equaler).Equal(chain[0].PublicKey) {
			return tls.Certificate{}, errors.New("the private key does not match the certificate")
		}
	default:
		return tls.Certificate{}, fmt.Errorf("unsupported private key type %T", key)
	}
	c := tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, x := range chain {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c, nil
}
