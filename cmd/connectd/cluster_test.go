package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/wait"
)

// sharedBroker runs `connectd broker` for several workers to share (or returns the external
// broker of an Apache Kafka pass).
func sharedBroker(t *testing.T) string {
	t.Helper()
	if b := externalBootstrap(); b != "" {
		return b
	}
	return startBrokerProcess(t)
}

// startBrokerProcess runs `connectd broker` on a free port until the test ends, and returns
// its address.
func startBrokerProcess(t *testing.T) string {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	dir := t.TempDir()
	logFile, err := os.Create(filepath.Join(dir, "broker.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "broker", "--listen", addr, "--data-dir", filepath.Join(dir, "data"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logFile.Close(); close(done) }()
	// Cleanups run last-in first-out: the workers registered after this stop first.
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	wait.For(t, 20*time.Second, "broker to listen", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return addr
}

// cluster is a set of worker processes sharing one broker, group.id and internal topics.
type cluster struct {
	t       *testing.T
	broker  string
	props   map[string]string
	workers []*worker
}

func newCluster(t *testing.T) *cluster {
	id := fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())
	c := &cluster{t: t, broker: sharedBroker(t), props: testCluster(t, id)}
	c.props["bootstrap.servers"] = c.broker
	c.props["heartbeat.interval.ms"] = "1000" // joins settle within a second
	for _, k := range []string{"config.storage.replication.factor", "offset.storage.replication.factor", "status.storage.replication.factor"} {
		c.props[k] = "1"
	}
	return c
}

// add starts one more worker of the cluster.
func (c *cluster) add() *worker {
	c.t.Helper()
	w := startWorker(c.t, c.props)
	c.workers = append(c.workers, w)
	return w
}

// alive lists the workers whose process runs.
func (c *cluster) alive() []*worker {
	var ws []*worker
	for _, w := range c.workers {
		select {
		case <-w.done:
		default:
			ws = append(ws, w)
		}
	}
	return ws
}

// placement waits until every connector and its one task is RUNNING on a live worker, and
// all live workers answer the same; it returns the worker_id of every instance.
func (c *cluster) placement(names []string, what string) map[string]string {
	c.t.Helper()
	alive := c.alive()
	live := map[string]bool{}
	for _, w := range alive {
		live[w.url[len("http://"):]] = true
	}
	var where map[string]string
	// A deadline, not an expectation: a worker rejoining after kill -9 or SIGSTOP waits out a
	// rebalance, which on a loaded 2-core machine running the Java and PostgreSQL suites beside
	// it took past 20 s (TestClusterFaultsExactlyOnce/disabled, after the killed worker came back).
	wait.ForNil(c.t, 180*time.Second, what, func() error {
		where = map[string]string{}
		for _, w := range alive {
			for _, name := range names {
				st, ok := c.status(w, name)
				if !ok || st.Connector.State != "RUNNING" || !live[st.Connector.WorkerID] || len(st.Tasks) != 1 ||
					st.Tasks[0].State != "RUNNING" || !live[st.Tasks[0].WorkerID] {
					// What the last poll saw is in the failure: it tells a slow rebalance
					// from instances that never settle.
					return fmt.Errorf("%s asked %s: status %+v (answered: %v)", name, w.url, st, ok)
				}
				for key, id := range map[string]string{name: st.Connector.WorkerID, name + "-0": st.Tasks[0].WorkerID} {
					if prev, seen := where[key]; seen && prev != id {
						return fmt.Errorf("%s: workers disagree on its owner, %s and %s", key, prev, id)
					}
					where[key] = id
				}
			}
		}
		return nil
	})
	return where
}

// conflicts are the 409 messages Kafka Connect clients retry on (spec §4.2).
var conflicts = []string{
	"Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.",
	"Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
	"Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)",
}

// status is GET /connectors/{c}/status while ownership may move: it must answer 200, or
// 409 with one of Kafka Connect's rebalance messages, never anything else.
func (c *cluster) status(w *worker, name string) (connectorStatus, bool) {
	c.t.Helper()
	code, _, b := w.do("GET", "/connectors/"+escape(name)+"/status", nil)
	var st connectorStatus
	switch code {
	case http.StatusOK:
		if err := json.Unmarshal(b, &st); err != nil {
			c.t.Fatalf("status %s: %v", b, err)
		}
		return st, true
	case http.StatusConflict:
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &e) != nil || !slices.Contains(conflicts, e.Message) {
			c.t.Errorf("status of %s from %s: 409 with %s; want one of Kafka Connect's rebalance messages", name, w.url, b)
		}
		return st, false
	}
	c.t.Errorf("status of %s from %s while ownership moves: %d %s; want 200 or a rebalance 409", name, w.url, code, b)
	return st, false
}

func workersOf(where map[string]string) []string {
	var ids []string
	for _, id := range where {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// TestCluster runs one broker and three workers as separate processes: connectors created
// through one worker are read through the others and spread over all; a worker killed with
// SIGKILL, one stopped with SIGTERM and one that joins move only what they must; every line
// of every source file reaches its topic exactly once (FileStreamSource is the witness: two
// running instances of one task would send its lines twice); and after the whole cluster
// restarts every connector is back.
func TestCluster(t *testing.T) {
	c := newCluster(t)
	w1, w2, w3 := c.add(), c.add(), c.add()
	dir := t.TempDir()
	const connectors = 10
	var names []string
	for i := range connectors {
		name := fmt.Sprintf("src %d", i) // a space: identities must survive any legal name
		names = append(names, name)
		file := filepath.Join(dir, fmt.Sprintf("in-%d.txt", i))
		appendLines(t, file, "a", 0, 50)
		w1.mustDo("POST", "/connectors", map[string]any{"name": name, "config": sourceConfig(file, w1.topic(fmt.Sprintf("t%d", i)))}, 201, nil)
	}
	where := c.placement(names, "every connector RUNNING, the same seen from every worker")
	if ids := workersOf(where); len(ids) < 2 {
		t.Errorf("20 instances all on %v: placement does not spread", ids)
	}
	expect := 50
	waitLines := func() {
		for i := range connectors {
			if got := len(readTopic(t, c.broker, w1.topic(fmt.Sprintf("t%d", i)), expect)); got < expect {
				t.Fatalf("topic t%d has %d records, want %d", i, got, expect)
			}
		}
		// What was sent is committed: each source's offset is at the end of its file, so an
		// instance that takes over after a kill starts there.
		ask := c.alive()[0]
		for i, name := range names {
			size := fileSize(t, filepath.Join(dir, fmt.Sprintf("in-%d.txt", i)))
			wait.For(t, 60*time.Second, name+"'s offset at the end of its file", func() bool { return sourcePosition(ask, name) == size })
		}
	}
	waitLines()

	// SIGKILL the worker hosting the most: everything runs on the survivors.
	victim := mostLoaded(c, where)
	victim.kill(syscall.SIGKILL)
	where = c.placement(names, "every connector RUNNING on the survivors after SIGKILL")
	if slices.Contains(workersOf(where), victim.url[len("http://"):]) {
		t.Fatalf("instances still placed on the killed worker: %v", where)
	}

	// A fourth worker joins and takes a share; instances that stay do not restart.
	startsBefore := c.starts(names, where)
	before := where
	for key, n := range startsBefore {
		if n == 0 {
			t.Fatalf("%s runs on %s, whose log never shows it started: the restart check below would be blind", key, where[key])
		}
	}
	w4 := c.add()
	where = c.placement(names, "placement after a fourth worker joined")
	if !slices.Contains(workersOf(where), w4.url[len("http://"):]) {
		t.Errorf("the new worker got none of 20 instances: %v", where)
	}
	startsAfter := c.starts(names, before)
	for key, id := range before {
		if where[key] == id && startsAfter[key] != startsBefore[key] {
			t.Errorf("%s stayed on %s but was started again when a worker joined (%d starts, before %d)", key, id, startsAfter[key], startsBefore[key])
		}
	}
	for i := range connectors {
		appendLines(t, filepath.Join(dir, fmt.Sprintf("in-%d.txt", i)), "b", 50, 100)
	}
	expect = 100
	waitLines()

	// SIGTERM one more: its instances are handed over.
	leaver := mostLoaded(c, where)
	leaver.kill(syscall.SIGTERM)
	where = c.placement(names, "every connector RUNNING after SIGTERM")
	if slices.Contains(workersOf(where), leaver.url[len("http://"):]) {
		t.Fatalf("instances still placed on the stopped worker: %v", where)
	}
	for i := range connectors {
		appendLines(t, filepath.Join(dir, fmt.Sprintf("in-%d.txt", i)), "c", 100, 150)
	}
	expect = 150
	waitLines()

	// The whole cluster restarts: every connector is found again.
	for _, w := range c.alive() {
		w.kill(syscall.SIGTERM)
	}
	for _, w := range []*worker{w1, w2, w3} {
		w.start()
	}
	c.placement(names, "every connector RUNNING after the whole cluster restarted")
	var listed []string
	w2.mustDo("GET", "/connectors", nil, 200, &listed)
	sort.Strings(listed)
	if !slices.Equal(listed, names) {
		t.Errorf("GET /connectors after restart = %q, want %q", listed, names)
	}

	// Exactly once: no line lost, none sent twice, through every move above.
	for i := range connectors {
		recs := readTopic(t, c.broker, w1.topic(fmt.Sprintf("t%d", i)), expect)
		seen := map[string]int{}
		for _, r := range recs {
			seen[string(r.Value)]++
		}
		if len(recs) != expect || len(seen) != expect {
			dups := 0
			for _, n := range seen {
				dups += n - 1
			}
			t.Errorf("topic t%d: %d records, %d distinct, %d duplicates; want %d exactly once", i, len(recs), len(seen), dups, expect)
		}
	}
}

// starts counts, for each instance, how often the worker where places it logged it
// RUNNING.
func (c *cluster) starts(names []string, where map[string]string) map[string]int {
	c.t.Helper()
	logs := map[string]string{}
	for _, w := range c.workers {
		b, err := os.ReadFile(w.logPath)
		if err != nil {
			c.t.Fatal(err)
		}
		logs[w.url[len("http://"):]] = string(b)
	}
	n := map[string]int{}
	for _, name := range names {
		for key, parts := range map[string][]string{
			name:        {`msg="connector state"`, fmt.Sprintf("connector=%q ", name), "state=RUNNING"},
			name + "-0": {`msg="task state"`, fmt.Sprintf("connector=%q ", name), "task=0 ", "state=RUNNING"},
		} {
			for _, line := range strings.Split(logs[where[key]], "\n") {
				if containsAll(line, parts) {
					n[key]++
				}
			}
		}
	}
	return n
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// mostLoaded is the live worker hosting the most instances.
func mostLoaded(c *cluster, where map[string]string) *worker {
	count := map[string]int{}
	for _, id := range where {
		count[id]++
	}
	var best *worker
	for _, w := range c.alive() {
		if best == nil || count[w.url[len("http://"):]] > count[best.url[len("http://"):]] {
			best = w
		}
	}
	return best
}

// sourcePosition is the committed position of a FileStreamSource connector, as GET
// /connectors/{c}/offsets shows it (spec §3.20); -1 while it has none.
func sourcePosition(w *worker, name string) int64 {
	code, _, body := w.do("GET", "/connectors/"+escape(name)+"/offsets", nil)
	var got struct {
		Offsets []struct {
			Offset struct {
				Position int64 `json:"position"`
			} `json:"offset"`
		} `json:"offsets"`
	}
	if code != 200 || json.Unmarshal(body, &got) != nil || len(got.Offsets) != 1 {
		return -1
	}
	return got.Offsets[0].Offset.Position
}

// fileSize is the size of the file at path.
func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
