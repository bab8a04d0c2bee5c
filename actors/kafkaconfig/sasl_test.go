package kafkaconfig

import (
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
)

// saslBroker is an in-process broker that requires SASL (PLAIN and SCRAM) on its listener.
func saslBroker(t testing.TB) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "bob", "bob-secret"),
		kfake.Superuser("SCRAM-SHA-256", "carol", "carol-secret"),
		kfake.Superuser("SCRAM-SHA-512", "alice", "alice-secret"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// TestSASLHandshake connects with each mechanism as a user writes it, and with a wrong
// password, which must fail rather than connect without authenticating.
func TestSASLHandshake(t *testing.T) {
	addr := saslBroker(t)
	jaas := func(module, user, pass string) string {
		return module + ` required username="` + user + `" password="` + pass + `";`
	}
	tests := []struct {
		name   string
		props  map[string]string
		wantOK bool
	}{
		{"PLAIN", map[string]string{"sasl.mechanism": "PLAIN", "sasl.jaas.config": jaas(plainModule, "bob", "bob-secret")}, true},
		{"SCRAM-SHA-256", map[string]string{"sasl.mechanism": "SCRAM-SHA-256", "sasl.jaas.config": jaas(scramModule, "carol", "carol-secret")}, true},
		{"SCRAM-SHA-512", map[string]string{"sasl.mechanism": "SCRAM-SHA-512", "sasl.jaas.config": jaas(scramModule, "alice", "alice-secret")}, true},
		{"SCRAM wrong password", map[string]string{"sasl.mechanism": "SCRAM-SHA-512", "sasl.jaas.config": jaas(scramModule, "alice", "wrong")}, false},
		{"PLAIN wrong password", map[string]string{"sasl.mechanism": "PLAIN", "sasl.jaas.config": jaas(plainModule, "bob", "wrong")}, false},
		{"no SASL against a SASL listener", map[string]string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := map[string]string{"security.protocol": "SASL_PLAINTEXT"}
			if len(tt.props) == 0 {
				props = map[string]string{}
			}
			for k, v := range tt.props {
				props[k] = v
			}
			b := base()
			b.Metadata.Retry.Max = 0
			b.Net.DialTimeout, b.Net.ReadTimeout = 5e9, 5e9
			cl, err := Apply(b, Admin, props)
			if err != nil {
				t.Fatal(err)
			}
			client, err := sarama.NewClient([]string{addr}, cl.Config)
			if err == nil {
				defer client.Close()
				_, err = client.Topics()
			}
			if tt.wantOK && err != nil {
				t.Fatalf("connect: %v", err)
			}
			if !tt.wantOK && err == nil {
				t.Fatal("connected, want an authentication failure")
			}
			if !tt.wantOK && len(tt.props) > 0 && !strings.Contains(strings.ToLower(err.Error()), "sasl") && !strings.Contains(err.Error(), "authentic") {
				t.Logf("error does not say SASL: %v", err)
			}
		})
	}
}
