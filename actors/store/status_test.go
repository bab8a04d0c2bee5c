package store

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/connectd/connectd/internal/wait"
	"github.com/connectd/connectd/messages"
)

func status(state messages.State, worker string, gen int64, trace string) *messages.InstanceStatus {
	return &messages.InstanceStatus{State: state, WorkerId: worker, Generation: gen, Trace: trace}
}

const (
	running    = messages.State_STATE_RUNNING
	failed     = messages.State_STATE_FAILED
	pausedSt   = messages.State_STATE_PAUSED
	restarting = messages.State_STATE_RESTARTING
)

// Record formats byte for byte (spec §12.2; KafkaStatusBackingStore STATUS_SCHEMA_V0:
// state, trace, worker_id, generation), each on the partition a Java worker would use.
func TestStatusRecordFormats(t *testing.T) {
	tests := []struct {
		name  string
		write func(context.Context, *StatusStore) error
		want  []rec
	}{
		{
			name: "connector running",
			write: func(ctx context.Context, s *StatusStore) error {
				return s.PutConnector(ctx, "orders", status(running, "10.0.0.1:8083", 3, ""))
			},
			want: []rec{{Key: "status-connector-orders", Value: val(`{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":3}`)}},
		},
		{
			name: "task failed with trace",
			write: func(ctx context.Context, s *StatusStore) error {
				return s.PutTask(ctx, "orders", 2, status(failed, "w:8083", 7, "java.lang.X: <boom> & \"quoted\"\n\tat y"))
			},
			want: []rec{{Key: "status-task-orders-2", Value: val(`{"state":"FAILED","trace":"java.lang.X: <boom> & \"quoted\"\n\tat y","worker_id":"w:8083","generation":7}`)}},
		},
		{
			name: "every state name",
			write: func(ctx context.Context, s *StatusStore) error {
				for i, st := range []messages.State{messages.State_STATE_UNASSIGNED, pausedSt, restarting, messages.State_STATE_STOPPED} {
					if err := s.PutTask(ctx, "c", int32(i), status(st, "w", 0, "")); err != nil {
						return err
					}
				}
				return nil
			},
			want: []rec{
				{Key: "status-task-c-0", Value: val(`{"state":"UNASSIGNED","trace":null,"worker_id":"w","generation":0}`)},
				{Key: "status-task-c-1", Value: val(`{"state":"PAUSED","trace":null,"worker_id":"w","generation":0}`)},
				{Key: "status-task-c-2", Value: val(`{"state":"RESTARTING","trace":null,"worker_id":"w","generation":0}`)},
				{Key: "status-task-c-3", Value: val(`{"state":"STOPPED","trace":null,"worker_id":"w","generation":0}`)},
			},
		},
		{
			name: "delete tombstones connector, tasks 0..n-1 and known tasks",
			write: func(ctx context.Context, s *StatusStore) error {
				if err := s.PutTask(ctx, "d", 3, status(running, "w", 1, "")); err != nil {
					return err
				}
				return s.DeleteConnector(ctx, "d", 2)
			},
			want: []rec{
				{Key: "status-task-d-3", Value: val(`{"state":"RUNNING","trace":null,"worker_id":"w","generation":1}`)},
				{Key: "status-connector-d"},
				{Key: "status-task-d-0"},
				{Key: "status-task-d-1"},
				{Key: "status-task-d-3"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			s := startStatusStore(t, c)
			if err := tt.write(testCtx(t), s); err != nil {
				t.Fatal(err)
			}
			got := readTopic(t, c, statusTopic)
			// Records come back sorted by partition; compare as sets per partition.
			for i := range tt.want {
				tt.want[i].Partition = javaPartition(tt.want[i].Key, 5)
			}
			if !sameRecords(got, tt.want) {
				t.Errorf("records:\n got %s\nwant %s", fmtRecs(got), fmtRecs(tt.want))
			}
		})
	}
}

// sameRecords compares records per partition, in order within a partition.
func sameRecords(got, want []rec) bool {
	by := func(rs []rec) map[int32][]rec {
		m := map[int32][]rec{}
		for _, r := range rs {
			m[r.Partition] = append(m[r.Partition], r)
		}
		return m
	}
	return reflect.DeepEqual(by(got), by(want))
}

func TestStatusVisibleOnReturnAndRebuilt(t *testing.T) {
	c := newCluster(t)
	s := startStatusStore(t, c)
	ctx := testCtx(t)
	if _, ok := s.Connector("a"); ok {
		t.Fatal("unknown connector has a status")
	}
	if err := s.PutConnector(ctx, "a", status(running, "w1", 1, "")); err != nil {
		t.Fatal(err)
	}
	if got, ok := s.Connector("a"); !ok || !proto.Equal(got, status(running, "w1", 1, "")) {
		t.Errorf("Connector = %v, %v", got, ok)
	}
	for task := range int32(3) {
		if err := s.PutTask(ctx, "a", task, status(running, "w1", 1, "")); err != nil {
			t.Fatal(err)
		}
		if _, ok := s.Tasks("a")[task]; !ok {
			t.Errorf("task %d not visible on return", task)
		}
	}
	if err := s.PutTask(ctx, "a", 1, status(failed, "w1", 1, "trace")); err != nil {
		t.Fatal(err)
	}
	want := map[int32]*messages.InstanceStatus{
		0: status(running, "w1", 1, ""), 1: status(failed, "w1", 1, "trace"), 2: status(running, "w1", 1, ""),
	}
	check := func(s *StatusStore) {
		t.Helper()
		got := s.Tasks("a")
		if len(got) != len(want) {
			t.Fatalf("Tasks = %v", got)
		}
		for k, w := range want {
			if !proto.Equal(got[k], w) {
				t.Errorf("task %d = %v, want %v", k, got[k], w)
			}
		}
	}
	check(s)
	check(startStatusStore(t, c))

	// Returned statuses are copies.
	got, _ := s.Connector("a")
	got.State = failed
	if again, _ := s.Connector("a"); again.State != running {
		t.Error("Connector returned the store's own status")
	}

	if err := s.DeleteConnector(ctx, "a", 0); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Connector("a"); ok || len(s.Tasks("a")) != 0 {
		t.Errorf("after delete: %v %v", ok, s.Tasks("a"))
	}
	s3 := startStatusStore(t, c)
	if _, ok := s3.Connector("a"); ok || len(s3.Tasks("a")) != 0 {
		t.Error("deleted statuses rebuilt")
	}
}

// A record with a lower generation than the one held is ignored (a stale writer); equal
// or higher replaces it; a tombstone resets it.
func TestStatusStaleGenerationIgnored(t *testing.T) {
	tests := []struct {
		name    string
		records []*string
		want    *messages.InstanceStatus // nil = no status
	}{
		{"higher replaces", []*string{
			val(`{"state":"RUNNING","trace":null,"worker_id":"w1","generation":1}`),
			val(`{"state":"PAUSED","trace":null,"worker_id":"w2","generation":2}`),
		}, status(pausedSt, "w2", 2, "")},
		{"equal replaces", []*string{
			val(`{"state":"RUNNING","trace":null,"worker_id":"w1","generation":2}`),
			val(`{"state":"FAILED","trace":"t","worker_id":"w1","generation":2}`),
		}, status(failed, "w1", 2, "t")},
		{"lower ignored", []*string{
			val(`{"state":"RUNNING","trace":null,"worker_id":"new","generation":5}`),
			val(`{"state":"FAILED","trace":"zombie","worker_id":"old","generation":4}`),
		}, status(running, "new", 5, "")},
		{"tombstone resets", []*string{
			val(`{"state":"RUNNING","trace":null,"worker_id":"new","generation":5}`),
			nil,
			val(`{"state":"RUNNING","trace":null,"worker_id":"other","generation":1}`),
		}, status(running, "other", 1, "")},
		{"unknown state ignored", []*string{
			val(`{"state":"RUNNING","trace":null,"worker_id":"w","generation":1}`),
			val(`{"state":"DESTROYED","trace":null,"worker_id":"w","generation":2}`),
		}, status(running, "w", 1, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			s := startStatusStore(t, c)
			for _, key := range []string{"status-connector-a", "status-task-a-0"} {
				var recs []rec
				for _, v := range tt.records {
					recs = append(recs, rec{Partition: javaPartition(key, 5), Key: key, Value: v})
				}
				produceRaw(t, c, statusTopic, recs...)
			}
			if err := s.ReadToEnd(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			for _, st := range []*StatusStore{s, startStatusStore(t, c)} {
				conn, _ := st.Connector("a")
				task := st.Tasks("a")[0]
				if !proto.Equal(conn, tt.want) || !proto.Equal(task, tt.want) {
					t.Errorf("connector %v, task %v, want %v", conn, task, tt.want)
				}
			}
		})
	}
}

// Our own stale write is refused, and reported when another writer overtakes it.
func TestStatusPutStale(t *testing.T) {
	c := newCluster(t)
	s := startStatusStore(t, c)
	ctx := testCtx(t)
	if err := s.PutConnector(ctx, "a", status(running, "w2", 5, "")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutConnector(ctx, "a", status(failed, "w1", 4, "x")); !errors.Is(err, ErrStaleGeneration) {
		t.Errorf("stale PutConnector = %v, want ErrStaleGeneration", err)
	}
	if err := s.PutTask(ctx, "a", 0, status(running, "w2", 5, "")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTask(ctx, "a", 0, status(running, "w1", 1, "")); !errors.Is(err, ErrStaleGeneration) {
		t.Errorf("stale PutTask = %v, want ErrStaleGeneration", err)
	}
	if n := len(readTopic(t, c, statusTopic)); n != 2 {
		t.Errorf("%d records written, want 2 (stale ones are not written)", n)
	}
	if got, _ := s.Connector("a"); got.GetGeneration() != 5 {
		t.Errorf("held %v", got)
	}
}

// Asynchronous writes keep their order with each other and with blocking writes.
func TestStatusAsync(t *testing.T) {
	c := newCluster(t)
	s := startStatusStore(t, c)
	ctx := testCtx(t)
	states := []messages.State{running, pausedSt, running, restarting, failed}
	for _, st := range states {
		s.PutTaskAsync("a", 0, status(st, "w", 1, ""))
		s.PutConnectorAsync("a", status(st, "w", 1, ""))
	}
	wait.For(t, testTimeout, "the statuses in the store", func() bool {
		c, ok := s.Connector("a")
		return ok && c.State == failed && s.Tasks("a")[0].GetState() == failed
	})
	s.PutTaskAsync("a", 1, status(running, "w", 1, ""))
	if err := s.PutTask(ctx, "a", 1, status(failed, "w", 1, "t")); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.Tasks("a")[1]; got.GetState() != failed {
		t.Errorf("task 1 = %v, want the blocking write's FAILED", got)
	}
	// A nil status is a tombstone, asynchronous or not; a stale asynchronous write is dropped.
	s.PutTaskAsync("a", 1, nil)
	s.PutConnectorAsync("a", status(running, "old", 0, ""))
	if err := s.PutTask(ctx, "a", 0, nil); err != nil {
		t.Fatal(err)
	}
	wait.For(t, testTimeout, "the task statuses of a gone", func() bool { return len(s.Tasks("a")) == 0 })
	if got, _ := s.Connector("a"); got.GetWorkerId() == "old" {
		t.Errorf("stale asynchronous write applied: %v", got)
	}
	// Invalid input is logged, not written.
	s.PutTaskAsync("", 0, status(running, "w", 1, ""))
	s.PutTaskAsync("b", -1, status(running, "w", 1, ""))
	s.PutConnectorAsync("b", status(messages.State_STATE_UNSPECIFIED, "w", 1, ""))
	if err := s.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Connector("b"); ok {
		t.Error("invalid status written")
	}
}

func TestStatusRejectsInvalid(t *testing.T) {
	c := newCluster(t)
	s := startStatusStore(t, c)
	ctx := testCtx(t)
	for name, err := range map[string]error{
		"unspecified state": s.PutConnector(ctx, "a", status(messages.State_STATE_UNSPECIFIED, "w", 0, "")),
		"empty name":        s.PutConnector(ctx, "", status(running, "w", 0, "")),
		"negative task":     s.PutTask(ctx, "a", -1, status(running, "w", 0, "")),
		"empty delete":      s.DeleteConnector(ctx, "", 0),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestStatusMaxGeneration(t *testing.T) {
	s := startStatusStore(t, newCluster(t))
	if g := s.MaxGeneration(); g != 0 {
		t.Fatalf("empty store: MaxGeneration %d, want 0", g)
	}
	ctx := testCtx(t)
	for _, w := range []struct {
		task int32
		gen  int64
	}{{-1, 3}, {0, 7}, {1, 5}} {
		st := &messages.InstanceStatus{State: messages.State_STATE_RUNNING, WorkerId: "w:1", Generation: w.gen}
		var err error
		if w.task < 0 {
			err = s.PutConnector(ctx, "c", st)
		} else {
			err = s.PutTask(ctx, "c", w.task, st)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if g := s.MaxGeneration(); g != 7 {
		t.Fatalf("MaxGeneration %d, want 7", g)
	}
}
