package validation

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/connectd/connectd/actors/configprovider"
	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/connectors/builtin"
	"github.com/connectd/connectd/messages"
)

// valueOf finds the validation result of key.
func valueOf(infos *messages.ConfigInfos, key string) *messages.ConfigValueInfo {
	for _, c := range infos.Configs {
		if c.GetValue().GetName() == key {
			return c.GetValue()
		}
	}
	return nil
}

// TestClientOverrideValidation: each override gets an entry named with its prefix, with the
// policy's error (Kafka's AbstractConnectorClientConfigOverridePolicy text) or connectd's
// refusal of a setting it cannot honour.
func TestClientOverrideValidation(t *testing.T) {
	source := map[string]string{"connector.class": fileSource, "name": "s", "topic": "t", "file": "/tmp/x"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	sink := map[string]string{"connector.class": fileSink, "name": "k", "topics": "t", "file": "/tmp/y"}
	tests := []struct {
		name   string
		policy kafkaconfig.OverridePolicy
		config map[string]string
		key    string
		errs   []string
	}{
		{"All allows", kafkaconfig.PolicyAll, with(source, "producer.override.compression.type", "zstd"), "producer.override.compression.type", nil},
		{"None refuses", kafkaconfig.PolicyNone, with(source, "producer.override.compression.type", "zstd"), "producer.override.compression.type",
			[]string{"The 'None' policy does not allow 'compression.type' to be overridden in the connector configuration."}},
		{"Principal allows the principal", kafkaconfig.PolicyPrincipal, with(source, "producer.override.sasl.mechanism", "PLAIN", "producer.override.security.protocol", "SASL_PLAINTEXT",
			"producer.override.sasl.jaas.config", `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`), "producer.override.sasl.mechanism", nil},
		{"Principal refuses the rest", kafkaconfig.PolicyPrincipal, with(sink, "consumer.override.auto.offset.reset", "latest"), "consumer.override.auto.offset.reset",
			[]string{"The 'Principal' policy does not allow 'auto.offset.reset' to be overridden in the connector configuration."}},
		{"bad value", kafkaconfig.PolicyAll, with(sink, "consumer.override.auto.offset.reset", "sometimes"), "consumer.override.auto.offset.reset",
			[]string{"Invalid value sometimes for configuration auto.offset.reset: String must be one of: latest, earliest, none"}},
		{"cannot honour", kafkaconfig.PolicyAll, with(source, "producer.override.delivery.timeout.ms", "1000"), "producer.override.delivery.timeout.ms",
			[]string{"delivery.timeout.ms is not supported: connectd's Kafka client bounds delivery by retries and retry.backoff.ms, not by a delivery timeout; remove delivery.timeout.ms"}},
		{"admin override", kafkaconfig.PolicyAll, with(sink, "admin.override.retries", "3"), "admin.override.retries", nil},
		{"admin override refused by the policy", kafkaconfig.PolicyNone, with(sink, "admin.override.retries", "3"), "admin.override.retries",
			[]string{"The 'None' policy does not allow 'retries' to be overridden in the connector configuration."}},
		{"bad admin override", kafkaconfig.PolicyAll, with(sink, "admin.override.retries", "many"), "admin.override.retries",
			[]string{"Invalid value many for configuration retries: Not a number of type INT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vd := New(builtin.Registry(), WorkerConverters{Value: Converter{Class: stringConv}}, WithOverridePolicy(tt.policy))
			infos, err := vd.validateConfig(tt.config, nil)
			if err != nil {
				t.Fatal(err)
			}
			v := valueOf(infos, tt.key)
			if v == nil {
				t.Fatalf("no entry for %s", tt.key)
			}
			if !slices.Equal(v.Errors, tt.errs) {
				t.Errorf("errors of %s = %q, want %q", tt.key, v.Errors, tt.errs)
			}
			if want := int32(len(tt.errs)); infos.ErrorCount != want {
				t.Errorf("error count %d, want %d", infos.ErrorCount, want)
			}
		})
	}
}

// TestPlaceholderValidation: values are validated resolved, shown as written, and an
// unresolvable placeholder is an error on its key.
func TestPlaceholderValidation(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "creds.properties")
	if err := os.WriteFile(creds, []byte("tasks=notanumber-secret\ntopic=t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := configprovider.FromProperties(map[string]string{"config.providers": "file", "config.providers.file.class": configprovider.FileClass})
	if err != nil {
		t.Fatal(err)
	}
	vd := New(builtin.Registry(), WorkerConverters{Value: Converter{Class: stringConv}}, WithProviders(set))
	config := map[string]string{
		"connector.class": fileSource, "name": "s", "file": "/tmp/x",
		"topic":      "${file:" + creds + ":topic}",
		"tasks.max":  "${file:" + creds + ":tasks}",
		"batch.size": "${file:" + creds + ":missing}",
	}
	infos, err := vd.validateConfig(config, nil)
	if err != nil {
		t.Fatal(err)
	}
	topic := valueOf(infos, "topic")
	if topic.GetValue() != config["topic"] || len(topic.Errors) != 0 {
		t.Errorf("topic = %q %q; want the placeholder, no error", topic.GetValue(), topic.Errors)
	}
	tasks := valueOf(infos, "tasks.max")
	if (tasks.Value != nil && tasks.GetValue() != config["tasks.max"]) || len(tasks.Errors) == 0 || strings.Contains(tasks.Errors[0], "notanumber-secret") ||
		!strings.Contains(tasks.Errors[0], "[hidden]") {
		t.Errorf("tasks.max = %q %q; want the placeholder and a redacted type error", tasks.GetValue(), tasks.Errors)
	}
	batch := valueOf(infos, "batch.size")
	if len(batch.Errors) == 0 || !strings.Contains(batch.Errors[0], "Invalid value for configuration batch.size") {
		t.Errorf("batch.size errors %q; want the unresolved placeholder refused", batch.Errors)
	}
}
