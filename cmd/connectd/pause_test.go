package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/wait"
)

// TestClusterPausedWorker freezes the worker hosting the most source tasks (SIGSTOP) for
// longer than its session, lets the others take its tasks over, and thaws it (SIGCONT). The
// witness of where a task really runs is the kernel: the worker process that holds the
// task's input file open (FileStreamSource opens it at its first poll and closes it on stop).
//
// After SIGCONT: a task that status shows RUNNING on a worker must run there, every task
// must run somewhere again, the thawed worker must not run a task beside its new owner, and
// every line reaches its topic exactly once.
func TestClusterPausedWorker(t *testing.T) {
	c := newCluster(t)
	// Kafka's group.min.session.timeout.ms, and Kafka's default heartbeat: a heartbeat is
	// due up to 3 s after the thaw, so nothing but a lease on the membership stops the
	// thawed worker's tasks sooner.
	c.props["session.timeout.ms"] = "6000"
	c.props["heartbeat.interval.ms"] = "3000"
	w1 := c.add()
	c.add()
	c.add()
	dir := t.TempDir()
	const connectors = 6
	var names []string
	files := map[string]string{} // connector → input file
	for i := range connectors {
		name := fmt.Sprintf("paused-src-%d", i)
		names = append(names, name)
		files[name] = filepath.Join(dir, fmt.Sprintf("in-%d.txt", i))
		appendLines(t, files[name], "a", 0, 20)
		w1.mustDo("POST", "/connectors", map[string]any{"name": name, "config": sourceConfig(files[name], w1.topic(fmt.Sprintf("p%d", i)))}, 201, nil)
	}
	where := c.placement(names, "every connector RUNNING before the pause")
	// The victim is the worker running the most tasks (connectors alone hold no input open).
	tasks := map[string]string{}
	for _, name := range names {
		tasks[name+"-0"] = where[name+"-0"]
	}
	victim := mostLoaded(c, tasks)
	var survivors []*worker
	for _, w := range c.workers {
		if w != victim {
			survivors = append(survivors, w)
		}
	}
	byID := map[string]*worker{}
	for _, w := range c.workers {
		byID[w.url[len("http://"):]] = w
	}
	// Every input is open in exactly the worker that status names.
	wait.For(t, 20*time.Second, "every input open where status says its task runs", func() bool {
		open := c.inputsOpen(files)
		for name := range files {
			if len(open[name]) != 1 || open[name][0] != byID[where[name+"-0"]] {
				return false
			}
		}
		return true
	})
	for i := range connectors {
		if got := len(readTopic(t, c.broker, w1.topic(fmt.Sprintf("p%d", i)), 20)); got < 20 {
			t.Fatalf("topic p%d has %d records, want 20", i, got)
		}
	}
	// What was sent is committed: each source's offset is at the end of its file.
	for _, name := range names {
		size := fileSize(t, files[name])
		wait.For(t, 60*time.Second, name+"'s offset at the end of its file", func() bool { return sourcePosition(w1, name) == size })
	}
	moved := 0
	for _, name := range names {
		if where[name+"-0"] == victim.url[len("http://"):] {
			moved++
		}
	}
	if moved == 0 {
		t.Fatalf("no task on the worker to pause: %v", where)
	}

	if err := victim.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	t.Cleanup(func() {
		if stopped {
			_ = victim.cmd.Process.Signal(syscall.SIGCONT)
		}
	})
	// The survivors take every task over once the frozen worker's session expires.
	wait.For(t, 40*time.Second, "the survivors to run every task", func() bool {
		st, ok := expandStatus(t, survivors[0])
		if !ok {
			return false
		}
		open := c.inputsOpen(files)
		for name := range files {
			id := st[name].taskWorker()
			if id == "" || byID[id] == victim || !contains(open[name], byID[id]) {
				return false
			}
		}
		return true
	})
	for i := range connectors {
		appendLines(t, files[names[i]], "b", 20, 40) // read by the new owners; the frozen copy must never send them
	}
	for i := range connectors {
		if got := len(readTopic(t, c.broker, w1.topic(fmt.Sprintf("p%d", i)), 40)); got < 40 {
			t.Fatalf("topic p%d has %d records while the worker is frozen, want 40", i, got)
		}
	}

	time.Sleep(4 * time.Second) // frozen for well over a session in all
	// Thaw, and watch every task until the cluster has settled: status against the kernel.
	if err := victim.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	stopped = false
	thawed := time.Now()
	appended := false
	type watch struct {
		lie, gap, overlap       time.Duration // longest stretch of each
		lieAt, gapAt, overlapAt time.Time     // start of the current stretch; zero when none
	}
	watches := map[string]*watch{}
	for _, name := range names {
		watches[name] = &watch{}
	}
	stretch := func(at *time.Time, longest *time.Duration, now time.Time, on bool) {
		switch {
		case on && at.IsZero():
			*at = now
		case on:
			*longest = max(*longest, now.Sub(*at))
		default:
			*at = time.Time{}
		}
	}
	settledSince := time.Time{}
	for time.Since(thawed) < 60*time.Second {
		st, ok := expandStatus(t, survivors[0])
		open := c.inputsOpen(files)
		now := time.Now()
		settled := ok
		for _, name := range names {
			w := watches[name]
			runsOn := byID[st[name].taskWorker()]
			stretch(&w.lieAt, &w.lie, now, ok && runsOn != nil && !contains(open[name], runsOn))
			stretch(&w.gapAt, &w.gap, now, len(open[name]) == 0)
			stretch(&w.overlapAt, &w.overlap, now, len(open[name]) > 1)
			if runsOn == nil || len(open[name]) != 1 || open[name][0] != runsOn {
				settled = false
			}
		}
		if !settled {
			settledSince = time.Time{}
		} else if settledSince.IsZero() {
			settledSince = now
		} else if now.Sub(settledSince) > 3*time.Second {
			if appended {
				break
			}
			for i := range connectors {
				appendLines(t, files[names[i]], "c", 40, 60)
			}
			appended, settledSince = true, time.Time{}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !appended {
		t.Fatalf("the cluster did not settle within a minute of SIGCONT")
	}
	t.Logf("victim %s thawed at %s", victim.url, thawed.UTC().Format("15:04:05.000"))
	for _, name := range names {
		w := watches[name]
		t.Logf("%s after SIGCONT: longest status lie %v, longest stretch run nowhere %v, longest two copies %v", name, w.lie, w.gap, w.overlap)
	}
	for _, name := range names {
		w := watches[name]
		if w.lie > time.Second {
			t.Errorf("%s: status named a worker that did not run the task for %v", name, w.lie)
		}
		if w.gap > time.Second {
			t.Errorf("%s: the task ran nowhere for %v", name, w.gap)
		}
		if w.overlap > 500*time.Millisecond {
			t.Errorf("%s: two workers had its input open for %v after the thaw", name, w.overlap)
		}
	}
	// The thawed worker's stale tasks must not poll again: one that did read the lines the
	// new owner had sent and tried to send them too (Kafka fenced its producer).
	b, err := os.ReadFile(victim.logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `msg="task fenced"`) && strings.Contains(line, "produce") {
			t.Errorf("a task of the thawed worker polled and sent beside its new owner: %s", line)
		}
	}
	for i := range connectors {
		recs := readTopic(t, c.broker, w1.topic(fmt.Sprintf("p%d", i)), 60)
		seen := map[string]int{}
		for _, r := range recs {
			seen[string(r.Value)]++
		}
		if len(recs) != 60 || len(seen) != 60 {
			var dups []string
			for v, n := range seen {
				if n > 1 {
					dups = append(dups, v)
				}
			}
			sort.Strings(dups)
			t.Errorf("topic p%d: %d records, %d distinct; want 60 exactly once; sent more than once: %q", i, len(recs), len(seen), dups)
		}
	}
}

// inputsOpen maps each connector to the live workers whose process holds its input open.
func (c *cluster) inputsOpen(files map[string]string) map[string][]*worker {
	byPath := map[string]string{}
	for name, f := range files {
		byPath[f] = name
	}
	open := map[string][]*worker{}
	for _, w := range c.alive() {
		fdDir := "/proc/" + strconv.Itoa(w.cmd.Process.Pid) + "/fd"
		entries, err := os.ReadDir(fdDir)
		if err != nil {
			continue // exited meanwhile
		}
		for _, e := range entries {
			target, err := os.Readlink(filepath.Join(fdDir, e.Name()))
			if err != nil {
				continue
			}
			if name, ok := byPath[target]; ok && !contains(open[name], w) {
				open[name] = append(open[name], w)
			}
		}
	}
	return open
}

func contains(ws []*worker, w *worker) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

// expandedStatus is one connector of GET /connectors?expand=status.
type expandedStatus struct {
	Status connectorStatus `json:"status"`
}

// taskWorker is the worker_id of task 0 when it is RUNNING, else "".
func (e expandedStatus) taskWorker() string {
	if len(e.Status.Tasks) != 1 || e.Status.Tasks[0].State != "RUNNING" {
		return ""
	}
	return e.Status.Tasks[0].WorkerID
}

// expandStatus is GET /connectors?expand=status from w; ok=false unless it answered 200.
func expandStatus(t *testing.T, w *worker) (map[string]expandedStatus, bool) {
	t.Helper()
	code, _, b := w.do("GET", "/connectors?expand=status", nil)
	if code != 200 {
		return nil, false
	}
	var st map[string]expandedStatus
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("expand=status %s: %v", b, err)
	}
	return st, true
}
