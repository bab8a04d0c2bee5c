package store

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/connectd/connectd/internal/wait"
	"github.com/connectd/connectd/messages"
)

const (
	started = messages.TargetState_TARGET_STATE_STARTED
	paused  = messages.TargetState_TARGET_STATE_PAUSED
	stopped = messages.TargetState_TARGET_STATE_STOPPED
)

// Record formats byte for byte (spec §6.1, §12.1; Kafka Connect's
// KafkaConfigBackingStore schemas CONNECTOR_CONFIGURATION_V0, TASK_CONFIGURATION_V0,
// CONNECTOR_TASKS_COMMIT_V0, TARGET_STATE_V1).
func TestConfigRecordFormats(t *testing.T) {
	tests := []struct {
		name  string
		write func(context.Context, *ConfigStore) error
		want  []rec
	}{
		{
			name: "connector config",
			write: func(ctx context.Context, s *ConfigStore) error {
				return s.PutConnectorConfig(ctx, "my-conn", map[string]string{"name": "my-conn", "tasks.max": "2", "file": "/tmp/a&b<c>"})
			},
			want: []rec{{Key: "connector-my-conn", Value: val(`{"properties":{"file":"/tmp/a&b<c>","name":"my-conn","tasks.max":"2"}}`)}},
		},
		{
			name:  "target state started",
			write: func(ctx context.Context, s *ConfigStore) error { return s.PutTargetState(ctx, "my-conn", started) },
			want:  []rec{{Key: "target-state-my-conn", Value: val(`{"state":"STARTED","state.v2":"STARTED"}`)}},
		},
		{
			name:  "target state paused",
			write: func(ctx context.Context, s *ConfigStore) error { return s.PutTargetState(ctx, "my-conn", paused) },
			want:  []rec{{Key: "target-state-my-conn", Value: val(`{"state":"PAUSED","state.v2":"PAUSED"}`)}},
		},
		{
			name:  "target state stopped is PAUSED for older workers",
			write: func(ctx context.Context, s *ConfigStore) error { return s.PutTargetState(ctx, "my-conn", stopped) },
			want:  []rec{{Key: "target-state-my-conn", Value: val(`{"state":"PAUSED","state.v2":"STOPPED"}`)}},
		},
		{
			name: "task configs then commit",
			write: func(ctx context.Context, s *ConfigStore) error {
				return s.PutTaskConfigs(ctx, "my-conn", []map[string]string{{"task.class": "A", "x": "0"}, {"task.class": "A", "x": "1"}})
			},
			want: []rec{
				{Key: "task-my-conn-0", Value: val(`{"properties":{"task.class":"A","x":"0"}}`)},
				{Key: "task-my-conn-1", Value: val(`{"properties":{"task.class":"A","x":"1"}}`)},
				{Key: "commit-my-conn", Value: val(`{"tasks":2}`)},
			},
		},
		{
			name:  "zero tasks is just the commit",
			write: func(ctx context.Context, s *ConfigStore) error { return s.PutTaskConfigs(ctx, "my-conn", nil) },
			want:  []rec{{Key: "commit-my-conn", Value: val(`{"tasks":0}`)}},
		},
		{
			name:  "task count record (TASK_COUNT_RECORD_V0)",
			write: func(ctx context.Context, s *ConfigStore) error { return s.PutTaskCountRecord(ctx, "my-conn", 3) },
			want:  []rec{{Key: "tasks-fencing-my-conn", Value: val(`{"task-count":3}`)}},
		},
		{
			name: "logger level",
			write: func(ctx context.Context, s *ConfigStore) error {
				return s.PutLoggerLevel(ctx, "org.apache.kafka", "DEBUG")
			},
			want: []rec{{Key: "logger-cluster-org.apache.kafka", Value: val(`{"level":"DEBUG"}`)}},
		},
		{
			name:  "delete tombstones config and target state",
			write: func(ctx context.Context, s *ConfigStore) error { return s.DeleteConnector(ctx, "my-conn") },
			want:  []rec{{Key: "connector-my-conn"}, {Key: "target-state-my-conn"}},
		},
		{
			name: "unicode and slashes in names",
			write: func(ctx context.Context, s *ConfigStore) error {
				return s.PutConnectorConfig(ctx, "a/b c-é", map[string]string{})
			},
			want: []rec{{Key: "connector-a/b c-é", Value: val(`{"properties":{}}`)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			s := startConfigStore(t, c)
			if err := tt.write(testCtx(t), s); err != nil {
				t.Fatal(err)
			}
			got := readTopic(t, c, configTopic)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("records:\n got %s\nwant %s", fmtRecs(got), fmtRecs(tt.want))
			}
		})
	}
}

func fmtRecs(rs []rec) string {
	s := ""
	for _, r := range rs {
		v := "null"
		if r.Value != nil {
			v = *r.Value
		}
		s += fmt.Sprintf("\n  p%d %s = %s", r.Partition, r.Key, v)
	}
	return s
}

// summary is a comparable view of a snapshot.
type summary map[string]struct {
	Config       map[string]string
	Target       messages.TargetState
	Tasks        []map[string]string
	Inconsistent bool
}

func summarize(s *ConfigSnapshot) summary {
	out := summary{}
	for _, n := range s.Connectors() {
		c, _ := s.Connector(n)
		out[n] = struct {
			Config       map[string]string
			Target       messages.TargetState
			Tasks        []map[string]string
			Inconsistent bool
		}{c.Config, c.Target, slices.Clone(c.Tasks), c.Inconsistent}
	}
	return out
}

// Every write is visible in Snapshot when it returns, with no waiting.
func TestConfigWritesVisibleOnReturn(t *testing.T) {
	c := newCluster(t)
	s := startConfigStore(t, c)
	ctx := testCtx(t)
	lastVersion := s.Snapshot().Version
	if lastVersion != -1 {
		t.Errorf("empty store Version = %d, want -1", lastVersion)
	}
	steps := []struct {
		name  string
		write func() error
		check func(*ConfigSnapshot) bool
	}{
		{"create", func() error { return s.PutConnectorConfig(ctx, "a", map[string]string{"k": "v"}) },
			func(sn *ConfigSnapshot) bool {
				a, ok := sn.Connector("a")
				return ok && a.Config["k"] == "v" && a.Target == started && len(a.Tasks) == 0
			}},
		{"tasks", func() error { return s.PutTaskConfigs(ctx, "a", []map[string]string{{"t": "0"}, {"t": "1"}}) },
			func(sn *ConfigSnapshot) bool {
				a, _ := sn.Connector("a")
				return len(a.Tasks) == 2 && a.Tasks[1]["t"] == "1"
			}},
		{"pause", func() error { return s.PutTargetState(ctx, "a", paused) },
			func(sn *ConfigSnapshot) bool { a, _ := sn.Connector("a"); return a.Target == paused }},
		{"stop", func() error { return s.PutTargetState(ctx, "a", stopped) },
			func(sn *ConfigSnapshot) bool { a, _ := sn.Connector("a"); return a.Target == stopped }},
		{"zero tasks", func() error { return s.PutTaskConfigs(ctx, "a", nil) },
			func(sn *ConfigSnapshot) bool { a, _ := sn.Connector("a"); return len(a.Tasks) == 0 && !a.Inconsistent }},
		{"resume", func() error { return s.PutTargetState(ctx, "a", messages.TargetState_TARGET_STATE_UNSPECIFIED) },
			func(sn *ConfigSnapshot) bool { a, _ := sn.Connector("a"); return a.Target == started }},
		{"logger", func() error { return s.PutLoggerLevel(ctx, "org.x", "WARN") },
			func(sn *ConfigSnapshot) bool {
				return sn.LoggerLevels()["org.x"] == "WARN" && sn.LoggerLevelOffsets()["org.x"] == sn.Version
			}},
		{"logger again", func() error { return s.PutLoggerLevel(ctx, "org.x", "WARN") },
			// The same level again is a newer record: a worker applies it again (spec §3.27).
			func(sn *ConfigSnapshot) bool {
				return sn.LoggerLevels()["org.x"] == "WARN" && sn.LoggerLevelOffsets()["org.x"] == sn.Version
			}},
		{"delete", func() error { return s.DeleteConnector(ctx, "a") },
			func(sn *ConfigSnapshot) bool { _, ok := sn.Connector("a"); return !ok && sn.Len() == 0 }},
	}
	for _, st := range steps {
		if err := st.write(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		sn := s.Snapshot()
		if !st.check(sn) {
			t.Errorf("%s: not visible on return: %+v", st.name, summarize(sn))
		}
		if sn.Version <= lastVersion {
			t.Errorf("%s: Version %d did not grow from %d", st.name, sn.Version, lastVersion)
		}
		lastVersion = sn.Version
	}
}

// A new store on the same broker rebuilds the same snapshot: paused stays paused, STOPPED
// stays STOPPED, uncommitted task configs stay deferred; also after compaction.
func TestConfigRestartRebuildsSnapshot(t *testing.T) {
	c := newCluster(t)
	s := startConfigStore(t, c)
	ctx := testCtx(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.PutTargetState(ctx, "paused", paused)) // before the config, as Kafka Connect writes an initial state
	must(s.PutConnectorConfig(ctx, "paused", map[string]string{"n": "p"}))
	must(s.PutTaskConfigs(ctx, "paused", []map[string]string{{"t": "p0"}}))
	must(s.PutConnectorConfig(ctx, "stopped", map[string]string{"n": "s"}))
	must(s.PutTaskConfigs(ctx, "stopped", nil))
	must(s.PutTargetState(ctx, "stopped", stopped))
	must(s.PutConnectorConfig(ctx, "running", map[string]string{"n": "r"}))
	must(s.PutTaskConfigs(ctx, "running", []map[string]string{{"t": "r0"}, {"t": "r1"}}))
	must(s.PutConnectorConfig(ctx, "gone", map[string]string{"n": "g"}))
	must(s.PutTaskConfigs(ctx, "gone", []map[string]string{{"t": "g0"}}))
	must(s.DeleteConnector(ctx, "gone"))
	// A task config without its commit (a writer that died in between) stays deferred.
	produceRaw(t, c, configTopic, rec{Key: "task-running-0", Value: val(`{"properties":{"t":"new"}}`)})
	must(s.ReadToEnd(ctx))

	want := summary{
		"paused":  {Config: map[string]string{"n": "p"}, Target: paused, Tasks: []map[string]string{{"t": "p0"}}},
		"stopped": {Config: map[string]string{"n": "s"}, Target: stopped, Tasks: nil},
		"running": {Config: map[string]string{"n": "r"}, Target: started, Tasks: []map[string]string{{"t": "r0"}, {"t": "r1"}}},
	}
	if got := summarize(s.Snapshot()); !reflect.DeepEqual(got, want) {
		t.Fatalf("snapshot = %+v, want %+v", got, want)
	}
	version := s.Snapshot().Version

	s2 := startConfigStore(t, c)
	sn := s2.Snapshot()
	if got := summarize(sn); !reflect.DeepEqual(got, want) {
		t.Errorf("rebuilt snapshot = %+v, want %+v", got, want)
	}
	if sn.Version != version {
		t.Errorf("rebuilt Version = %d, want %d", sn.Version, version)
	}

	// Compaction keeps the last record per key. The uncommitted task-running-0 replaces
	// the committed one, so the old commit may now find an incomplete set: "running" is
	// then Inconsistent (as in Kafka Connect) until the next commit.
	c.Compact()
	s3 := startConfigStore(t, c)
	got := summarize(s3.Snapshot())
	if !reflect.DeepEqual(got["paused"], want["paused"]) || !reflect.DeepEqual(got["stopped"], want["stopped"]) {
		t.Errorf("after compaction: %+v", got)
	}
	if r := got["running"]; r.Target != started || !r.Inconsistent && len(r.Tasks) != 2 {
		t.Errorf("after compaction running = %+v", r)
	}
	if _, ok := got["gone"]; ok {
		t.Error("deleted connector came back after compaction")
	}

	// Committing again publishes the fresh set everywhere.
	must(s3.PutTaskConfigs(ctx, "running", []map[string]string{{"t": "r0'"}}))
	for _, st := range []*ConfigStore{s, s2, s3} {
		must(st.ReadToEnd(ctx))
		r, _ := st.Snapshot().Connector("running")
		if len(r.Tasks) != 1 || r.Tasks[0]["t"] != "r0'" || r.Inconsistent {
			t.Errorf("after new commit: %+v", r)
		}
	}
}

// A connector deleted then re-created does not inherit its old task configs.
func TestConfigDeleteThenRecreate(t *testing.T) {
	c := newCluster(t)
	s := startConfigStore(t, c)
	ctx := testCtx(t)
	for _, err := range []error{
		s.PutConnectorConfig(ctx, "a", map[string]string{"v": "1"}),
		s.PutTaskConfigs(ctx, "a", []map[string]string{{"t": "0"}, {"t": "1"}}),
		s.PutTargetState(ctx, "a", paused),
		s.DeleteConnector(ctx, "a"),
		s.PutConnectorConfig(ctx, "a", map[string]string{"v": "2"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	check := func(s *ConfigStore) {
		t.Helper()
		a, ok := s.Snapshot().Connector("a")
		if !ok || a.Config["v"] != "2" || len(a.Tasks) != 0 || a.Target != started {
			t.Errorf("re-created connector = %+v", a)
		}
	}
	check(s)
	check(startConfigStore(t, c))
	if err := s.PutTaskConfigs(ctx, "a", []map[string]string{{"t": "new"}}); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Snapshot().Connector("a"); len(a.Tasks) != 1 || a.Tasks[0]["t"] != "new" {
		t.Errorf("after commit = %+v", a)
	}
}

// Records as other writers (Java workers, old versions, compacted history) leave them.
func TestConfigReadsForeignRecords(t *testing.T) {
	tests := []struct {
		name  string
		recs  []rec
		check func(*testing.T, *ConfigSnapshot)
	}{
		{
			name: "old worker writes only state",
			recs: []rec{
				{Key: "connector-a", Value: val(`{"properties":{"k":"v"}}`)},
				{Key: "target-state-a", Value: val(`{"state":"PAUSED"}`)},
			},
			check: func(t *testing.T, s *ConfigSnapshot) {
				if a, _ := s.Connector("a"); a.Target != paused {
					t.Errorf("target = %v", a.Target)
				}
			},
		},
		{
			name: "state.v2 wins",
			recs: []rec{
				{Key: "connector-a", Value: val(`{"properties":{"k":"v"}}`)},
				{Key: "target-state-a", Value: val(`{"state":"PAUSED","state.v2":"STOPPED"}`)},
			},
			check: func(t *testing.T, s *ConfigSnapshot) {
				if a, _ := s.Connector("a"); a.Target != stopped {
					t.Errorf("target = %v", a.Target)
				}
			},
		},
		{
			name: "target state tombstone means STARTED; invalid state ignored",
			recs: []rec{
				{Key: "connector-a", Value: val(`{"properties":{}}`)},
				{Key: "target-state-a", Value: val(`{"state":"PAUSED"}`)},
				{Key: "target-state-a"},
				{Key: "target-state-a", Value: val(`{"state":"BOGUS"}`)},
			},
			check: func(t *testing.T, s *ConfigSnapshot) {
				if a, _ := s.Connector("a"); a.Target != started {
					t.Errorf("target = %v", a.Target)
				}
			},
		},
		{
			name: "incomplete commit marks inconsistent until a complete one",
			recs: []rec{
				{Key: "connector-a", Value: val(`{"properties":{}}`)},
				{Key: "task-a-1", Value: val(`{"properties":{"t":"1"}}`)},
				{Key: "commit-a", Value: val(`{"tasks":2}`)},
			},
			check: func(t *testing.T, s *ConfigSnapshot) {
				if a, _ := s.Connector("a"); !a.Inconsistent || len(a.Tasks) != 0 {
					t.Errorf("connector = %+v", a)
				}
			},
		},
		{
			name: "names with dashes and numbers, not-string properties, unknown keys",
			recs: []rec{
				{Key: "connector-a-1-2", Value: val(`{"properties":{"n":1,"b":true,"z":null}}`)},
				{Key: "task-a-1-2-0", Value: val(`{"properties":{"t":"x"}}`)},
				{Key: "commit-a-1-2", Value: val(`{"tasks":1}`)},
				{Key: "session-key", Value: val(`{"key":"abc","algorithm":"HmacSHA256","creation-timestamp":1}`)},
				{Key: "restart-connector-a-1-2", Value: val(`{"include-tasks":true,"only-failed":false}`)},
				{Key: "connector-broken", Value: val(`not json`)},
				{Key: "logger-cluster-org.apache", Value: val(`{"level":"TRACE"}`)},
			},
			check: func(t *testing.T, s *ConfigSnapshot) {
				a, ok := s.Connector("a-1-2")
				want := map[string]string{"n": "1", "b": "true"}
				if !ok || !maps.Equal(a.Config, want) || len(a.Tasks) != 1 || a.Tasks[0]["t"] != "x" {
					t.Errorf("connector = %+v", a)
				}
				if s.Len() != 1 {
					t.Errorf("connectors = %v", s.Connectors())
				}
				if s.LoggerLevels()["org.apache"] != "TRACE" {
					t.Errorf("loggers = %v", s.LoggerLevels())
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			s := startConfigStore(t, c)
			produceRaw(t, c, configTopic, tt.recs...)
			if err := s.ReadToEnd(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			tt.check(t, s.Snapshot())
			tt.check(t, startConfigStore(t, c).Snapshot())
		})
	}
}

// TestConfigTaskCountRecords follows KafkaConfigBackingStore's processTaskCountRecord and
// processTasksCommitRecord: a tasks-fencing-<name> record ({"task-count":N}, as Apache Kafka
// Connect writes it after a zombie fencing round) sets the connector's task count record and
// clears its pending fencing; task configs committed after it set it again; the record
// outlives the connector's deletion; a malformed one is ignored.
func TestConfigTaskCountRecords(t *testing.T) {
	type want struct {
		count        int
		has, pending bool
	}
	conn := rec{Key: "connector-a", Value: val(`{"properties":{"k":"v"}}`)}
	tasks := []rec{{Key: "task-a-0", Value: val(`{"properties":{"t":"0"}}`)}, {Key: "commit-a", Value: val(`{"tasks":1}`)}}
	tests := []struct {
		name string
		recs []rec
		want want
	}{
		{"configs without a record", slices.Concat([]rec{conn}, tasks), want{0, false, true}},
		{"record after configs", slices.Concat([]rec{conn}, tasks, []rec{{Key: "tasks-fencing-a", Value: val(`{"task-count":4}`)}}), want{4, true, false}},
		{"configs after record", slices.Concat([]rec{conn, {Key: "tasks-fencing-a", Value: val(`{"task-count":4}`)}}, tasks), want{4, true, true}},
		{"malformed record ignored", slices.Concat([]rec{conn}, tasks, []rec{{Key: "tasks-fencing-a", Value: val(`{"task-count":"x"}`)}, {Key: "tasks-fencing-a"}}), want{0, false, true}},
		{"record outlives deletion", slices.Concat([]rec{conn, {Key: "tasks-fencing-a", Value: val(`{"task-count":2}`)}, {Key: "connector-a"}, conn}), want{2, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			s := startConfigStore(t, c)
			produceRaw(t, c, configTopic, tt.recs...)
			if err := s.ReadToEnd(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			for _, snap := range []*ConfigSnapshot{s.Snapshot(), startConfigStore(t, c).Snapshot()} {
				a, ok := snap.Connector("a")
				if !ok {
					t.Fatal("connector a missing")
				}
				if got := (want{a.TaskCountRecord, a.HasTaskCountRecord, a.PendingFencing}); got != tt.want {
					t.Errorf("task count record %+v, want %+v", got, tt.want)
				}
			}
		})
	}
	// Written by this store, read back at once: the pending round is over.
	c := newCluster(t)
	s := startConfigStore(t, c)
	ctx := testCtx(t)
	if err := s.PutConnectorConfig(ctx, "b", map[string]string{}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTaskConfigs(ctx, "b", []map[string]string{{}, {}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Snapshot().Connector("b"); !b.PendingFencing {
		t.Errorf("after task configs: %+v, want pending fencing", b)
	}
	if err := s.PutTaskCountRecord(ctx, "b", 2); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Snapshot().Connector("b"); b.PendingFencing || !b.HasTaskCountRecord || b.TaskCountRecord != 2 {
		t.Errorf("after the task count record: %+v", b)
	}
}

func TestConfigSubscribe(t *testing.T) {
	c := newCluster(t)
	s := startConfigStore(t, c)
	ctx := testCtx(t)
	ch, cancel := s.Subscribe()
	defer cancel()
	for i := range 3 {
		if err := s.PutConnectorConfig(ctx, "a", map[string]string{"i": string(rune('0' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	// Three changes coalesce into at least one notification.
	select {
	case <-ch:
	case <-ctx.Done():
		t.Fatal("no notification")
	}
	// Another store's write reaches this one's subscribers too.
	other := startConfigStore(t, c)
	for len(ch) > 0 {
		<-ch
	}
	if err := other.PutTargetState(ctx, "a", paused); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-ctx.Done():
		t.Fatal("no notification for another writer's record")
	}
	wait.For(t, testTimeout, "the target state PAUSED in the snapshot", func() bool { a, _ := s.Snapshot().Connector("a"); return a.Target == paused })
	cancel()
	cancel()
	if _, ok := <-ch; ok {
		t.Error("channel not closed by cancel")
	}
}

// Snapshots are immutable: a later write does not change an earlier snapshot.
func TestConfigSnapshotImmutable(t *testing.T) {
	c := newCluster(t)
	s := startConfigStore(t, c)
	ctx := testCtx(t)
	if err := s.PutConnectorConfig(ctx, "a", map[string]string{"v": "1"}); err != nil {
		t.Fatal(err)
	}
	before := s.Snapshot()
	if s.Snapshot() != before {
		t.Error("unchanged store built a new snapshot")
	}
	for _, err := range []error{
		s.PutConnectorConfig(ctx, "a", map[string]string{"v": "2"}),
		s.PutConnectorConfig(ctx, "b", nil),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if a, _ := before.Connector("a"); a.Config["v"] != "1" || before.Len() != 1 {
		t.Errorf("old snapshot changed: %+v", summarize(before))
	}
	names := before.Connectors()
	names[0] = "x"
	if before.Connectors()[0] != "a" {
		t.Error("Connectors() shares its slice")
	}
	if got := s.Snapshot().Connectors(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Connectors() = %v", got)
	}
}

func TestConfigRejectsInvalid(t *testing.T) {
	c := newCluster(t)
	s := startConfigStore(t, c)
	ctx := testCtx(t)
	for name, err := range map[string]error{
		"empty name":   s.PutConnectorConfig(ctx, "", nil),
		"bad target":   s.PutTargetState(ctx, "a", messages.TargetState(42)),
		"empty delete": s.DeleteConnector(ctx, ""),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestConfigSessionKey: the session-key record (KIP-507) in Kafka Connect's shape is read
// back, the latest one wins, and one of another shape is ignored.
func TestConfigSessionKey(t *testing.T) {
	s := newConfigStore("configs", buildOptions(nil))
	if _, ok := s.Snapshot().SessionKey(); ok {
		t.Fatal("a session key before any record")
	}
	s.apply(Record{Offset: 0, Key: []byte("session-key"), Value: []byte(`{"key":"c2VjcmV0LTE=","algorithm":"HmacSHA256","creation-timestamp":1700000000000}`)})
	s.apply(Record{Offset: 1, Key: []byte("session-key"), Value: []byte(`{"key":"c2VjcmV0LTI=","algorithm":"HmacSHA256","creation-timestamp":1700000001000}`)})
	s.apply(Record{Offset: 2, Key: []byte("session-key"), Value: []byte(`{"key":42}`)})
	k, ok := s.Snapshot().SessionKey()
	if !ok || string(k.Key) != "secret-2" || k.Algorithm != "HmacSHA256" || k.Created.UnixMilli() != 1700000001000 {
		t.Fatalf("session key %q %s %v %v", k.Key, k.Algorithm, k.Created, ok)
	}
}
