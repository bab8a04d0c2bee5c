package actors

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/connectd/connectd/connectors/javaplugin"
	"github.com/connectd/connectd/messages"
)

func TestDecideTask(t *testing.T) {
	const (
		started = messages.TargetState_TARGET_STATE_STARTED
		paused  = messages.TargetState_TARGET_STATE_PAUSED
		stopped = messages.TargetState_TARGET_STATE_STOPPED
	)
	tests := []struct {
		name                                     string
		exists                                   bool
		target                                   messages.TargetState
		configChanged, running, failed, isPaused bool
		want                                     taskDecision
	}{
		{"deleted connector", false, started, false, true, false, false, taskRemove},
		{"connector stopped", true, stopped, false, true, false, false, taskRemove},
		{"new task", true, started, true, false, false, false, taskStart},
		{"new task of a paused connector starts (paused)", true, paused, true, false, false, false, taskStart},
		{"running, nothing changed", true, started, false, true, false, false, taskKeep},
		{"config changed", true, started, true, true, false, false, taskRestart},
		{"failed stays failed", true, started, false, false, true, false, taskKeep},
		{"failed stays failed when paused", true, paused, false, false, true, false, taskKeep},
		{"failed restarts on a new config", true, started, true, false, true, false, taskStart},
		{"pause", true, paused, false, true, false, false, taskPause},
		{"already paused", true, paused, false, true, false, true, taskKeep},
		{"resume", true, started, false, true, false, true, taskResume},
		{"failed task of a deleted connector is removed", false, started, false, false, true, false, taskRemove},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decideTask(tt.exists, tt.target, tt.configChanged, tt.running, tt.failed, tt.isPaused); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTraceOf(t *testing.T) {
	if traceOf(nil) != "" {
		t.Error("nil error has a trace")
	}
	tr := traceOf(safeRun(3, func() any { panic("boom") }).(*pluginFailed).err)
	if want := "panic: boom"; len(tr) < len(want) || tr[:len(want)] != want {
		t.Errorf("trace %q does not start with %q", tr, want)
	}
	if !strings.Contains(tr, "goroutine") {
		t.Errorf("panic trace has no stack: %q", tr)
	}

	// A Java plugin's exception is its JVM trace alone, as Kafka Connect's status shows it,
	// however the Go side wrapped it; a Go error keeps its chain.
	javaTrace := "org.apache.kafka.connect.errors.ConnectException: poll failed on purpose\n" +
		"\tat com.example.failing.FailingSourceTask.poll(FailingSourceTask.java:42)\n" +
		"Caused by: java.lang.IllegalArgumentException: the cause\n" +
		"\t... 1 more\n"
	java := &javaplugin.JavaError{Class: "org.apache.kafka.connect.errors.ConnectException", Message: "poll failed on purpose", Trace: javaTrace}
	goErr := errors.New("connection refused")
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"java", java, strings.TrimRight(javaTrace, "\n")},
		{"java wrapped", fmt.Errorf("poll: %w", java), strings.TrimRight(javaTrace, "\n")},
		{"java wrapped twice", fmt.Errorf("task: %w", fmt.Errorf("put 3 records: %w", java)), strings.TrimRight(javaTrace, "\n")},
		{"java without trace", &javaplugin.JavaError{Class: "java.lang.Error", Message: "m"}, "java.lang.Error: m"},
		{"go", fmt.Errorf("poll: %w", goErr), "poll: connection refused\nCaused by: *errors.errorString: connection refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := traceOf(tt.err); got != tt.want {
				t.Errorf("traceOf = %q, want %q", got, tt.want)
			}
		})
	}
}
