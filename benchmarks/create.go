package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// create POSTs N FileStreamSource connectors to one worker and measures, for each, sending
// the POST → GET /connectors/<name>/status showing the connector and its task RUNNING.
func createFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	n := fs.Int("n", 200, "number of connectors to create")
	concurrency := fs.Int("concurrency", 1, "connectors created at the same time")
	target := fs.String("target", "", "base URL of a running Kafka Connect-compatible server to use instead of starting a connectd worker")
	file := fs.String("file", "", "source file the connectors read (default: a temp file with 1 line; with --target it must exist on the server)")
	prefix := fs.String("prefix", "bench", "connector names and topics are <prefix>-<i>")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline for one connector to be RUNNING")
	readyTimeout := fs.Duration("ready-timeout", 30*time.Second, "deadline for the worker (or --target) to answer GET /")
	workers := fs.Int("workers", 1, "workers to start (more than 1: a cluster on one `connectd broker`, requests sent to the first)")
	bootstrap := fs.String("bootstrap", "", "a Kafka broker (e.g. Apache Kafka: scripts/apache-kafka.sh start) the workers join, instead of an embedded broker or a `connectd broker`")
	return func(ctx context.Context) (*result, error) {
		if c.smoke {
			*n = 5
		}
		if *n < 1 || *concurrency < 1 {
			return nil, fmt.Errorf("--n and --concurrency must be at least 1")
		}
		base := strings.TrimRight(*target, "/")
		targetDesc := base
		if base == "" {
			bin, err := connectdBinary(ctx, *c)
			if err != nil {
				return nil, err
			}
			if *bootstrap != "" {
				// A group and internal topics of this run's own: the broker outlives it.
				ws, err := startWorkers(ctx, bin, *workers, *readyTimeout, externalProps(*bootstrap, fmt.Sprintf("bench-create-%d", time.Now().Unix())))
				if err != nil {
					return nil, err
				}
				base = ws[0].url
				targetDesc = fmt.Sprintf("connectd distributed, %d worker(s) on the broker %s", *workers, *bootstrap)
				progress("%d worker(s) ready on %s; requests go to %s", *workers, *bootstrap, base)
			} else if *workers > 1 {
				b, ws, err := startCluster(ctx, bin, *workers, *readyTimeout)
				if err != nil {
					return nil, err
				}
				base = ws[0].url
				targetDesc = fmt.Sprintf("connectd distributed, %d workers on one `connectd broker`", *workers)
				progress("broker %s and %d workers ready; requests go to %s", b.addr, *workers, base)
			} else {
				w, err := startWorker(ctx, bin, *readyTimeout)
				if err != nil {
					return nil, err
				}
				base = w.url
				targetDesc = "connectd distributed, one worker, embedded broker"
				progress("worker pid %d ready at %s in %.1f ms", w.pid(), w.url, ms(w.ready))
			}
		}
		if *file == "" {
			dir, err := os.MkdirTemp("", "connectd-bench-create-")
			if err != nil {
				return nil, err
			}
			atExit(func() { os.RemoveAll(dir) })
			*file = filepath.Join(dir, "in.txt")
			if err := os.WriteFile(*file, []byte("one line\n"), 0o644); err != nil {
				return nil, err
			}
		}

		b := &bench{
			base:   base,
			client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2**concurrency + 2}},
		}
		info, err := b.waitReady(ctx, *readyTimeout)
		if err != nil {
			return nil, err
		}
		progress("target %s answers GET /: %s", base, info)
		atExit(b.deleteLeftovers)

		names := make([]string, *n)
		for i := range names {
			names[i] = fmt.Sprintf("%s-%d", *prefix, i)
		}
		started := time.Now()
		post, running, err := b.createMany(ctx, names, func(name string) map[string]string {
			return map[string]string{"connector.class": "FileStreamSource", "topic": name, "file": *file}
		}, *concurrency, *timeout)
		elapsed := time.Since(started)
		if err != nil {
			return nil, err
		}

		var dels []float64
		progress("deleting %d connectors", len(b.created))
		for _, name := range b.createdNames() {
			d, err := b.deleteOne(ctx, name)
			if err != nil {
				return nil, err
			}
			dels = append(dels, ms(d))
		}

		res := &result{
			Target: targetDesc,
			Figures: map[string]stats{
				"create_to_running": summarize("ms", running),
				"post_to_201":       summarize("ms", post),
				"delete_to_204":     summarize("ms", dels),
			},
			Samples: map[string][]float64{"create_to_running_ms": running, "post_to_201_ms": post, "delete_to_204_ms": dels},
			Notes: []string{
				"create_to_running: from sending POST /connectors until GET /connectors/<name>/status shows the connector and all (>= 1) tasks RUNNING; status polled with a 1 ms pause between polls",
				fmt.Sprintf("%d connectors in %.2f s wall time at concurrency %d; server: %s", *n, elapsed.Seconds(), *concurrency, info),
			},
		}
		printTable(fmt.Sprintf("create: %d FileStreamSource connectors, concurrency %d, target: %s", *n, *concurrency, targetDesc),
			[]string{"create_to_running", "post_to_201", "delete_to_204"}, res.Figures, []string{"p50", "p90", "p99", "max"})
		return res, nil
	}
}

// createMany creates the connectors names (config(name) each), concurrency at a time, and
// returns POST → 201 and POST → RUNNING of each, in ms, in the order they finished. The first
// failure stops the run.
func (b *bench) createMany(ctx context.Context, names []string, config func(string) map[string]string, concurrency int, timeout time.Duration) (post, running []float64, err error) {
	jobs := make(chan string)
	var (
		mu       sync.Mutex
		firstErr error
	)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range jobs {
				postDur, runDur, err := b.createOne(rctx, name, config(name), timeout)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("connector %s: %w", name, err)
					}
					mu.Unlock()
					cancel()
					continue
				}
				post = append(post, ms(postDur))
				running = append(running, ms(runDur))
				done := len(running)
				mu.Unlock()
				if done%max(1, len(names)/10) == 0 || done == len(names) {
					progress("created %d/%d; last %s RUNNING after %.2f ms", done, len(names), name, ms(runDur))
				}
			}
		}()
	}
feed:
	for _, name := range names {
		select {
		case jobs <- name:
		case <-rctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return post, running, nil
}

// bench is a REST client for one target, remembering the connectors it created.
type bench struct {
	base    string
	client  *http.Client
	mu      sync.Mutex
	created map[string]bool
}

func (b *bench) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// waitReady waits until GET / answers 200 and returns its body.
func (b *bench) waitReady(ctx context.Context, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		code, body, err := b.do(ctx, http.MethodGet, "/", nil)
		if err == nil && code == http.StatusOK {
			return strings.TrimSpace(string(body)), nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s: GET / not 200 after %v (last: %d %v)", b.base, timeout, code, err)
		}
		if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
			return "", err
		}
	}
}

type connectorStatus struct {
	Connector struct {
		State string `json:"state"`
		Trace string `json:"trace"`
	} `json:"connector"`
	Tasks []struct {
		ID    int    `json:"id"`
		State string `json:"state"`
		Trace string `json:"trace"`
	} `json:"tasks"`
}

// createOne POSTs the connector and polls its status until it and its tasks are RUNNING.
// It returns the time to the 201 and the time to RUNNING, both from just before the POST.
func (b *bench) createOne(ctx context.Context, name string, config map[string]string, timeout time.Duration) (time.Duration, time.Duration, error) {
	path := "/connectors/" + url.PathEscape(name) + "/status"
	t0 := time.Now()
	code, body, err := b.do(ctx, http.MethodPost, "/connectors", map[string]any{"name": name, "config": config})
	postDur := time.Since(t0)
	if err != nil {
		return 0, 0, err
	}
	if code != http.StatusCreated {
		if code == http.StatusConflict {
			return 0, 0, fmt.Errorf("POST: 409 %s (leftover from an earlier run? use --prefix)", body)
		}
		return 0, 0, fmt.Errorf("POST: %d %s", code, body)
	}
	b.mu.Lock()
	if b.created == nil {
		b.created = map[string]bool{}
	}
	b.created[name] = true
	b.mu.Unlock()
	deadline := t0.Add(timeout)
	for {
		code, body, err := b.do(ctx, http.MethodGet, path, nil)
		if err != nil {
			return 0, 0, fmt.Errorf("GET status: %w", err)
		}
		if code == http.StatusOK {
			var st connectorStatus
			if err := json.Unmarshal(body, &st); err != nil {
				return 0, 0, fmt.Errorf("GET status: %w in %s", err, body)
			}
			if allRunning(st) {
				return postDur, time.Since(t0), nil
			}
			if st.Connector.State == "FAILED" {
				return 0, 0, fmt.Errorf("connector FAILED: %s", st.Connector.Trace)
			}
			for _, t := range st.Tasks {
				if t.State == "FAILED" {
					return 0, 0, fmt.Errorf("task %d FAILED: %s", t.ID, t.Trace)
				}
			}
		} else if code != http.StatusNotFound {
			return 0, 0, fmt.Errorf("GET status: %d %s", code, body)
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("not RUNNING after %v; last status %d %s", timeout, code, body)
		}
		if err := sleepCtx(ctx, time.Millisecond); err != nil {
			return 0, 0, err
		}
	}
}

func allRunning(st connectorStatus) bool {
	if st.Connector.State != "RUNNING" || len(st.Tasks) == 0 {
		return false
	}
	for _, t := range st.Tasks {
		if t.State != "RUNNING" {
			return false
		}
	}
	return true
}

// deleteOne deletes a connector it created and returns the time to the answer.
func (b *bench) deleteOne(ctx context.Context, name string) (time.Duration, error) {
	t0 := time.Now()
	code, body, err := b.do(ctx, http.MethodDelete, "/connectors/"+url.PathEscape(name), nil)
	d := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("DELETE %s: %w", name, err)
	}
	if code != http.StatusNoContent && code != http.StatusOK && code != http.StatusNotFound {
		return 0, fmt.Errorf("DELETE %s: %d %s", name, code, body)
	}
	b.mu.Lock()
	delete(b.created, name)
	b.mu.Unlock()
	return d, nil
}

func (b *bench) createdNames() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	names := make([]string, 0, len(b.created))
	for n := range b.created {
		names = append(names, n)
	}
	return names
}

// deleteLeftovers deletes whatever a failed or interrupted run created, within 2 minutes.
func (b *bench) deleteLeftovers() {
	names := b.createdNames()
	if len(names) == 0 {
		return
	}
	progress("deleting %d connectors left by this run", len(names))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, name := range names {
		if _, err := b.deleteOne(ctx, name); err != nil {
			progress("cleanup: %v", err)
			if errors.Is(err, context.DeadlineExceeded) {
				return
			}
		}
	}
}
