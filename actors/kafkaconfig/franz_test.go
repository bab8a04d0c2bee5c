package kafkaconfig

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/tlsconfig"
	"github.com/connectd/connectd/actors/tlsconfig/testcerts"
)

// TestFranzProducer: the producer settings reach the pipelined (franz-go) producer as Java's
// producer reads them, with Java's defaults where none is set (no compression, linger.ms 5,
// idempotent with acks=all), and what the idempotent producer cannot do is refused.
func TestFranzProducer(t *testing.T) {
	tests := []struct {
		name    string
		props   map[string]string
		want    map[string]any // franz-go option name → value
		wantErr string         // the refused key, if any
	}{
		{"Java's defaults", map[string]string{}, map[string]any{
			"ProducerLinger": DefaultLinger, "ProducerBatchMaxBytes": int32(1000012),
			"DisableIdempotentWrite": false, "RequiredAcks": kgo.AllISRAcks(),
			"ProducerBatchCompression": []kgo.CompressionCodec{kgo.NoCompression()},
		}, ""},
		{"batching and compression", map[string]string{
			"linger.ms": "25", "batch.size": "32768", "compression.type": "zstd", "compression.zstd.level": "7",
		}, map[string]any{
			"ProducerLinger": 25 * time.Millisecond, "ProducerBatchMaxBytes": int32(32768),
			"ProducerBatchCompression": []kgo.CompressionCodec{kgo.ZstdCompression().WithLevel(7)},
		}, ""},
		{"linger.ms 0 sends at once", map[string]string{"linger.ms": "0"}, map[string]any{"ProducerLinger": time.Duration(0)}, ""},
		{"batch.size beyond max.request.size", map[string]string{"batch.size": "4000000", "max.request.size": "2000000"},
			map[string]any{"ProducerBatchMaxBytes": int32(2000000)}, ""},
		{"batch.size 0 is franz-go's smallest batch", map[string]string{"batch.size": "0"},
			map[string]any{"ProducerBatchMaxBytes": int32(minBatchBytes)}, ""},
		{"acks=1 is not idempotent", map[string]string{"acks": "1", "max.in.flight.requests.per.connection": "3"}, map[string]any{
			"RequiredAcks": kgo.LeaderAck(), "DisableIdempotentWrite": true, "MaxProduceRequestsInflightPerBroker": 3,
		}, ""},
		{"enable.idempotence=false", map[string]string{"enable.idempotence": "false"}, map[string]any{"DisableIdempotentWrite": true}, ""},
		{"retries", map[string]string{"retries": "3"}, map[string]any{"RecordRetries": int64(3)}, ""},
		{"enable.metrics.push=false", map[string]string{"enable.metrics.push": "false"}, map[string]any{"DisableClientMetrics": true}, ""},
		{"enable.metrics.push by default", map[string]string{}, map[string]any{"DisableClientMetrics": false}, ""},
		{"client.id", map[string]string{"client.id": "mine"}, map[string]any{"ClientID": "mine"}, ""},
		{"idempotence with more than 5 in flight", map[string]string{"max.in.flight.requests.per.connection": "6"}, nil,
			"max.in.flight.requests.per.connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base()
			b.ClientID = "connector-producer-x-0"
			b.Producer.RequiredAcks = sarama.WaitForAll // as pipeline.Clients sets it
			cl, err := Apply(b, Producer, tt.props)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			opts, err := FranzProducer(cl, tt.props)
			if tt.wantErr != "" {
				var se *SettingError
				if !errors.As(err, &se) || se.Key != tt.wantErr {
					t.Fatalf("FranzProducer = %v, want a setting error on %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FranzProducer: %v", err)
			}
			c, err := kgo.NewClient(append(opts, kgo.SeedBrokers("127.0.0.1:1"))...)
			if err != nil {
				t.Fatalf("kgo.NewClient: %v", err)
			}
			defer c.Close()
			for opt, want := range tt.want {
				got := c.OptValue(opt)
				if gs, ok := got.([]kgo.CompressionCodec); ok {
					if !slices.Equal(gs, want.([]kgo.CompressionCodec)) {
						t.Errorf("%s = %v, want %v", opt, got, want)
					}
					continue
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v", opt, got, want)
				}
			}
		})
	}
}

// TestFranzProducerSpeaksTLS: with security.protocol=SSL, the pipelined producer completes a
// mutual TLS handshake with the broker's listener, as the sarama clients do through applyTLS's
// dialer (it once dialed plaintext: every secured source task then waited on its metadata).
func TestFranzProducerSpeaksTLS(t *testing.T) {
	pki := testcerts.New(t)
	server, client := pki.Issue(t, "broker", "127.0.0.1"), pki.Issue(t, "worker")
	serverSource, err := tlsconfig.Load(map[string]string{
		"ssl.keystore.type": "PKCS12", "ssl.keystore.location": server.P12, "ssl.keystore.password": pki.StorePassword,
		"ssl.truststore.type": "PEM", "ssl.truststore.location": pki.CAPEM, "ssl.client.auth": "required",
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	serverConfig, err := serverSource.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(pki.CAPEM)
	if err != nil {
		t.Fatal(err)
	}
	serverConfig.ClientCAs = x509.NewCertPool()
	serverConfig.ClientCAs.AppendCertsFromPEM(ca)
	serverConfig.ClientAuth = tls.RequireAndVerifyClientCert
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	handshakes := make(chan error, 16)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			tc := tls.Server(conn, serverConfig)
			err = tc.Handshake()
			if err == nil && len(tc.ConnectionState().PeerCertificates) == 0 {
				err = errors.New("no client certificate")
			}
			handshakes <- err
			conn.Close()
		}
	}()

	props := map[string]string{
		"security.protocol": "SSL",
		"ssl.keystore.type": "PKCS12", "ssl.keystore.location": client.P12, "ssl.keystore.password": pki.StorePassword,
		"ssl.truststore.type": "PEM", "ssl.truststore.location": pki.CAPEM,
	}
	cl, err := Apply(base(), Producer, props)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	opts, err := FranzProducer(cl, props)
	if err != nil {
		t.Fatalf("FranzProducer: %v", err)
	}
	c, err := kgo.NewClient(append(opts, kgo.SeedBrokers(l.Addr().String()))...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go c.Ping(ctx) // the listener is no broker: only the handshake is looked at
	select {
	case err := <-handshakes:
		if err != nil {
			t.Fatalf("the producer's connection: %v; want a mutual TLS handshake", err)
		}
	case <-ctx.Done():
		t.Fatal("the producer never connected")
	}
}
