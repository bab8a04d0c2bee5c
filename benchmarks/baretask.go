package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// bareSinkTaskSource is a Java sink task's own ceiling: the task alone, putting the lines of a
// file in batches and flushed every interval, without Kafka or a runtime (javatask/BareSinkTask.java).
//
//go:embed javatask/BareSinkTask.java
var bareSinkTaskSource []byte

// bareSinkBatch is the batch the bare task is given: max.poll.records' default, the batches
// both runtimes put when the consumer is ahead of the task.
const bareSinkBatch = 500

// hostJVM is how the plugin host process pid was started: its java binary and the JVM options
// before its classpath, read from /proc/<pid>/cmdline, so that a bare task runs as the host did.
func hostJVM(pid int) (java string, options []string, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "", nil, fmt.Errorf("the plugin host's command line: %w", err)
	}
	return jvmCommand(strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"))
}

// jvmCommand splits a java command line into the binary and the options before its classpath.
func jvmCommand(args []string) (java string, options []string, err error) {
	for i, a := range args {
		if i > 0 && (a == "-cp" || a == "-classpath" || a == "--class-path") {
			return args[0], args[1:i], nil
		}
	}
	return "", nil, fmt.Errorf("the plugin host's command line has no classpath: %q", args)
}

// bareSink runs taskClass alone (javatask/BareSinkTask.java, through Java's source launcher)
// on every line of linesFile with the JVM java and options and the JARs of pluginDirs on its
// classpath, flushed every flush; it returns the records put and the time from the first put
// to the end of the last flush.
func bareSink(ctx context.Context, java string, options []string, pluginDirs []string, taskClass, linesFile string, flush time.Duration, props map[string]string) (int64, time.Duration, error) {
	dir, err := os.MkdirTemp("", "connectd-bench-baretask-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "BareSinkTask.java")
	if err := os.WriteFile(src, bareSinkTaskSource, 0o644); err != nil {
		return 0, 0, err
	}
	var cp []string
	for _, d := range pluginDirs {
		jars, err := filepath.Glob(filepath.Join(d, "*.jar"))
		if err != nil {
			return 0, 0, err
		}
		cp = append(cp, jars...)
	}
	args := append(append([]string{}, options...), "-cp", strings.Join(cp, string(os.PathListSeparator)), src,
		taskClass, linesFile, strconv.Itoa(bareSinkBatch), strconv.FormatInt(flush.Milliseconds(), 10))
	for k, v := range props {
		args = append(args, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, java, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("bare %s: %w: %s", taskClass, err, lastLines(stderr.String(), 10))
	}
	var n int64
	var seconds float64
	if _, err := fmt.Sscanf(stdout.String(), "records %d seconds %g", &n, &seconds); err != nil {
		return 0, 0, fmt.Errorf("bare %s: its report %q: %w", taskClass, stdout.String(), err)
	}
	if n <= 0 || seconds <= 0 {
		return 0, 0, errors.New("bare " + taskClass + ": put no records")
	}
	return n, time.Duration(seconds * float64(time.Second)), nil
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
