package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestWorkerMetricsConfig: the metrics keys of Kafka Connect's worker config are honoured or
// refused, never ignored.
func TestWorkerMetricsConfig(t *testing.T) {
	tests := []struct {
		name    string
		props   map[string]string
		window  time.Duration
		samples int
		err     string // a substring of the refusal; "" accepts
	}{
		{"defaults", nil, 30 * time.Second, 2, ""},
		{"window and samples", map[string]string{"metrics.sample.window.ms": "5000", "metrics.num.samples": "3"}, 5 * time.Second, 3, ""},
		{"zero window", map[string]string{"metrics.sample.window.ms": "0"}, 0, 0, "metrics.sample.window.ms"},
		{"recording level", map[string]string{"metrics.recording.level": "DEBUG"}, 30 * time.Second, 2, ""},
		{"unknown recording level", map[string]string{"metrics.recording.level": "VERBOSE"}, 0, 0, "metrics.recording.level"},
		{"JMX reporter", map[string]string{"metric.reporters": "org.apache.kafka.common.metrics.JmxReporter"}, 30 * time.Second, 2, ""},
		{"another reporter", map[string]string{"metric.reporters": "io.strimzi.kafka.metrics.prometheus.ClientMetricsReporter"}, 0, 0, "metric.reporters: io.strimzi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseWorkerConfig(tt.props, slog.New(slog.DiscardHandler))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one naming %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.metricsWindow != tt.window || cfg.metricsSamples != tt.samples {
				t.Errorf("window %v, samples %d; want %v, %d", cfg.metricsWindow, cfg.metricsSamples, tt.window, tt.samples)
			}
		})
	}
}
