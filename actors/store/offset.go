package store

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"
)

// Offset is one source partition and its offset. A nil Offset is a tombstone: the
// partition's offset is removed.
type Offset struct {
	Partition map[string]any
	Offset    map[string]any
}

// Offsets is what the runtime needs of source offsets; OffsetStore (distributed) and
// FileOffsetStore (standalone) implement it. Values read back are JsonConverter's: integral
// numbers int64, others float64, objects map[string]any, arrays []any.
type Offsets interface {
	// Offset returns the stored offset of one partition of a connector, or nil when there
	// is none. It fails only when partition cannot be encoded as JSON.
	Offset(connector string, partition map[string]any) (map[string]any, error)
	// Put stores offsets (nil Offset = tombstone) and returns once they are durable and
	// visible to Offset and Offsets.
	Put(ctx context.Context, connector string, offsets []Offset) error
	// Offsets returns every partition of a connector that has an offset, in a stable order.
	Offsets(connector string) []Offset
}

var (
	_ Offsets = (*OffsetStore)(nil)
	_ Offsets = (*FileOffsetStore)(nil)
)

// OffsetStore is the offsets topic (offset.storage.topic): source offsets keyed
// ["<connector>",{partition}] with value {offset} or null, JsonConverter schemas off
// (spec §10.5). Partitions are matched structurally: a key written by a Java worker with
// its fields in another order is the same partition, and a write for it reuses the
// exact key bytes already in the topic, so it lands on the same topic partition and
// compacts the old record.
type OffsetStore struct {
	log    *Log
	logger *slog.Logger
	warn   throttle

	mu   sync.Mutex
	byCn map[string]map[string]*offsetEntry // connector → canonical partition → entry
}

type offsetEntry struct {
	partition map[string]any
	offset    map[string]any // nil after a tombstone
	rawKey    []byte         // the key bytes last read for this partition
}

// NewOffsetStore allocates an OffsetStore over topic; it opens no connection. Topic
// partitions zero means 25.
func NewOffsetStore(k Kafka, topic Topic, opts ...Option) (*OffsetStore, error) {
	if topic.Partitions == 0 {
		topic.Partitions = 25
	}
	o := buildOptions(opts)
	s := &OffsetStore{
		logger: o.logger.With("component", "store", "topic", topic.Name),
		warn:   throttle{every: 10 * time.Second},
		byCn:   map[string]map[string]*offsetEntry{},
	}
	l, err := NewLog(LogConfig{
		Kafka:    k,
		Topic:    topic,
		Property: "offset.storage.topic",
		Purpose:  "source connector offsets",
		Apply:    s.apply,
	}, opts...)
	if err != nil {
		return nil, err
	}
	s.log = l
	return s, nil
}

// Topic is the offsets topic's name.
func (s *OffsetStore) Topic() string { return s.log.cfg.Topic.Name }

// Start connects, creates or checks the topic and returns once every offset written
// before the call is held.
func (s *OffsetStore) Start(ctx context.Context) error { return s.log.Start(ctx) }

// Run starts the store, keeps it until ctx ends, then closes it.
func (s *OffsetStore) Run(ctx context.Context) error { return s.log.Run(ctx) }

// Close stops the store; it is safe twice.
func (s *OffsetStore) Close() error { return s.log.Close() }

// ReadToEnd returns once every offset written before the call is held.
func (s *OffsetStore) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Offset implements Offsets.
func (s *OffsetStore) Offset(connector string, partition map[string]any) (map[string]any, error) {
	_, canon, err := canonicalPartition(partition)
	if err != nil {
		return nil, fmt.Errorf("connector %q: offset partition: %w", connector, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.byCn[connector][canon]; e != nil {
		return copyMap(e.offset), nil
	}
	return nil, nil
}

// Offsets implements Offsets; partitions come sorted by their canonical JSON.
func (s *OffsetStore) Offsets(connector string) []Offset {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries := s.byCn[connector]
	var out []Offset
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		if e := entries[k]; e.offset != nil {
			out = append(out, Offset{Partition: copyMap(e.partition), Offset: copyMap(e.offset)})
		}
	}
	return out
}

// Put implements Offsets: one ordered produce batch (acks=all), visible on return.
func (s *OffsetStore) Put(ctx context.Context, connector string, offsets []Offset) error {
	recs, err := s.records(connector, offsets)
	if err != nil {
		return err
	}
	if err := s.log.Write(ctx, recs...); err != nil {
		return fmt.Errorf("connector %q: write offsets: %w", connector, err)
	}
	return nil
}

// TxnRecords returns the records that store offsets in Kafka Connect's format, each with
// the topic partition the store writes it to, for a producer that writes them inside its
// own transaction (an exactly-once source task): they are applied once committed, and
// never if the transaction aborts. Valid once Start succeeded.
func (s *OffsetStore) TxnRecords(connector string, offsets []Offset) (topic string, recs []Record, err error) {
	if recs, err = s.records(connector, offsets); err != nil {
		return "", nil, err
	}
	parts := s.log.Partitions()
	if parts <= 0 {
		return "", nil, s.log.notRunning()
	}
	for i := range recs {
		recs[i].Partition = PartitionFor(recs[i].Key, parts)
	}
	return s.log.cfg.Topic.Name, recs, nil
}

// records encodes offsets for connector; a partition already in the topic reuses its key
// bytes, so that the record compacts the older one.
func (s *OffsetStore) records(connector string, offsets []Offset) ([]Record, error) {
	recs := make([]Record, 0, len(offsets))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range offsets {
		p, canon, err := canonicalPartition(o.Partition)
		if err != nil {
			return nil, fmt.Errorf("connector %q: offset partition: %w", connector, err)
		}
		var key []byte
		if e := s.byCn[connector][canon]; e != nil {
			key = e.rawKey
		} else {
			key = appendJSON(nil, []any{connector, p})
		}
		var value []byte
		if o.Offset != nil {
			if value, err = encodeJSON(o.Offset); err != nil {
				return nil, fmt.Errorf("connector %q: offset: %w", connector, err)
			}
		}
		recs = append(recs, Record{Key: key, Value: value})
	}
	return recs, nil
}

// canonicalPartition normalizes a partition map and returns its canonical JSON. A nil
// partition is JSON null, as a Java worker would write it.
func canonicalPartition(partition map[string]any) (any, string, error) {
	var p any
	if partition != nil {
		n, err := normalize(partition)
		if err != nil {
			return nil, "", err
		}
		p = n
	}
	return p, string(appendJSON(nil, p)), nil
}

// apply is the Log's callback for one offsets record.
func (s *OffsetStore) apply(r Record) {
	k, err := decodeJSON(r.Key)
	parts, ok := k.([]any)
	if err != nil || !ok || len(parts) != 2 {
		warnThrottled(s.logger, &s.warn, "ignoring offset record with an invalid key", "err", err)
		return
	}
	connector, ok := parts[0].(string)
	partition, isMap := parts[1].(map[string]any)
	if !ok || (!isMap && parts[1] != nil) {
		warnThrottled(s.logger, &s.warn, "ignoring offset record with an invalid key")
		return
	}
	var offset map[string]any
	if r.Value != nil {
		v, err := decodeJSON(r.Value)
		m, ok := v.(map[string]any)
		if err != nil || !ok {
			warnThrottled(s.logger, &s.warn, "ignoring offset record with an invalid value", "connector", connector, "err", err)
			return
		}
		offset = m
	}
	var p any
	if isMap {
		p = partition
	}
	canon := string(appendJSON(nil, p))

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byCn[connector] == nil {
		s.byCn[connector] = map[string]*offsetEntry{}
	}
	s.byCn[connector][canon] = &offsetEntry{partition: partition, offset: offset, rawKey: r.Key}
}
