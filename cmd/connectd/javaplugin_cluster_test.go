package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectd/connectd/internal/pluginfixture"
	"github.com/connectd/connectd/internal/wait"
)

// TestClusterJavaConnectors runs Apache's FileStream connectors (connect-file 4.3.1 from Maven
// Central) as Java plugins on three worker processes, each with its own plugin host: source
// file → topic → sink file for several pairs, their Java tasks spread over the workers. A kill
// -9 of the worker running the most Java tasks takes its plugin host with it; its connectors
// and tasks come back RUNNING on the survivors, in their hosts, and every line of every source
// file reaches its sink file: none is lost (FileStream is at least once: a line read but not
// committed before the kill may be written twice).
func TestClusterJavaConnectors(t *testing.T) {
	c := newCluster(t)
	c.props["plugin.path"] = pluginfixture.ConnectFile(t)
	for range 3 {
		c.workers = append(c.workers, startWorker(t, c.props, withStartTimeout(javaStart)))
	}
	w1 := c.workers[0]
	dir := t.TempDir()
	const pairs = 4
	in := func(i int) string { return filepath.Join(dir, fmt.Sprintf("in-%d.txt", i)) }
	out := func(i int) string { return filepath.Join(dir, fmt.Sprintf("out-%d.txt", i)) }
	var names []string
	for i := range pairs {
		appendLines(t, in(i), fmt.Sprintf("a%d", i), 0, 200)
		topic := w1.topic(fmt.Sprintf("t%d", i))
		src, sink := fmt.Sprintf("jsrc %d", i), fmt.Sprintf("jsink %d", i)
		names = append(names, src, sink)
		w1.mustDo("POST", "/connectors", map[string]any{"name": src, "config": javaConfig(sourceConfig(in(i), topic))}, 201, nil)
		w1.mustDo("POST", "/connectors", map[string]any{"name": sink, "config": javaConfig(sinkConfig(out(i), topic))}, 201, nil)
	}
	for _, name := range names { // a connector has no status until it started (Kafka Connect 4.4's 404)
		w1.waitState(name, "RUNNING", 1)
	}
	where := c.placement(names, "every Java connector and task RUNNING, the same seen from every worker")
	taskWorkers := func(where map[string]string) map[string]int {
		n := map[string]int{}
		for key, id := range where {
			if strings.HasSuffix(key, "-0") { // a task's key; connector names end in a digit after a space
				n[id]++
			}
		}
		return n
	}
	spread := taskWorkers(where)
	if len(spread) < 2 {
		t.Errorf("the %d Java tasks all run on %v: placement does not spread them", 2*pairs, spread)
	}
	t.Logf("Java tasks per worker: %v", spread)
	// Every worker that runs Java tasks runs them in its own plugin host.
	for _, w := range c.workers {
		if spread[w.url[len("http://"):]] > 0 && hostProcesses(t, w) != 1 {
			t.Errorf("worker %s runs Java tasks with %d child processes, want its one plugin host", w.url, hostProcesses(t, w))
		}
	}
	covered := func(expect int) {
		t.Helper()
		for i := range pairs {
			wait.For(t, 2*time.Minute, fmt.Sprintf("every line of in-%d.txt in out-%d.txt", i, i), func() bool {
				got := lines(t, out(i))
				for _, want := range lines(t, in(i)) {
					if !slices.Contains(got, want) {
						return false
					}
				}
				return len(lines(t, in(i))) == expect
			})
		}
	}
	covered(200)

	// kill -9 of the worker running the most Java tasks: its host goes with it.
	var victim *worker
	for _, w := range c.alive() {
		if victim == nil || spread[w.url[len("http://"):]] > spread[victim.url[len("http://"):]] {
			victim = w
		}
	}
	host := hostPID(t, victim)
	victim.kill(syscall.SIGKILL)
	wait.For(t, 30*time.Second, "the killed worker's plugin host to be gone", func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", host))
		// Gone, or a zombie its new parent has yet to reap.
		return err != nil || strings.Contains(string(b), ") Z ")
	})
	where = c.placement(names, "every Java connector and task RUNNING on the survivors after kill -9")
	if slices.Contains(workersOf(where), victim.url[len("http://"):]) {
		t.Fatalf("instances still placed on the killed worker: %v", where)
	}
	t.Logf("Java tasks per worker after kill -9 of %s: %v", victim.url, taskWorkers(where))

	// The moved pairs carry on from their committed offsets: no line lost.
	for i := range pairs {
		appendLines(t, in(i), fmt.Sprintf("b%d", i), 200, 400)
	}
	covered(400)
}
