package store

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/connectd/connectd/messages"
)

// startMemory starts a memory-backed store, closing it on cleanup.
func startMemory[S starter](t testing.TB, s S) S {
	t.Helper()
	return start(t, s, nil)
}

// The in-memory config store answers every write exactly as the Kafka-backed one does:
// after each step both snapshots are equal, and visible when the write returns.
func TestMemoryConfigStoreMatchesKafka(t *testing.T) {
	mem := startMemory(t, NewMemoryConfigStore(WithLogger(testLogger())))
	kafka := startConfigStore(t, newCluster(t))
	ctx := testCtx(t)
	steps := []struct {
		name  string
		write func(*ConfigStore) error
	}{
		{"create", func(s *ConfigStore) error { return s.PutConnectorConfig(ctx, "a", map[string]string{"k": "v"}) }},
		{"create paused", func(s *ConfigStore) error {
			if err := s.PutTargetState(ctx, "b", paused); err != nil {
				return err
			}
			return s.PutConnectorConfig(ctx, "b/x y", map[string]string{"k": "w"})
		}},
		{"tasks", func(s *ConfigStore) error {
			return s.PutTaskConfigs(ctx, "a", []map[string]string{{"t": "0"}, {"t": "1"}})
		}},
		{"replace config keeps tasks", func(s *ConfigStore) error { return s.PutConnectorConfig(ctx, "a", map[string]string{"k": "v2"}) }},
		{"fewer tasks", func(s *ConfigStore) error { return s.PutTaskConfigs(ctx, "a", []map[string]string{{"t": "only"}}) }},
		{"pause", func(s *ConfigStore) error { return s.PutTargetState(ctx, "a", paused) }},
		{"stop writes empty tasks first", func(s *ConfigStore) error {
			if err := s.PutTaskConfigs(ctx, "a", nil); err != nil {
				return err
			}
			return s.PutTargetState(ctx, "a", stopped)
		}},
		{"resume", func(s *ConfigStore) error {
			return s.PutTargetState(ctx, "a", messages.TargetState_TARGET_STATE_UNSPECIFIED)
		}},
		{"logger level", func(s *ConfigStore) error { return s.PutLoggerLevel(ctx, "org.apache.kafka", "DEBUG") }},
		{"delete forgets tasks", func(s *ConfigStore) error {
			if err := s.PutTaskConfigs(ctx, "a", []map[string]string{{"t": "x"}}); err != nil {
				return err
			}
			return s.DeleteConnector(ctx, "a")
		}},
		{"re-create starts clean", func(s *ConfigStore) error { return s.PutConnectorConfig(ctx, "a", map[string]string{"k": "again"}) }},
		{"invalid target refused", func(s *ConfigStore) error { return s.PutTargetState(ctx, "a", messages.TargetState(42)) }},
		{"empty name refused", func(s *ConfigStore) error { return s.PutConnectorConfig(ctx, "", nil) }},
	}
	lastMem, lastKafka := mem.Snapshot().Version, kafka.Snapshot().Version
	if lastMem != -1 {
		t.Errorf("empty memory store Version = %d, want -1", lastMem)
	}
	for _, st := range steps {
		errMem, errKafka := st.write(mem), st.write(kafka)
		if (errMem == nil) != (errKafka == nil) {
			t.Fatalf("%s: memory error %v, Kafka error %v", st.name, errMem, errKafka)
		}
		m, k := mem.Snapshot(), kafka.Snapshot()
		if !reflect.DeepEqual(summarize(m), summarize(k)) {
			t.Errorf("%s: memory snapshot %+v, Kafka snapshot %+v", st.name, summarize(m), summarize(k))
		}
		if !maps.Equal(m.LoggerLevels(), k.LoggerLevels()) {
			t.Errorf("%s: memory loggers %v, Kafka loggers %v", st.name, m.LoggerLevels(), k.LoggerLevels())
		}
		// Versions grow in both exactly when something was written.
		if (m.Version > lastMem) != (k.Version > lastKafka) {
			t.Errorf("%s: memory Version %d→%d, Kafka Version %d→%d", st.name, lastMem, m.Version, lastKafka, k.Version)
		}
		lastMem, lastKafka = m.Version, k.Version
	}
}

// The in-memory status store fences generations and tombstones as the Kafka-backed one does.
func TestMemoryStatusStoreMatchesKafka(t *testing.T) {
	mem := startMemory(t, NewMemoryStatusStore(WithLogger(testLogger())))
	kafka := startStatusStore(t, newCluster(t))
	ctx := testCtx(t)
	steps := []struct {
		name  string
		write func(*StatusStore) error
	}{
		{"connector running", func(s *StatusStore) error { return s.PutConnector(ctx, "a", status(running, "w1", 1, "")) }},
		{"tasks", func(s *StatusStore) error {
			if err := s.PutTask(ctx, "a", 0, status(running, "w1", 1, "")); err != nil {
				return err
			}
			return s.PutTask(ctx, "a", 1, status(failed, "w1", 1, "trace"))
		}},
		{"higher generation replaces", func(s *StatusStore) error { return s.PutConnector(ctx, "a", status(pausedSt, "w2", 3, "")) }},
		{"stale connector refused", func(s *StatusStore) error { return s.PutConnector(ctx, "a", status(failed, "w1", 2, "zombie")) }},
		{"stale task refused", func(s *StatusStore) error { return s.PutTask(ctx, "a", 0, status(failed, "w0", 0, "zombie")) }},
		{"task tombstone", func(s *StatusStore) error { return s.PutTask(ctx, "a", 1, nil) }},
		{"delete connector", func(s *StatusStore) error { return s.DeleteConnector(ctx, "a", 2) }},
		{"after delete any generation", func(s *StatusStore) error { return s.PutConnector(ctx, "a", status(running, "w3", 0, "")) }},
		{"invalid state refused", func(s *StatusStore) error {
			return s.PutConnector(ctx, "b", status(messages.State_STATE_UNSPECIFIED, "w", 1, ""))
		}},
		{"negative task refused", func(s *StatusStore) error { return s.PutTask(ctx, "b", -1, status(running, "w", 1, "")) }},
	}
	for _, st := range steps {
		errMem, errKafka := st.write(mem), st.write(kafka)
		if (errMem == nil) != (errKafka == nil) || errors.Is(errMem, ErrStaleGeneration) != errors.Is(errKafka, ErrStaleGeneration) {
			t.Fatalf("%s: memory error %v, Kafka error %v", st.name, errMem, errKafka)
		}
		for _, name := range []string{"a", "b"} {
			mc, mok := mem.Connector(name)
			kc, kok := kafka.Connector(name)
			if mok != kok || !proto.Equal(mc, kc) {
				t.Errorf("%s: connector %s: memory %v, Kafka %v", st.name, name, mc, kc)
			}
			mt, kt := mem.Tasks(name), kafka.Tasks(name)
			if !maps.EqualFunc(mt, kt, func(a, b *messages.InstanceStatus) bool { return proto.Equal(a, b) }) {
				t.Errorf("%s: tasks of %s: memory %v, Kafka %v", st.name, name, mt, kt)
			}
		}
	}
}

// Asynchronous status writes are applied, in order with blocking ones, before they return.
func TestMemoryStatusAsyncAppliedOnReturn(t *testing.T) {
	s := startMemory(t, NewMemoryStatusStore())
	ctx := testCtx(t)
	tests := []struct {
		name  string
		write func()
		want  messages.State // of connector "a"; UNSPECIFIED = no status
	}{
		{"async", func() { s.PutConnectorAsync("a", status(running, "w", 1, "")) }, running},
		{"blocking then async", func() {
			_ = s.PutConnector(ctx, "a", status(failed, "w", 1, "t"))
			s.PutConnectorAsync("a", status(restarting, "w", 1, ""))
		}, restarting},
		{"stale async dropped", func() { s.PutConnectorAsync("a", status(pausedSt, "old", 0, "")) }, restarting},
		{"async tombstone", func() { s.PutConnectorAsync("a", nil) }, messages.State_STATE_UNSPECIFIED},
	}
	for _, tt := range tests {
		tt.write()
		got, ok := s.Connector("a")
		if ok != (tt.want != messages.State_STATE_UNSPECIFIED) || got.GetState() != tt.want {
			t.Errorf("%s: connector status %v, want state %v", tt.name, got, tt.want)
		}
	}
}

// Subscribers hear of a write before it returns; snapshots stay immutable.
func TestMemoryConfigSubscribe(t *testing.T) {
	s := startMemory(t, NewMemoryConfigStore())
	ctx := testCtx(t)
	ch, cancel := s.Subscribe()
	before := s.Snapshot()
	for _, name := range []string{"a", "b", "c"} {
		if err := s.PutConnectorConfig(ctx, name, map[string]string{"n": name}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ch:
		default:
			t.Fatalf("write of %s returned before its notification", name)
		}
	}
	if before.Len() != 0 || s.Snapshot().Len() != 3 {
		t.Errorf("snapshot before %d connectors, after %d; want 0 and 3", before.Len(), s.Snapshot().Len())
	}
	cancel()
	cancel()
	if _, ok := <-ch; ok {
		t.Error("channel not closed by cancel")
	}
}

// Start, writes, ReadToEnd and Close follow the Log's lifecycle, errors included.
func TestMemoryLogLifecycle(t *testing.T) {
	ctx := testCtx(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	type op func(*memoryLog) error
	write := func(l *memoryLog) error { return l.Write(ctx, Record{Key: []byte("k"), Value: []byte(`{}`)}) }
	tests := []struct {
		name    string
		ops     []op
		want    error // of the last op; nil = success
		applied int
	}{
		{"write before start", []op{write}, ErrNotStarted, 0},
		{"read before start", []op{func(l *memoryLog) error { return l.ReadToEnd(ctx) }}, ErrNotStarted, 0},
		{"start and write", []op{func(l *memoryLog) error { return l.Start(ctx) }, write, write}, nil, 2},
		{"read to end", []op{func(l *memoryLog) error { return l.Start(ctx) }, func(l *memoryLog) error { return l.ReadToEnd(ctx) }}, nil, 0},
		{"start twice", []op{func(l *memoryLog) error { return l.Start(ctx) }, func(l *memoryLog) error { return l.Start(ctx) }}, ErrAlreadyStarted, 0},
		{"write after close", []op{func(l *memoryLog) error { return l.Start(ctx) }, (*memoryLog).Close, write}, ErrClosed, 0},
		{"close twice", []op{(*memoryLog).Close, (*memoryLog).Close}, nil, 0},
		{"start after close", []op{(*memoryLog).Close, func(l *memoryLog) error { return l.Start(ctx) }}, ErrClosed, 0},
		{"start with ended context", []op{func(l *memoryLog) error { return l.Start(cancelled) }}, context.Canceled, 0},
		{"write with ended context", []op{func(l *memoryLog) error { return l.Start(ctx) }, func(l *memoryLog) error {
			return l.Write(cancelled, Record{Key: []byte("k")})
		}}, context.Canceled, 0},
		{"a record without key writes none", []op{func(l *memoryLog) error { return l.Start(ctx) }, func(l *memoryLog) error {
			return l.Write(ctx, Record{Key: []byte("k")}, Record{})
		}}, errors.New("any"), 0},
		{"async reports its error", []op{func(l *memoryLog) error {
			var got error
			l.WriteAsync([]Record{{Key: []byte("k")}}, func(err error) { got = err })
			return got
		}}, ErrNotStarted, 0},
		{"run ends with its context", []op{func(l *memoryLog) error { return l.Run(cancelled) }}, context.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var applied []Record
			l := newMemoryLog(func(r Record) { applied = append(applied, r) })
			var err error
			for _, o := range tt.ops {
				err = o(l)
			}
			switch {
			case tt.want == nil && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.want != nil && err == nil:
				t.Errorf("no error, want %v", tt.want)
			case tt.want != nil && tt.want.Error() != "any" && !errors.Is(err, tt.want):
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if len(applied) != tt.applied {
				t.Errorf("%d records applied, want %d", len(applied), tt.applied)
			}
			for i, r := range applied {
				if r.Offset != int64(i) {
					t.Errorf("record %d has offset %d", i, r.Offset)
				}
			}
		})
	}
}
