package javaplugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLineRingKeepsTheLastLines(t *testing.T) {
	for _, tc := range []struct {
		max, lines int
		want       string
	}{
		{max: 3, lines: 0, want: ""},
		{max: 3, lines: 2, want: "line 0\nline 1"},
		{max: 3, lines: 3, want: "line 0\nline 1\nline 2"},
		{max: 3, lines: 4, want: "line 1\nline 2\nline 3"},
		{max: 3, lines: 8, want: "line 5\nline 6\nline 7"},
		{max: 1, lines: 5, want: "line 4"},
	} {
		t.Run(fmt.Sprintf("max %d, %d lines", tc.max, tc.lines), func(t *testing.T) {
			r := &lineRing{max: tc.max}
			buf := make([]byte, 0, 64) // one buffer for every line, as the scanner's is
			for i := range tc.lines {
				buf = append(buf[:0], "line "+strconv.Itoa(i)...)
				r.add(buf)
				copy(buf, "XXXX") // the scanner overwrites the line's bytes
			}
			if got := r.String(); got != tc.want {
				t.Fatalf("kept %q, want %q", got, tc.want)
			}
		})
	}
}

// A plugin that prints a line per record writes to the host's standard error as fast as it
// puts; the pipe to the worker holds a megabyte of it, not Linux's default 64 KiB.
func TestTheHostsStandardErrorPipeIsGrown(t *testing.T) {
	max, err := os.ReadFile("/proc/sys/fs/pipe-max-size")
	if err != nil {
		t.Skipf("no fs.pipe-max-size: %v", err)
	}
	if n, _ := strconv.Atoi(strings.TrimSpace(string(max))); n < outputBuffer {
		t.Skipf("fs.pipe-max-size is %d, less than %d", n, outputBuffer)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	growPipe(r, slog.New(slog.DiscardHandler))
	rc, err := w.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var size uintptr
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) { size, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, fGetPipeSize, 0) }); err != nil || errno != 0 {
		t.Fatal(err, errno)
	}
	if size != outputBuffer {
		t.Fatalf("pipe of %d bytes, want %d", size, outputBuffer)
	}
}

// A process that printed megabytes of lines and then died is reported with its last lines, in
// order, whatever the ring's buffers held before.
func TestAHostThatDiedIsReportedWithItsLastOutput(t *testing.T) {
	script := `i=0; while [ $i -lt 40000 ]; do echo "a line of the host's log, number $i" >&2; i=$((i+1)); done; echo "last but one" >&2; echo "the last line" >&2; exit 3`
	p, err := startProcess(exec.Command("sh", "-c", script), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	select {
	case <-p.done:
	case <-ctx.Done():
		p.stop(errors.New("test over"))
		t.Fatal("the process did not end")
	}
	if !errors.Is(p.err, ErrHostDown) {
		t.Fatalf("err %v, want ErrHostDown", p.err)
	}
	msg := p.err.Error()
	tail := "number 39999\nlast but one\nthe last line"
	if !strings.HasSuffix(msg, tail) {
		t.Fatalf("err ends %q, want %q", msg[max(0, len(msg)-200):], tail)
	}
	if got := bytes.Count([]byte(msg), []byte("\n")); got != 40 {
		t.Fatalf("err has %d lines of output after its first, want the ring's 40:\n%s", got, msg)
	}
	if !strings.Contains(msg, "exit status 3") {
		t.Fatalf("err %q does not say how the process ended", msg)
	}
}

func TestJVMArgsPutTheUsersOptionsLast(t *testing.T) {
	args := jvmArgs([]string{"-Xmx1G", "-Xlog:gc"})
	if want := []string{"-Xlog:disable", "-Xlog:all=warning:stderr", "-Xmx1G", "-Xlog:gc"}; !slices.Equal(args, want) {
		t.Errorf("jvmArgs = %q, want %q", args, want)
	}
}

// Options under which the JVM prints to standard output at start do not break the host's
// channel: a warning (-Xmn over -Xms), the GC and safepoint logs, the VM's flags, and JFR's
// start-up lines, which it prints to standard output whatever -Xlog says. The host starts and
// lists its plugins.
func TestAHostStartsWhateverItsJVMPrints(t *testing.T) {
	jfr := "-XX:StartFlightRecording=filename=" + t.TempDir() + "/host.jfr"
	h := newTestHost(t, Config{JVMOptions: []string{"-Xms32m", "-Xmn64m", "-verbose:gc", "-Xlog:safepoint", "-Xlog:gc:stdout", "-XX:+PrintFlagsFinal", jfr}})
	if _, err := h.Hello(testContext(t)); err != nil {
		t.Fatalf("the host did not start: %v", err)
	}
	plugins, err := h.Connectors(testContext(t))
	if err != nil || len(plugins) == 0 {
		t.Fatalf("plugins %v, err %v", plugins, err)
	}
}
