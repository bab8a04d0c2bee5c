package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// fileFormatVersion is the "version" of the offsets file FileOffsetStore writes.
const fileFormatVersion = 1

// FileOffsetStore keeps source offsets in offset.storage.file.filename for standalone mode.
// The file is JSON of connectd's own (Kafka Connect's file is Java serialization):
//
//	{"offsets":[{"connector":"c","offset":{...},"partition":{...}},...],"version":1}
//
// with entries sorted by connector and canonical partition, numbers as JsonConverter
// writes them. Every Put rewrites the file through a temporary file in the same
// directory, synced and renamed over it, so a crash leaves the old file or the new one,
// never a torn one.
type FileOffsetStore struct {
	path   string
	logger *slog.Logger

	mu      sync.Mutex
	started bool
	closed  bool
	byCn    map[string]map[string]Offset // connector → canonical partition → offset
}

// NewFileOffsetStore allocates a store for the file at path; it reads nothing yet.
func NewFileOffsetStore(path string, opts ...Option) (*FileOffsetStore, error) {
	if path == "" {
		return nil, errors.New("store: empty offsets file name")
	}
	o := buildOptions(opts)
	return &FileOffsetStore{
		path:   path,
		logger: o.logger.With("component", "store", "file", path),
		byCn:   map[string]map[string]Offset{},
	}, nil
}

// Start loads the file; a missing file is an empty store.
func (s *FileOffsetStore) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.started:
		return ErrAlreadyStarted
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		s.started = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("offsets file: %w", err)
	}
	if err := s.load(b); err != nil {
		return fmt.Errorf("offsets file %s: %w", s.path, err)
	}
	s.started = true
	s.logger.Debug("offsets loaded", "connectors", len(s.byCn))
	return nil
}

// Run starts the store and keeps it until ctx ends, then closes it.
func (s *FileOffsetStore) Run(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return s.Close()
}

// Close ends the store (every Put is already on disk); it is safe twice.
func (s *FileOffsetStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func (s *FileOffsetStore) load(b []byte) error {
	d, err := decodeJSON(b)
	if err != nil {
		return err
	}
	top, ok := d.(map[string]any)
	if !ok {
		return errors.New("not a JSON object")
	}
	if v, _ := top["version"].(int64); v != fileFormatVersion {
		return fmt.Errorf("unsupported version %v", top["version"])
	}
	list, ok := top["offsets"].([]any)
	if !ok && top["offsets"] != nil {
		return errors.New("offsets is not an array")
	}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("offsets[%d] is not an object", i)
		}
		cn, ok1 := m["connector"].(string)
		off, ok2 := m["offset"].(map[string]any)
		p, ok3 := m["partition"].(map[string]any)
		if !ok1 || !ok2 || (!ok3 && m["partition"] != nil) {
			return fmt.Errorf("offsets[%d] is malformed", i)
		}
		_, canon, err := canonicalPartition(p)
		if err != nil {
			return err
		}
		if s.byCn[cn] == nil {
			s.byCn[cn] = map[string]Offset{}
		}
		s.byCn[cn][canon] = Offset{Partition: p, Offset: off}
	}
	return nil
}

// Offset implements Offsets.
func (s *FileOffsetStore) Offset(connector string, partition map[string]any) (map[string]any, error) {
	_, canon, err := canonicalPartition(partition)
	if err != nil {
		return nil, fmt.Errorf("connector %q: offset partition: %w", connector, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.byCn[connector][canon]; ok {
		return copyMap(o.Offset), nil
	}
	return nil, nil
}

// Offsets implements Offsets; partitions come sorted by their canonical JSON.
func (s *FileOffsetStore) Offsets(connector string) []Offset {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries := s.byCn[connector]
	var out []Offset
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		o := entries[k]
		out = append(out, Offset{Partition: copyMap(o.Partition), Offset: copyMap(o.Offset)})
	}
	return out
}

// Put implements Offsets: the file is rewritten and synced before Put returns. If writing
// fails, the store keeps its previous offsets.
func (s *FileOffsetStore) Put(ctx context.Context, connector string, offsets []Offset) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	type change struct {
		canon string
		o     Offset
	}
	changes := make([]change, 0, len(offsets))
	for _, o := range offsets {
		p, canon, err := canonicalPartition(o.Partition)
		if err != nil {
			return fmt.Errorf("connector %q: offset partition: %w", connector, err)
		}
		c := change{canon: canon}
		if o.Offset != nil {
			v, err := normalize(o.Offset)
			if err != nil {
				return fmt.Errorf("connector %q: offset: %w", connector, err)
			}
			pm, _ := p.(map[string]any)
			c.o = Offset{Partition: pm, Offset: v.(map[string]any)}
		}
		changes = append(changes, c)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case !s.started:
		return ErrNotStarted
	}
	next := maps.Clone(s.byCn)
	m := maps.Clone(next[connector])
	if m == nil {
		m = map[string]Offset{}
	}
	for _, c := range changes {
		if c.o.Offset == nil {
			delete(m, c.canon)
		} else {
			m[c.canon] = c.o
		}
	}
	if len(m) == 0 {
		delete(next, connector)
	} else {
		next[connector] = m
	}
	if err := writeFileAtomic(s.path, encodeOffsetsFile(next)); err != nil {
		return fmt.Errorf("connector %q: write offsets file: %w", connector, err)
	}
	s.byCn = next
	return nil
}

func encodeOffsetsFile(byCn map[string]map[string]Offset) []byte {
	list := []any{}
	for _, cn := range slices.Sorted(maps.Keys(byCn)) {
		for _, k := range slices.Sorted(maps.Keys(byCn[cn])) {
			o := byCn[cn][k]
			var p any
			if o.Partition != nil {
				p = o.Partition
			}
			list = append(list, map[string]any{"connector": cn, "partition": p, "offset": o.Offset})
		}
	}
	b := appendJSON(nil, map[string]any{"version": int64(fileFormatVersion), "offsets": list})
	return append(b, '\n')
}

// writeFileAtomic replaces path with data: temporary file in the same directory, fsync,
// rename, fsync of the directory.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // best effort: not every file system syncs directories
		_ = d.Close()
	}
	return nil
}
