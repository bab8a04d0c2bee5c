package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestFileOffsetStoreFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "connect.offsets")
	s, err := NewFileOffsetStore(path)
	s = start(t, s, err)
	ctx := testCtx(t)
	if err := s.Put(ctx, "src", []Offset{
		{Partition: map[string]any{"filename": "/tmp/a&b"}, Offset: map[string]any{"position": 7}},
		{Partition: nil, Offset: map[string]any{"x": 1.0}},
	}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"offsets":[{"connector":"src","offset":{"x":1.0},"partition":null},{"connector":"src","offset":{"position":7},"partition":{"filename":"/tmp/a&b"}}],"version":1}` + "\n"
	if string(b) != want {
		t.Errorf("file:\n%s\nwant\n%s", b, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only the offsets file", len(entries))
	}
	// Removing the last partition of a connector leaves an empty list.
	if err := s.Put(ctx, "src", []Offset{{Partition: map[string]any{"filename": "/tmp/a&b"}}, {}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"offsets":[],"version":1}`+"\n" {
		t.Errorf("file after tombstones: %s", b)
	}
}

func TestFileOffsetStoreLifecycle(t *testing.T) {
	dir := t.TempDir()
	ctx := testCtx(t)
	tests := []struct {
		name    string
		content string // "" = no file
		wantErr bool
		want    map[string]any
	}{
		{"missing file is empty", "", false, nil},
		{"valid", `{"version":1,"offsets":[{"connector":"c","partition":{"p":1},"offset":{"o":2}}]}`, false, map[string]any{"o": int64(2)}},
		{"torn file", `{"version":1,"offsets":[{"conn`, true, nil},
		{"unknown version", `{"version":2,"offsets":[]}`, true, nil},
		{"malformed entry", `{"version":1,"offsets":[{"connector":1}]}`, true, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, err := NewFileOffsetStore(path)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Start(ctx)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Start = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got, _ := s.Offset("c", map[string]any{"p": 1})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Offset = %#v, want %#v", got, tt.want)
			}
			_ = i
		})
	}

	s, err := NewFileOffsetStore(filepath.Join(dir, "x"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "c", nil); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Put before Start = %v", err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); !errors.Is(err, ErrAlreadyStarted) {
		t.Errorf("second Start = %v", err)
	}
	_ = s.Close()
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := s.Put(ctx, "c", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Put after Close = %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	s2, _ := NewFileOffsetStore(filepath.Join(dir, "y"))
	if err := s2.Start(cctx); err == nil {
		t.Error("Start with a cancelled context succeeded")
	}
	if _, err := NewFileOffsetStore(""); err == nil {
		t.Error("empty path accepted")
	}
}

// A failed write keeps the previous offsets, in memory and on disk.
func TestFileOffsetStoreFailedWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "connect.offsets")
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := NewFileOffsetStore(path)
	s = start(t, s, err)
	ctx := testCtx(t)
	p := map[string]any{"p": 1}
	if err := s.Put(ctx, "c", []Offset{{Partition: p, Offset: map[string]any{"o": 1}}}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "sub"), 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(dir, "sub"), 0o700) })
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	if err := s.Put(ctx, "c", []Offset{{Partition: p, Offset: map[string]any{"o": 2}}}); err == nil {
		t.Fatal("Put into a read-only directory succeeded")
	}
	if got, _ := s.Offset("c", p); !reflect.DeepEqual(got, map[string]any{"o": int64(1)}) {
		t.Errorf("Offset after failed Put = %v", got)
	}
}
