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
	"strings"
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
			// Java's buffer.memory, and no bound by records (franz-go's 50 000 held 100-byte
			// records to five batches).
			"MaxBufferedBytes": int64(32 << 20), "MaxBufferedRecords": int64(1 << 30),
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
		{"buffer.memory", map[string]string{"buffer.memory": "67108864"}, map[string]any{"MaxBufferedBytes": int64(64 << 20)}, ""},
		{"buffer.memory beyond 2 GiB", map[string]string{"buffer.memory": "8589934592"}, map[string]any{"MaxBufferedBytes": int64(8 << 30)}, ""},
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

// TestFranzConsumer: the consumer settings reach the sink's (franz-go) consumer as Java's
// consumer reads them, with Java's assignors (range, then cooperative-sticky) by default.
func TestFranzConsumer(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		want  map[string]any // franz-go option name → value
	}{
		{"defaults", map[string]string{}, map[string]any{
			"ConsumeResetOffset": kgo.NewOffset().AtStart(), "FetchMaxPartitionBytes": int32(8 << 20),
			"FetchMaxWait": 250 * time.Millisecond, "FetchIsolationLevel": int8(0),
			"SessionTimeout": 10 * time.Second, "HeartbeatInterval": 3 * time.Second,
			"Balancers": "range,cooperative-sticky", "DisableClientMetrics": false, "InstanceID": "",
		}},
		{"fetching", map[string]string{
			"fetch.min.bytes": "4096", "fetch.max.bytes": "8388608", "max.partition.fetch.bytes": "2097152", "fetch.max.wait.ms": "40",
		}, map[string]any{
			"FetchMinBytes": int32(4096), "FetchMaxBytes": int32(8388608), "FetchMaxPartitionBytes": int32(2097152),
			"FetchMaxWait": 40 * time.Millisecond,
		}},
		{"offsets and isolation", map[string]string{"auto.offset.reset": "latest", "isolation.level": "read_committed"}, map[string]any{
			"ConsumeResetOffset": kgo.NewOffset().AtEnd(), "FetchIsolationLevel": int8(1),
		}},
		{"group membership", map[string]string{
			"session.timeout.ms": "45000", "heartbeat.interval.ms": "5000", "max.poll.interval.ms": "120000", "group.instance.id": "static-1",
		}, map[string]any{
			"SessionTimeout": 45 * time.Second, "HeartbeatInterval": 5 * time.Second, "RebalanceTimeout": 2 * time.Minute,
			"InstanceID": "static-1",
		}},
		{"assignors in the listed order, unknown classes skipped", map[string]string{"partition.assignment.strategy": "com.example.Mine," +
			"org.apache.kafka.clients.consumer.CooperativeStickyAssignor, org.apache.kafka.clients.consumer.RoundRobinAssignor"},
			map[string]any{"Balancers": "cooperative-sticky,roundrobin"}},
		{"client.id, client.rack, request.timeout.ms", map[string]string{"client.id": "mine", "client.rack": "rack-1", "request.timeout.ms": "20000"},
			map[string]any{"ClientID": "mine", "Rack": "rack-1", "RequestTimeoutOverhead": 20 * time.Second}},
		{"enable.metrics.push=false", map[string]string{"enable.metrics.push": "false"}, map[string]any{"DisableClientMetrics": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base() // as pipeline.Clients.SinkConsumer sets it
			b.ClientID = "connector-consumer-x-0"
			b.Consumer.Offsets.Initial = sarama.OffsetOldest
			b.Consumer.Group.Session.Timeout, b.Consumer.Group.Heartbeat.Interval = 10*time.Second, 3*time.Second
			b.Consumer.MaxWaitTime = 250 * time.Millisecond
			b.Consumer.Fetch.Default = 8 << 20
			cl, err := Apply(b, Consumer, tt.props)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			opts, err := FranzConsumer(cl, tt.props)
			if err != nil {
				t.Fatalf("FranzConsumer: %v", err)
			}
			c, err := kgo.NewClient(append(opts, kgo.SeedBrokers("127.0.0.1:1"), kgo.ConsumerGroup("g"), kgo.ConsumeTopics("t"))...)
			if err != nil {
				t.Fatalf("kgo.NewClient: %v", err)
			}
			defer c.Close()
			for opt, want := range tt.want {
				got := c.OptValue(opt)
				if bs, ok := got.([]kgo.GroupBalancer); ok {
					var names []string
					for _, b := range bs {
						names = append(names, b.ProtocolName())
					}
					got = strings.Join(names, ",")
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v", opt, got, want)
				}
			}
		})
	}
}

// TestConsumerRefusals: what the sink consumer cannot honour is refused, naming the key;
// Java's consumer has no max.in.flight.requests.per.connection, so it is reported unknown.
func TestConsumerRefusals(t *testing.T) {
	for key, v := range map[string]string{
		"enable.auto.commit": "true", "group.protocol": "consumer", "auto.offset.reset": "none",
		"partition.assignment.strategy": "com.example.Mine", "interceptor.classes": "com.example.I",
		"value.deserializer": "org.apache.kafka.common.serialization.StringDeserializer",
	} {
		_, err := Apply(base(), Consumer, map[string]string{key: v})
		var se *SettingError
		if !errors.As(err, &se) || se.Key != key {
			t.Errorf("%s=%s: Apply = %v, want a setting error on %s", key, v, err, key)
		}
	}
	cl, err := Apply(base(), Consumer, map[string]string{"max.in.flight.requests.per.connection": "3"})
	if err != nil || !slices.Equal(cl.Ignored, []string{"max.in.flight.requests.per.connection"}) {
		t.Errorf("Apply = %v, ignored %v; want max.in.flight.requests.per.connection reported unknown", err, cl.Ignored)
	}
}
