package main

import (
	"context"
	"flag"
	"fmt"
	"time"
)

// footprint starts N fresh workers one after another (fresh free ports, fresh data dir each)
// and measures, for each, process exec → GET / answering 200 and VmRSS after an idle wait.
func footprintFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	n := fs.Int("n", 10, "number of worker starts")
	idle := fs.Duration("idle", 5*time.Second, "idle time after ready before reading VmRSS")
	readyTimeout := fs.Duration("ready-timeout", 30*time.Second, "deadline for a worker to answer GET /")
	return func(ctx context.Context) (*result, error) {
		if c.smoke {
			*n, *idle = 1, time.Second
		}
		if *n < 1 {
			return nil, fmt.Errorf("--n must be at least 1")
		}
		bin, err := connectdBinary(ctx, *c)
		if err != nil {
			return nil, err
		}
		var ready, rss, stopped []float64
		for i := 0; i < *n; i++ {
			w, err := startWorker(ctx, bin, *readyTimeout)
			if err != nil {
				return nil, fmt.Errorf("start %d: %w", i+1, err)
			}
			if err := sleepCtx(ctx, *idle); err != nil {
				return nil, err
			}
			select {
			case <-w.done:
				return nil, fmt.Errorf("start %d: worker exited while idle; log tail:\n%s", i+1, w.logTail())
			default:
			}
			kb, err := w.rssKB()
			if err != nil {
				return nil, err
			}
			w.stop()
			ready = append(ready, ms(w.ready))
			rss = append(rss, round3(float64(kb)/1024))
			stopped = append(stopped, ms(w.stopped))
			progress("start %d/%d: pid %d ready in %.1f ms, idle RSS %.1f MiB after %v, exited %.0f ms after SIGTERM",
				i+1, *n, w.pid(), ms(w.ready), float64(kb)/1024, *idle, ms(w.stopped))
		}
		res := &result{
			Figures: map[string]stats{
				"start_to_ready":  summarize("ms", ready),
				"idle_rss":        summarize("MiB", rss),
				"sigterm_to_exit": summarize("ms", stopped),
			},
			Samples: map[string][]float64{"start_to_ready_ms": ready, "idle_rss_mib": rss, "sigterm_to_exit_ms": stopped},
			Notes: []string{
				"start_to_ready: from just before exec of `connectd distributed` (embedded broker, fresh data dir) until GET / answers 200, polled every 1 ms",
				fmt.Sprintf("idle_rss: VmRSS from /proc/<pid>/status after %v idle, MiB (1 MiB = 1048576 bytes)", *idle),
				"sigterm_to_exit: informational, SIGTERM to the worker's PID until it exited (SIGKILL after 10 s)",
			},
		}
		printTable(fmt.Sprintf("footprint: %d fresh workers, idle %v", *n, *idle),
			[]string{"start_to_ready", "idle_rss", "sigterm_to_exit"}, res.Figures, []string{"p50", "p90", "max"})
		return res, nil
	}
}
