package pipeline

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/filestream"
	"github.com/connectd/connectd/internal/wait"
)

// Lines of a file reach the topic in order as JsonConverter envelopes; stopping commits the
// last position; a second run on the same offsets continues where the first stopped.
func TestSourceDeliversAndResumes(t *testing.T) {
	tests := []struct {
		name          string
		first, second int
		batchSize     string
	}{
		{"one line each run", 1, 1, "2000"},
		{"one batch each run", 100, 20, "2000"},
		{"several batches each run", 25, 10, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			path := emptyFile(t, "in.txt")
			props := sourceProps(path, "t")
			props[filestream.BatchSizeKey] = tt.batchSize
			offs := newMemOffsets()
			lines := numbered("line", 1, tt.first+tt.second)

			appendLines(t, path, lines[:tt.first]...)
			r := start(t, newFileSource(t, c, props, offs).Run)
			wait.For(t, testTimeout, "first run's lines on the topic", func() bool {
				return endOffset(t, adm, "t") >= int64(tt.first)
			})
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v, want nil after cancel", err)
			}
			checkPosition(t, offs, path)
			checkEnvelopes(t, c, "t", lines[:tt.first])

			appendLines(t, path, lines[tt.first:]...)
			r = start(t, newFileSource(t, c, props, offs).Run)
			wait.For(t, testTimeout, "second run's lines on the topic", func() bool {
				return endOffset(t, adm, "t") >= int64(len(lines))
			})
			if err := r.stop(t); err != nil {
				t.Fatalf("second Run = %v, want nil after cancel", err)
			}
			checkPosition(t, offs, path)
			checkEnvelopes(t, c, "t", lines) // a re-read from the start would show duplicates
		})
	}
}

// A paused source does not poll; lines appended meanwhile arrive after Resume.
func TestSourcePauseResume(t *testing.T) {
	tests := []struct {
		name      string
		beforeRun bool // pause before Run starts
		twice     bool // Pause and Resume are each called twice
	}{
		{"paused while running", false, false},
		{"paused and resumed twice", false, true},
		{"paused before Run", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			path := emptyFile(t, "in.txt")
			offs := newMemOffsets()
			lines := numbered("line", 1, 9)
			appendLines(t, path, lines[:5]...)
			src := newFileSource(t, c, sourceProps(path, "t"), offs)
			started := make(chan struct{})
			src.Started = func() { close(started) }

			delivered := int64(0)
			if tt.beforeRun {
				src.Pause()
			}
			r := start(t, src.Run)
			wait.For(t, testTimeout, "Started", func() bool {
				select {
				case <-started:
					return true
				default:
					return false
				}
			})
			if !tt.beforeRun {
				wait.For(t, testTimeout, "lines before the pause", func() bool {
					return endOffset(t, adm, "t") >= 5
				})
				delivered = 5
				src.Pause()
				if tt.twice {
					src.Pause()
				}
				// With offset.flush.interval at 60 s, only the commit the loop makes when it
				// sees the pause writes an offset: once it is there, the loop is parked.
				wait.For(t, testTimeout, "commit on pause", func() bool {
					pos, ok := offs.position(path)
					return ok && pos == fileSize(t, path)
				})
			}
			appendLines(t, path, lines[5:]...)
			wait.Holds(t, quietWindow, "topic unchanged while paused", func() bool {
				return endOffset(t, adm, "t") == delivered
			})
			src.Resume()
			if tt.twice {
				src.Resume()
			}
			wait.For(t, testTimeout, "lines after Resume", func() bool {
				return endOffset(t, adm, "t") >= int64(len(lines))
			})
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v, want nil after cancel", err)
			}
			checkPosition(t, offs, path)
			checkEnvelopes(t, c, "t", lines)
		})
	}
}

// A failing task ends Run with its error, wrapped; a Retriable one is polled again.
func TestSourceFailure(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name       string
		noTopic    bool // the task config lacks topic
		fail       map[int]error
		ensureErr  error
		wantErr    error // nil: Run keeps going until cancelled
		wantLines  int   // lines on the topic when Run ended
		wantCommit bool  // the last position is committed
	}{
		{name: "start fails", noTopic: true, wantErr: connectors.ErrInvalidConfig},
		{name: "first poll fails", fail: map[int]error{1: boom}, wantErr: boom},
		{name: "poll fails after a batch", fail: map[int]error{2: boom}, wantErr: boom,
			wantLines: 3, wantCommit: true},
		{name: "topic creation fails", ensureErr: boom, wantErr: boom},
		{name: "retriable errors are retried",
			fail:      map[int]error{1: connectors.Retriable(boom), 2: connectors.Retriable(boom)},
			wantLines: 3, wantCommit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			path := emptyFile(t, "in.txt")
			lines := numbered("line", 1, 3)
			appendLines(t, path, lines...)
			props := sourceProps(path, "t")
			if tt.noTopic {
				delete(props, filestream.TopicKey)
			}
			offs := newMemOffsets()
			src := newFileSource(t, c, props, offs)
			task := &scriptedSource{SourceTask: src.Task, fail: tt.fail}
			src.Task = task
			src.EnsureTopic = func(string) error { return tt.ensureErr }
			started := false
			src.Started = func() { started = true }

			r := start(t, src.Run)
			var err error
			if tt.wantErr == nil {
				wait.For(t, testTimeout, "lines on the topic", func() bool {
					return endOffset(t, adm, "t") >= int64(tt.wantLines)
				})
				err = r.stop(t)
			} else {
				err = r.wait(t)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Run = %v, want nil after cancel", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("Run = %v, want an error wrapping %v", err, tt.wantErr)
			case tt.wantErr != nil && connectors.IsRetriable(err):
				t.Errorf("Run = %v: retriable", err)
			}
			if polls, stopped := task.state(); !stopped {
				t.Errorf("task not stopped after %d polls", polls)
			} else if tt.wantErr == nil && polls < 3 {
				t.Errorf("%d polls, want the retriable ones and one more", polls)
			}
			if started != !tt.noTopic {
				t.Errorf("Started called: %v", started)
			}
			if got := endOffset(t, adm, "t"); got != int64(tt.wantLines) {
				t.Errorf("%d records on the topic, want %d", got, tt.wantLines)
			}
			if tt.wantCommit {
				checkPosition(t, offs, path)
			} else if n := offs.putCount(); n != 0 {
				t.Errorf("%d offset commits, want none", n)
			}
			checkEnvelopes(t, c, "t", lines[:tt.wantLines])
		})
	}
}

// EnsureTopic runs once per topic, before the topic's first record: with auto-creation off,
// a record for a topic it did not create could not be produced.
func TestSourceEnsureTopicOncePerTopic(t *testing.T) {
	tests := []struct {
		name   string
		rounds [][]string // lines "<topic> <n>", appended round by round
	}{
		{"one topic", [][]string{{"a 1", "a 2", "a 3"}, {"a 4"}, {"a 5", "a 6"}}},
		{"two topics interleaved", [][]string{{"a 1", "b 1", "a 2"}, {"b 2"}, {"b 3", "a 3", "a 4"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			ctx := testCtx(t)
			path := emptyFile(t, "in.txt")
			props := sourceProps(path, "t")
			props[filestream.BatchSizeKey] = "2"
			src := newFileSource(t, c, props, newMemOffsets())
			src.Task = &scriptedSource{SourceTask: src.Task, route: func(r *connectors.SourceRecord) {
				r.Topic, _, _ = strings.Cut(r.Value.(string), " ")
			}}
			var mu sync.Mutex
			calls := map[string]int{}
			src.EnsureTopic = func(topic string) error {
				mu.Lock()
				calls[topic]++
				mu.Unlock()
				return createTopic(ctx, adm, topic)
			}

			r := start(t, src.Run)
			want := map[string][]string{}
			total := 0
			for _, round := range tt.rounds {
				appendLines(t, path, round...)
				for _, l := range round {
					topic, _, _ := strings.Cut(l, " ")
					want[topic] = append(want[topic], l)
				}
				total += len(round)
				wait.For(t, testTimeout, "round on the topics", func() bool {
					n := int64(0)
					for topic := range want {
						n += endOffset(t, adm, topic)
					}
					return n >= int64(total)
				})
			}
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v, want nil after cancel", err)
			}
			mu.Lock()
			got := maps.Clone(calls)
			mu.Unlock()
			for topic := range want {
				if got[topic] != 1 {
					t.Errorf("EnsureTopic(%q) called %d times, want once", topic, got[topic])
				}
				checkEnvelopes(t, c, topic, want[topic])
			}
			if len(got) != len(want) {
				t.Errorf("EnsureTopic calls %v, want one per topic of %v", got, want)
			}
		})
	}
}

// checkPosition checks that the committed FileStream position is the end of path.
func checkPosition(t testing.TB, offs *memOffsets, path string) {
	t.Helper()
	if pos, ok := offs.position(path); !ok || pos != fileSize(t, path) {
		t.Errorf("committed position %d (found %v), want %d", pos, ok, fileSize(t, path))
	}
}

// checkEnvelopes checks that topic holds exactly lines, in order, as JsonConverter string
// envelopes with null keys.
func checkEnvelopes(t testing.TB, c *kfake.Cluster, topic string, lines []string) {
	t.Helper()
	recs := readTopic(t, c, topic)
	if len(recs) != len(lines) {
		t.Errorf("%s holds %d records, want %d", topic, len(recs), len(lines))
	}
	for i, r := range recs {
		if i >= len(lines) {
			break
		}
		if want := stringEnvelope(lines[i]); string(r.Value) != want || r.Key != nil {
			t.Errorf("%s record %d = key %q value %s, want null key and %s", topic, i, r.Key, r.Value, want)
		}
	}
}

// A record's own Kafka partition (SourceRecord.Partition, connectors/data.go) is where it is
// produced, as Kafka Connect hands kafkaPartition to its ProducerRecord.
func TestSourceExplicitPartition(t *testing.T) {
	tests := []struct {
		name      string
		partition int32
	}{
		{"first partition", 0},
		{"last partition", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			if _, err := adm.CreateTopic(testCtx(t), 3, -1, nil, "p3"); err != nil {
				t.Fatalf("create topic: %v", err)
			}
			path := emptyFile(t, "in.txt")
			lines := numbered("line", 1, 12)
			appendLines(t, path, lines...)
			src := newFileSource(t, c, sourceProps(path, "p3"), newMemOffsets())
			src.Task = &scriptedSource{SourceTask: src.Task, route: func(r *connectors.SourceRecord) {
				r.Partition = &tt.partition
			}}
			r := start(t, src.Run)
			wait.For(t, testTimeout, "lines on the topic", func() bool {
				return endOffset(t, adm, "p3") >= int64(len(lines))
			})
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v, want nil after cancel", err)
			}
			var got []string
			for _, rec := range readTopic(t, c, "p3") {
				if rec.Partition != tt.partition {
					t.Errorf("record %s on partition %d, want %d", rec.Value, rec.Partition, tt.partition)
				}
				got = append(got, string(rec.Value))
			}
			if len(got) != len(lines) {
				t.Errorf("%d records, want %d", len(got), len(lines))
			}
		})
	}
}

// TestSourceFencedByNewerInstance: when another instance of the same task starts (a new
// owner while this worker's view is stale), its transactional producer fences this one,
// which stops with ErrFenced and writes nothing visible to read_committed consumers.
func TestSourceFencedByNewerInstance(t *testing.T) {
	c := newCluster(t, "t")
	clients := &Clients{Brokers: c.ListenAddrs(), Hash: store.PartitionFor, TransactionalIDPrefix: "connect-cluster"}
	old, err := clients.Producer("src", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if !old.IsTransactional() {
		t.Fatal("source producer is not transactional")
	}
	file := emptyFile(t, "in.txt")
	appendLines(t, file, numbered("a", 0, 10)...)
	src := newFileSource(t, c, sourceProps(file, "t"), newMemOffsets())
	src.Producer, src.NewPipelined = old, nil // the transactional mode
	run := start(t, src.Run)
	if got := readCommitted(t, c, "t", 10, testTimeout); len(got) != 10 {
		t.Fatalf("read_committed sees %d records, want 10", len(got))
	}

	newer, err := clients.Producer("src", 0, nil) // InitProducerId bumps the epoch
	if err != nil {
		t.Fatal(err)
	}
	defer newer.Close()
	appendLines(t, file, numbered("b", 10, 5)...)
	if err := run.wait(t); !errors.Is(err, ErrFenced) {
		t.Fatalf("Run = %v, want ErrFenced", err)
	}

	got := readCommitted(t, c, "t", 15, 2*time.Second) // waits the whole 2 s: 15 must never come
	if len(got) != 10 {
		t.Fatalf("read_committed sees %d records after the fence, want the 10 committed before it: %q", len(got), got)
	}
}

// TestSourceTransactionSpansPolls: a transactional source task does not pay a transaction
// per poll batch. 200 lines read 10 per poll go out in fewer transactions than polls (each
// committed transaction leaves one control record in the partition, so the end offset counts
// them: one transaction per poll would leave 20), and every record is visible to
// read_committed consumers once the task has nothing more to read.
func TestSourceTransactionSpansPolls(t *testing.T) {
	c := newCluster(t, "t")
	clients := &Clients{Brokers: c.ListenAddrs(), Hash: store.PartitionFor, TransactionalIDPrefix: "connect-cluster"}
	p, err := clients.Producer("src", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	file := emptyFile(t, "in.txt")
	appendLines(t, file, numbered("a", 0, 200)...)
	props := sourceProps(file, "t")
	props[filestream.BatchSizeKey] = "10"
	src := newFileSource(t, c, props, newMemOffsets())
	src.Producer, src.NewPipelined = p, nil // the transactional mode
	run := start(t, src.Run)
	if got := readCommitted(t, c, "t", 200, testTimeout); len(got) != 200 {
		t.Fatalf("read_committed sees %d records, want 200", len(got))
	}
	if err := run.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
	markers := endOffset(t, newAdmin(t, c), "t") - 200
	if markers < 1 || markers >= 20 {
		t.Errorf("%d transaction markers for 20 polls, want at least 1 and fewer than 20", markers)
	}
}

// readCommitted reads topic as a read_committed consumer until it has want records or d
// passes, and returns the values.
func readCommitted(t testing.TB, c *kfake.Cluster, topic string, want int, d time.Duration) []string {
	t.Helper()
	return readCommittedField(t, c, topic, want, d, func(r *kgo.Record) []byte { return r.Value })
}

// readCommittedKeys is readCommitted returning the keys.
func readCommittedKeys(t testing.TB, c *kfake.Cluster, topic string, want int, d time.Duration) []string {
	t.Helper()
	return readCommittedField(t, c, topic, want, d, func(r *kgo.Record) []byte { return r.Key })
}

func readCommittedField(t testing.TB, c *kfake.Cluster, topic string, want int, d time.Duration, field func(*kgo.Record) []byte) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var got []string
	for len(got) < want && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(field(r))) })
	}
	return got
}
