package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// compare runs connectd and Apache Kafka Connect on the same Apache Kafka broker in the same
// run, one after the other, through the same steps, and reports the two side by side:
// start → ready, idle RSS, create → RUNNING, GET …/status under load, FileStream source and
// sink throughput to the committed offset, RSS after the run, and kill -9 failover on two
// workers. Every step is the code of the scenario that measures it alone (create, rest,
// pipeline, failover).
func compareFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	bootstrap := fs.String("bootstrap", "", "Apache Kafka broker to use (default: start one with scripts/apache-kafka.sh)")
	creates := fs.Int("creates", 50, "connectors created one after another for create → RUNNING")
	conns := fs.Int("conns", 64, "connections of the GET …/status load")
	statusWindow := fs.Duration("status-duration", 3*time.Second, "measurement window of the status load")
	getClient := fs.String("get-client", getClientRaw, "client of the GET …/status load: raw (a minimal keep-alive HTTP/1.1 client, cheap on the shared cores) or net/http")
	splitFlag := fs.String("status-split", defaultCPUSplit(), "LOADER:SERVER CPUs (e.g. 0:1) of a second GET …/status load, with the load generator and the worker on separate CPUs, as if the generator ran on another machine; off: only the load sharing every CPU")
	warmup := fs.Duration("warmup", 2*time.Second, "status load before its window, not measured (the JVM compiles its hot paths in it)")
	// 3M lines: at 500 000 a run lasts 2–4 s, and which 1 s commit tick its last commit lands on
	// moved the ratio by a third (benchmarks/README.md, 2026-12-03).
	lines := fs.Int("lines", 3000000, "lines of the FileStreamSource file, and records of the FileStreamSink topic")
	lineSize := fs.Int("line-size", 100, "bytes per line (the record value), without the newline")
	flush := fs.Duration("flush", time.Second, "offset.flush.interval.ms of both runtimes")
	idle := fs.Duration("idle", 5*time.Second, "idle time after ready before reading RSS")
	foConnectors := fs.Int("failover-connectors", 10, "FileStreamSource connectors (one task each) in the failover cluster")
	foRounds := fs.Int("failover-rounds", 1, "kill -9 rounds per failover case")
	foCases := fs.String("failover", "connectd,apache-delay0,apache-default", "failover cases: connectd, apache-delay0 (scheduled.rebalance.max.delay.ms=0), apache-default (5 min)")
	timeout := fs.Duration("timeout", 3*time.Minute, "deadline of one step")
	foTimeout := fs.Duration("failover-timeout", 7*time.Minute, "deadline for a failover to settle (Apache's default delay is 5 min)")
	readyTimeout := fs.Duration("ready-timeout", 5*time.Minute, "deadline for a worker to answer GET /health with 200 (two JVMs starting side by side on a loaded 2-core box took over 2 min)")
	warmBroker := fs.Bool("warm-broker", true, "before the measured runs, take a throwaway connectd worker through every step, so that neither runtime meets a cold broker JVM")
	return func(ctx context.Context) (*result, error) {
		if err := checkGetClient(*getClient); err != nil {
			return nil, err
		}
		split, err := parseCPUSplit(*splitFlag)
		if err != nil {
			return nil, fmt.Errorf("--status-split: %w", err)
		}
		if c.smoke {
			*creates, *lines, *idle, *statusWindow, *warmup = 5, 20000, time.Second, 200*time.Millisecond, 50*time.Millisecond
			// Apache's failover takes two more JVM starts and its 10 s session timeout: the
			// code is the same as connectd's, which smoke keeps.
			*foConnectors, *foCases = 4, "connectd"
			*warmBroker = false
		}
		if *creates < 1 || *lines < 1 || *lineSize < 1 || *conns < 1 || *flush < time.Millisecond || *foConnectors < 1 || *foRounds < 1 {
			return nil, errors.New("--creates, --lines, --line-size, --conns, --flush, --failover-connectors and --failover-rounds must be positive")
		}
		cases := strings.Split(*foCases, ",")
		for _, fc := range cases {
			if fc != "" && fc != "connectd" && fc != "apache-delay0" && fc != "apache-default" {
				return nil, fmt.Errorf("--failover: unknown case %q", fc)
			}
		}
		bin, err := connectdBinary(ctx, *c)
		if err != nil {
			return nil, err
		}
		lib, err := apacheConnectLib(ctx)
		if err != nil {
			return nil, err
		}
		broker := *bootstrap
		if broker == "" {
			if broker, err = startApacheKafka(ctx); err != nil {
				return nil, err
			}
		}
		progress("Apache Kafka at %s; Apache Kafka Connect jars in %s", broker, lib)
		run := fmt.Sprintf("cmp%d", time.Now().Unix()) // names of this run's groups, topics and connectors

		dir, err := os.MkdirTemp("", "connectd-bench-compare-")
		if err != nil {
			return nil, err
		}
		atExit(func() { os.RemoveAll(dir) })
		oneLine := filepath.Join(dir, "one-line.txt")
		if err := os.WriteFile(oneLine, []byte("one line\n"), 0o644); err != nil {
			return nil, err
		}
		bigFile := filepath.Join(dir, "lines.txt")
		if err := writeLines(bigFile, *lines, *lineSize); err != nil {
			return nil, err
		}

		// The sink input, written once, read by both runtimes' sinks (each its own group).
		kb, err := newPipelineBench(broker, "", 0, *timeout)
		if err != nil {
			return nil, err
		}
		defer kb.close()
		sinkTopic := run + "-sink-input"
		if err := kb.prefill(ctx, sinkTopic, *lineSize, *lines); err != nil {
			return nil, err
		}

		common := func(group string) map[string]string {
			p := externalProps(broker, group)
			p["key.converter"] = "org.apache.kafka.connect.storage.StringConverter"
			p["value.converter"] = "org.apache.kafka.connect.storage.StringConverter"
			p["offset.flush.interval.ms"] = strconv.FormatInt(flush.Milliseconds(), 10)
			return p
		}
		startConnectd := func(ctx context.Context, props map[string]string) (*worker, error) {
			return startWorkerReady(ctx, bin, *readyTimeout, props, "/health")
		}
		startApache := func(ctx context.Context, props map[string]string) (*worker, error) {
			return startApacheWorker(ctx, lib, props, "/health", *readyTimeout)
		}
		sides := []compareSide{
			{name: "connectd", key: "connectd", start: startConnectd},
			{name: "Apache Kafka Connect", key: "apache", start: startApache},
		}
		st := compareSteps{
			broker: broker, run: run, oneLine: oneLine, bigFile: bigFile, dir: dir, sinkTopic: sinkTopic,
			creates: *creates, conns: *conns, getClient: *getClient, split: split, warmup: *warmup, window: *statusWindow, lines: *lines,
			lineSize: *lineSize, idle: *idle, timeout: *timeout,
		}
		if *warmBroker {
			// A fresh broker JVM answers its first minute of CreateTopics, InitProducerId,
			// produce and fetch requests several times slower than later ones (create →
			// RUNNING p50 76 ms on a fresh broker, 27 ms a minute later, same binary and
			// settings); the runtime measured first would pay for it.
			progress("---- warming the broker up (a throwaway connectd worker; nothing recorded)")
			warm := compareSide{name: "warm-up", key: "warmup", start: startConnectd}
			ws := st
			ws.idle, ws.warmup, ws.window = 0, 0, 500*time.Millisecond
			if err := ws.measure(ctx, &warm, common(run+"-warmup")); err != nil {
				return nil, fmt.Errorf("warming the broker up: %w", err)
			}
		}
		for i := range sides {
			s := &sides[i]
			progress("---- %s", s.name)
			if err := st.measure(ctx, s, common(run+"-"+s.key)); err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
		}

		failovers := map[string][]float64{}
		var failed []string
		for _, fc := range cases {
			if fc == "" {
				continue
			}
			start := startConnectd
			props := common(run + "-fo-" + fc)
			if fc != "connectd" {
				start = startApache
				if fc == "apache-delay0" {
					props["scheduled.rebalance.max.delay.ms"] = "0"
				}
			}
			progress("---- failover: %s", fc)
			times, err := st.failover(ctx, fc, start, props, *foConnectors, *foRounds, *foTimeout)
			if err != nil {
				if ctx.Err() != nil {
					return nil, err
				}
				// The figures measured so far are kept: a failover case is minutes long.
				progress("failover %s failed: %v", fc, err)
				failed = append(failed, fmt.Sprintf("failover %s failed, not in the table: %v", fc, firstLine(err)))
				continue
			}
			failovers[fc] = times
		}
		res := compareResult(sides, failovers, st, *flush, *foConnectors)
		res.Notes = append(res.Notes, failed...)
		if len(failed) > 0 {
			return res, fmt.Errorf("%s", strings.Join(failed, "; "))
		}
		return res, nil
	}
}

// compareSide is one runtime and what was measured of it.
type compareSide struct {
	name  string
	key   string
	start func(ctx context.Context, props map[string]string) (*worker, error)

	ready            time.Duration
	idleRSS, endRSS  float64 // MiB
	create           []float64
	status           measurement
	statusSplit      measurement // with compareSteps.split; zero without
	source, sink     flow
	sourceWrittenOff int64 // the topic's end offset when the source's offset was committed
	sinkLines        int   // lines in the sink's file at the end
}

// flow is one FileStream connector moving all the lines: from the POST until its committed
// offset covered everything.
type flow struct {
	toCommitted time.Duration
	toWritten   time.Duration // source: until the topic held every record
}

type compareSteps struct {
	broker, run, oneLine, bigFile, dir, sinkTopic string
	getClient                                     string
	split                                         *cpuSplit // of the second status load; nil: none
	creates, conns, lines, lineSize               int
	warmup, window, idle, timeout                 time.Duration
}

// measure starts one worker of side s and takes it through every single-worker step, then
// stops it, so that the two runtimes never load the machine at the same time.
func (st compareSteps) measure(ctx context.Context, s *compareSide, props map[string]string) error {
	w, err := s.start(ctx, props)
	if err != nil {
		return err
	}
	defer w.stop()
	s.ready = w.ready
	progress("%s: pid %d healthy after %.0f ms", s.name, w.pid(), ms(w.ready))
	if err := sleepCtx(ctx, st.idle); err != nil {
		return err
	}
	kb, err := w.rssKB()
	if err != nil {
		return err
	}
	s.idleRSS = round3(float64(kb) / 1024)
	progress("%s: idle RSS %.1f MiB after %v", s.name, s.idleRSS, st.idle)

	b := &bench{base: w.url, client: &http.Client{Timeout: 30 * time.Second}}
	atExit(b.deleteLeftovers)
	names := make([]string, st.creates)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%s-create-%d", st.run, s.key, i)
	}
	_, s.create, err = b.createMany(ctx, names, func(name string) map[string]string {
		return map[string]string{"connector.class": "FileStreamSource", "topic": name, "file": st.oneLine}
	}, 1, st.timeout)
	if err != nil {
		return err
	}
	l := &loader{base: w.url, conns: st.conns, client: st.getClient, serverPID: w.pid()}
	statusPath := "/connectors/" + url.PathEscape(names[0]) + "/status"
	if s.status, err = l.run(ctx, l.get(statusPath), st.warmup, st.window); err != nil {
		return fmt.Errorf("status load: %w", err)
	}
	progress("%s: GET …/status at %d connections: %.0f req/s, p99 %.2f ms%s", s.name, st.conns, s.status.perSec(), s.status.lat.P99, cpuNote(s.status))
	if st.split != nil {
		l.split = st.split
		if s.statusSplit, err = l.run(ctx, l.get(statusPath), st.warmup, st.window); err != nil {
			return fmt.Errorf("status load, %s: %w", st.split, err)
		}
		progress("%s: GET …/status at %d connections, %s: %.0f req/s, p99 %.2f ms%s", s.name, st.conns, st.split, s.statusSplit.perSec(), s.statusSplit.lat.P99, cpuNote(s.statusSplit))
	}
	for _, name := range names {
		if _, err := b.deleteOne(ctx, name); err != nil {
			return err
		}
	}

	kc, err := newPipelineBench(st.broker, w.url, 0, st.timeout)
	if err != nil {
		return err
	}
	defer kc.close()
	if err := st.sourceFlow(ctx, s, b, kc); err != nil {
		return fmt.Errorf("FileStreamSource: %w", err)
	}
	if err := st.sinkFlow(ctx, s, b, kc); err != nil {
		return fmt.Errorf("FileStreamSink: %w", err)
	}
	if kb, err = w.rssKB(); err != nil {
		return err
	}
	s.endRSS = round3(float64(kb) / 1024)
	progress("%s: RSS after the run %.1f MiB", s.name, s.endRSS)
	return nil
}

// sourceFlow creates a FileStreamSource on the big file and waits until its committed offset
// (GET /connectors/<name>/offsets) is the file's length; it also notes when the topic held
// every line.
func (st compareSteps) sourceFlow(ctx context.Context, s *compareSide, b *bench, kc *pipelineBench) error {
	info, err := os.Stat(st.bigFile)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s-%s-source", st.run, s.key)
	topic := name
	if err := kc.createTopic(topic); err != nil {
		return err
	}
	t0 := time.Now()
	if _, _, err := b.createOne(ctx, name, map[string]string{
		"connector.class": "FileStreamSource", "tasks.max": "1", "file": st.bigFile, "topic": topic,
	}, st.timeout); err != nil {
		return err
	}
	deadline := t0.Add(st.timeout)
	nextProgress := t0.Add(time.Second)
	for {
		pos, err := sourcePosition(ctx, b, name)
		if err != nil {
			return err
		}
		end, err := kc.endOffset(topic)
		if err != nil {
			return err
		}
		now := time.Now()
		if s.source.toWritten == 0 && end >= int64(st.lines) {
			s.source.toWritten = now.Sub(t0)
		}
		if pos >= info.Size() {
			s.source.toCommitted = now.Sub(t0)
			s.sourceWrittenOff = end
			break
		}
		if now.After(nextProgress) {
			progress("%s: %d records in the topic, offset committed at byte %d of %d", name, end, pos, info.Size())
			nextProgress = now.Add(time.Second)
		}
		if now.After(deadline) {
			return fmt.Errorf("committed position %d of %d after %v", pos, info.Size(), st.timeout)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	if s.source.toWritten == 0 {
		s.source.toWritten = s.source.toCommitted
	}
	if s.sourceWrittenOff < int64(st.lines) {
		return fmt.Errorf("offset covers the file but the topic holds %d of %d records", s.sourceWrittenOff, st.lines)
	}
	progress("%s: %d lines written in %.2f s, committed in %.2f s", name, st.lines, s.source.toWritten.Seconds(), s.source.toCommitted.Seconds())
	_, err = b.deleteOne(ctx, name)
	return err
}

// sourcePosition is the committed "position" of a FileStreamSource (0 before any commit).
func sourcePosition(ctx context.Context, b *bench, name string) (int64, error) {
	code, body, err := b.do(ctx, http.MethodGet, "/connectors/"+url.PathEscape(name)+"/offsets", nil)
	if err != nil {
		return 0, fmt.Errorf("GET offsets: %w", err)
	}
	if code != http.StatusOK {
		return 0, fmt.Errorf("GET offsets: %d %s", code, body)
	}
	var got struct {
		Offsets []struct {
			Offset map[string]json.Number `json:"offset"`
		} `json:"offsets"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&got); err != nil {
		return 0, fmt.Errorf("GET offsets: %w in %s", err, body)
	}
	var pos int64
	for _, o := range got.Offsets {
		if n, err := o.Offset["position"].Int64(); err == nil && n > pos {
			pos = n
		}
	}
	return pos, nil
}

// sinkFlow creates a FileStreamSink on the pre-filled topic and waits until its group's
// committed offset is the topic's end; then the file must hold every line.
func (st compareSteps) sinkFlow(ctx context.Context, s *compareSide, b *bench, kc *pipelineBench) error {
	name := fmt.Sprintf("%s-%s-sink", st.run, s.key)
	out := filepath.Join(st.dir, name+".txt")
	t0 := time.Now()
	if _, _, err := b.createOne(ctx, name, map[string]string{
		"connector.class": "FileStreamSink", "tasks.max": "1", "file": out, "topics": st.sinkTopic,
	}, st.timeout); err != nil {
		return err
	}
	deadline := t0.Add(st.timeout)
	nextProgress := t0.Add(time.Second)
	for {
		c, err := kc.committed("connect-"+name, st.sinkTopic)
		if err != nil {
			return err
		}
		now := time.Now()
		if c >= int64(st.lines) {
			s.sink.toCommitted = now.Sub(t0)
			break
		}
		if now.After(nextProgress) {
			progress("%s: committed %d of %d", name, c, st.lines)
			nextProgress = now.Add(time.Second)
		}
		if now.After(deadline) {
			return fmt.Errorf("committed %d of %d after %v", c, st.lines, st.timeout)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	if _, err := b.deleteOne(ctx, name); err != nil {
		return err
	}
	n, err := countLines(out)
	if err != nil {
		return err
	}
	s.sinkLines = n
	if n < st.lines {
		return fmt.Errorf("offsets committed for %d records but %s holds %d lines", st.lines, out, n)
	}
	progress("%s: %d records committed in %.2f s; the file holds %d lines", name, st.lines, s.sink.toCommitted.Seconds(), n)
	return nil
}

// failover starts two workers of one runtime as a fresh cluster, creates n connectors, and
// rounds times kills (SIGKILL) the worker hosting the most instances, measuring until the
// survivor runs everything (the failover scenario's takeAway).
func (st compareSteps) failover(ctx context.Context, name string, start func(context.Context, map[string]string) (*worker, error), props map[string]string, n, rounds int, timeout time.Duration) ([]float64, error) {
	ws := make([]*worker, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws[i], errs[i] = start(ctx, props)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cl := newFailoverCluster(ws, nil, func(ctx context.Context) (*worker, error) { return start(ctx, props) })
	defer func() {
		for _, w := range cl.workers {
			w.stop()
		}
	}()
	b := &bench{base: ws[0].url, client: &http.Client{Timeout: 30 * time.Second}}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-fo-%s-%d", st.run, name, i)
	}
	if _, _, err := b.createMany(ctx, names, func(c string) map[string]string {
		return map[string]string{"connector.class": "FileStreamSource", "topic": c, "file": st.oneLine}
	}, 1, st.timeout); err != nil {
		return nil, err
	}
	cl.names = names
	var times []float64
	for r := range rounds {
		m, err := cl.takeAway(ctx, "kill", timeout)
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", r+1, err)
		}
		times = append(times, ms(m.total))
		progress("failover %s round %d: %d instances moved; all RUNNING on the survivor %.0f ms after kill -9", name, r+1, m.moved, ms(m.total))
		if r+1 < rounds {
			if err := cl.restore(ctx, "kill", timeout); err != nil {
				return nil, err
			}
		}
	}
	return times, nil
}

func firstLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}

// writeLines writes n lines of size printable bytes each (plus a newline).
func writeLines(path string, n, size int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	line := append(value(size), '\n')
	for i := 0; i < n; i++ {
		// A distinct prefix per line, so that lines are not all equal.
		copy(line, strconv.Itoa(i))
		if _, err := bw.Write(line); err != nil {
			f.Close()
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func countLines(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return bytes.Count(b, []byte{'\n'}), nil
}

// compareRow is one line of the table: a figure of both runtimes and connectd's advantage.
type compareRow struct {
	figure, unit       string
	connectd, apache   float64
	higherIsBetter     bool
	apacheDesc         string // when the Apache column is not the plain worker
	connectdN, apacheN int
}

func (r compareRow) advantage() float64 {
	if r.higherIsBetter {
		return ratio(r.connectd, r.apache)
	}
	return ratio(r.apache, r.connectd)
}

func compareResult(sides []compareSide, failovers map[string][]float64, st compareSteps, flush time.Duration, foConnectors int) *result {
	c, a := sides[0], sides[1]
	createC, createA := summarize("ms", c.create), summarize("ms", a.create)
	rate := func(d time.Duration) float64 { return round3(float64(st.lines) / d.Seconds()) }
	rows := []compareRow{
		{figure: "start → ready (GET /health 200)", unit: "ms", connectd: ms(c.ready), apache: ms(a.ready)},
		{figure: "idle RSS", unit: "MiB", connectd: c.idleRSS, apache: a.idleRSS},
		{figure: "create → RUNNING p50", unit: "ms", connectd: createC.P50, apache: createA.P50, connectdN: createC.N, apacheN: createA.N},
		{figure: "create → RUNNING p99", unit: "ms", connectd: createC.P99, apache: createA.P99, connectdN: createC.N, apacheN: createA.N},
		{figure: fmt.Sprintf("GET …/status, %d conns", st.conns), unit: "req/s", connectd: round3(c.status.perSec()), apache: round3(a.status.perSec()), higherIsBetter: true},
		{figure: fmt.Sprintf("GET …/status, %d conns, p99", st.conns), unit: "ms", connectd: c.status.lat.P99, apache: a.status.lat.P99},
		{figure: fmt.Sprintf("GET …/status, %d conns, worker CPU per request", st.conns), unit: "µs", connectd: round3(c.status.cpuPerRequest()), apache: round3(a.status.cpuPerRequest())},
	}
	if st.split != nil {
		rows = append(rows,
			compareRow{figure: fmt.Sprintf("GET …/status, %d conns, generator and worker on separate CPUs", st.conns), unit: "req/s", connectd: round3(c.statusSplit.perSec()), apache: round3(a.statusSplit.perSec()), higherIsBetter: true},
			compareRow{figure: fmt.Sprintf("GET …/status, %d conns, separate CPUs, p99", st.conns), unit: "ms", connectd: c.statusSplit.lat.P99, apache: a.statusSplit.lat.P99},
			compareRow{figure: fmt.Sprintf("GET …/status, %d conns, separate CPUs, worker CPU per request", st.conns), unit: "µs", connectd: round3(c.statusSplit.cpuPerRequest()), apache: round3(a.statusSplit.cpuPerRequest())},
		)
	}
	rows = append(rows, []compareRow{
		{figure: "FileStreamSource → committed offset", unit: "records/s", connectd: rate(c.source.toCommitted), apache: rate(a.source.toCommitted), higherIsBetter: true},
		{figure: "FileStreamSource → all in the topic", unit: "records/s", connectd: rate(c.source.toWritten), apache: rate(a.source.toWritten), higherIsBetter: true},
		{figure: "FileStreamSink → committed offset", unit: "records/s", connectd: rate(c.sink.toCommitted), apache: rate(a.sink.toCommitted), higherIsBetter: true},
		{figure: "RSS after the run", unit: "MiB", connectd: c.endRSS, apache: a.endRSS},
	}...)
	if fc := failovers["connectd"]; len(fc) > 0 {
		for _, k := range []string{"apache-delay0", "apache-default"} {
			fa := failovers[k]
			if len(fa) == 0 {
				continue
			}
			desc := map[string]string{"apache-delay0": "scheduled.rebalance.max.delay.ms=0", "apache-default": "defaults (scheduled.rebalance.max.delay.ms=300000)"}[k]
			rows = append(rows, compareRow{figure: "kill -9 → all RUNNING, 2 workers, p50", unit: "ms",
				connectd: summarize("ms", fc).P50, apache: summarize("ms", fa).P50, apacheDesc: desc, connectdN: len(fc), apacheN: len(fa)})
		}
	}

	res := &result{
		Target:  fmt.Sprintf("connectd and Apache Kafka Connect %s, one after the other, on one Apache Kafka broker (%s)", apacheConnectVersion, st.broker),
		Figures: map[string]stats{},
		Samples: map[string][]float64{
			"create_to_running_connectd_ms": c.create, "create_to_running_apache_ms": a.create,
			"status_interval_req_per_s_connectd": c.status.intervals, "status_interval_req_per_s_apache": a.status.intervals,
		},
	}
	if st.split != nil {
		res.Samples["status_separate_cpus_interval_req_per_s_connectd"] = c.statusSplit.intervals
		res.Samples["status_separate_cpus_interval_req_per_s_apache"] = a.statusSplit.intervals
	}
	for k, v := range failovers {
		res.Samples["kill_to_all_running_"+k+"_ms"] = v
	}
	fmt.Printf("compare: connectd beside Apache Kafka Connect %s, same broker, same run; advantage = how many times connectd is better (> 1: connectd ahead)\n", apacheConnectVersion)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "figure\tunit\tconnectd\tApache Kafka Connect\tadvantage\t")
	for _, r := range rows {
		name := r.figure
		if r.apacheDesc != "" {
			name += ", Apache with " + r.apacheDesc
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.2f×\t\n", name, r.unit, r.connectd, r.apache, r.advantage())
		key := strings.NewReplacer(" → ", "_to_", "…/", "", " ", "_", ",", "", "(", "", ")", "", "=", "_", "-", "", "/", "_").Replace(strings.ToLower(name))
		res.Figures[key+"_connectd"] = summarize(r.unit, []float64{r.connectd})
		res.Figures[key+"_apache"] = summarize(r.unit, []float64{r.apache})
		res.Figures[key+"_advantage"] = summarize("ratio", []float64{round3(r.advantage())})
	}
	tw.Flush()
	res.Notes = []string{
		"one Apache Kafka broker; connectd (distributed, its own group and internal topics on that broker) and then Apache Kafka Connect (ConnectDistributed, connect-distributed.sh's JVM defaults: -Xms256M -Xmx2G, G1) each run alone through the same steps; the benchmark client shares the machine",
		"start → ready: exec until GET /health answers 200 (both answer 503 while starting); idle RSS: VmRSS after --idle; RSS after the run: after the status load, the source and the sink",
		fmt.Sprintf("create → RUNNING: %d FileStreamSource connectors (one-line file), one after another, POST until status shows connector and task RUNNING (1 ms polls)", st.creates),
		fmt.Sprintf("GET …/status: %d connections in closed loops, %v warm-up (not measured), %v window; %s", st.conns, st.warmup, st.window, getClientNote(st.getClient)),
		"worker CPU per request: the worker process's user+system CPU time over the status window (/proc/<pid>/stat, all threads, 10 ms ticks) / the requests answered in it; unlike req/s it does not depend on the share of the cores the load generator took",
		fmt.Sprintf("FileStream: %d lines of %d B; both with offset.flush.interval.ms %d and StringConverter; times from the POST, so they include the task's start; source committed = GET /connectors/<name>/offsets position at the file's length (polled every 20 ms); sink committed = group connect-<name> at the topic's end; the sink's file is checked to hold every line", st.lines, st.lineSize, flush.Milliseconds()),
		fmt.Sprintf("failover: a fresh two-worker cluster per case with %d connectors (one task each); kill -9 of the worker hosting the most instances until the survivor's status shows every connector and task RUNNING on it; Apache detects the loss at session.timeout.ms (10 s) and with its default scheduled.rebalance.max.delay.ms (5 min) waits that long before reassigning", foConnectors),
		fmt.Sprintf("source topic end offsets when the offset covered the file: connectd %d, Apache %d (want %d); sink files: connectd %d lines, Apache %d lines", c.sourceWrittenOff, a.sourceWrittenOff, st.lines, c.sinkLines, a.sinkLines),
	}
	steal := func(m measurement) string {
		if m.serverCPU <= 0 || m.steal < 0 {
			return "unknown"
		}
		return fmt.Sprintf("%.0f %%", 100*m.steal)
	}
	stealNote := fmt.Sprintf("the machine's CPU time stolen by the hypervisor in the status windows (/proc/stat steal; a run with much of it is not comparable with one without): connectd %s, Apache %s", steal(c.status), steal(a.status))
	if st.split != nil {
		stealNote += fmt.Sprintf("; on separate CPUs: connectd %s, Apache %s", steal(c.statusSplit), steal(a.statusSplit))
	}
	res.Notes = append(res.Notes, stealNote)
	if st.split != nil {
		res.Notes = append(res.Notes, fmt.Sprintf("GET …/status on separate CPUs: the same load again, %s (sched_setaffinity of every thread, warm-up included), as with the generator on another machine: sharing the cores, the generator's and the loopback's cost per request is taken from the server, more of it the faster the server", st.split))
	}
	return res
}

// apacheConnectVersion is what scripts/apache-kafka.sh connect-lib fetches (CONNECT_VERSION).
const apacheConnectVersion = "4.3.1"
