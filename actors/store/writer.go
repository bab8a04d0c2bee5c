package store

import (
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// writer produces a Log's writes with sarama's request types instead of its AsyncProducer.
//
// The AsyncProducer passes each record on alone, through a goroutine per topic, partition
// and broker, and sends whatever has reached the broker's buffer as soon as the connection
// is free. With one request in flight (ordered retries without idempotence), a write of
// several records, such as a connector's task configs and their commit record, left as
// two requests one round trip apart, and every hop waited for the scheduler on a busy
// worker: a one-record config write took 3.9 ms on Apache Kafka where the broker answers a
// produce request in 0.3–0.9 ms.
//
// Here one goroutine sends, to each partition leader, one request holding every write
// queued since the last request. A write's records travel together; writes reach each
// partition in the order they were queued, retries included, because a request's retries
// finish before the next request is built.
type writer struct {
	client  sarama.Client
	topic   string
	conf    *sarama.Config
	version int16 // of ProduceRequest

	mu      sync.Mutex
	queue   []*write
	stopped bool
	wake    chan struct{} // holds a token while the queue may be non-empty
	stop    chan struct{} // closed by close: send what is queued, retry nothing, exit
	exited  chan struct{}
}

// write is one Write or WriteAsync: its records, with their partitions, and who to tell.
type write struct {
	recs []Record
	// done gets recs with their offsets on success, or the write's first error.
	done func([]Record, error)
	err  error
}

// produceVersion is the ProduceRequest version for the client's protocol version: record
// batches need 0.11 (v3); v7 (2.1) is the newest whose request and response shapes sarama
// and every broker since 2.1, Kafka 4 included, agree on without the fields writes never use.
func produceVersion(v sarama.KafkaVersion) (int16, error) {
	switch {
	case v.IsAtLeast(sarama.V2_1_0_0):
		return 7, nil
	case v.IsAtLeast(sarama.V0_11_0_0):
		return 3, nil
	default:
		return 0, fmt.Errorf("kafka version %s is older than 0.11, which Kafka Connect's internal topics need", v)
	}
}

func newWriter(client sarama.Client, topic string, conf *sarama.Config) (*writer, error) {
	version, err := produceVersion(conf.Version)
	if err != nil {
		return nil, err
	}
	w := &writer{
		client: client, topic: topic, conf: conf, version: version,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), exited: make(chan struct{}),
	}
	go w.run()
	return w, nil
}

// enqueue queues recs (partitions set) as one write. done is called once, from the
// writer's goroutine, and must not block.
func (w *writer) enqueue(recs []Record, done func([]Record, error)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return ErrClosed
	}
	w.queue = append(w.queue, &write{recs: recs, done: done})
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

// close sends what is queued once more, without retries, and returns when the writer has
// stopped. Later enqueues fail with ErrClosed.
func (w *writer) close() {
	w.mu.Lock()
	if !w.stopped {
		w.stopped = true
		close(w.stop)
	}
	w.mu.Unlock()
	<-w.exited
}

func (w *writer) run() {
	defer close(w.exited)
	for {
		select {
		case <-w.wake:
		case <-w.stop:
		}
		for {
			round := w.take()
			if len(round) == 0 {
				break
			}
			w.send(round)
		}
		if w.stopping() {
			return
		}
	}
}

// take dequeues the writes of the next request: all queued, up to the producer's
// max.request.size (at least one write).
func (w *writer) take() []*write {
	w.mu.Lock()
	defer w.mu.Unlock()
	size, n := 0, 0
	for n < len(w.queue) {
		for _, r := range w.queue[n].recs {
			size += len(r.Key) + len(r.Value)
		}
		if n > 0 && size > w.conf.Producer.MaxMessageBytes {
			break
		}
		n++
	}
	round := w.queue[:n:n]
	w.queue = w.queue[n:]
	if len(w.queue) == 0 {
		w.queue = nil
	}
	return round
}

// slot is one record of a round, as its partition's batch holds it.
type slot struct {
	w *write
	i int // index in w.recs
}

// send writes round, retrying what failed for a passing reason as often as the producer's
// retries allow, then tells every write its outcome.
func (w *writer) send(round []*write) {
	batches := map[int32][]slot{}
	var pending []int32
	for _, wr := range round {
		for i, r := range wr.recs {
			if _, ok := batches[r.Partition]; !ok {
				pending = append(pending, r.Partition)
			}
			batches[r.Partition] = append(batches[r.Partition], slot{wr, i})
		}
	}
	for attempt := 0; len(pending) > 0; attempt++ {
		failed := w.attempt(pending, batches)
		pending = pending[:0]
		for p, err := range failed {
			if attempt < w.conf.Producer.Retry.Max && retriable(err) && !w.stopping() {
				pending = append(pending, p)
				continue
			}
			for _, s := range batches[p] {
				if s.w.err == nil {
					s.w.err = fmt.Errorf("partition %d: %w", p, err)
				}
			}
		}
		if len(pending) == 0 {
			break
		}
		_ = w.client.RefreshMetadata(w.topic)
		select {
		case <-time.After(w.conf.Producer.Retry.Backoff):
		case <-w.stop:
		}
	}
	for _, wr := range round {
		if wr.err != nil {
			wr.done(nil, wr.err)
		} else {
			wr.done(wr.recs, nil)
		}
	}
}

func (w *writer) stopping() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

// attempt sends the batches of parts, one request per leader, the leaders in parallel. It
// sets the offsets of what was written and returns why the rest was not.
func (w *writer) attempt(parts []int32, batches map[int32][]slot) map[int32]error {
	failed := map[int32]error{}
	byLeader := map[*sarama.Broker][]int32{}
	for _, p := range parts {
		b, err := w.client.Leader(w.topic, p)
		if err != nil {
			failed[p] = err
			continue
		}
		byLeader[b] = append(byLeader[b], p)
	}
	if len(byLeader) == 1 { // the usual case, and the only one on a one-broker cluster
		for b, ps := range byLeader {
			maps.Copy(failed, w.produce(b, ps, batches))
		}
		return failed
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for b, ps := range byLeader {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs := w.produce(b, ps, batches)
			mu.Lock()
			defer mu.Unlock()
			for p, err := range errs {
				failed[p] = err
			}
		}()
	}
	wg.Wait()
	return failed
}

// produce sends one request to leader b with the batches of parts.
func (w *writer) produce(b *sarama.Broker, parts []int32, batches map[int32][]slot) map[int32]error {
	req := &sarama.ProduceRequest{
		RequiredAcks: w.conf.Producer.RequiredAcks,
		Timeout:      int32(w.conf.Producer.Timeout / time.Millisecond),
		Version:      w.version,
	}
	now := time.Now().Truncate(time.Millisecond)
	for _, p := range parts {
		slots := batches[p]
		rb := &sarama.RecordBatch{
			Version:          2,
			Codec:            w.conf.Producer.Compression,
			CompressionLevel: w.conf.Producer.CompressionLevel,
			FirstTimestamp:   now,
			MaxTimestamp:     now,
			ProducerID:       -1,
			ProducerEpoch:    -1,
			FirstSequence:    -1,
			LastOffsetDelta:  int32(len(slots) - 1),
			Records:          make([]*sarama.Record, len(slots)),
		}
		for k, s := range slots {
			r := s.w.recs[s.i]
			rb.Records[k] = &sarama.Record{OffsetDelta: int64(k), Key: r.Key, Value: r.Value}
		}
		req.AddBatch(w.topic, p, rb)
	}
	errs := map[int32]error{}
	resp, err := b.Produce(req)
	if err != nil {
		// The connection is broken or timed out: close it, so that the client opens it
		// anew for the retry.
		_ = b.Close()
		for _, p := range parts {
			errs[p] = err
		}
		return errs
	}
	for _, p := range parts {
		block := resp.GetBlock(w.topic, p)
		switch {
		case block == nil:
			errs[p] = sarama.ErrIncompleteResponse
		case block.Err != sarama.ErrNoError:
			errs[p] = block.Err
		default:
			for k, s := range batches[p] {
				s.w.recs[s.i].Offset = block.Offset + int64(k)
			}
		}
	}
	return errs
}

// retriable reports whether a failed produce may be sent again: the broker errors Kafka's
// Java producer retries, and a broken connection.
func retriable(err error) bool {
	if errors.Is(err, sarama.ErrClosedClient) {
		return false
	}
	var kerr sarama.KError
	if !errors.As(err, &kerr) {
		return true
	}
	switch kerr {
	case sarama.ErrNotLeaderForPartition, sarama.ErrLeaderNotAvailable, sarama.ErrRequestTimedOut,
		sarama.ErrNotEnoughReplicas, sarama.ErrNotEnoughReplicasAfterAppend, sarama.ErrUnknownTopicOrPartition,
		sarama.ErrNetworkException, sarama.ErrKafkaStorageError, sarama.ErrInvalidMessage:
		return true
	}
	return false
}
