package tlsconfig

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// Store types, as Kafka spells them in ssl.keystore.type and ssl.truststore.type.
const (
	TypeJKS    = "JKS"
	TypePKCS12 = "PKCS12"
	TypePEM    = "PEM"
)

// Values of ssl.client.auth (BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG).
const (
	ClientAuthNone      = "none"
	ClientAuthRequested = "requested"
	ClientAuthRequired  = "required"
)

// Settings are the ssl.* keys of one configuration, read under one prefix.
type Settings struct {
	// Prefix is what stands before "ssl." in the operator's keys ("", "listeners.https.",
	// "cluster.", "producer."); errors name prefix+key.
	Prefix string

	KeystoreType      string // ssl.keystore.type; default JKS, as in Kafka
	KeystoreLocation  string // ssl.keystore.location
	KeystorePassword  string // ssl.keystore.password
	KeyPassword       string // ssl.key.password
	KeystoreKey       string // ssl.keystore.key: PEM private key given inline (type PEM)
	KeystoreCertChain string // ssl.keystore.certificate.chain: PEM chain given inline (type PEM)

	TruststoreType         string // ssl.truststore.type; default JKS
	TruststoreLocation     string // ssl.truststore.location; empty: the system roots
	TruststorePassword     string // ssl.truststore.password
	TruststoreCertificates string // ssl.truststore.certificates: PEM given inline (type PEM)

	EnabledProtocols []string // ssl.enabled.protocols; default TLSv1.2,TLSv1.3
	Protocol         string   // ssl.protocol; default TLSv1.3; TLSv1.2 caps the version
	CipherSuites     []string // ssl.cipher.suites; empty: Go's defaults

	// EndpointIdentification is ssl.endpoint.identification.algorithm: "https" (the default)
	// checks the server's host name; "" checks the chain only. Client side only.
	EndpointIdentification string
	// ClientAuth is ssl.client.auth: none (default), requested or required. Server side only.
	ClientAuth string
}

// keys this package reads, below "ssl."; the Java-only ones it accepts with their defaults.
const (
	kKeystoreType       = "ssl.keystore.type"
	kKeystoreLocation   = "ssl.keystore.location"
	kKeystorePassword   = "ssl.keystore.password"
	kKeyPassword        = "ssl.key.password"
	kKeystoreKey        = "ssl.keystore.key"
	kKeystoreChain      = "ssl.keystore.certificate.chain"
	kTruststoreType     = "ssl.truststore.type"
	kTruststoreLocation = "ssl.truststore.location"
	kTruststorePassword = "ssl.truststore.password"
	kTruststoreCerts    = "ssl.truststore.certificates"
	kEnabledProtocols   = "ssl.enabled.protocols"
	kProtocol           = "ssl.protocol"
	kCipherSuites       = "ssl.cipher.suites"
	kEndpointID         = "ssl.endpoint.identification.algorithm"
	kClientAuth         = "ssl.client.auth"
	kProvider           = "ssl.provider"
	kEngineFactory      = "ssl.engine.factory.class"
	kKeyManagerAlg      = "ssl.keymanager.algorithm"
	kTrustManagerAlg    = "ssl.trustmanager.algorithm"
	kSecureRandom       = "ssl.secure.random.implementation"
)

// SelectPrefix applies Kafka's AbstractConfig.valuesWithPrefixAllOrNothing: when any key
// starts with prefix, the settings are read under prefix alone; otherwise under no prefix.
// Kafka Connect reads listeners.https.ssl.* this way, with the worker's ssl.* as fallback.
func SelectPrefix(props map[string]string, prefix string) string {
	for k := range props {
		if strings.HasPrefix(k, prefix) {
			return prefix
		}
	}
	return ""
}

// Configured reports whether any ssl.* key is set under prefix.
func Configured(props map[string]string, prefix string) bool {
	for k := range props {
		if strings.HasPrefix(k, prefix+"ssl.") {
			return true
		}
	}
	return false
}

// Parse reads prefix+"ssl.*" from props, applies Kafka's defaults and checks every value that
// can be checked without opening a file.
func Parse(props map[string]string, prefix string) (Settings, error) {
	get := func(k, def string) string {
		if v, ok := props[prefix+k]; ok {
			return strings.TrimSpace(v)
		}
		return def
	}
	s := Settings{
		Prefix:                 prefix,
		KeystoreType:           strings.ToUpper(get(kKeystoreType, TypeJKS)),
		KeystoreLocation:       get(kKeystoreLocation, ""),
		KeystorePassword:       props[prefix+kKeystorePassword],
		KeyPassword:            props[prefix+kKeyPassword],
		KeystoreKey:            get(kKeystoreKey, ""),
		KeystoreCertChain:      get(kKeystoreChain, ""),
		TruststoreType:         strings.ToUpper(get(kTruststoreType, TypeJKS)),
		TruststoreLocation:     get(kTruststoreLocation, ""),
		TruststorePassword:     props[prefix+kTruststorePassword],
		TruststoreCertificates: get(kTruststoreCerts, ""),
		EnabledProtocols:       list(get(kEnabledProtocols, "TLSv1.2,TLSv1.3")),
		Protocol:               get(kProtocol, "TLSv1.3"),
		CipherSuites:           list(get(kCipherSuites, "")),
		EndpointIdentification: get(kEndpointID, "https"),
		ClientAuth:             strings.ToLower(get(kClientAuth, ClientAuthNone)),
	}
	if err := s.check(props); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// key names k as the operator wrote it.
func (s Settings) key(k string) string { return s.Prefix + k }

func (s Settings) check(props map[string]string) error {
	for _, c := range []struct{ key, value string }{{kKeystoreType, s.KeystoreType}, {kTruststoreType, s.TruststoreType}} {
		switch c.value {
		case TypeJKS, TypePKCS12, TypePEM:
		default:
			return fmt.Errorf("%w: %s=%s: connectd reads JKS, PKCS12 and PEM stores", ErrInvalid, s.key(c.key), c.value)
		}
	}
	if s.KeystoreType == TypePEM {
		if s.KeystorePassword != "" {
			// Kafka's DefaultSslEngineFactory refuses this too: only the key has a password.
			return fmt.Errorf("%w: %s cannot be set with a PEM keystore; only %s may be", ErrInvalid, s.key(kKeystorePassword), s.key(kKeyPassword))
		}
		if (s.KeystoreKey == "") != (s.KeystoreCertChain == "") {
			return fmt.Errorf("%w: %s and %s must be set together", ErrInvalid, s.key(kKeystoreKey), s.key(kKeystoreChain))
		}
		if s.KeystoreKey != "" && s.KeystoreLocation != "" {
			return fmt.Errorf("%w: %s cannot be set with %s", ErrInvalid, s.key(kKeystoreLocation), s.key(kKeystoreKey))
		}
	} else if s.KeystoreKey != "" || s.KeystoreCertChain != "" {
		return fmt.Errorf("%w: %s and %s need %s=PEM", ErrInvalid, s.key(kKeystoreKey), s.key(kKeystoreChain), s.key(kKeystoreType))
	}
	if s.TruststoreType == TypePEM {
		if s.TruststorePassword != "" {
			return fmt.Errorf("%w: %s cannot be set with a PEM truststore", ErrInvalid, s.key(kTruststorePassword))
		}
		if s.TruststoreCertificates != "" && s.TruststoreLocation != "" {
			return fmt.Errorf("%w: %s cannot be set with %s", ErrInvalid, s.key(kTruststoreLocation), s.key(kTruststoreCerts))
		}
	} else if s.TruststoreCertificates != "" {
		return fmt.Errorf("%w: %s needs %s=PEM", ErrInvalid, s.key(kTruststoreCerts), s.key(kTruststoreType))
	}
	if _, _, _, err := s.protocolRange(); err != nil {
		return err
	}
	switch s.EndpointIdentification {
	case "https", "HTTPS", "":
	default:
		return fmt.Errorf("%w: %s=%s: only https or empty", ErrInvalid, s.key(kEndpointID), s.EndpointIdentification)
	}
	switch s.ClientAuth {
	case ClientAuthNone, ClientAuthRequested, ClientAuthRequired:
	default:
		return fmt.Errorf("%w: %s=%s: one of none, requested, required", ErrInvalid, s.key(kClientAuth), s.ClientAuth)
	}
	// Java-only knobs: their defaults (and the names that mean the same for Go's stack) are
	// accepted; anything else would change behaviour Go cannot reproduce, so it is refused.
	javaOnly := []struct {
		key string
		ok  []string
	}{
		{kProvider, nil},
		{kEngineFactory, nil},
		{kKeyManagerAlg, []string{"SunX509", "PKIX", "NewSunX509"}},
		{kTrustManagerAlg, []string{"PKIX", "SunX509", "SunPKIX"}},
		// Go's TLS always draws from crypto/rand; these names all ask for a secure generator.
		{kSecureRandom, []string{"SHA1PRNG", "NativePRNG", "NativePRNGBlocking", "NativePRNGNonBlocking", "DRBG"}},
	}
	for _, j := range javaOnly {
		v := strings.TrimSpace(props[s.key(j.key)])
		if v == "" {
			continue
		}
		found := false
		for _, ok := range j.ok {
			found = found || strings.EqualFold(v, ok)
		}
		if !found {
			return fmt.Errorf("%w: %s=%s is not supported by connectd", ErrInvalid, s.key(j.key), v)
		}
	}
	return nil
}

// versions maps ssl.enabled.protocols (capped by ssl.protocol) onto Go's min and max.
func (s Settings) versions() (minV, maxV uint16, err error) {
	byName := map[string]uint16{"TLSv1": tls.VersionTLS10, "TLSv1.1": tls.VersionTLS11, "TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13}
	if len(s.EnabledProtocols) == 0 {
		return 0, 0, fmt.Errorf("%w: %s is empty", ErrInvalid, s.key(kEnabledProtocols))
	}
	seen := map[uint16]bool{}
	for _, p := range s.EnabledProtocols {
		v, ok := byName[p]
		if !ok {
			return 0, 0, fmt.Errorf("%w: %s: %q is not a protocol connectd supports (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)", ErrInvalid, s.key(kEnabledProtocols), p)
		}
		seen[v] = true
		if minV == 0 || v < minV {
			minV = v
		}
		if v > maxV {
			maxV = v
		}
	}
	// Go enables a contiguous range; a gap cannot be honoured.
	for v := minV; v <= maxV; v++ {
		if !seen[v] {
			return 0, 0, fmt.Errorf("%w: %s=%s has a gap; connectd enables a contiguous range of versions", ErrInvalid, s.key(kEnabledProtocols), strings.Join(s.EnabledProtocols, ","))
		}
	}
	// ssl.protocol names the SSLContext; Kafka documents TLSv1.2 there as "never TLSv1.3".
	switch s.Protocol {
	case "TLSv1.3", "TLS", "TLSv1.2", "TLSv1.1", "TLSv1":
		if c, ok := byName[s.Protocol]; ok && c < maxV {
			maxV = c
		}
	default:
		return 0, 0, fmt.Errorf("%w: %s=%s is not a protocol connectd supports", ErrInvalid, s.key(kProtocol), s.Protocol)
	}
	if minV > maxV {
		return 0, 0, fmt.Errorf("%w: %s=%s excludes every version in %s", ErrInvalid, s.key(kProtocol), s.Protocol, s.key(kEnabledProtocols))
	}
	return minV, maxV, nil
}

func list(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
