package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// rest drives closed-loop HTTP load at the REST API (1, 16, 64 connections by default) and,
// in the same run, the same load at a bare net/http handler that serves the same bytes: the
// ceiling of this machine, client and HTTP stack, against which connectd is a ratio.
//
// Cells: GET /connectors/{c}/status; GET /connectors?expand=status over --connectors
// connectors; and churn, a POST /connectors then DELETE of a fresh connector (one sample is
// the pair).
func restFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	duration := fs.Duration("duration", 3*time.Second, "measurement window of each cell")
	warmup := fs.Duration("warmup", 300*time.Millisecond, "load before each cell's window, not measured")
	connsFlag := fs.String("conns", "1,16,64", "concurrent connections (one closed-loop client each), comma-separated")
	cellsFlag := fs.String("cells", "status,list,churn", "what to load: status, list (GET /connectors?expand=status), churn (POST + DELETE)")
	nConnectors := fs.Int("connectors", 50, "connectors that exist during the status and list cells")
	target := fs.String("target", "", "base URL of a running Kafka Connect-compatible server to use instead of starting a connectd worker")
	file := fs.String("file", "/dev/null", "file of the FileStreamSource connectors it creates (it stays empty, so they idle); with --target it must exist on the server")
	prefix := fs.String("prefix", "restbench", "connector names are <prefix>-<i> and <prefix>-churn-<conn>-<i>")
	readyTimeout := fs.Duration("ready-timeout", 30*time.Second, "deadline for the worker (or --target) to answer GET /")
	getClient := fs.String("get-client", getClientRaw, "client of the GET cells: raw (a minimal keep-alive HTTP/1.1 client, cheap on the shared cores) or net/http")
	return func(ctx context.Context) (*result, error) {
		if err := checkGetClient(*getClient); err != nil {
			return nil, err
		}
		if c.smoke {
			*duration, *warmup, *nConnectors = 80*time.Millisecond, 10*time.Millisecond, 3
		}
		var conns []int
		for _, f := range strings.Split(*connsFlag, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return nil, fmt.Errorf("--conns: %q is not a positive number", f)
			}
			conns = append(conns, n)
		}
		cells := strings.Split(*cellsFlag, ",")
		for _, cell := range cells {
			if cell != "status" && cell != "list" && cell != "churn" {
				return nil, fmt.Errorf("--cells: unknown cell %q", cell)
			}
		}
		if *nConnectors < 1 || *duration <= 0 {
			return nil, errors.New("--connectors and --duration must be positive")
		}
		base := strings.TrimRight(*target, "/")
		targetDesc := base
		workerPID := 0 // the worker this run started, whose CPU per request is measured
		if base == "" {
			bin, err := connectdBinary(ctx, *c)
			if err != nil {
				return nil, err
			}
			w, err := startWorker(ctx, bin, *readyTimeout)
			if err != nil {
				return nil, err
			}
			base, workerPID = w.url, w.pid()
			targetDesc = "connectd distributed, one worker, embedded broker"
			progress("worker pid %d ready at %s", w.pid(), w.url)
		}
		setup := &bench{base: base, client: &http.Client{Timeout: 30 * time.Second}}
		info, err := setup.waitReady(ctx, *readyTimeout)
		if err != nil {
			return nil, err
		}
		progress("target %s answers GET /: %s", base, info)
		atExit(setup.deleteLeftovers)

		connectorConfig := func(name string) map[string]string {
			return map[string]string{"connector.class": "FileStreamSource", "topic": *prefix + "-idle", "file": *file}
		}
		progress("creating %d connectors", *nConnectors)
		for i := 0; i < *nConnectors; i++ {
			name := fmt.Sprintf("%s-%d", *prefix, i)
			if _, _, err := setup.createOne(ctx, name, connectorConfig(name), 30*time.Second); err != nil {
				return nil, fmt.Errorf("create %s: %w", name, err)
			}
		}

		// The bare handler serves exactly the bytes the target answered, with its headers'
		// Content-Type, so both sides move the same payload over the same HTTP stack.
		statusPath := "/connectors/" + url.PathEscape(*prefix+"-0") + "/status"
		listPath := "/connectors?expand=status"
		bodies := map[string][]byte{}
		for _, path := range []string{statusPath, listPath} {
			code, body, err := setup.do(ctx, http.MethodGet, path, nil)
			if err != nil || code != http.StatusOK {
				return nil, fmt.Errorf("GET %s: %d %v %s", path, code, err, body)
			}
			bodies[path] = body
		}
		if !bytes.Contains(bodies[listPath], []byte(`"status"`)) {
			progress("note: %s answered without per-connector status (no expand support): measured as answered", listPath)
		}
		bare, err := startBare(bodies[statusPath], bodies[listPath])
		if err != nil {
			return nil, err
		}
		defer bare.Close()

		res := &result{Target: targetDesc, Figures: map[string]stats{}, Samples: map[string][]float64{}}
		var rows []restRow
		for _, cell := range cells {
			for _, n := range conns {
				for _, srv := range []struct{ name, base string }{{"connectd", base}, {"bare net/http", "http://" + bare.Addr}} {
					if *target != "" && srv.name == "connectd" {
						srv.name = "target"
					}
					l := &loader{base: srv.base, conns: n, prefix: fmt.Sprintf("%s-churn-%d", *prefix, n), config: connectorConfig, setup: setup, client: *getClient}
					if srv.name == "connectd" {
						l.serverPID = workerPID // the bare handler shares this process with the client: not measured
					}
					var op loadOp
					switch cell {
					case "status":
						op = l.get(statusPath)
					case "list":
						op = l.get(listPath)
					case "churn":
						op = l.churn
					}
					progress("%s, %d conns, %s: %v warm-up, %v window", cell, n, srv.name, *warmup, *duration)
					m, err := l.run(ctx, op, *warmup, *duration)
					if err != nil {
						return nil, fmt.Errorf("%s, %d conns, %s: %w", cell, n, srv.name, err)
					}
					progress("%s, %d conns, %s: %.0f req/s, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, %d errors%s",
						cell, n, srv.name, m.perSec(), m.lat.P50, m.lat.P99, m.lat.P999, m.errors, cpuNote(m))
					rows = append(rows, restRow{cell: cell, conns: n, server: srv.name, m: m})
				}
			}
		}

		for i := 0; i+1 < len(rows); i += 2 {
			r, b := rows[i], rows[i+1]
			key := fmt.Sprintf("%s_%dconns", r.cell, r.conns)
			for _, x := range []restRow{r, b} {
				k := key + "_" + strings.NewReplacer(" ", "_", "/", "").Replace(x.server)
				res.Figures[k+"_latency"] = x.m.lat
				res.Figures[k+"_rate"] = summarize("req/s", []float64{round3(x.m.perSec())})
				res.Samples[k+"_interval_req_per_s"] = x.m.intervals
				if cpu := x.m.cpuPerRequest(); cpu > 0 {
					res.Figures[k+"_cpu_per_request"] = summarize("µs", []float64{round3(cpu)})
				}
			}
			res.Figures[key+"_ratio"] = summarize("ratio", []float64{round3(ratio(r.m.perSec(), b.m.perSec()))})
		}
		res.Notes = []string{
			fmt.Sprintf("closed loop: each connection sends its next request when the previous answer is read; %v warm-up then a %v window per cell; latency from sending to the body read, nearest-rank percentiles", *warmup, *duration),
			"churn: one sample = POST /connectors (201) then DELETE (204) of a fresh connector; req/s counts pairs",
			"bare net/http: a handler in the benchmark process serving the bytes the target answered (status and list), or a fixed 201 / 204 (churn); the ceiling of this client and HTTP stack on this machine",
			fmt.Sprintf("%d idle FileStreamSource connectors exist during the status and list cells; server: %s", *nConnectors, info),
			getClientNote(*getClient),
		}
		printRESTTable(rows)
		return res, nil
	}
}

// cpuNote is the worker's CPU time per request, for a progress line; "" when not measured.
func cpuNote(m measurement) string {
	if cpu := m.cpuPerRequest(); cpu > 0 {
		note := fmt.Sprintf(", %.1f µs of the worker's CPU per request", cpu)
		if m.steal >= 0 {
			note += fmt.Sprintf(", %.0f %% of the machine's CPU stolen by the hypervisor", 100*m.steal)
		}
		return note
	}
	return ""
}

type restRow struct {
	cell, server string
	conns        int
	m            measurement
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

func printRESTTable(rows []restRow) {
	fmt.Println("rest: closed-loop load; ratio = req/s of the target / req/s of a bare net/http handler serving the same bytes")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "cell\tconns\tserver\treq/s\tp50 ms\tp99 ms\tp99.9 ms\terrors\tratio\t")
	for i, r := range rows {
		rt := ""
		if i%2 == 0 && i+1 < len(rows) {
			rt = strconv.FormatFloat(ratio(r.m.perSec(), rows[i+1].m.perSec()), 'f', 2, 64)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f\t%.3f\t%.3f\t%.3f\t%d\t%s\t\n", r.cell, r.conns, r.server,
			r.m.perSec(), r.m.lat.P50, r.m.lat.P99, r.m.lat.P999, r.m.errors, rt)
	}
	tw.Flush()
}

// startBare serves status and list bytes on their paths, 201 to POST /connectors and 204 to
// DELETE, on a free port of 127.0.0.1.
func startBare(status, list []byte) (*http.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	created := []byte(`{"name":"x","config":{},"tasks":[],"type":"source"}`)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(created)
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/connectors":
			_, _ = w.Write(list)
		default:
			_, _ = w.Write(status)
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	srv.Addr = ln.Addr().String()
	return srv, nil
}

// loader runs one cell: conns goroutines, each a closed loop over one keep-alive connection.
type loader struct {
	base   string
	conns  int
	prefix string
	config func(name string) map[string]string
	setup  *bench // records churn connectors, so an interrupted run deletes them
	client string // of GETs: getClientRaw or getClientNetHTTP
	// serverPID, when set, is the server's process: its CPU time over the window is measured
	// (measurement.serverCPU), a cost per request that does not depend on how much of the
	// shared cores the load generator took.
	serverPID int
	// split, when set with serverPID, keeps the generator and the server on separate CPUs
	// for the cell, warm-up included.
	split *cpuSplit
}

// The load generator's clients for GETs (--get-client).
const (
	getClientRaw     = "raw"      // rawGET
	getClientNetHTTP = "net/http" // net/http's Client, as before 2026-12-03
)

func checkGetClient(c string) error {
	if c != getClientRaw && c != getClientNetHTTP {
		return fmt.Errorf("--get-client: %q is neither %q nor %q", c, getClientRaw, getClientNetHTTP)
	}
	return nil
}

// measurement is one cell's result.
type measurement struct {
	requests  int64
	errors    int64
	window    time.Duration
	lat       stats         // ms
	intervals []float64     // req/s per 250 ms
	serverCPU time.Duration // the server process's CPU time in the window; 0: not measured
	steal     float64       // the machine's steal share in the window (cpuSample.steal), with serverCPU
}

// cpuPerRequest is the server's CPU time per answered request in the window, in µs (0: not
// measured).
func (m measurement) cpuPerRequest() float64 {
	if m.serverCPU <= 0 || m.requests == 0 {
		return 0
	}
	return float64(m.serverCPU.Microseconds()) / float64(m.requests)
}

func (m measurement) perSec() float64 {
	if m.window <= 0 {
		return 0
	}
	return float64(m.requests) / m.window.Seconds()
}

var errStatus = errors.New("unexpected status")

// request sends one request over net/http and reads the answer, which must have status want.
func (s *session) request(ctx context.Context, method, path string, body []byte, want int) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	// Read to the end, so the connection is reused.
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %w %d", method, path, errStatus, resp.StatusCode)
	}
	return nil
}

// loadOp is one operation of a closed loop: the i-th of connection conn, over its session.
type loadOp func(ctx context.Context, s *session, conn, i int) error

// session is what one closed-loop connection sends with: rawGET connections for GETs (one per
// path) and net/http for requests with a body.
type session struct {
	base   string
	http   *http.Client
	gets   map[string]*rawGET
	client string // of GETs
}

func (s *session) get(ctx context.Context, path string, want int) error {
	if s.client == getClientNetHTTP {
		return s.request(ctx, http.MethodGet, path, nil, want)
	}
	g := s.gets[path]
	if g == nil {
		var err error
		if g, err = newRawGET(s.base, path); err != nil {
			return err
		}
		s.gets[path] = g
	}
	return g.get(ctx, want)
}

func (s *session) close() {
	for _, g := range s.gets {
		g.close()
	}
}

// getClientNote says in a result which client sent the GETs.
func getClientNote(c string) string {
	if c == getClientNetHTTP {
		return "load generator, bare handler and server share the machine's cores; GETs over net/http's Client with keep-alive (MaxIdleConnsPerHost = connections), POST and DELETE too"
	}
	return "load generator, bare handler and server share the machine's cores; GETs over a minimal HTTP/1.1 keep-alive client, one connection per loop (request bytes built once, the answer parsed in place and discarded: benchmarks/rawhttp.go); POST and DELETE over net/http"
}

func (l *loader) get(path string) loadOp {
	return func(ctx context.Context, s *session, _, _ int) error {
		return s.get(ctx, path, http.StatusOK)
	}
}

// churn creates a fresh connector and deletes it.
func (l *loader) churn(ctx context.Context, s *session, conn, i int) error {
	name := fmt.Sprintf("%s-%d-%d", l.prefix, conn, i)
	body := fmt.Appendf(nil, `{"name":%q,"config":{`, name)
	first := true
	for _, k := range sortedKeys(l.config(name)) {
		if !first {
			body = append(body, ',')
		}
		first = false
		body = fmt.Appendf(body, "%q:%q", k, l.config(name)[k])
	}
	body = append(body, "}}"...)
	if err := s.request(ctx, http.MethodPost, "/connectors", body, http.StatusCreated); err != nil {
		return err
	}
	l.setup.mu.Lock()
	if l.setup.created == nil {
		l.setup.created = map[string]bool{}
	}
	l.setup.created[name] = true
	l.setup.mu.Unlock()
	if err := s.request(ctx, http.MethodDelete, "/connectors/"+url.PathEscape(name), nil, http.StatusNoContent); err != nil {
		return err
	}
	l.setup.mu.Lock()
	delete(l.setup.created, name)
	l.setup.mu.Unlock()
	return nil
}

// run drives op from l.conns goroutines for warmup, then for window, recording each
// operation's latency; errors are counted, and more errors than successes end the cell.
func (l *loader) run(ctx context.Context, op loadOp, warmup, window time.Duration) (measurement, error) {
	tr := &http.Transport{
		MaxIdleConnsPerHost: l.conns,
		MaxConnsPerHost:     l.conns,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	if l.split != nil && l.serverPID > 0 {
		undo, err := l.split.apply(l.serverPID)
		if err != nil {
			return measurement{}, err
		}
		defer func() {
			if err := undo(); err != nil {
				progress("giving back the CPUs: %v", err)
			}
		}()
	}
	var (
		mu       sync.Mutex
		lats     []float64
		errs     int64
		firstErr error
		wg       sync.WaitGroup
	)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(window)
	counts := make([][]int64, l.conns) // per connection, completions per 250 ms interval
	cpu := make(chan cpuSample, 1)
	if l.serverPID > 0 {
		go func() { cpu <- sampleCPU(rctx, l.serverPID, measureFrom, end) }()
	}
	for c := 0; c < l.conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess := &session{base: l.base, http: cl, gets: map[string]*rawGET{}, client: l.client}
			defer sess.close()
			var mine []float64
			var myErrs int64
			var myErr error
			nIntervals := int(math.Ceil(float64(window)/float64(250*time.Millisecond))) + 1
			counts[c] = make([]int64, nIntervals)
			for i := 0; rctx.Err() == nil; i++ {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				err := op(rctx, sess, c, i)
				t1 := time.Now()
				if t0.Before(measureFrom) || t1.After(end) {
					continue // warm-up, or finished after the window closed
				}
				if err != nil {
					if rctx.Err() != nil {
						break
					}
					myErrs++
					if myErr == nil {
						myErr = err
					}
					continue
				}
				mine = append(mine, ms(t1.Sub(t0)))
				counts[c][int(t1.Sub(measureFrom)/(250*time.Millisecond))]++
			}
			mu.Lock()
			lats = append(lats, mine...)
			errs += myErrs
			if firstErr == nil {
				firstErr = myErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return measurement{}, err
	}
	m := measurement{requests: int64(len(lats)), errors: errs, window: window}
	if l.serverPID > 0 {
		c := <-cpu
		if c.err != nil {
			return m, fmt.Errorf("server CPU time: %w", c.err)
		}
		m.serverCPU, m.steal = c.used, c.steal
	}
	if errs > int64(len(lats)) {
		return m, fmt.Errorf("%d errors, %d successes; first: %w", errs, len(lats), firstErr)
	}
	if errs > 0 {
		progress("%d errors; first: %v", errs, firstErr)
	}
	m.lat = summarize("ms", lats)
	m.lat.P999 = percentile(lats, 99.9)
	for i := 0; i*int(250*time.Millisecond) < int(window); i++ {
		var n int64
		for _, per := range counts {
			n += per[i]
		}
		m.intervals = append(m.intervals, float64(n)*4)
	}
	return m, nil
}

type cpuSample struct {
	used  time.Duration
	steal float64 // the share of the machine's CPU time the hypervisor took, 0–1; -1: unknown
	err   error
}

// sampleCPU is pid's CPU time from one instant to another, and the machine's steal time.
func sampleCPU(ctx context.Context, pid int, from, to time.Time) cpuSample {
	if err := sleepCtx(ctx, time.Until(from)); err != nil {
		return cpuSample{err: err}
	}
	a, err := cpuTime(pid)
	if err != nil {
		return cpuSample{err: err}
	}
	stealA, totalA, errA := machineTicks()
	if err := sleepCtx(ctx, time.Until(to)); err != nil {
		return cpuSample{err: err}
	}
	b, err := cpuTime(pid)
	stealB, totalB, errB := machineTicks()
	steal := -1.0
	if errA == nil && errB == nil && totalB > totalA {
		steal = float64(stealB-stealA) / float64(totalB-totalA)
	}
	return cpuSample{used: b - a, steal: steal, err: err}
}

// machineTicks is the first line of /proc/stat: the machine's steal ticks (time a virtual
// CPU was ready but the hypervisor ran something else) and all its ticks. On a shared host a
// run with a high steal share is not comparable with one without.
func machineTicks() (steal, total int64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
		if i < 8 { // guest and guest_nice are already counted in user and nice
			total += n
		}
		if i == 7 {
			steal = n
		}
	}
	return steal, total, nil
}

// percentile is the nearest-rank percentile, as summarize computes the others.
func percentile(samples []float64, p float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}
