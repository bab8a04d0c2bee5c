package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// scale creates many idle connectors (FileStreamSource on a file that never has a line) on
// 1 and on 3 workers and measures, per case: the time from the first POST until
// GET /connectors?expand=status shows every connector and task RUNNING; each worker's RSS
// once they all run; and the latency of GET /connectors?expand=status over all of them.
func scaleFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	counts := fs.String("connectors", "1000,10000", "connector counts, comma-separated")
	workerCounts := fs.String("workers", "1,3", "cluster sizes, comma-separated")
	concurrency := fs.Int("concurrency", 32, "POSTs in flight")
	file := fs.String("file", "/dev/null", "file of the FileStreamSource connectors (stays empty, so they idle)")
	listSamples := fs.Int("list-samples", 20, "GET /connectors?expand=status requests timed per case")
	timeout := fs.Duration("timeout", 5*time.Minute, "deadline for one case")
	return func(ctx context.Context) (*result, error) {
		if c.smoke {
			*counts, *workerCounts, *listSamples = "50", "1,3", 3
		}
		ns, err := positiveInts(*counts)
		if err != nil {
			return nil, fmt.Errorf("--connectors: %w", err)
		}
		ws, err := positiveInts(*workerCounts)
		if err != nil {
			return nil, fmt.Errorf("--workers: %w", err)
		}
		bin, err := connectdBinary(ctx, *c)
		if err != nil {
			return nil, err
		}
		figs := map[string]stats{}
		samples := map[string][]float64{}
		var rows, notes []string
		for _, nw := range ws {
			for _, n := range ns {
				key := fmt.Sprintf("%dw_%d", nw, n)
				cctx, cancel := context.WithTimeout(ctx, *timeout)
				r, err := scaleCase(cctx, bin, nw, n, *concurrency, *file, *listSamples)
				cancel()
				if err != nil {
					return nil, fmt.Errorf("%d connectors on %d workers: %w", n, nw, err)
				}
				progress("%d connectors on %d workers: all RUNNING after %.1f s; RSS per worker %v MiB; expand=status p50 %.1f ms",
					n, nw, r.createAll.Seconds(), r.rssMiB, summarize("ms", r.list).P50)
				figs[key+"_create_all"] = summarize("s", []float64{round3(r.createAll.Seconds())})
				figs[key+"_rss_per_worker"] = summarize("MiB", r.rssMiB)
				figs[key+"_expand_status"] = summarize("ms", r.list)
				samples[key+"_expand_status_ms"] = r.list
				rows = append(rows, key+"_create_all", key+"_rss_per_worker", key+"_expand_status")
				notes = append(notes, fmt.Sprintf("%d connectors on %d workers: POSTs took %.1f s, all RUNNING at %.1f s", n, nw, r.posted.Seconds(), r.createAll.Seconds()))
			}
		}
		res := &result{
			Target:  "connectd distributed; 1 worker with its embedded broker, or N workers on one `connectd broker`",
			Figures: figs,
			Samples: samples,
			Notes: append(notes,
				"create_all: from the first POST /connectors (concurrency --concurrency, sent to the first worker) until GET /connectors?expand=status shows every connector and its task RUNNING",
				"rss_per_worker: VmRSS of each worker once everything runs; expand_status: GET /connectors?expand=status over all connectors, sequential"),
		}
		printTable("scale: idle FileStreamSource connectors (one task each)", rows, figs, []string{"p50", "max"})
		return res, nil
	}
}

type scaleResult struct {
	posted, createAll time.Duration
	rssMiB            []float64
	list              []float64
}

func scaleCase(ctx context.Context, bin string, nw, n, concurrency int, file string, listSamples int) (*scaleResult, error) {
	var workers []*worker
	var broker *brokerProc
	if nw == 1 {
		w, err := startWorker(ctx, bin, 60*time.Second)
		if err != nil {
			return nil, err
		}
		workers = []*worker{w}
	} else {
		b, ws, err := startCluster(ctx, bin, nw, 60*time.Second)
		if err != nil {
			return nil, err
		}
		broker, workers = b, ws
	}
	defer func() {
		for _, w := range workers {
			w.stop()
		}
		if broker != nil {
			broker.stop()
		}
	}()
	base := workers[0].url
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: concurrency + 2}}
	r := &scaleResult{}
	start := time.Now()
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				name := fmt.Sprintf("scale-%d", i)
				body, _ := json.Marshal(map[string]any{"name": name, "config": map[string]string{
					"connector.class": "FileStreamSource", "file": file, "topic": "scale"}})
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/connectors", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						err = fmt.Errorf("POST %s: %d %s", name, resp.StatusCode, b)
					}
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				if done := i + 1; done%max(1, n/10) == 0 {
					progress("posted %d/%d", done, n)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	r.posted = time.Since(start)
	for {
		running, err := countRunning(ctx, client, base)
		if err != nil {
			return nil, err
		}
		if running == n {
			break
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return nil, fmt.Errorf("%d of %d connectors RUNNING: %w", running, n, err)
		}
	}
	r.createAll = time.Since(start)
	for _, w := range workers {
		kb, err := w.rssKB()
		if err != nil {
			return nil, err
		}
		r.rssMiB = append(r.rssMiB, round3(float64(kb)/1024))
	}
	for range listSamples {
		t0 := time.Now()
		if _, err := countRunning(ctx, client, base); err != nil {
			return nil, err
		}
		r.list = append(r.list, ms(time.Since(t0)))
	}
	return r, nil
}

// countRunning asks GET /connectors?expand=status and counts connectors that run with all
// (at least one) tasks RUNNING.
func countRunning(ctx context.Context, client *http.Client, base string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/connectors?expand=status", nil)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var all map[string]struct {
		Status instanceStatus `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		return 0, fmt.Errorf("GET /connectors?expand=status: %w", err)
	}
	n := 0
	for _, c := range all {
		ok := c.Status.Connector.State == "RUNNING" && len(c.Status.Tasks) > 0
		for _, t := range c.Status.Tasks {
			ok = ok && t.State == "RUNNING"
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func positiveInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, errors.New(f + " is not a positive number")
		}
		out = append(out, n)
	}
	return out, nil
}
