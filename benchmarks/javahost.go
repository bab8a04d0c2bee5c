package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// javahost runs Kafka Connect Java plugins, unchanged JARs from Maven Central, through
// connectd's JVM plugin host and in Apache Kafka Connect 4.3.1, on one Apache Kafka broker in
// the same run, one runtime after the other:
//
//   - Apache's FileStreamSource (connect-file 4.3.1) on a file of --lines lines: records/s from
//     the POST until the committed offset covers the file;
//   - VerifiableSourceConnector (connect-test-plugins 4.3.1) with throughput -1 (unthrottled):
//     records/s over --duration, counted by the topic's end offsets. Its poll() returns one
//     record, so it is the worst case of a channel between the worker and the plugin;
//   - Apache's FileStreamSink and VerifiableSinkConnector (which prints a line per record), each
//     reading that FileStreamSource's topic back: records/s from the POST until its group has
//     committed the topic's end;
//   - RSS: connectd's worker plus its plugin host process against the Apache worker, idle and
//     after the run;
//   - connectd's batching: records per host round trip (one SourcePoll request per poll()
//     batch), the task's batch-size-avg metric (records per poll that returned records).
//
// In connectd the plugins come from plugin.path (connect-file's JAR alone in its plugin
// directory, connect-test-plugins with its runtime dependencies in another); Apache Kafka
// Connect has them on its classpath, where connect-file already is (Apache 4.4 refuses to
// create the test connectors from plugin.path, and 4.3.1 has the same isolation rules).
func javahostFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	bootstrap := fs.String("bootstrap", "", "Apache Kafka broker to use (default: start one with scripts/apache-kafka.sh)")
	// 3M lines, as compare: at 500 000 the commit tick decides the sinks' figures.
	lines := fs.Int("lines", 3000000, "lines of the FileStreamSource file")
	lineSize := fs.Int("line-size", 100, "bytes per line (the record value), without the newline")
	window := fs.Duration("duration", 10*time.Second, "measurement window of the VerifiableSource")
	flush := fs.Duration("flush", time.Second, "offset.flush.interval.ms of both runtimes")
	idle := fs.Duration("idle", 5*time.Second, "idle time after ready before reading RSS")
	timeout := fs.Duration("timeout", 5*time.Minute, "deadline of one step")
	readyTimeout := fs.Duration("ready-timeout", 5*time.Minute, "deadline for a worker to answer GET /health with 200")
	only := fs.String("sides", "connectd,apache", "which runtimes to run (a figure of one left out is 0)")
	hostJVM := fs.String("host-jvm-options", "", "connectd's connectd.plugin.host.jvm.options (blank: the worker's default, -Xmx2G -Xms32m -XX:+UseParallelGC)")
	return func(ctx context.Context) (*result, error) {
		if c.smoke {
			*lines, *window, *idle = 20000, time.Second, 500*time.Millisecond
		}
		if *lines < 1 || *lineSize < 1 || *window <= 0 || *flush < time.Millisecond {
			return nil, errors.New("--lines, --line-size, --duration and --flush must be positive")
		}
		bin, err := connectdBinary(ctx, *c)
		if err != nil {
			return nil, err
		}
		lib, err := apacheConnectLib(ctx)
		if err != nil {
			return nil, err
		}
		pluginPath, err := javaPluginPath(ctx)
		if err != nil {
			return nil, err
		}
		broker := *bootstrap
		if broker == "" {
			if broker, err = startApacheKafka(ctx); err != nil {
				return nil, err
			}
		}
		progress("Apache Kafka at %s; Apache Kafka Connect jars in %s; plugin.path %s", broker, lib, pluginPath)
		run := fmt.Sprintf("jh%d", time.Now().Unix())
		dir, err := os.MkdirTemp("", "connectd-bench-javahost-")
		if err != nil {
			return nil, err
		}
		atExit(func() { os.RemoveAll(dir) })
		bigFile := filepath.Join(dir, "lines.txt")
		if err := writeLines(bigFile, *lines, *lineSize); err != nil {
			return nil, err
		}
		common := func(group string) map[string]string {
			p := externalProps(broker, group)
			p["key.converter"] = "org.apache.kafka.connect.storage.StringConverter"
			p["value.converter"] = "org.apache.kafka.connect.storage.StringConverter"
			p["offset.flush.interval.ms"] = strconv.FormatInt(flush.Milliseconds(), 10)
			return p
		}
		sides := []*javahostSide{
			{name: "connectd + plugin host", key: "connectd", start: func(ctx context.Context, props map[string]string) (*worker, error) {
				props["plugin.path"] = pluginPath // a directory of two plugin directories
				if *hostJVM != "" {
					props["connectd.plugin.host.jvm.options"] = *hostJVM
				}
				return startWorkerReady(ctx, bin, *readyTimeout, props, "/health")
			}},
			{name: "Apache Kafka Connect", key: "apache", start: func(ctx context.Context, props map[string]string) (*worker, error) {
				return startApacheWorkerCP(ctx, []string{lib, filepath.Join(pluginPath, "connect-test-plugins")}, props, "/health", *readyTimeout)
			}},
		}
		st := javahostSteps{broker: broker, run: run, bigFile: bigFile, lines: *lines, window: *window, idle: *idle, timeout: *timeout}
		for _, s := range sides {
			if !strings.Contains(*only, s.key) {
				continue
			}
			progress("---- %s", s.name)
			if err := st.measure(ctx, s, common(run+"-"+s.key)); err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
		}
		// Each sink task alone, in a JVM started as connectd's plugin host was and in one
		// started as Apache's worker is: the ceiling each runtime's figure is read against.
		var bare [2]bareSinks
		if c := sides[0]; c.hostJava != "" && strings.Contains(*only, sides[1].key) {
			dirs := []string{filepath.Join(pluginPath, "connect-file"), filepath.Join(pluginPath, "connect-test-plugins")}
			for i, jvm := range []struct {
				name, java string
				options    []string
			}{{"the plugin host's", c.hostJava, c.hostJVMOptions}, {"Apache Kafka Connect's", "java", apacheJVMOptions}} {
				progress("---- the sink tasks alone, in a JVM with %s options", jvm.name)
				run := func(class string, props map[string]string) (time.Duration, error) {
					bctx, cancel := context.WithTimeout(ctx, *timeout)
					defer cancel()
					n, took, err := bareSink(bctx, jvm.java, jvm.options, dirs, class, bigFile, *flush, props)
					if err != nil {
						return 0, err
					}
					if n != int64(*lines) {
						return 0, fmt.Errorf("bare %s put %d of %d lines", class, n, *lines)
					}
					progress("%s alone: %d records in %.2f s (%.0f records/s)", class, n, took.Seconds(), float64(n)/took.Seconds())
					return took, nil
				}
				if bare[i].fileSink, err = run("org.apache.kafka.connect.file.FileStreamSinkTask", map[string]string{"file": filepath.Join(dir, "bare-sink.txt")}); err != nil {
					return nil, err
				}
				if bare[i].verSink, err = run("org.apache.kafka.connect.tools.VerifiableSinkTask", map[string]string{"name": "bare", "id": "0"}); err != nil {
					return nil, err
				}
			}
		}
		return javahostResult(sides, bare, st, *flush, *lineSize), nil
	}
}

// javahostSide is one runtime and what was measured of it.
type javahostSide struct {
	name  string
	key   string
	start func(ctx context.Context, props map[string]string) (*worker, error)

	idleRSS, fileRSS, endRSS float64 // MiB, worker and its children
	hostPID                  int     // connectd: the plugin host process (a child of the worker)
	hostJava                 string  // connectd: the host's java binary and JVM options
	hostJVMOptions           []string
	file                     time.Duration
	fileWritten              int64
	fileSink, verSink        time.Duration // the sinks, from the POST until the FileStreamSource's topic was committed
	verifiable               throughput
	fileBatch, verBatch      float64 // connectd: batch-size-avg, records per host round trip
}

// bareSinks are the times of the sink tasks alone (baretask.go) over the same lines.
type bareSinks struct {
	fileSink, verSink time.Duration
}

type javahostSteps struct {
	broker, run, bigFile  string
	lines                 int
	window, idle, timeout time.Duration
}

const (
	javaFileSource       = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	javaVerifiableSource = "org.apache.kafka.connect.tools.VerifiableSourceConnector"
	javaFileSink         = "org.apache.kafka.connect.file.FileStreamSinkConnector"
	javaVerifiableSink   = "org.apache.kafka.connect.tools.VerifiableSinkConnector"
	javaPluginVersion    = "4.3.1" // connect-file and connect-test-plugins, as fetched
)

// measure starts one worker of side s, takes it through the steps and stops it.
func (st javahostSteps) measure(ctx context.Context, s *javahostSide, props map[string]string) error {
	w, err := s.start(ctx, props)
	if err != nil {
		return err
	}
	defer w.stop()
	progress("%s: pid %d healthy after %.0f ms", s.name, w.pid(), ms(w.ready))
	if err := sleepCtx(ctx, st.idle); err != nil {
		return err
	}
	if s.idleRSS, err = treeRSS(w.pid()); err != nil {
		return err
	}
	progress("%s: idle RSS %.1f MiB (with its children)", s.name, s.idleRSS)
	kc, err := newPipelineBench(st.broker, w.url, 0, st.timeout)
	if err != nil {
		return err
	}
	defer kc.close()

	// FileStreamSource, connect-file's: connectd's built-in has the same class name and is the
	// default; connector.plugin.version picks the Java plugin (Apache has only the one).
	name := fmt.Sprintf("%s-%s-file", st.run, s.key)
	config := map[string]string{"connector.class": javaFileSource, "tasks.max": "1", "file": st.bigFile, "topic": name}
	if s.key == "connectd" {
		config["connector.plugin.version"] = javaPluginVersion
	}
	if err := kc.createTopic(name); err != nil {
		return err
	}
	t0 := time.Now()
	if _, _, err := kc.rest.createOne(ctx, name, config, st.timeout); err != nil {
		return err
	}
	if s.key == "connectd" {
		// The Java plugin runs in the worker's plugin host, its one child process.
		kids := children(w.pid())
		if len(kids) != 1 {
			return fmt.Errorf("the worker has %d child processes, want its one plugin host: is the Java plugin running?", len(kids))
		}
		s.hostPID = kids[0]
		if s.hostJava, s.hostJVMOptions, err = hostJVM(s.hostPID); err != nil {
			return err
		}
		progress("%s: plugin host pid %d: %s %s", s.name, s.hostPID, s.hostJava, strings.Join(s.hostJVMOptions, " "))
	}
	info, err := os.Stat(st.bigFile)
	if err != nil {
		return err
	}
	deadline, nextProgress := t0.Add(st.timeout), t0.Add(time.Second)
	for {
		pos, err := sourcePosition(ctx, kc.rest, name)
		if err != nil {
			return err
		}
		if pos >= info.Size() {
			s.file = time.Since(t0)
			break
		}
		if now := time.Now(); now.After(nextProgress) {
			progress("%s: committed at byte %d of %d", name, pos, info.Size())
			nextProgress = now.Add(time.Second)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: committed position %d of %d after %v", name, pos, info.Size(), st.timeout)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	if s.fileWritten, err = kc.endOffset(name); err != nil {
		return err
	}
	if s.fileWritten < int64(st.lines) {
		return fmt.Errorf("%s: the offset covers the file but the topic holds %d of %d records", name, s.fileWritten, st.lines)
	}
	progress("%s: %d lines committed in %.2f s (%.0f records/s)", name, st.lines, s.file.Seconds(), float64(st.lines)/s.file.Seconds())
	if s.key == "connectd" {
		if s.fileBatch, err = batchSizeAvg(ctx, w.url, name); err != nil {
			return err
		}
	}
	if s.fileRSS, err = treeRSS(w.pid()); err != nil {
		return err
	}
	if _, err := kc.rest.deleteOne(ctx, name); err != nil {
		return err
	}

	// The sinks read the FileStreamSource's topic back, each in a group of its own.
	fileSink := map[string]string{"connector.class": javaFileSink, "tasks.max": "1", "topics": name, "file": filepath.Join(filepath.Dir(st.bigFile), name+"-sink.txt")}
	if s.key == "connectd" {
		fileSink["connector.plugin.version"] = javaPluginVersion
	}
	if s.fileSink, err = st.sinkToCommitted(ctx, kc, name+"-filesink", fileSink, name, s.fileWritten); err != nil {
		return err
	}
	if n, err := countLines(fileSink["file"]); err != nil || int64(n) < s.fileWritten {
		return fmt.Errorf("the Java FileStreamSink committed %d records but its file holds %d lines (%v)", s.fileWritten, n, err)
	}
	verSink := map[string]string{"connector.class": javaVerifiableSink, "tasks.max": "1", "topics": name}
	if s.verSink, err = st.sinkToCommitted(ctx, kc, name+"-verifiablesink", verSink, name, s.fileWritten); err != nil {
		return err
	}

	// VerifiableSource, unthrottled, for a window.
	vname := fmt.Sprintf("%s-%s-verifiable", st.run, s.key)
	s.verifiable, err = kc.measureSource(ctx, "VerifiableSource ("+s.name+")", vname, st.window, func(ctx context.Context, topic string) error {
		cctx, cancel := context.WithTimeout(context.Background(), st.timeout)
		defer cancel()
		if _, _, err := kc.rest.createOne(cctx, vname, map[string]string{
			"connector.class": javaVerifiableSource, "tasks.max": "1", "topic": topic, "throughput": "-1",
		}, st.timeout); err != nil {
			return fmt.Errorf("create %s: %w", vname, err)
		}
		<-ctx.Done()
		if s.key == "connectd" {
			var err error
			if s.verBatch, err = batchSizeAvg(cctx, w.url, vname); err != nil {
				return err
			}
		}
		if _, err := kc.rest.deleteOne(cctx, vname); err != nil {
			return err
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	if s.endRSS, err = treeRSS(w.pid()); err != nil {
		return err
	}
	progress("%s: RSS after the run %.1f MiB (with its children)", s.name, s.endRSS)
	return nil
}

// sinkToCommitted creates the sink connector name with config, reading topic, and returns the
// time from the POST until its group (connect-<name>) has committed n records; then it is deleted.
func (st javahostSteps) sinkToCommitted(ctx context.Context, kc *pipelineBench, name string, config map[string]string, topic string, n int64) (time.Duration, error) {
	t0 := time.Now()
	if _, _, err := kc.rest.createOne(ctx, name, config, st.timeout); err != nil {
		return 0, err
	}
	deadline, nextProgress := t0.Add(st.timeout), t0.Add(time.Second)
	for {
		c, err := kc.committed("connect-"+name, topic)
		if err != nil {
			return 0, err
		}
		now := time.Now()
		if c >= n {
			took := now.Sub(t0)
			progress("%s: %d records committed in %.2f s (%.0f records/s)", name, n, took.Seconds(), float64(n)/took.Seconds())
			if _, err := kc.rest.deleteOne(ctx, name); err != nil {
				return 0, err
			}
			return took, nil
		}
		if now.After(nextProgress) {
			progress("%s: committed %d of %d", name, c, n)
			nextProgress = now.Add(time.Second)
		}
		if now.After(deadline) {
			return 0, fmt.Errorf("%s: committed %d of %d after %v", name, c, n, st.timeout)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return 0, err
		}
	}
}

func javahostResult(sides []*javahostSide, bare [2]bareSinks, st javahostSteps, flush time.Duration, lineSize int) *result {
	c, a := sides[0], sides[1]
	rate := func(d time.Duration) float64 {
		if d <= 0 {
			return 0
		}
		return round3(float64(st.lines) / d.Seconds())
	}
	sinkRate := func(n int64, d time.Duration) float64 {
		if d <= 0 {
			return 0
		}
		return round3(float64(n) / d.Seconds())
	}
	rows := []compareRow{
		{figure: "Java FileStreamSource → committed offset", unit: "records/s", connectd: rate(c.file), apache: rate(a.file), higherIsBetter: true},
		{figure: "Java FileStreamSink → committed offset", unit: "records/s", connectd: sinkRate(c.fileWritten, c.fileSink), apache: sinkRate(a.fileWritten, a.fileSink), higherIsBetter: true},
		{figure: "Java VerifiableSource (1 record per poll)", unit: "records/s", connectd: round3(c.verifiable.recordsPerSec()), apache: round3(a.verifiable.recordsPerSec()), higherIsBetter: true},
		{figure: "Java VerifiableSink → committed offset", unit: "records/s", connectd: sinkRate(c.fileWritten, c.verSink), apache: sinkRate(a.fileWritten, a.verSink), higherIsBetter: true},
		{figure: "idle RSS (connectd: worker + host)", unit: "MiB", connectd: c.idleRSS, apache: a.idleRSS},
		{figure: "RSS after FileStreamSource (connectd: worker + host)", unit: "MiB", connectd: c.fileRSS, apache: a.fileRSS},
		{figure: "RSS after the run (connectd: worker + host)", unit: "MiB", connectd: c.endRSS, apache: a.endRSS},
	}
	res := &result{
		Target: fmt.Sprintf("Java plugins: connectd's plugin host and Apache Kafka Connect %s, one after the other, on one Apache Kafka broker (%s)", apacheConnectVersion, st.broker),
		Figures: map[string]stats{
			"records_per_host_round_trip_filestream": summarize("records", []float64{round3(c.fileBatch)}),
			"records_per_host_round_trip_verifiable": summarize("records", []float64{round3(c.verBatch)}),
		},
		Samples: map[string][]float64{
			"verifiable_interval_records_per_s_connectd": c.verifiable.intervals,
			"verifiable_interval_records_per_s_apache":   a.verifiable.intervals,
		},
	}
	fmt.Printf("javahost: Java plugins through connectd's plugin host beside Apache Kafka Connect %s, same broker, same run; advantage > 1: connectd ahead\n", apacheConnectVersion)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "figure\tunit\tconnectd\tApache Kafka Connect\tadvantage\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.2f×\t\n", r.figure, r.unit, r.connectd, r.apache, r.advantage())
		key := strings.NewReplacer(" → ", "_to_", " ", "_", ",", "", "(", "", ")", "", ":", "", "+", "", "-", "").Replace(strings.ToLower(r.figure))
		res.Figures[key+"_connectd"] = summarize(r.unit, []float64{r.connectd})
		res.Figures[key+"_apache"] = summarize(r.unit, []float64{r.apache})
		res.Figures[key+"_advantage"] = summarize("ratio", []float64{round3(r.advantage())})
	}
	tw.Flush()
	fmt.Printf("connectd's channel: %.1f records per host round trip for FileStreamSource (batch.size 2000 default), %.1f for VerifiableSource\n", c.fileBatch, c.verBatch)
	if bare[0].fileSink > 0 {
		// A sink's ceiling: its task alone on the same lines, in each runtime's JVM, and each
		// runtime's figure as a share of its own.
		fmt.Printf("the sink tasks alone (batches of %d, flushed every %v, no Kafka) in each runtime's JVM, and each runtime's figure as a share of it:\n", bareSinkBatch, flush)
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "task\talone, host's JVM, records/s\tconnectd's share\talone, Apache's JVM, records/s\tApache's share\t")
		for _, b := range []struct {
			key, name string
			host, ak  time.Duration
			c, a      float64
		}{
			{"java_filestreamsink_task_alone", "FileStreamSinkTask", bare[0].fileSink, bare[1].fileSink, sinkRate(c.fileWritten, c.fileSink), sinkRate(a.fileWritten, a.fileSink)},
			{"java_verifiablesink_task_alone", "VerifiableSinkTask", bare[0].verSink, bare[1].verSink, sinkRate(c.fileWritten, c.verSink), sinkRate(a.fileWritten, a.verSink)},
		} {
			host, ak := rate(b.host), rate(b.ak)
			fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.0f\t%.2f\t\n", b.name, host, b.c/host, ak, b.a/ak)
			res.Figures[b.key+"_records_per_s_host_jvm"] = summarize("records/s", []float64{host})
			res.Figures[b.key+"_records_per_s_apache_jvm"] = summarize("records/s", []float64{ak})
			res.Figures[b.key+"_share_connectd"] = summarize("ratio", []float64{round3(b.c / host)})
			res.Figures[b.key+"_share_apache"] = summarize("ratio", []float64{round3(b.a / ak)})
		}
		tw.Flush()
	}
	res.Notes = []string{
		"one Apache Kafka broker; connectd (distributed, plugin.path holding connect-file 4.3.1 and connect-test-plugins 4.3.1 with its runtime dependencies) and then Apache Kafka Connect 4.3.1 (ConnectDistributed, connect-distributed.sh's JVM defaults -Xms256M -Xmx2G, G1; the same JARs on its classpath) each run alone through the same steps; the benchmark client shares the machine",
		fmt.Sprintf("FileStreamSource: %d lines of %d B, StringConverter, offset.flush.interval.ms %d; from the POST until GET /connectors/<name>/offsets shows the file's length (polled every 20 ms); connectd picks the Java plugin with connector.plugin.version=%s", st.lines, lineSize, flush.Milliseconds(), javaPluginVersion),
		fmt.Sprintf("VerifiableSource: throughput=-1, one record per poll(); %v window after the first record, counted by the topic's end offsets polled every 250 ms; its task prints a line per record to standard output (Apache: the worker's log file; connectd: the host's standard error, read by the worker)", st.window),
		"FileStreamSink and VerifiableSink (which prints a line per record): each reads the FileStreamSource's topic back in a group of its own; records/s from the POST until the group's committed offset is the topic's end (polled every 20 ms), so it includes the task's start and is exact to about one flush interval; the FileStreamSink's file must then hold every line",
		"RSS: VmRSS of the worker and of its child processes (connectd's plugin host; none for Apache), summed",
		fmt.Sprintf("the sink tasks alone (when both runtimes ran): FileStreamSinkTask and VerifiableSinkTask in a JVM of their own, started once with the plugin host's java and JVM options (read from its command line) and once with Apache's worker's (connect-distributed.sh's), given the same lines as Strings in batches of %d made on another thread, preCommit every offset.flush.interval.ms; from the first put to the end of the last flush, so without the task's start or the commit tick that the runtimes' figures include (benchmarks/javatask/BareSinkTask.java)", bareSinkBatch),
		"records per host round trip: connectd's kafka_connect_connector_task_metrics_batch_size_avg of the task (records per poll() batch that held records; one SourcePoll request and response each), read before the connector was deleted",
	}
	return res
}

// javaPluginPath returns a directory holding two plugin directories fetched from Maven Central
// by Maven and kept between runs under $TMPDIR: connect-file (its JAR alone, as Apache ships it)
// and connect-test-plugins (with its runtime dependencies).
func javaPluginPath(ctx context.Context) (string, error) {
	root := filepath.Join(os.TempDir(), "connectd-bench-plugin-path")
	for _, p := range []struct{ dir, artifact string }{
		{"connect-file", "connect-file"},
		{"connect-test-plugins", "connect-test-plugins"},
	} {
		dir := filepath.Join(root, p.dir)
		jar := filepath.Join(dir, p.artifact+"-"+javaPluginVersion+".jar")
		if _, err := os.Stat(jar); err == nil {
			continue
		}
		if err := os.MkdirAll(root, 0o755); err != nil {
			return "", err
		}
		tmp, err := os.MkdirTemp(root, p.dir+"-")
		if err != nil {
			return "", err
		}
		goal := []string{"-B", "-q", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy",
			"-Dartifact=org.apache.kafka:" + p.artifact + ":" + javaPluginVersion, "-DoutputDirectory=" + tmp}
		if p.artifact == "connect-test-plugins" {
			// Its runtime dependencies too (server-common's ThroughputThrottler, Jackson): a plugin
			// directory holds what the plugin needs beyond the Connect API.
			pom := filepath.Join(tmp, "pom.xml")
			if err := os.WriteFile(pom, []byte(testPluginsPom), 0o644); err != nil {
				return "", err
			}
			goal = []string{"-B", "-q", "-f", pom, "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies",
				"-DincludeScope=runtime", "-DoutputDirectory=" + tmp}
		}
		mctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		progress("fetching %s %s into a plugin directory (mvn)", p.artifact, javaPluginVersion)
		cmd := exec.CommandContext(mctx, "mvn", goal...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		err = cmd.Run()
		cancel()
		os.Remove(filepath.Join(tmp, "pom.xml"))
		if err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("fetch %s: %w", p.artifact, err)
		}
		os.RemoveAll(dir)
		if err := os.Rename(tmp, dir); err != nil {
			return "", err
		}
	}
	return root, nil
}

const testPluginsPom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.connectd.bench</groupId>
  <artifactId>connect-test-plugins-dir</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>connect-test-plugins</artifactId>
      <version>` + javaPluginVersion + `</version>
    </dependency>
  </dependencies>
</project>
`

// children lists the processes whose parent is pid.
func children(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid(child) == pid {
			out = append(out, child)
		}
	}
	return out
}

// ppid is the parent of pid from /proc/<pid>/stat (0 when it cannot be read).
func ppid(pid int) int {
	f := statFields(pid)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// statFields are the fields of /proc/<pid>/stat after the command name (state first); nil
// when it cannot be read. The name is in parentheses and may hold spaces: the fields after it
// are fixed.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// cpuTime is the CPU time pid has used so far, user and system, all its threads: utime and
// stime of /proc/<pid>/stat, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
func cpuTime(pid int) (time.Duration, error) {
	f := statFields(pid)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: not readable", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// treeRSS is the VmRSS of pid and its children, in MiB.
func treeRSS(pid int) (float64, error) {
	total := 0
	for _, p := range append([]int{pid}, children(pid)...) {
		v := procField(fmt.Sprintf("/proc/%d/status", p), "VmRSS")
		kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(v, "kB")))
		if err != nil {
			if p == pid {
				return 0, fmt.Errorf("VmRSS of pid %d: %q", p, v)
			}
			continue // a child that just exited
		}
		total += kb
	}
	return round3(float64(total) / 1024), nil
}

// batchSizeAvg reads connector's task 0 batch-size-avg from connectd's GET /metrics.
func batchSizeAvg(ctx context.Context, base, connector string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return 0, fmt.Errorf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	want := fmt.Sprintf(`kafka_connect_connector_task_metrics_batch_size_avg{connector=%q,task="0"} `, connector)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("GET /metrics: no batch_size_avg of %s task 0", connector)
}
