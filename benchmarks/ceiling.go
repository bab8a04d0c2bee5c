package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The ceiling of the pipeline scenario: the fastest producer and consumer this benchmark
// knows how to run against the broker, so that connectd's task is a fraction of what the
// broker takes rather than of a client as limited as its own. Both are franz-go (kgo) clients
// tuned for throughput: the producer keeps up to five idempotent requests of full 1 MB batches
// in flight with acks=all (the durability connectd's producer asks for), the consumer fetches
// up to 64 MiB per request, 8 MiB per partition (so that a first fetch, which is not timed, is
// a small part of the topic). Neither compresses: connectd's task does not either, and the
// ceiling is of the broker and this machine, not of a codec.

// kgoOpts are the options of every ceiling client.
func kgoOpts(broker, id string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(broker),
		kgo.ClientID(id),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.ProducerBatchMaxBytes(1_000_000), // the broker's default max.message.bytes, less headroom
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.MaxBufferedRecords(1 << 20),
		kgo.FetchMaxBytes(64 << 20),
		kgo.FetchMaxPartitionBytes(8 << 20),
		kgo.FetchMaxWait(250 * time.Millisecond),
	}
}

// runKgoProducer produces size-byte records to topic as fast as the client takes them, until
// ctx ends or, with limit > 0, limit records are acknowledged.
func (p *pipelineBench) runKgoProducer(ctx context.Context, topic string, size int, limit int64) error {
	cl, err := kgo.NewClient(append(kgoOpts(p.broker, "bench-kgo-producer"), kgo.DefaultProduceTopic(topic))...)
	if err != nil {
		return fmt.Errorf("kgo producer: %w", err)
	}
	defer cl.Close()
	v := value(size)
	var (
		acked    atomic.Int64
		errOnce  sync.Once
		firstErr error
	)
	done := make(chan struct{})
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			errOnce.Do(func() { firstErr = err })
			return
		}
		if acked.Add(1) == limit {
			close(done)
		}
	}
	for sent := int64(0); ctx.Err() == nil && (limit == 0 || sent < limit); sent++ {
		cl.Produce(ctx, &kgo.Record{Value: v}, promise)
	}
	if limit > 0 && ctx.Err() == nil {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	// Flush what was buffered, so the next case starts on a quiet broker; a cancelled ctx
	// fails the rest of the buffer, which is then not counted.
	fctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	if ctx.Err() != nil {
		cl.PurgeTopicsFromProducing(topic)
	} else if err := cl.Flush(fctx); err != nil {
		return fmt.Errorf("kgo flush: %w", err)
	}
	if firstErr != nil && ctx.Err() == nil {
		return fmt.Errorf("kgo produce: %w", firstErr)
	}
	return ctx.Err()
}

// measureKgoConsumer drains topic's partition 0 with the ceiling consumer, timing from its
// first fetch to its n-th record.
func (p *pipelineBench) measureKgoConsumer(ctx context.Context, topic string, n int64) (throughput, error) {
	t := throughput{name: "kgo consumer (ceiling)"}
	created := time.Now()
	cl, err := kgo.NewClient(append(kgoOpts(p.broker, "bench-kgo-consumer"),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))...)
	if err != nil {
		return t, fmt.Errorf("kgo consumer: %w", err)
	}
	defer cl.Close()
	pctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	// As for the sarama consumer, the first records open the window: the client's start
	// (metadata, list offsets) is not in it, and neither are the records of that first fetch.
	var t0, lastT time.Time
	var got, first, last int64
	for got < n {
		fs := cl.PollFetches(pctx)
		if err := pctx.Err(); err != nil {
			if ctx.Err() != nil {
				return t, ctx.Err()
			}
			return t, fmt.Errorf("kgo consume %s: %d of %d records after %v", topic, got, n, p.timeout)
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) { ferr = errors.Join(ferr, err) })
		if ferr != nil {
			return t, fmt.Errorf("kgo consume %s: %w", topic, ferr)
		}
		k := int64(fs.NumRecords())
		if k == 0 {
			continue
		}
		now := time.Now()
		got += k
		if first == 0 {
			t0, lastT, first, last = now, now, k, k
			continue
		}
		if now.Sub(lastT) >= 250*time.Millisecond {
			t.intervals = append(t.intervals, round3(float64(got-last)/now.Sub(lastT).Seconds()))
			last, lastT = got, now
		}
	}
	t.records, t.window = got-first, time.Since(t0)
	if t.records <= 0 {
		t.records, t.window = got, time.Since(created)
		t.note = "all records came in the first fetch: rate is from the client's creation, including its start (pre-fill more: --sink-mb, --sink-records)"
	}
	progress("%s: %.0f records/s over %v", t.name, t.recordsPerSec(), t.window.Round(time.Millisecond))
	return t, nil
}
