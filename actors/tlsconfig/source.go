package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Source is one ssl.* configuration and the key material it names. The tls.Configs it hands
// out read the material through the Source, so a certificate renewed on disk is served from
// the next handshake on, without a restart.
type Source struct {
	settings Settings
	minV     uint16
	maxV     uint16
	suites   []uint16
	interval time.Duration
	log      *slog.Logger
	now      func() time.Time

	mu      sync.Mutex
	cur     material
	stamps  []stamp
	checked time.Time
}

// stamp is what a watched file looked like when it was last loaded.
type stamp struct {
	path    string
	modTime time.Time
	size    int64
}

// Option tunes a Source.
type Option interface{ apply(*Source) }

type optionFunc func(*Source)

func (f optionFunc) apply(s *Source) { f(s) }

// WithCheckInterval sets how often at most the files are looked at for changes (default 1 s).
// The look happens on a handshake; an idle listener costs nothing.
func WithCheckInterval(d time.Duration) Option {
	return optionFunc(func(s *Source) { s.interval = d })
}

// WithLogger sets where reloads and failed reloads are reported (default: discarded).
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(s *Source) { s.log = l })
}

// Load parses prefix+"ssl.*" from props and reads the stores it names.
func Load(props map[string]string, prefix string, opts ...Option) (*Source, error) {
	settings, err := Parse(props, prefix)
	if err != nil {
		return nil, err
	}
	return FromSettings(settings, opts...)
}

// FromSettings reads the stores settings names.
func FromSettings(settings Settings, opts ...Option) (*Source, error) {
	minV, maxV, plan, err := settings.protocolRange()
	if err != nil {
		return nil, err
	}
	s := &Source{
		settings: settings,
		minV:     minV,
		maxV:     maxV,
		suites:   plan.ids,
		interval: time.Second,
		log:      slog.New(slog.DiscardHandler),
		now:      time.Now,
	}
	for _, o := range opts {
		o.apply(s)
	}
	s.stamps = s.stat()
	if s.cur, err = settings.load(); err != nil {
		return nil, err
	}
	s.checked = s.now()
	return s, nil
}

// Settings returns the parsed settings.
func (s *Source) Settings() Settings { return s.settings }

// HasKeystore reports whether a keystore is configured.
func (s *Source) HasKeystore() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.cur.certs) > 0
}

func (s *Source) stat() []stamp {
	var out []stamp
	for _, p := range s.settings.files() {
		st := stamp{path: p}
		if fi, err := os.Stat(p); err == nil {
			st.modTime, st.size = fi.ModTime(), fi.Size()
		}
		out = append(out, st)
	}
	return out
}

// current returns the material, re-read first when a file changed since the last load.
func (s *Source) current() material {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.checked) < s.interval {
		return s.cur
	}
	s.checked = now
	stamps := s.stat()
	changed := false
	for i := range stamps {
		if i >= len(s.stamps) || !stamps[i].modTime.Equal(s.stamps[i].modTime) || stamps[i].size != s.stamps[i].size {
			changed = true
		}
	}
	if !changed {
		return s.cur
	}
	m, err := s.settings.load()
	if err != nil {
		// Half-written files are normal while a renewal is copied in: keep serving the old
		// material and look again at the next check.
		s.log.Warn("tls stores changed but do not load; keeping the previous ones", "err", err)
		return s.cur
	}
	s.stamps, s.cur = stamps, m
	s.log.Info("tls stores reloaded", "files", len(stamps))
	return s.cur
}

// Reload re-reads the stores now, whatever the check interval; the previous material stays
// in use when they do not load.
func (s *Source) Reload() error {
	m, err := s.settings.load()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stamps, s.cur, s.checked = s.stat(), m, s.now()
	return nil
}

func (s *Source) base() *tls.Config {
	return &tls.Config{MinVersion: s.minV, MaxVersion: s.maxV, CipherSuites: s.suites}
}

// ServerConfig is the tls.Config of a listener: the keystore's certificate, ssl.client.auth
// checked against the truststore (the system roots when none is set, as Java's default trust
// manager does). ErrNoKeystore when no keystore is configured.
//
// The certificate and the client check read the material through the Source (reloaded), and
// the config is safe to Clone and extend (net/http and gRPC add their ALPN protocols).
func (s *Source) ServerConfig() (*tls.Config, error) {
	if !s.HasKeystore() {
		return nil, fmt.Errorf("%w: set %s", ErrNoKeystore, s.settings.key(kKeystoreLocation))
	}
	cfg := s.base()
	cfg.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		m := s.current()
		for i := range m.certs {
			if hello.SupportsCertificate(&m.certs[i]) == nil {
				return &m.certs[i], nil
			}
		}
		return &m.certs[0], nil // let the handshake fail on the client's terms
	}
	switch s.settings.ClientAuth {
	case ClientAuthNone:
		cfg.ClientAuth = tls.NoClientCert
		return cfg, nil
	case ClientAuthRequested:
		cfg.ClientAuth = tls.RequestClientCert
	case ClientAuthRequired:
		cfg.ClientAuth = tls.RequireAnyClientCert
	}
	// Go's own client check reads ClientCAs fixed at start; this one reads the current
	// truststore. A client that sends no certificate passes only when it is requested.
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			if s.settings.ClientAuth == ClientAuthRequired {
				return errors.New("tls: a client certificate is required")
			}
			return nil
		}
		opts := x509.VerifyOptions{
			Roots:         s.current().roots,
			Intermediates: x509.NewCertPool(),
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
			return fmt.Errorf("tls: verify client certificate: %w", err)
		}
		return nil
	}
	return cfg, nil
}

// ClientConfig is the tls.Config of a client: the keystore's certificate when the server asks
// for one (read through the Source, so reloaded), the server's chain verified against the
// truststore as it is now (the system roots when none is set) and, with
// ssl.endpoint.identification.algorithm=https, its host name too (DNS name or IP address, as
// the dialer names it).
func (s *Source) ClientConfig() *tls.Config {
	cfg := s.base()
	roots := s.current().roots
	cfg.GetClientCertificate = func(req *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		m := s.current()
		for i := range m.certs {
			if req.SupportsCertificate(&m.certs[i]) == nil {
				return &m.certs[i], nil
			}
		}
		return &tls.Certificate{}, nil // no certificate: the server decides
	}
	if s.settings.EndpointIdentification != "" {
		cfg.RootCAs = roots // Go's own verification: chain and host name
		return cfg
	}
	// The empty algorithm: Go's verification would check the name too, so it is replaced by
	// a chain-only check, never skipped.
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		return verifyChain(cs, roots)
	}
	return cfg
}

// verifyChain checks the server's chain against roots, without its name.
func verifyChain(cs tls.ConnectionState, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("tls: the server sent no certificate")
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
		return fmt.Errorf("tls: verify server certificate: %w", err)
	}
	return nil
}
