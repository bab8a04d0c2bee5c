// Command benchmarks runs connectd's load benchmarks against real worker processes.
//
//	go run ./benchmarks <scenario> [flags]
//
// Scenarios: footprint (start-to-ready and idle RSS), create (POST /connectors until the
// connector and its task are RUNNING), pipeline (source and sink throughput beside the
// fastest raw clients), rest (REST throughput and latency beside a bare net/http handler),
// scale, failover, compare (connectd beside Apache Kafka Connect on one Apache Kafka
// broker) and pgsink (the PostgreSQL sink's rows/s into a real PostgreSQL). Each prints
// progress on stderr, a table on stdout and writes a JSON result to
// benchmarks/results/<scenario>-<timestamp>.json (or --out). See benchmarks/README.md.
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// scenario is one benchmark: it registers its flags on fs and runs with ctx, which is
// cancelled on Ctrl-C / SIGTERM.
type scenario struct {
	summary string
	flags   func(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error)
}

var scenarios = map[string]scenario{
	"footprint":         {"start-to-ready and idle RSS of fresh workers", footprintFlags},
	"create":            {"POST /connectors until connector and task are RUNNING", createFlags},
	"scale":             {"1 000 and 10 000 connectors on 1 and 3 workers: time to create, RSS, expand=status latency", scaleFlags},
	"failover":          {"a worker killed, stopped or lost: time until the survivors run everything", failoverFlags},
	"pipeline":          {"records/s and MB/s per task, source → Kafka and Kafka → sink, beside the fastest raw clients (the ceiling) and sarama", pipelineFlags},
	"eos":               {"records/s of one source task with exactly-once sources off and on (transaction.boundary poll and interval), same broker, same run", eosFlags},
	"rest":              {"req/s and latency of status, list and create+delete churn, beside a bare net/http handler", restFlags},
	"javahost":          {"Java plugins (connect-file, connect-test-plugins) through connectd's plugin host beside Apache Kafka Connect: records/s, RSS, records per host round trip", javahostFlags},
	"compare":           {"connectd beside Apache Kafka Connect on one Apache Kafka broker: start, RSS, create, status load, FileStream throughput, kill -9 failover", compareFlags},
	"debezium-failover": {"time from kill -9 of the worker running the Debezium task until change events flow again: connectd and Apache Kafka Connect 4.3.1 (defaults, and scheduled.rebalance.max.delay.ms=0), two workers each on one broker", debeziumFailoverFlags},
	"debezium":          {"change events/s PostgreSQL → Kafka through Debezium under connectd and under Apache Kafka Connect 4.3.1 on one broker: snapshot and streaming", debeziumFlags},
	"pgsink":            {"PostgresSinkConnector's rows/s into a real PostgreSQL per insert.mode and batch.size, beside pgx alone", pgsinkFlags},
}

// common holds the flags every scenario has.
type common struct {
	binary string
	out    string
	smoke  bool
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run ./benchmarks <scenario> [flags]   (-h after a scenario lists its flags)")
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, scenarios[n].summary)
	}
}

func main() {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "-") {
		usage()
		os.Exit(2)
	}
	name := os.Args[1]
	sc, ok := scenarios[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown scenario %q\n", name)
		usage()
		os.Exit(2)
	}
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	var c common
	fs.StringVar(&c.binary, "binary", "", "connectd binary to run (default: go build ./cmd/connectd into a temp dir)")
	fs.StringVar(&c.out, "out", "", "JSON result path (default benchmarks/results/<scenario>-<timestamp>.json; --smoke: a temp dir)")
	fs.BoolVar(&c.smoke, "smoke", false, "run a tiny version, for CI")
	run := sc.flags(fs, &c)
	_ = fs.Parse(os.Args[2:])
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unexpected arguments: %v\n", fs.Args())
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cleanups = nil
	started := time.Now()
	res, err := run(ctx)
	runCleanups()
	if ctx.Err() != nil {
		err = errors.New("interrupted; workers stopped and temp dirs removed")
	}
	if err != nil && res == nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	// A scenario may return what it measured beside an error (compare, when a failover case
	// failed): the result is written, and the run still fails.
	res.Scenario = name
	res.Time = started.UTC().Format(time.RFC3339)
	res.DurationS = math.Round(time.Since(started).Seconds()*10) / 10
	res.Machine = machineInfo()
	res.Flags = map[string]string{}
	fs.VisitAll(func(f *flag.Flag) { res.Flags[f.Name] = f.Value.String() })
	path, werr := writeResult(res, c, started)
	if werr != nil {
		fmt.Fprintf(os.Stderr, "%s: write result: %v\n", name, werr)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "result written to %s\n", path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// cleanups run in reverse order when the scenario returns, whether it finished, failed or was
// interrupted.
var cleanups []func()

func atExit(f func()) { cleanups = append(cleanups, f) }

func runCleanups() {
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
}

// progress prints a progress line on stderr.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// ---- results ----

type result struct {
	Scenario  string               `json:"scenario"`
	Time      string               `json:"time"`
	DurationS float64              `json:"duration_s"`
	Flags     map[string]string    `json:"flags"`
	Machine   machine              `json:"machine"`
	Target    string               `json:"target,omitempty"`
	Figures   map[string]stats     `json:"figures"`
	Samples   map[string][]float64 `json:"samples"`
	Notes     []string             `json:"notes,omitempty"`
}

type machine struct {
	NProc     int    `json:"nproc"`
	CPUModel  string `json:"cpu_model"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	MemTotal  string `json:"mem_total,omitempty"`
}

func machineInfo() machine {
	m := machine{NProc: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	m.CPUModel = procField("/proc/cpuinfo", "model name")
	m.MemTotal = procField("/proc/meminfo", "MemTotal")
	return m
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// stats summarises samples (nearest-rank percentiles).
type stats struct {
	Unit  string  `json:"unit"`
	N     int     `json:"n"`
	Min   float64 `json:"min"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999,omitempty"` // filled by scenarios that report it (rest)
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
	Total float64 `json:"-"`
}

func summarize(unit string, samples []float64) stats {
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	st := stats{Unit: unit, N: len(s)}
	if len(s) == 0 {
		return st
	}
	for _, v := range s {
		st.Total += v
	}
	rank := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	st.Min, st.P50, st.P90, st.P99, st.Max = s[0], rank(50), rank(90), rank(99), s[len(s)-1]
	st.Mean = round3(st.Total / float64(len(s)))
	return st
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

// printTable writes rows of figures (name, stats, which columns) as an aligned table on stdout.
func printTable(title string, rows []string, figs map[string]stats, cols []string) {
	fmt.Println(title)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tunit\tn\t%s\t\n", "figure", strings.Join(cols, "\t"))
	for _, r := range rows {
		st := figs[r]
		vals := make([]string, len(cols))
		for i, c := range cols {
			var v float64
			switch c {
			case "min":
				v = st.Min
			case "p50":
				v = st.P50
			case "p90":
				v = st.P90
			case "p99":
				v = st.P99
			case "max":
				v = st.Max
			case "mean":
				v = st.Mean
			}
			vals[i] = strconv.FormatFloat(v, 'f', 2, 64)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t\n", r, st.Unit, st.N, strings.Join(vals, "\t"))
	}
	tw.Flush()
}

func writeResult(res *result, c common, started time.Time) (string, error) {
	path := c.out
	if path == "" {
		dir := filepath.Join(moduleRoot(), "benchmarks", "results")
		if c.smoke {
			dir = filepath.Join(os.TempDir(), "connectd-bench-results")
		}
		path = filepath.Join(dir, fmt.Sprintf("%s-%s.json", res.Scenario, started.UTC().Format("20060102T150405Z")))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// moduleRoot is the directory of the go.mod that holds the current directory ("." if none).
func moduleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if mod := strings.TrimSpace(string(out)); err == nil && mod != "" && mod != os.DevNull {
		return filepath.Dir(mod)
	}
	return "."
}

// ---- the connectd binary and worker processes ----

// connectdBinary returns c.binary, or builds ./cmd/connectd once into a temp dir.
func connectdBinary(ctx context.Context, c common) (string, error) {
	if c.binary != "" {
		return filepath.Abs(c.binary)
	}
	dir, err := os.MkdirTemp("", "connectd-bench-bin-")
	if err != nil {
		return "", err
	}
	atExit(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "connectd")
	bctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	progress("building connectd (go build ./cmd/connectd)")
	cmd := exec.CommandContext(bctx, "go", "build", "-o", bin, "./cmd/connectd")
	cmd.Dir = moduleRoot()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/connectd: %w", err)
	}
	return bin, nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// worker is one connectd distributed process on free ports with its own data dir.
type worker struct {
	url     string
	broker  string // host:port of its embedded broker
	scratch string // holds worker.properties, the log and data/
	dataDir string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
	started time.Time
	ready   time.Duration // process exec → GET / answered 200
	stopped time.Duration // SIGTERM → process exited (includes SIGKILL fallback)
	// readyPath is what launch polls until it answers 200 ("/" when empty).
	readyPath string
	stopOnce  bool
}

// startWorker execs connectd distributed on fresh free ports and a fresh data dir and waits
// (at most timeout) until GET / answers 200, polling every 1 ms. The worker is stopped and its
// directories removed at exit even if the caller does not stop it first.
func startWorker(ctx context.Context, bin string, timeout time.Duration) (*worker, error) {
	return startWorkerWith(ctx, bin, timeout, nil)
}

// startWorkerWith is startWorker with extra worker properties; with bootstrap.servers among
// them the worker joins that broker instead of starting its own.
func startWorkerWith(ctx context.Context, bin string, timeout time.Duration, extra map[string]string) (*worker, error) {
	return startWorkerReady(ctx, bin, timeout, extra, "/")
}

// startWorkerReady is startWorkerWith, waiting for GET readyPath to answer 200 rather than GET /.
func startWorkerReady(ctx context.Context, bin string, timeout time.Duration, extra map[string]string, readyPath string) (*worker, error) {
	scratch, err := os.MkdirTemp("", "connectd-bench-worker-")
	if err != nil {
		return nil, err
	}
	w := &worker{scratch: scratch, dataDir: filepath.Join(scratch, "data"), logPath: filepath.Join(scratch, "worker.log"), readyPath: readyPath}
	atExit(w.stop)
	if err := os.Mkdir(w.dataDir, 0o755); err != nil {
		return nil, err
	}
	restPort, err := freePort()
	if err != nil {
		return nil, err
	}
	brokerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	w.url = fmt.Sprintf("http://127.0.0.1:%d", restPort)
	w.broker = fmt.Sprintf("127.0.0.1:%d", brokerPort)
	props := fmt.Sprintf("listeners=%s\nembedded.broker.listener=127.0.0.1:%d\ndata.dir=%s\n", w.url, brokerPort, w.dataDir)
	for _, k := range sortedKeys(extra) {
		props += k + "=" + extra[k] + "\n"
	}
	propsPath := filepath.Join(scratch, "worker.properties")
	if err := os.WriteFile(propsPath, []byte(props), 0o644); err != nil {
		return nil, err
	}
	if err := w.launch(ctx, exec.Command(bin, "distributed", propsPath), timeout); err != nil {
		return nil, err
	}
	return w, nil
}

// launch execs cmd as w's process, its output going to w.logPath, and waits (at most timeout)
// until GET w.url+w.readyPath answers 200, polling every 1 ms; w.ready is the time from exec
// to that answer. The process gets its own process group and dies with this one.
func (w *worker) launch(ctx context.Context, cmd *exec.Cmd, timeout time.Duration) error {
	logFile, err := os.Create(w.logPath)
	if err != nil {
		return err
	}
	w.cmd = cmd
	w.cmd.Stdout, w.cmd.Stderr = logFile, logFile
	// Own process group: a terminal's Ctrl-C reaches only us, and we stop the worker by PID.
	// Pdeathsig: if this process dies without cleaning up, the kernel kills the worker.
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}

	client := &http.Client{Timeout: time.Second}
	w.started = time.Now()
	if err := w.cmd.Start(); err != nil {
		logFile.Close()
		return err
	}
	w.done = make(chan struct{})
	go func() { _ = w.cmd.Wait(); logFile.Close(); close(w.done) }()

	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(w.url + cmp.Or(w.readyPath, "/"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				w.ready = time.Since(w.started)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.done:
			return fmt.Errorf("worker exited during start (%v); log tail:\n%s", w.cmd.ProcessState, w.logTail())
		case <-deadline.C:
			return fmt.Errorf("worker not ready after %v; log tail:\n%s", timeout, w.logTail())
		case <-tick.C:
		}
	}
}

// pid is the worker's process id.
func (w *worker) pid() int { return w.cmd.Process.Pid }

// rssKB reads VmRSS of the worker from /proc/<pid>/status, in kB.
func (w *worker) rssKB() (int, error) {
	v := procField(fmt.Sprintf("/proc/%d/status", w.pid()), "VmRSS")
	kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(v, "kB")))
	if err != nil {
		return 0, fmt.Errorf("VmRSS of pid %d: %q", w.pid(), v)
	}
	return kb, nil
}

// stop sends SIGTERM to the worker's PID, SIGKILL after 10 s, waits for it to exit and removes
// its directories. It is idempotent.
func (w *worker) stop() {
	if w.stopOnce {
		return
	}
	w.stopOnce = true
	if w.cmd != nil && w.done != nil {
		select {
		case <-w.done:
		default:
			t0 := time.Now()
			defer func() { w.stopped = time.Since(t0) }()
			_ = syscall.Kill(w.pid(), syscall.SIGTERM)
			select {
			case <-w.done:
			case <-time.After(10 * time.Second):
				progress("worker pid %d still running 10 s after SIGTERM; SIGKILL", w.pid())
				_ = syscall.Kill(w.pid(), syscall.SIGKILL)
				select {
				case <-w.done:
				case <-time.After(10 * time.Second):
					progress("worker pid %d did not exit after SIGKILL", w.pid())
				}
			}
		}
	}
	os.RemoveAll(w.scratch)
}

func (w *worker) logTail() string {
	b, _ := os.ReadFile(w.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// sleepCtx sleeps d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
