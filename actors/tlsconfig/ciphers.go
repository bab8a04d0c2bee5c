package tlsconfig

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// tls13Suites are the TLS 1.3 suites Go always offers when TLS 1.3 is on; Go has no switch for
// them one by one.
var tls13Suites = map[string]bool{
	"TLS_AES_128_GCM_SHA256":       true,
	"TLS_AES_256_GCM_SHA384":       true,
	"TLS_CHACHA20_POLY1305_SHA256": true,
}

// cipherPlan is ssl.cipher.suites as Go can apply it.
type cipherPlan struct {
	ids     []uint16 // TLS 1.0–1.2 suites; nil: Go's defaults
	noTLS13 bool     // the list names no TLS 1.3 suite, so TLS 1.3 cannot be negotiated (as in Java)
	noTLS12 bool     // the list names only TLS 1.3 suites, so older versions cannot be negotiated
}

// suites maps Java's cipher suite names (IANA names; SSL_ for the legacy ones) to Go's.
func (s Settings) suites() (cipherPlan, error) {
	if len(s.CipherSuites) == 0 {
		return cipherPlan{}, nil
	}
	byName := map[string]uint16{}
	for _, c := range tls.CipherSuites() {
		byName[c.Name] = c.ID
	}
	for _, c := range tls.InsecureCipherSuites() {
		byName[c.Name] = c.ID
	}
	var plan cipherPlan
	n13 := 0
	for _, name := range s.CipherSuites {
		if tls13Suites[name] {
			n13++
			continue
		}
		goName := name
		if strings.HasPrefix(goName, "SSL_") {
			goName = "TLS_" + strings.TrimPrefix(goName, "SSL_")
		}
		id, ok := byName[goName]
		if !ok {
			return cipherPlan{}, fmt.Errorf("%w: %s: %q is not a cipher suite connectd supports", ErrInvalid, s.key(kCipherSuites), name)
		}
		plan.ids = append(plan.ids, id)
	}
	switch n13 {
	case 0:
		plan.noTLS13 = true
	case len(tls13Suites):
	default:
		return cipherPlan{}, fmt.Errorf("%w: %s names some TLS 1.3 suites but not all: connectd offers all of %s or, naming none, no TLS 1.3",
			ErrInvalid, s.key(kCipherSuites), "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256")
	}
	plan.noTLS12 = len(plan.ids) == 0
	return plan, nil
}

// protocolRange is the version range after ssl.enabled.protocols, ssl.protocol and what
// ssl.cipher.suites leaves negotiable.
func (s Settings) protocolRange() (minV, maxV uint16, plan cipherPlan, err error) {
	minV, maxV, err = s.versions()
	if err != nil {
		return 0, 0, cipherPlan{}, err
	}
	plan, err = s.suites()
	if err != nil {
		return 0, 0, cipherPlan{}, err
	}
	if plan.noTLS13 && maxV == tls.VersionTLS13 {
		maxV = tls.VersionTLS12
	}
	if plan.noTLS12 && minV < tls.VersionTLS13 {
		minV = tls.VersionTLS13
	}
	if minV > maxV {
		return 0, 0, cipherPlan{}, fmt.Errorf("%w: %s leaves no suite for any version in %s", ErrInvalid, s.key(kCipherSuites), s.key(kEnabledProtocols))
	}
	return minV, maxV, plan, nil
}
