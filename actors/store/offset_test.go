package store

import (
	"path/filepath"
	"reflect"
	"testing"
)

// Record format byte for byte (spec §10.5: JsonConverter schemas off), on the partition a
// Java worker would use.
func TestOffsetRecordFormat(t *testing.T) {
	tests := []struct {
		name    string
		offsets []Offset
		want    []rec
	}{
		{
			name:    "FileStreamSource",
			offsets: []Offset{{Partition: map[string]any{"filename": "/tmp/a&b<c>.txt"}, Offset: map[string]any{"position": 42}}},
			want:    []rec{{Key: `["src",{"filename":"/tmp/a&b<c>.txt"}]`, Value: val(`{"position":42}`)}},
		},
		{
			name: "nested, typed values, sorted keys, tombstone",
			offsets: []Offset{
				{Partition: map[string]any{"z": int32(1), "a": "x"}, Offset: map[string]any{"f": 1.5, "g": 2.0, "n": nil, "l": []any{int64(1), "s"}, "m": map[string]any{"b": true}}},
				{Partition: map[string]any{"table": "t"}},
			},
			want: []rec{
				{Key: `["src",{"a":"x","z":1}]`, Value: val(`{"f":1.5,"g":2.0,"l":[1,"s"],"m":{"b":true},"n":null}`)},
				{Key: `["src",{"table":"t"}]`},
			},
		},
		{
			name:    "null partition",
			offsets: []Offset{{Offset: map[string]any{"o": 1}}},
			want:    []rec{{Key: `["src",null]`, Value: val(`{"o":1}`)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			s := startOffsetStore(t, c)
			if err := s.Put(testCtx(t), "src", tt.offsets); err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].Partition = javaPartition(tt.want[i].Key, 25)
			}
			if got := readTopic(t, c, offsetTopic); !sameRecords(got, tt.want) {
				t.Errorf("records:\n got %s\nwant %s", fmtRecs(got), fmtRecs(tt.want))
			}
		})
	}
}

// A key written by a Java worker with its fields in another order is the same partition;
// a new offset for it reuses the Java key bytes (same topic partition, so compaction and
// ordering hold).
func TestOffsetMatchesJavaKeys(t *testing.T) {
	c := newCluster(t)
	s := startOffsetStore(t, c)
	ctx := testCtx(t)
	javaKey := `["src",{"table":"orders","db":"shop","shard":3}]`
	produceRaw(t, c, offsetTopic, rec{Partition: javaPartition(javaKey, 25), Key: javaKey, Value: val(`{"lsn":1000000000000,"ratio":0.5}`)})
	if err := s.ReadToEnd(ctx); err != nil {
		t.Fatal(err)
	}
	part := map[string]any{"db": "shop", "shard": 3, "table": "orders"}
	got, err := s.Offset("src", part)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"lsn": int64(1000000000000), "ratio": 0.5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Offset = %#v, want %#v", got, want)
	}
	if err := s.Put(ctx, "src", []Offset{{Partition: part, Offset: map[string]any{"lsn": 2}}}); err != nil {
		t.Fatal(err)
	}
	recs := readTopic(t, c, offsetTopic)
	if len(recs) != 2 || recs[1].Key != javaKey || *recs[1].Value != `{"lsn":2}` {
		t.Errorf("records %s, want the second under the Java key", fmtRecs(recs))
	}
	if all := s.Offsets("src"); len(all) != 1 {
		t.Errorf("Offsets = %v, want one partition", all)
	}
}

// Offset is visible on return and rebuilt by a new store.
func TestOffsetStoreRestart(t *testing.T) {
	c := newCluster(t)
	s := startOffsetStore(t, c)
	testOffsets(t, s, func() Offsets { return startOffsetStore(t, c) })
}

func TestFileOffsetStoreReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "connect.offsets")
	open := func() Offsets {
		s, err := NewFileOffsetStore(path)
		return start(t, s, err)
	}
	testOffsets(t, open(), open)
}

// testOffsets is the behaviour both Offsets implementations share.
func testOffsets(t *testing.T, s Offsets, reopen func() Offsets) {
	t.Helper()
	ctx := testCtx(t)
	pa := map[string]any{"filename": "/tmp/a"}
	pb := map[string]any{"filename": "/tmp/b"}
	if got, err := s.Offset("src", pa); err != nil || got != nil {
		t.Fatalf("unknown Offset = %v, %v", got, err)
	}
	if err := s.Put(ctx, "src", []Offset{
		{Partition: pa, Offset: map[string]any{"position": 10}},
		{Partition: pb, Offset: map[string]any{"position": int64(20), "f": 0.25, "whole": 3.0}},
		{Partition: nil, Offset: map[string]any{"n": true}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "other", []Offset{{Partition: pa, Offset: map[string]any{"position": 99}}}); err != nil {
		t.Fatal(err)
	}
	// FileStream's position round-trips as int64; fractions and 3.0 stay float64.
	got, err := s.Offset("src", pa)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"position": int64(10)}) {
		t.Fatalf("Offset(a) = %#v, %v", got, err)
	}
	got["position"] = int64(-1) // the caller's copy
	want := []Offset{
		{Partition: nil, Offset: map[string]any{"n": true}},
		{Partition: pa, Offset: map[string]any{"position": int64(10)}},
		{Partition: pb, Offset: map[string]any{"position": int64(20), "f": 0.25, "whole": 3.0}},
	}
	// Sorted by canonical partition: null < {"filename":"/tmp/a"} < {"filename":"/tmp/b"}.
	if got := s.Offsets("src"); !reflect.DeepEqual(got, want) {
		t.Fatalf("Offsets = %#v, want %#v", got, want)
	}
	// Tombstones remove a partition.
	if err := s.Put(ctx, "src", []Offset{{Partition: pb}, {Partition: map[string]any{"never": "written"}}}); err != nil {
		t.Fatal(err)
	}
	want = want[:2]
	if got := s.Offsets("src"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after tombstone Offsets = %#v, want %#v", got, want)
	}
	if got, _ := s.Offset("src", pb); got != nil {
		t.Errorf("tombstoned Offset = %v", got)
	}
	r := reopen()
	if got := r.Offsets("src"); !reflect.DeepEqual(got, want) {
		t.Errorf("reopened Offsets = %#v, want %#v", got, want)
	}
	if got, _ := r.Offset("other", pa); !reflect.DeepEqual(got, map[string]any{"position": int64(99)}) {
		t.Errorf("reopened other = %#v", got)
	}
	if got := r.Offsets("nobody"); len(got) != 0 {
		t.Errorf("Offsets(nobody) = %v", got)
	}
}

func TestOffsetRejectsUnencodable(t *testing.T) {
	c := newCluster(t)
	s := startOffsetStore(t, c)
	bad := map[string]any{"ch": make(chan int)}
	if _, err := s.Offset("src", bad); err == nil {
		t.Error("Offset accepted a channel")
	}
	if err := s.Put(testCtx(t), "src", []Offset{{Partition: bad, Offset: map[string]any{}}}); err == nil {
		t.Error("Put accepted a channel partition")
	}
	if err := s.Put(testCtx(t), "src", []Offset{{Partition: map[string]any{}, Offset: map[string]any{"nan": bad}}}); err == nil {
		t.Error("Put accepted a channel offset")
	}
}

// Keys that are not ["connector", {…}] are skipped, as Kafka Connect skips them.
func TestOffsetIgnoresForeignKeys(t *testing.T) {
	c := newCluster(t)
	s := startOffsetStore(t, c)
	for _, k := range []string{`not json`, `["src"]`, `[1,{}]`, `["src","str"]`, `{"a":1}`} {
		produceRaw(t, c, offsetTopic, rec{Partition: javaPartition(k, 25), Key: k, Value: val(`{"o":1}`)})
	}
	good := `["src",{"p":1}]`
	produceRaw(t, c, offsetTopic, rec{Partition: javaPartition(good, 25), Key: good, Value: val(`[1]`)})
	if err := s.ReadToEnd(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got := s.Offsets("src"); len(got) != 0 {
		t.Errorf("Offsets = %v", got)
	}
}
