package kafkaconfig

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/actors/tlsconfig"
)

// applyTLS turns TLS on with the ssl.* settings: keystore (mutual TLS), truststore and
// ssl.endpoint.identification.algorithm. An unreadable store or a wrong password is an error.
//
// The handshake is done by a dialer, with sarama's own TLS switch off: it names each broker
// (host name or IP address) as the server to verify, bounds the handshake by the dial
// timeout, and reports a failed handshake with the broker's address.
func applyTLS(c *sarama.Config, props map[string]string) error {
	src, err := tlsconfig.Load(props, "")
	if err != nil {
		return &SettingError{Key: "ssl", Msg: err.Error(), Err: err}
	}
	c.Net.TLS.Enable = false
	c.Net.Proxy.Enable = true
	c.Net.Proxy.Dialer = &tlsDialer{src: src, dialer: net.Dialer{Timeout: c.Net.DialTimeout, KeepAlive: c.Net.KeepAlive}}
	return nil
}

// tlsDialer dials TCP and completes a TLS handshake for the address dialed.
type tlsDialer struct {
	src    *tlsconfig.Source
	dialer net.Dialer
}

func (d *tlsDialer) Dial(network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	timeout := d.dialer.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	raw, err := d.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cfg := d.src.ClientConfig().Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("TLS handshake with %s (security.protocol SSL/SASL_SSL): %w", addr, err)
	}
	return conn, nil
}
