package kafkaconfig

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

func base() *sarama.Config {
	c := sarama.NewConfig()
	c.Version = sarama.V3_6_0_0
	c.Producer.Return.Successes = true
	return c
}

func TestApplyClientSettings(t *testing.T) {
	tests := []struct {
		name  string
		role  Role
		props map[string]string
		check func(t *testing.T, cl Client)
	}{
		{"producer tuning", Producer, map[string]string{
			"acks": "1", "compression.type": "zstd", "compression.zstd.level": "7", "linger.ms": "25", "batch.size": "32768",
			"max.request.size": "2097152", "client.id": "mine", "request.timeout.ms": "12000", "retries": "4",
		}, func(t *testing.T, cl Client) {
			c := cl.Config
			if c.Producer.RequiredAcks != sarama.WaitForLocal || c.Producer.Compression != sarama.CompressionZSTD ||
				c.Producer.CompressionLevel != 7 || c.Producer.Flush.Frequency != 25*time.Millisecond ||
				c.Producer.Flush.Bytes != 32768 || c.Producer.MaxMessageBytes != 2097152 || c.ClientID != "mine" ||
				c.Net.ReadTimeout != 12*time.Second || c.Producer.Timeout != 12*time.Second || c.Producer.Retry.Max != 4 {
				t.Errorf("producer config not applied: %+v", c.Producer)
			}
		}},
		{"each codec", Producer, map[string]string{"compression.type": "LZ4"}, func(t *testing.T, cl Client) {
			if cl.Config.Producer.Compression != sarama.CompressionLZ4 {
				t.Errorf("compression %v", cl.Config.Producer.Compression)
			}
		}},
		{"idempotence", Producer, map[string]string{"enable.idempotence": "true", "acks": "all"}, func(t *testing.T, cl Client) {
			if !cl.Config.Producer.Idempotent || cl.Config.Net.MaxOpenRequests != 1 {
				t.Errorf("idempotence not applied")
			}
		}},
		{"consumer tuning", Consumer, map[string]string{
			"auto.offset.reset": "latest", "max.poll.records": "42", "fetch.min.bytes": "10", "fetch.max.wait.ms": "100",
			"max.partition.fetch.bytes": "65536", "isolation.level": "read_committed", "session.timeout.ms": "45000",
			"group.instance.id": "static-1", "group.id": "my-group",
		}, func(t *testing.T, cl Client) {
			c := cl.Config
			if c.Consumer.Offsets.Initial != sarama.OffsetNewest || cl.MaxPollRecords != 42 || c.Consumer.Fetch.Min != 10 ||
				c.Consumer.MaxWaitTime != 100*time.Millisecond || c.Consumer.Fetch.Default != 65536 ||
				c.Consumer.IsolationLevel != sarama.ReadCommitted || c.Consumer.Group.Session.Timeout != 45*time.Second ||
				c.Consumer.Group.InstanceId != "static-1" || cl.GroupID != "my-group" {
				t.Errorf("consumer config not applied: %+v %+v", cl, c.Consumer)
			}
		}},
		{"unknown keys are reported", Producer, map[string]string{"acks": "all", "metrics.num.samples": "2"},
			func(t *testing.T, cl Client) {
				if strings.Join(cl.Ignored, ",") != "metrics.num.samples" {
					t.Errorf("Ignored = %v", cl.Ignored)
				}
			}},
		{"worker role reads only security", Worker, map[string]string{"acks": "0", "group.id": "g"}, func(t *testing.T, cl Client) {
			if cl.Config.Producer.RequiredAcks != base().Producer.RequiredAcks || len(cl.Ignored) != 0 {
				t.Errorf("worker role applied client settings")
			}
		}},
		{"unknown sasl keys are reported", Worker, map[string]string{"sasl.kerberos.service.name": "kafka", "sasl.mechanism": "PLAIN"}, func(t *testing.T, cl Client) {
			if strings.Join(cl.Ignored, ",") != "sasl.kerberos.service.name" {
				t.Errorf("Ignored = %v", cl.Ignored)
			}
		}},
		{"bootstrap override", Producer, map[string]string{"bootstrap.servers": "a:1, b:2"}, func(t *testing.T, cl Client) {
			if strings.Join(cl.Bootstrap, ",") != "a:1,b:2" {
				t.Errorf("Bootstrap = %v", cl.Bootstrap)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base()
			cl, err := Apply(b, tt.role, tt.props)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cl)
			if b.Producer.Compression != sarama.CompressionNone || b.ClientID != "sarama" {
				t.Error("Apply changed its base")
			}
		})
	}
}

func TestApplyRefuses(t *testing.T) {
	tests := []struct {
		role  Role
		props map[string]string
		key   string
		text  string
	}{
		{Producer, map[string]string{"acks": "2"}, "acks", "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1"},
		{Producer, map[string]string{"compression.type": "brotli"}, "compression.type", "Invalid value brotli for configuration compression.type"},
		{Producer, map[string]string{"linger.ms": "soon"}, "linger.ms", "Not a number of type LONG"},
		{Producer, map[string]string{"delivery.timeout.ms": "120000"}, "delivery.timeout.ms", "delivery.timeout.ms is not supported"},
		{Producer, map[string]string{"partitioner.class": "x.Y"}, "partitioner.class", "is not supported"},
		{Producer, map[string]string{"buffer.memory": "lots"}, "buffer.memory", "Not a number of type LONG"},
		{Producer, map[string]string{"buffer.memory": "-1"}, "buffer.memory", "Value must be at least 0"},
		{Producer, map[string]string{"buffer.memory": "0"}, "buffer.memory", "leaves no room for any record"},
		{Producer, map[string]string{"enable.idempotence": "true", "acks": "1"}, "acks", "Must set acks to all"},
		{Consumer, map[string]string{"auto.offset.reset": "none"}, "auto.offset.reset", "auto.offset.reset=none is not supported"},
		{Consumer, map[string]string{"auto.offset.reset": "middle"}, "auto.offset.reset", "String must be one of: latest, earliest, none"},
		{Consumer, map[string]string{"isolation.level": "dirty"}, "isolation.level", "read_committed"},
		{Consumer, map[string]string{"enable.auto.commit": "true"}, "enable.auto.commit", "not supported"},
		{Consumer, map[string]string{"max.poll.records": "0"}, "max.poll.records", "Value must be at least 1"},
		{Consumer, map[string]string{"partition.assignment.strategy": "com.example.CustomAssignor"}, "partition.assignment.strategy", "none of the assignors"},
		{Producer, map[string]string{"security.protocol": "SASL_PLAINTEXT"}, "sasl.mechanism", "GSSAPI (Kerberos) is not supported"},
		{Producer, map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "GSSAPI"}, "sasl.mechanism", "GSSAPI (Kerberos) is not supported"},
		{Producer, map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "DIGEST-MD5"}, "sasl.mechanism", "connectd supports PLAIN"},
		{Producer, map[string]string{"security.protocol": "TLS"}, "security.protocol", "String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"},
		{Producer, map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN"}, "sasl.jaas.config", "sasl.jaas.config is required"},
		{Producer, map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
			"sasl.jaas.config": `com.sun.security.auth.module.Krb5LoginModule required password="hunter2";`}, "sasl.jaas.config", "needs org.apache.kafka.common.security.plain.PlainLoginModule"},
		{Producer, map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
			"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required password="hunter2"`}, "sasl.jaas.config", "malformed sasl.jaas.config"},
		{Producer, map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "OAUTHBEARER",
			"sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="a" clientSecret="hunter2";`},
			"sasl.oauthbearer.token.endpoint.url", "is required for sasl.mechanism OAUTHBEARER"},
		{Producer, map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "OAUTHBEARER", "sasl.oauthbearer.token.endpoint.url": "http://127.0.0.1:1/t",
			"sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="a";`},
			"sasl.jaas.config", "needs clientId and clientSecret"},
		{Producer, map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.client.callback.handler.class": "x.Y",
			"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="hunter2";`}, "sasl.client.callback.handler.class", "cannot run in connectd"},
	}
	for _, tt := range tests {
		_, err := Apply(base(), tt.role, tt.props)
		var se *SettingError
		if !errors.As(err, &se) || se.Key != tt.key || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("Apply(%v) = %v; want a SettingError on %s containing %q", tt.props, err, tt.key, tt.text)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error %q shows a secret", err)
		}
	}
}
