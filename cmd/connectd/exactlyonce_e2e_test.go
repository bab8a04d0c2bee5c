package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/wait"
)

// TestClusterFaultsExactlyOnce is the fault run of exactly-once sources (KIP-618) on real
// processes: FileStream sources of numbered lines, written to while they run, on three
// workers and one broker process, through a kill -9 of the busiest worker, a SIGSTOP longer
// than its session and SIGCONT, a kill -9 of the whole cluster and its restart, and a
// restart of the broker (embedded broker only: an external Apache Kafka is not ours to
// restart). With exactly.once.source.support=enabled a read_committed reader finds every
// line of every source exactly once; with it disabled (Kafka Connect's default) no line is
// lost, and the duplicates are counted and logged: at least once, up to an offset flush
// interval of records per task after each crash.
func TestClusterFaultsExactlyOnce(t *testing.T) {
	for _, mode := range []string{"enabled", "disabled"} {
		t.Run(mode, func(t *testing.T) {
			faultRun(t, mode == "enabled")
		})
	}
}

func faultRun(t *testing.T, eos bool) {
	broker := startRestartableBroker(t)
	c := &cluster{t: t, broker: broker.addr, props: testCluster(t, fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano()))}
	c.props["bootstrap.servers"] = broker.addr
	c.props["heartbeat.interval.ms"] = "1000"
	c.props["session.timeout.ms"] = "6000"
	for _, k := range []string{"config.storage.replication.factor", "offset.storage.replication.factor", "status.storage.replication.factor"} {
		c.props[k] = "1"
	}
	if eos {
		c.props["exactly.once.source.support"] = "enabled"
	}
	w1 := c.add()
	c.add()
	c.add()

	dir := t.TempDir()
	const sources = 6
	var names []string
	files := map[string]string{}
	topics := map[string]string{}
	for i := range sources {
		name := fmt.Sprintf("eos-src-%d", i)
		names = append(names, name)
		files[name] = filepath.Join(dir, fmt.Sprintf("in-%d.txt", i))
		topics[name] = w1.topic(fmt.Sprintf("e%d", i))
		appendLines(t, files[name], name, 0, 100)
		config := sourceConfig(files[name], topics[name])
		config["value.converter"] = "org.apache.kafka.connect.storage.StringConverter"
		config["batch.size"] = "50" // many polls, so faults strike between and inside transactions
		if eos {
			config["exactly.once.support"] = "required"
			if i%2 == 1 {
				config["transaction.boundary"] = "interval"
				config["transaction.boundary.interval.ms"] = "200"
			}
		}
		w1.mustDo("POST", "/connectors", map[string]any{"name": name, "config": config}, 201, nil)
	}
	// A connector has no status until it started (Kafka Connect 4.4's 404), which the
	// placement check would take for a wrong answer.
	wait.For(t, 30*time.Second, "every source's first status", func() bool {
		for _, n := range names {
			if _, ok := w1.status(n); !ok {
				return false
			}
		}
		return true
	})
	c.placement(names, "every source RUNNING")
	// exactly.once.support=required for a plugin that cannot support it (FileStreamSource on
	// stdin) is refused with Kafka Connect's validation message; on a disabled worker, with
	// the worker's.
	stdin := map[string]string{"connector.class": "FileStreamSource", "topic": w1.topic("stdin"), "exactly.once.support": "required"}
	want := "The connector does not support exactly-once semantics with the provided configuration."
	if !eos {
		want = "This worker does not have exactly-once source support enabled."
	}
	var refusal struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	w1.mustDo("POST", "/connectors", map[string]any{"name": "stdin-required", "config": stdin}, 400, &refusal)
	if !strings.Contains(refusal.Message, want) || !strings.HasPrefix(refusal.Message, "Connector configuration is invalid and contains the following") {
		t.Errorf("create with exactly.once.support=required on stdin: %q, want Kafka Connect's message with %q", refusal.Message, want)
	}
	writer := startAppender(t, files, 100)
	progress := func(what string) {
		t.Helper()
		ask := c.alive()[0]
		before := map[string]int64{}
		for _, n := range names {
			before[n] = sourcePosition(ask, n)
		}
		wait.For(t, 60*time.Second, "every source to commit further "+what, func() bool {
			for _, n := range names {
				if sourcePosition(ask, n) <= before[n] {
					return false
				}
			}
			return true
		})
	}
	progress("at the start")
	tasksOf := func(where map[string]string) map[string]string {
		out := map[string]string{}
		for _, n := range names {
			out[n+"-0"] = where[n+"-0"]
		}
		return out
	}

	// 1. kill -9 of the worker running the most tasks, while the files grow; it comes back.
	where := c.placement(names, "placement before kill -9")
	victim := mostLoaded(c, tasksOf(where))
	victim.kill(syscall.SIGKILL)
	c.placement(names, "every source RUNNING on the survivors after kill -9")
	victim.start()
	c.placement(names, "every source RUNNING after the killed worker came back")
	progress("after kill -9")

	// 2. SIGSTOP for longer than a session: the others take its tasks; then SIGCONT.
	where = c.placement(names, "placement before SIGSTOP")
	frozen := mostLoaded(c, tasksOf(where))
	if err := frozen.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var others []*worker
	for _, w := range c.alive() {
		if w != frozen {
			others = append(others, w)
		}
	}
	frozenID := frozen.url[len("http://"):]
	wait.For(t, 60*time.Second, "the frozen worker's tasks RUNNING elsewhere", func() bool {
		for _, n := range names {
			st, ok := c.status(others[0], n)
			if !ok || len(st.Tasks) != 1 || st.Tasks[0].State != "RUNNING" || st.Tasks[0].WorkerID == frozenID {
				return false
			}
		}
		return true
	})
	if err := frozen.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	c.placement(names, "every source RUNNING after SIGCONT")
	progress("after SIGSTOP and SIGCONT")

	// 3. The whole cluster dies at once (kill -9) and restarts.
	for _, w := range c.workers {
		w.kill(syscall.SIGKILL)
	}
	for _, w := range c.workers {
		w.start()
	}
	c.placement(names, "every source RUNNING after the whole cluster restarted")
	progress("after the cluster restart")

	// 4. The broker restarts under the running cluster.
	if broker.cmd != nil {
		broker.restart(t)
		c.placement(names, "every source RUNNING after the broker restarted")
		progress("after the broker restart")
	} else {
		t.Log("external Kafka: no broker restart")
	}

	written := writer.stop(t)
	ask := c.alive()[0]
	for _, n := range names {
		size := fileSize(t, files[n])
		wait.For(t, 60*time.Second, n+"'s committed offset at the end of its file", func() bool { return sourcePosition(ask, n) == size })
	}
	// What a read_committed consumer sees, and what a default (read_uncommitted) one sees:
	// the latter also reads the records of aborted transactions.
	for _, committed := range []bool{true, false} {
		opts := rawClientOpts(t, broker.addr)
		reader := "read_uncommitted"
		if committed {
			opts, reader = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted())), "read_committed"
		}
		var topicList []string
		total := 0
		for _, n := range names {
			topicList = append(topicList, topics[n])
			total += written[n]
		}
		byTopic := readUntilIdle(t, opts, topicList, total)
		totalDups := 0
		for _, n := range names {
			want := written[n]
			seen := map[string]int{}
			for _, r := range byTopic[topics[n]] {
				seen[string(r.Value)]++
			}
			lost, dups := 0, 0
			for i := range want {
				line := fmt.Sprintf("%s-%06d", n, i)
				switch k := seen[line]; {
				case k == 0:
					lost++
				case k > 1:
					dups += k - 1
				}
				delete(seen, line)
			}
			if len(seen) > 0 {
				t.Errorf("%s (%s): %d records that are no line of its file", n, reader, len(seen))
			}
			if lost > 0 {
				t.Errorf("%s (%s): %d of %d lines lost", n, reader, lost, want)
			}
			if eos && committed && dups > 0 {
				t.Errorf("%s: %d duplicates for a read_committed reader with exactly-once sources; want every line exactly once", n, dups)
			}
			totalDups += dups
			t.Logf("%s (%s): %d lines, %d lost, %d duplicates", n, reader, want, lost, dups)
		}
		t.Logf("exactly.once.source.support=%s, %s reader: %d duplicate records over %d sources of %d lines",
			map[bool]string{true: "enabled", false: "disabled"}[eos], reader, totalDups, sources, total)
	}
}

// brokerProcess is a `connectd broker` process (startRestartableBroker) that can be restarted on its data and port,
// or an external broker (cmd nil).
type brokerProcess struct {
	addr, dir string
	cmd       *exec.Cmd
	done      chan struct{}
}

func startRestartableBroker(t *testing.T) *brokerProcess {
	t.Helper()
	if b := externalBootstrap(); b != "" {
		return &brokerProcess{addr: b}
	}
	b := &brokerProcess{addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), dir: t.TempDir()}
	b.start(t)
	t.Cleanup(func() { b.stop(t) }) // after the workers' cleanups, registered later
	return b
}

func (b *brokerProcess) start(t *testing.T) {
	t.Helper()
	logFile, err := os.OpenFile(filepath.Join(b.dir, "broker.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	b.cmd = exec.Command(binary, "broker", "--listen", b.addr, "--data-dir", filepath.Join(b.dir, "data"))
	b.cmd.Stdout, b.cmd.Stderr = logFile, logFile
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b.done = make(chan struct{})
	cmd, done := b.cmd, b.done
	go func() { _ = cmd.Wait(); logFile.Close(); close(done) }()
	wait.For(t, 20*time.Second, "broker to listen", func() bool {
		c, err := net.Dial("tcp", b.addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func (b *brokerProcess) stop(t *testing.T) {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(20 * time.Second):
		t.Errorf("broker %d did not exit after SIGTERM; killing", b.cmd.Process.Pid)
		_ = b.cmd.Process.Kill()
		<-b.done
	}
}

func (b *brokerProcess) restart(t *testing.T) {
	t.Helper()
	b.stop(t)
	b.start(t)
}

// appender appends numbered lines to every file while the faults run.
type appender struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	n     map[string]int // connector → lines written
	err   error
}

// startAppender appends five lines to every file every 20 ms, after the from lines each
// already holds.
func startAppender(t *testing.T, files map[string]string, from int) *appender {
	a := &appender{stopc: make(chan struct{}), n: map[string]int{}}
	for n := range files {
		a.n[n] = from
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-a.stopc:
				return
			case <-tick.C:
			}
			a.mu.Lock()
			for n, path := range files {
				f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
				if err == nil {
					for i := a.n[n]; i < a.n[n]+5; i++ {
						fmt.Fprintf(f, "%s-%06d\n", n, i)
					}
					err = f.Close()
				}
				if err != nil && a.err == nil {
					a.err = err
				}
				a.n[n] += 5
			}
			a.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		select {
		case <-a.stopc:
		default:
			close(a.stopc)
		}
		a.wg.Wait()
	})
	return a
}

// stop ends the appends and returns how many lines each file holds.
func (a *appender) stop(t *testing.T) map[string]int {
	t.Helper()
	close(a.stopc)
	a.wg.Wait()
	if a.err != nil {
		t.Fatal(a.err)
	}
	return a.n
}

// readUntilIdle reads topics from their start until it holds at least want records and a
// further fetch of two seconds brings nothing (everything was committed before the call), or
// two minutes pass; it returns the records by topic.
func readUntilIdle(t testing.TB, opts []kgo.Opt, topics []string, want int) map[string][]*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(append(slices.Clone(opts), kgo.ConsumeTopics(topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	deadline := time.Now().Add(2 * time.Minute)
	recs := map[string][]*kgo.Record{}
	got := 0
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) { recs[r.Topic] = append(recs[r.Topic], r); n++ })
		got += n
		if n == 0 && got >= want {
			break
		}
	}
	return recs
}

// TestConnectorOffsetsTopic: a source connector's offsets.storage.topic holds its offsets in
// Kafka Connect's format (created when missing), GET …/offsets reads them, and a restarted
// worker resumes from them; with exactly-once sources they are written in the records'
// transactions, without, by the offset commits. The worker's own offsets topic gets none.
func TestConnectorOffsetsTopic(t *testing.T) {
	for _, mode := range []string{"enabled", "disabled"} {
		t.Run(mode, func(t *testing.T) {
			w := startWorker(t, map[string]string{"exactly.once.source.support": mode})
			file := filepath.Join(t.TempDir(), "in.txt")
			appendLines(t, file, "a", 0, 20)
			own, topic := w.topic("own-offsets"), w.topic("data")
			config := sourceConfig(file, topic)
			config["offsets.storage.topic"] = own
			config["value.converter"] = "org.apache.kafka.connect.storage.StringConverter"
			w.mustDo("POST", "/connectors", map[string]any{"name": "own", "config": config}, 201, nil)
			w.waitState("own", "RUNNING", 1)
			wait.For(t, 30*time.Second, "the offset at the end of the file", func() bool { return sourcePosition(w, "own") == fileSize(t, file) })
			recs := readTopic(t, w.broker, own, 1)
			if len(recs) == 0 || string(recs[0].Key) != fmt.Sprintf(`["own",{"filename":%q}]`, file) {
				t.Fatalf("offsets topic %s holds %d records, want the connector's offsets in Kafka Connect's format", own, len(recs))
			}
			if n := len(readRecords(t, rawClientOpts(t, w.broker), w.props["offset.storage.topic"], 1, 2*time.Second)); n != 0 {
				t.Errorf("the worker's offsets topic holds %d records, want none", n)
			}
			w.restart(syscall.SIGTERM)
			w.waitState("own", "RUNNING", 1)
			appendLines(t, file, "b", 20, 30)
			wait.For(t, 30*time.Second, "the offset at the end of the grown file", func() bool { return sourcePosition(w, "own") == fileSize(t, file) })
			opts := append(rawClientOpts(t, w.broker), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
			got := readUntilIdle(t, opts, []string{topic}, 30)[topic]
			var values []string
			for _, r := range got {
				values = append(values, string(r.Value))
			}
			want := append(lines(t, file)[:0:0], lines(t, file)...)
			if !slices.Equal(values, want) {
				t.Errorf("topic holds %d records, want the file's %d lines once each in order (resumed from the connector's offsets topic)", len(values), len(want))
			}
			// Reset (after a zombie fencing round with exactly-once) tombstones them.
			w.mustDo("PUT", "/connectors/own/stop", nil, 204, nil)
			wait.For(t, 30*time.Second, "the connector STOPPED", func() bool {
				st, ok := w.status("own")
				return ok && st.Connector.State == "STOPPED"
			})
			w.mustDo("DELETE", "/connectors/own/offsets", nil, 200, nil)
			if pos := sourcePosition(w, "own"); pos != -1 {
				t.Errorf("position %d after a reset, want none", pos)
			}
		})
	}
}

// TestZombieFencingOnReconfiguration: with exactly-once sources, a connector whose task set
// changes fences the producers of its previous tasks before the new set is written (Kafka
// Connect's zombie fencing round): the epoch of every old task's transactional id
// (<group.id>-<connector>-<task>) rises, including those of tasks that no longer exist, so
// none of their producers can write again. How many is what the connector's latest task
// count record says (tasks-fencing-<name> {"task-count":N} in the config topic, as Apache
// Kafka Connect writes and reads it) when it says more than the stored task configs: here
// one that an Apache worker running five tasks would have left. Each round ends with the
// record of the new task count.
func TestZombieFencingOnReconfiguration(t *testing.T) {
	w := startWorker(t, map[string]string{"exactly.once.source.support": "enabled"})
	config := map[string]string{"connector.class": "DataGenSource", "tasks.max": "3", "topic": w.topic("gen"),
		"records.per.second": "300", "batch.size": "10"}
	w.mustDo("POST", "/connectors", map[string]any{"name": "gen", "config": config}, 201, nil)
	w.waitState("gen", "RUNNING", 3)
	cl, err := kgo.NewClient(rawClientOpts(t, w.broker)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ids := []string{}
	for task := range 3 {
		ids = append(ids, fmt.Sprintf("%s-gen-%d", w.props["group.id"], task))
	}
	epochs := func() map[string]int16 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		described, err := adm.DescribeTransactions(ctx, ids...)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int16{}
		for _, d := range described {
			if d.Err == nil {
				out[d.TxnID] = d.ProducerEpoch
			}
		}
		return out
	}
	// Producers of tasks 3 and 4, as an Apache worker running five tasks left them.
	for task := 3; task < 5; task++ {
		id := fmt.Sprintf("%s-gen-%d", w.props["group.id"], task)
		zombie, err := kgo.NewClient(append(rawClientOpts(t, w.broker), kgo.TransactionalID(id))...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, _, err = zombie.ProducerID(ctx)
		cancel()
		zombie.Close()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	var before map[string]int16
	wait.For(t, 30*time.Second, "the five tasks' producers initialised", func() bool {
		before = epochs()
		return len(before) == 5
	})
	configTopic := w.props["config.storage.topic"]
	rec := &kgo.Record{Topic: configTopic, Key: []byte("tasks-fencing-gen"), Value: []byte(`{"task-count":5}`)}
	if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
	config["tasks.max"] = "1"
	w.mustDo("PUT", "/connectors/gen/config", config, 200, nil)
	wait.For(t, 30*time.Second, "one task RUNNING", func() bool {
		st, ok := w.status("gen")
		return ok && len(st.Tasks) == 1 && st.Tasks[0].State == "RUNNING"
	})
	after := epochs()
	for _, id := range ids {
		if after[id] <= before[id] {
			t.Errorf("%s: producer epoch %d after the reconfiguration, %d before; want it fenced (raised)", id, after[id], before[id])
		}
	}
	var counts []string
	for _, r := range readTopicFor(t, w.broker, configTopic, 2*time.Second) {
		if string(r.Key) == "tasks-fencing-gen" {
			counts = append(counts, string(r.Value))
		}
	}
	if want := []string{`{"task-count":3}`, `{"task-count":5}`, `{"task-count":1}`}; !slices.Equal(counts, want) {
		t.Errorf("task count records %q, want %q (at creation, the foreign one, after the round)", counts, want)
	}
}
