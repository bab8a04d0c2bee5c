package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/wait"
)

func TestWorkerArgs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "w.properties")
	if err := os.WriteFile(file, []byte("a=1\nb=2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		want    map[string]string
		wantErr bool
	}{
		{"no file", nil, map[string]string{}, false},
		{"file", []string{file}, map[string]string{"a": "1", "b": "2"}, false},
		{"later overrides win", []string{file, "--override", "a=x", "--override=a=y", "--override", "c=z=w"}, map[string]string{"a": "y", "b": "2", "c": "z=w"}, false},
		{"override before file", []string{"--override", "b=9", file}, map[string]string{"a": "1", "b": "9"}, false},
		{"override without value", []string{"--override"}, nil, true},
		{"override without =", []string{"--override", "novalue"}, nil, true},
		{"unknown flag", []string{"--nope"}, nil, true},
		{"missing file", []string{filepath.Join(t.TempDir(), "none")}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := workerArgs(tt.args, false)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVersionAndUsage(t *testing.T) {
	out, err := exec.Command(binary, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "connectd ") || !strings.Contains(string(out), "(Kafka Connect REST API 4.4.0)") {
		t.Errorf("version: %q, %v", out, err)
	}
	cmd := exec.Command(binary, "frobnicate")
	b, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(b), "unknown command") {
		t.Errorf("unknown command: %v %q", err, b)
	}
	b, err = exec.Command(binary, "distributed", "--override", "listeners=ftp://x:1").CombinedOutput()
	if err == nil || !strings.Contains(string(b), "invalid listener") {
		t.Errorf("bad listener accepted: %v %q", err, b)
	}
}

// TestSharedBroker runs `connectd broker` on its own and a worker against it, with a
// connector that overrides the worker's value converter.
func TestSharedBroker(t *testing.T) {
	if externalBootstrap() != "" {
		t.Skip("uses its own connectd broker")
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	broker := exec.Command(binary, "broker", "--listen", addr, "--data-dir", t.TempDir())
	logPath := filepath.Join(t.TempDir(), "broker.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	broker.Stdout, broker.Stderr = logFile, logFile
	if err := broker.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = broker.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = broker.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = broker.Process.Kill()
			<-done
		}
	})
	wait.For(t, 10*time.Second, "broker to listen", func() bool {
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), "broker listening on "+addr)
	})

	w := startWorker(t, map[string]string{
		"bootstrap.servers":                 addr,
		"config.storage.replication.factor": "1",
		"offset.storage.replication.factor": "1",
		"status.storage.replication.factor": "1",
	})
	w.broker = addr
	in := filepath.Join(t.TempDir(), "in.txt")
	appendLines(t, in, "plain", 0, 10)
	cfg := sourceConfig(in, "plain")
	cfg["value.converter"] = "org.apache.kafka.connect.storage.StringConverter"
	w.mustDo("POST", "/connectors", map[string]any{"name": "src", "config": cfg}, 201, nil)
	recs := readTopic(t, addr, "plain", 10)
	if len(recs) != 10 || string(recs[0].Value) != "plain-000000" {
		t.Fatalf("records on the shared broker: %d, first %q", len(recs), firstValue(recs))
	}
	// The worker started no broker of its own.
	if b, _ := os.ReadFile(w.logPath); strings.Contains(string(b), "embedded broker listening") {
		t.Error("worker with bootstrap.servers started an embedded broker")
	}
}

func firstValue(recs []*kgo.Record) string {
	if len(recs) == 0 {
		return ""
	}
	return string(recs[0].Value)
}
