package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connectd/connectd/internal/brokerfault"
)

// produced records, per produce request the broker received, the keys of its records in
// the order of the request.
type produced struct {
	mu   sync.Mutex
	reqs [][]string
}

// observe makes c record every produce request in p, then handle it as usual.
func (p *produced) observe(c *kfake.Cluster) {
	c.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		var keys []string
		for _, t := range r.(*kmsg.ProduceRequest).Topics {
			for _, part := range t.Partitions {
				keys = append(keys, batchKeys(part.Records)...)
			}
		}
		p.mu.Lock()
		p.reqs = append(p.reqs, keys)
		p.mu.Unlock()
		return nil, nil, false
	})
}

func (p *produced) requests() [][]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]string(nil), p.reqs...)
}

// batchKeys is the keys of the records of one uncompressed record batch.
func batchKeys(raw []byte) []string {
	var b kmsg.RecordBatch
	if err := b.ReadFrom(raw); err != nil {
		return []string{"unreadable batch: " + err.Error()}
	}
	var keys []string
	rest := b.Records
	for range b.NumRecords {
		n, size := binary.Varint(rest) // a record is prefixed by its length, a zigzag varint
		if size <= 0 || int(n)+size > len(rest) {
			return append(keys, "unreadable record")
		}
		var r kmsg.Record
		if err := r.ReadFrom(rest[:size+int(n)]); err != nil {
			return append(keys, "unreadable record: "+err.Error())
		}
		keys = append(keys, string(r.Key))
		rest = rest[size+int(n):]
	}
	return keys
}

// A write's records travel in one request, whatever else is queued: before the writer, the
// AsyncProducer sent the first record of a write alone, so a connector's task configs and
// their commit record took two round trips.
func TestWriteIsOneRequest(t *testing.T) {
	c := newCluster(t)
	l, err := NewLog(LogConfig{Kafka: kafkaOf(c), Topic: Topic{Name: "t", Partitions: 4}, Apply: func(Record) {}})
	l = start(t, l, err)
	var seen produced
	seen.observe(c)
	ctx := testCtx(t)

	three := func(w string) []Record {
		return []Record{{Key: []byte(w + "/a"), Value: []byte("1")}, {Key: []byte(w + "/b"), Value: []byte("2")}, {Key: []byte(w + "/c"), Value: []byte("3")}}
	}
	if err := l.Write(ctx, three("alone")...); err != nil {
		t.Fatal(err)
	}
	if reqs := seen.requests(); len(reqs) != 1 || len(reqs[0]) != 3 {
		t.Fatalf("one write of three records went out as %q, want one request of three", reqs)
	}

	// Many writers at once: every request holds whole writes, and each write's records
	// in their order.
	const writers = 40
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Write(ctx, three(fmt.Sprintf("w%d", i))...); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	written := 0
	for _, keys := range seen.requests()[1:] {
		count := map[string]int{}
		for _, k := range keys {
			w, _, _ := strings.Cut(k, "/")
			count[w]++
		}
		for w, n := range count {
			if n != 3 {
				t.Errorf("a request held %d of write %s's 3 records: %q", n, w, keys)
			}
		}
		written += len(count)
	}
	if written != writers {
		t.Errorf("requests held %d writes, want %d", written, writers)
	}
	// Per partition, the topic holds each write's records in the order written.
	last := map[int32]string{}
	for _, r := range readTopic(t, c, "t") {
		w, suffix, _ := strings.Cut(r.Key, "/")
		if prev, ok := last[r.Partition]; ok {
			pw, ps, _ := strings.Cut(prev, "/")
			if pw == w && ps > suffix {
				t.Errorf("partition %d: %s after %s", r.Partition, r.Key, prev)
			}
		}
		last[r.Partition] = r.Key
	}
}

// A write the broker refuses for a passing reason, or whose connection breaks, is sent
// again and lands once; a lasting refusal is the write's error, not retried.
func TestWriteRetries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answer  func(kmsg.Request) (kmsg.Response, error, bool)
		wantErr error // nil: the write succeeds on the second request
	}{
		{"not leader", func(r kmsg.Request) (kmsg.Response, error, bool) {
			return brokerfault.RejectProduce(r.(*kmsg.ProduceRequest), kerr.NotLeaderForPartition.Code), nil, true
		}, nil},
		{"broken connection", func(kmsg.Request) (kmsg.Response, error, bool) {
			return nil, errors.New("connection dropped by the test"), true
		}, nil},
		{"record too large", func(r kmsg.Request) (kmsg.Response, error, bool) {
			return brokerfault.RejectProduce(r.(*kmsg.ProduceRequest), kerr.MessageTooLarge.Code), nil, true
		}, sarama.ErrMessageSizeTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			l, err := NewLog(LogConfig{Kafka: kafkaOf(c), Topic: Topic{Name: "t"}, Apply: func(Record) {}})
			l = start(t, l, err)
			var seen produced
			seen.observe(c)
			c.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
				if tc.wantErr != nil {
					c.KeepControl() // refuse every attempt
				}
				return tc.answer(r)
			})
			err = l.Write(testCtx(t), Record{Key: []byte("k"), Value: []byte("v")})
			reqs := seen.requests()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("write: %v, want %v", err, tc.wantErr)
				}
				if len(reqs) != 1 {
					t.Errorf("a lasting error was sent %d times, want once", len(reqs))
				}
				return
			}
			if err != nil {
				t.Fatalf("write: %v", err)
			}
			if len(reqs) != 2 {
				t.Errorf("%d produce requests, want the refused one and its retry", len(reqs))
			}
			if got := readTopic(t, c, "t"); len(got) != 1 {
				t.Errorf("topic holds %d records, want 1", len(got))
			}
		})
	}
}
