package main

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
)

// TestWorkerPluginConfig: plugin.path and the plugin host's keys are read, and a Kafka version
// that is none is refused at start rather than when the host is built.
func TestWorkerPluginConfig(t *testing.T) {
	tests := []struct {
		name        string
		props       map[string]string
		path        []string
		kafka, java string
		jvm         []string
		err         string // a substring of the refusal; "" accepts
	}{
		{"defaults", nil, nil, "4.3.1", "", []string{"-Xmx2G", "-Xms32m", "-XX:+UseParallelGC"}, ""},
		{"blank host JVM options: the JVM's own defaults", map[string]string{"connectd.plugin.host.jvm.options": " "},
			nil, "4.3.1", "", nil, ""},
		{"plugin.path list", map[string]string{"plugin.path": "/opt/a, /opt/b.jar"}, []string{"/opt/a", "/opt/b.jar"}, "4.3.1", "", []string{"-Xmx2G", "-Xms32m", "-XX:+UseParallelGC"}, ""},
		{"host version and java", map[string]string{"connectd.plugin.host.kafka.version": "4.4.0", "connectd.plugin.host.java": "/jdk/bin/java"},
			nil, "4.4.0", "/jdk/bin/java", []string{"-Xmx2G", "-Xms32m", "-XX:+UseParallelGC"}, ""},
		{"host JVM options", map[string]string{"connectd.plugin.host.jvm.options": " -Xmx512m  -XX:+UseSerialGC "},
			nil, "4.3.1", "", []string{"-Xmx512m", "-XX:+UseSerialGC"}, ""},
		{"not a version", map[string]string{"connectd.plugin.host.kafka.version": "latest"}, nil, "", "", nil,
			"Invalid value latest for configuration connectd.plugin.host.kafka.version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseWorkerConfig(tt.props, slog.New(slog.DiscardHandler))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.pluginHostJVM, tt.jvm) {
				t.Errorf("host JVM options %q, want %q", cfg.pluginHostJVM, tt.jvm)
			}
			if !slices.Equal(cfg.pluginPath, tt.path) || cfg.pluginHostKafka != tt.kafka || cfg.pluginHostJava != tt.java {
				t.Errorf("plugin.path %q, kafka %q, java %q; want %q, %q, %q", cfg.pluginPath, cfg.pluginHostKafka, cfg.pluginHostJava, tt.path, tt.kafka, tt.java)
			}
		})
	}
}
