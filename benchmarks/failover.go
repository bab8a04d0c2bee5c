package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// failover runs a cluster of workers with N connectors and takes one worker away at a
// time, the one hosting the most instances: SIGKILL (a dead process: its connections drop),
// SIGTERM (a graceful stop: it drains and hands over) and SIGSTOP (a lost host: nothing
// drops, the group's session timeout decides). It measures the time from the signal until
// every connector and task is RUNNING on the survivors, as a survivor's REST API reports it.
func failoverFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	workers := fs.Int("workers", 3, "workers in the cluster")
	n := fs.Int("connectors", 30, "FileStreamSource connectors (one task each)")
	rounds := fs.Int("rounds", 3, "times each mode is measured")
	modes := fs.String("modes", "kill,term,stop", "comma-separated: kill (SIGKILL), term (SIGTERM), stop (SIGSTOP, a lost host)")
	timeout := fs.Duration("timeout", 60*time.Second, "deadline for the survivors to run everything")
	quiet := fs.Duration("quiet", time.Second, "pause between the cluster settling and the next signal, so that a round's replacement worker has finished joining; 0 takes workers away back to back")
	return func(ctx context.Context) (*result, error) {
		if c.smoke {
			*n, *rounds, *modes, *quiet = 6, 1, "kill,term", 200*time.Millisecond
		}
		if *workers < 2 {
			return nil, errors.New("--workers must be at least 2")
		}
		bin, err := connectdBinary(ctx, *c)
		if err != nil {
			return nil, err
		}
		b, ws, err := startCluster(ctx, bin, *workers, 60*time.Second)
		if err != nil {
			return nil, err
		}
		progress("broker %s and %d workers ready", b.addr, len(ws))
		dir, err := os.MkdirTemp("", "connectd-bench-failover-")
		if err != nil {
			return nil, err
		}
		atExit(func() { os.RemoveAll(dir) })
		file := filepath.Join(dir, "in.txt")
		if err := os.WriteFile(file, []byte("one line\n"), 0o644); err != nil {
			return nil, err
		}
		bc := &bench{base: ws[0].url, client: &http.Client{Timeout: 30 * time.Second}}
		var names []string
		for i := range *n {
			name := fmt.Sprintf("failover-%d", i)
			if _, _, err := bc.createOne(ctx, name, map[string]string{"connector.class": "FileStreamSource", "file": file, "topic": name}, *timeout); err != nil {
				return nil, fmt.Errorf("create %s: %w", name, err)
			}
			names = append(names, name)
		}
		progress("%d connectors RUNNING", *n)

		start := func(ctx context.Context) (*worker, error) {
			return startWorkerWith(ctx, bin, 60*time.Second, clusterProps(b.addr))
		}
		cl := newFailoverCluster(ws, names, start)
		if _, _, err := cl.settle(ctx, *timeout); err != nil {
			return nil, err
		}
		figs := map[string]stats{}
		samples := map[string][]float64{}
		var rows []string
		for _, mode := range strings.Split(*modes, ",") {
			var total, handover []float64
			for r := range *rounds {
				if err := sleepCtx(ctx, *quiet); err != nil {
					return nil, err
				}
				m, err := cl.takeAway(ctx, mode, *timeout)
				if err != nil {
					return nil, fmt.Errorf("%s round %d: %w", mode, r+1, err)
				}
				total = append(total, ms(m.total))
				progress("%s round %d: %d instances moved; all RUNNING on the survivors %.1f ms after the signal", mode, r+1, m.moved, ms(m.total))
				if m.handover > 0 {
					handover = append(handover, ms(m.handover))
					progress("%s round %d: %.1f ms after the worker handed over", mode, r+1, ms(m.handover))
				}
				if err := cl.restore(ctx, mode, *timeout); err != nil {
					return nil, err
				}
			}
			key := mode + "_signal_to_all_running"
			figs[key], samples[key+"_ms"], rows = summarize("ms", total), total, append(rows, key)
			if len(handover) > 0 {
				key := mode + "_handover_to_all_running"
				figs[key], samples[key+"_ms"], rows = summarize("ms", handover), handover, append(rows, key)
			}
		}
		res := &result{
			Target:  fmt.Sprintf("connectd distributed, %d workers, one `connectd broker`", *workers),
			Figures: figs,
			Samples: samples,
			Notes: []string{
				"signal_to_all_running: from the signal to the worker hosting the most instances until a survivor's GET /connectors/<c>/status shows every connector and task RUNNING on a survivor (each connector polled back to back by its own client; the time of the last connector's first settled answer, confirmed by a final sweep)",
				fmt.Sprintf("each round starts %v after the cluster settled (--quiet), so that the previous round's replacement worker has finished joining", *quiet),
				"term_handover_to_all_running: from the stopping worker's 'handing over to peers' log line (its grains drained and their offsets committed) to the same condition",
				"kill: the survivors see the dead process's connections drop and a refused redial; stop (SIGSTOP) keeps the connections up, so the group's session.timeout.ms (10 s) decides, as for a lost host",
			},
		}
		printTable(fmt.Sprintf("failover: %d workers, %d connectors (%d instances)", *workers, *n, 2**n), rows, figs, []string{"p50", "p90", "max"})
		return res, nil
	}
}

type failoverCluster struct {
	start   func(context.Context) (*worker, error) // a replacement worker that joins the cluster
	workers []*worker                              // live ones, in start order
	stopped *worker                                // SIGSTOPped, waiting for SIGCONT
	names   []string
	client  *http.Client
}

func newFailoverCluster(ws []*worker, names []string, start func(context.Context) (*worker, error)) *failoverCluster {
	return &failoverCluster{start: start, workers: ws, names: names,
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

type move struct {
	total    time.Duration
	handover time.Duration
	moved    int
}

// settle waits until every instance is RUNNING on a live worker, as the first one reports,
// and returns where each runs and when the last connector was first seen settled. Each
// connector is polled back to back by a goroutine of its own: a sweep over all of them, under
// the load of a failover on two cores, lasted longer than the failover and made its length the
// figure. A connector counts from its first settled answer; a final sweep confirms that all
// of them still are, else polling starts over.
func (c *failoverCluster) settle(ctx context.Context, timeout time.Duration) (map[string]string, time.Time, error) {
	live := map[string]bool{}
	for _, w := range c.workers {
		live[w.workerID()] = true
	}
	deadline := time.Now().Add(timeout)
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for {
		var (
			mu   sync.Mutex
			last time.Time
			wg   sync.WaitGroup
		)
		for _, name := range c.names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for wctx.Err() == nil {
					st := readStatus(wctx, c.client, c.workers[0].url, name)
					if st != nil && st.settled(live) {
						at := time.Now()
						mu.Lock()
						if at.After(last) {
							last = at
						}
						mu.Unlock()
						return
					}
					_ = sleepCtx(wctx, time.Millisecond)
				}
			}()
		}
		wg.Wait()
		where, ok := placement(wctx, c.client, c.workers[0].url, c.names, live)
		if ok {
			return where, last, nil
		}
		if wctx.Err() != nil {
			if err := ctx.Err(); err != nil {
				return nil, time.Time{}, err
			}
			return nil, time.Time{}, fmt.Errorf("instances not all RUNNING on %v after %v: %v", live, timeout, where)
		}
	}
}

func (c *failoverCluster) takeAway(ctx context.Context, mode string, timeout time.Duration) (move, error) {
	where, _, err := c.settle(ctx, timeout)
	if err != nil {
		return move{}, err
	}
	count := map[string]int{}
	for _, id := range where {
		count[id]++
	}
	vi := 0
	for i, w := range c.workers {
		if count[w.workerID()] > count[c.workers[vi].workerID()] {
			vi = i
		}
	}
	victim := c.workers[vi]
	c.workers = append(c.workers[:vi:vi], c.workers[vi+1:]...)
	sig := map[string]syscall.Signal{"kill": syscall.SIGKILL, "term": syscall.SIGTERM, "stop": syscall.SIGSTOP}[mode]
	if sig == 0 {
		return move{}, fmt.Errorf("unknown mode %q", mode)
	}
	t0 := time.Now()
	if err := syscall.Kill(victim.pid(), sig); err != nil {
		return move{}, err
	}
	_, at, err := c.settle(ctx, timeout)
	if err != nil {
		return move{}, err
	}
	m := move{total: at.Sub(t0), moved: count[victim.workerID()]}
	switch mode {
	case "term":
		<-victim.done
		if at, ok := logTime(victim.logPath, "handing over to peers"); ok {
			m.handover = t0.Add(m.total).Sub(at)
		}
		victim.stopOnce = true
		os.RemoveAll(victim.scratch)
	case "kill":
		<-victim.done
	case "stop":
		c.stopped = victim
	}
	return m, nil
}

// restore brings the cluster back to its size: a SIGSTOPped worker is continued (it finds
// itself evicted, stops its work and joins again), a stopped or killed one is replaced.
func (c *failoverCluster) restore(ctx context.Context, mode string, timeout time.Duration) error {
	if mode == "stop" {
		if err := syscall.Kill(c.stopped.pid(), syscall.SIGCONT); err != nil {
			return err
		}
		c.workers = append(c.workers, c.stopped)
		c.stopped = nil
	} else {
		w, err := c.start(ctx)
		if err != nil {
			return err
		}
		c.workers = append(c.workers, w)
	}
	// Wait until the restored worker hosts something again: the group has rebalanced.
	deadline := time.Now().Add(timeout)
	back := c.workers[len(c.workers)-1].workerID()
	for {
		where, _, err := c.settle(ctx, timeout)
		if err != nil {
			return err
		}
		for _, id := range where {
			if id == back {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("worker %s got no instance back within %v", back, timeout)
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// logTime returns the time of the first log line of path containing msg (slog's text format).
func logTime(path, msg string) (time.Time, bool) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, msg) || !strings.HasPrefix(line, "time=") {
			continue
		}
		ts, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		t, err := time.Parse(time.RFC3339Nano, ts)
		return t, err == nil
	}
	return time.Time{}, false
}
