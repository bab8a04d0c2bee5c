package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// eosFlags is the eos scenario: records/s of one source task with exactly-once sources off
// and on (transaction.boundary poll and interval), on the same broker in the same run.
func eosFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	duration := fs.Duration("duration", 5*time.Second, "measurement window of each case")
	sizesFlag := fs.String("sizes", "100,1024", "record value sizes in bytes, comma-separated")
	batch := fs.Int("batch", 1000, "DataGenSource batch.size: records per poll")
	rounds := fs.Int("rounds", 3, "rounds of the three cases, in a rotated order each round; the figure is the median")
	flush := fs.Duration("flush", time.Second, "both workers' offset.flush.interval.ms")
	interval := fs.Duration("interval", 100*time.Millisecond, "transaction.boundary.interval.ms of the interval case")
	timeout := fs.Duration("timeout", 2*time.Minute, "deadline of one case")
	readyTimeout := fs.Duration("ready-timeout", 30*time.Second, "deadline for a worker to answer GET /")
	bootstrap := fs.String("bootstrap", "", "a Kafka broker (e.g. Apache Kafka) for both workers, instead of the first worker's embedded broker")
	return func(ctx context.Context) (*result, error) {
		if c.smoke {
			*duration, *sizesFlag, *rounds = 300*time.Millisecond, "100", 1
		}
		var sizes []int
		for _, f := range strings.Split(*sizesFlag, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return nil, fmt.Errorf("--sizes: %q is not a positive size", f)
			}
			sizes = append(sizes, n)
		}
		if *duration <= 0 || *batch < 1 || *rounds < 1 || *flush < time.Millisecond || *interval <= 0 {
			return nil, errors.New("--duration, --batch, --rounds, --flush and --interval must be positive")
		}
		bin, err := connectdBinary(ctx, *c)
		if err != nil {
			return nil, err
		}
		run := fmt.Sprintf("eos%d-", time.Now().Unix())
		flushMs := strconv.FormatInt(flush.Milliseconds(), 10)
		// Both workers join one broker process (or --bootstrap), so that neither shares its
		// process with the broker: worker "off" has exactly.once.source.support=disabled
		// (Kafka Connect's default), worker "on" enabled; each is a cluster of its own.
		broker := *bootstrap
		if broker == "" {
			b, err := startBroker(ctx, bin)
			if err != nil {
				return nil, err
			}
			broker = b.addr
		}
		offProps := externalProps(broker, run+"off")
		offProps["offset.flush.interval.ms"] = flushMs
		off, err := startWorkerWith(ctx, bin, *readyTimeout, offProps)
		if err != nil {
			return nil, err
		}
		onProps := externalProps(broker, run+"on")
		onProps["offset.flush.interval.ms"] = flushMs
		onProps["exactly.once.source.support"] = "enabled"
		on, err := startWorkerWith(ctx, bin, *readyTimeout, onProps)
		if err != nil {
			return nil, err
		}
		progress("worker off pid %d at %s, worker on pid %d at %s, broker %s", off.pid(), off.url, on.pid(), on.url, broker)
		pOff, err := newPipelineBench(broker, off.url, *batch, *timeout)
		if err != nil {
			return nil, err
		}
		defer pOff.close()
		pOn, err := newPipelineBench(broker, on.url, *batch, *timeout)
		if err != nil {
			return nil, err
		}
		defer pOn.close()

		type mode struct {
			key, name string
			p         *pipelineBench
			extra     map[string]string
		}
		modes := []mode{
			{"off", "exactly-once off", pOff, nil},
			{"poll", "exactly-once, transaction.boundary=poll", pOn, map[string]string{"transaction.boundary": "poll"}},
			{"interval", "exactly-once, transaction.boundary=interval " + interval.String(), pOn,
				map[string]string{"transaction.boundary": "interval", "transaction.boundary.interval.ms": strconv.FormatInt(interval.Milliseconds(), 10)}},
		}
		res := &result{
			Target:  "two connectd workers (distributed, one task each case) on one broker process (connectd broker, or --bootstrap): one with exactly.once.source.support=disabled, one enabled; " + broker,
			Figures: map[string]stats{},
			Samples: map[string][]float64{},
		}
		var table []string
		for _, size := range sizes {
			samples := map[string][]float64{}
			for r := range *rounds {
				for i := range modes {
					m := modes[(i+r)%len(modes)]
					name := fmt.Sprintf("%s%s-%dB-%d", run, m.key, size, r)
					t, err := m.p.measureSource(ctx, m.name, name, *duration, func(ctx context.Context, topic string) error {
						return m.p.runDataGenWith(ctx, name, topic, size, m.extra)
					})
					if err != nil {
						return nil, err
					}
					samples[m.key] = append(samples[m.key], round3(t.recordsPerSec()))
				}
			}
			base := median(samples["off"])
			for _, m := range modes {
				key := fmt.Sprintf("source_%dB_%s", size, m.key)
				res.Figures[key] = summarize("records/s", samples[m.key])
				res.Samples[key] = samples[m.key]
				ratio := 0.0
				if base > 0 {
					ratio = median(samples[m.key]) / base
				}
				if m.key != "off" {
					res.Figures[key+"_vs_off"] = summarize("ratio", []float64{round3(ratio)})
				}
				table = append(table, fmt.Sprintf("%dB\t%s\t%.0f\t%.2f", size, m.name, median(samples[m.key]), ratio))
			}
		}
		res.Notes = []string{
			"records/s = the topic's end offset growth over the window after the first record (the pipeline scenario's measureSource), median of the rounds; one task, one partition, DataGenSource with ByteArrayConverter, unlimited rate",
			fmt.Sprintf("batch.size %d; offset.flush.interval.ms %s on both workers; the interval case commits every %v", *batch, flushMs, *interval),
			"with exactly-once, each transaction also writes its offsets to the offsets topic and one commit marker per partition it touched; the end offset counts the data topic's marker too (one per transaction: at most 1/batch.size more than the records)",
			"the broker, both workers and the benchmark share the machine's cores; the idle worker of a case costs little",
		}
		fmt.Println("\nsource → Kafka, one task: exactly-once off and on (same broker, same run)")
		fmt.Println("size\tcase\trecords/s\tvs off")
		for _, row := range table {
			fmt.Println(row)
		}
		return res, nil
	}
}

// runDataGenWith is runDataGen with more connector settings.
func (p *pipelineBench) runDataGenWith(ctx context.Context, name, topic string, size int, extra map[string]string) error {
	cctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	config := map[string]string{
		"connector.class":    "DataGenSource",
		"tasks.max":          "1",
		"topic":              topic,
		"records.per.second": "0",
		"record.size":        strconv.Itoa(size),
		"batch.size":         strconv.Itoa(p.batch),
		"key.converter":      "org.apache.kafka.connect.converters.ByteArrayConverter",
		"value.converter":    "org.apache.kafka.connect.converters.ByteArrayConverter",
	}
	maps.Copy(config, extra)
	if _, _, err := p.rest.createOne(cctx, name, config, p.timeout); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	<-ctx.Done()
	if _, err := p.rest.deleteOne(cctx, name); err != nil {
		return err
	}
	return ctx.Err()
}

// median is the middle sample (the lower middle of an even count).
func median(s []float64) float64 {
	if len(s) == 0 {
		return 0
	}
	s = slices.Sorted(slices.Values(s))
	return s[(len(s)-1)/2]
}
