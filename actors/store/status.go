package store

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/connectd/connectd/messages"
)

// Status topic keys (spec §12.2).
const (
	connectorStatusPrefix = "status-connector-"
	taskStatusPrefix      = "status-task-"
)

// StatusStore is the status topic (status.storage.topic): the state of every connector and
// task instance, in Kafka Connect's format. A record whose generation is lower than the one
// held for its key comes from a stale writer and is ignored; equal or higher replaces it;
// a tombstone deletes it.
type StatusStore struct {
	log    logBackend
	logger *slog.Logger
	warn   throttle

	mu         sync.Mutex
	connectors map[string]*messages.InstanceStatus
	tasks      map[string]map[int32]*messages.InstanceStatus
	// topics holds the active topics (topics.go): connector → topic → record.
	topics map[string]map[string]TopicStatus
	// topicWrites holds the keys of active-topic records being written.
	topicWrites map[string]bool
}

// statusValue is the record value; field order is Kafka Connect's status schema, with the
// plugin's version of 4.1+ (KIP-891) written only when known.
type statusValue struct {
	State      string  `json:"state"`
	Trace      *string `json:"trace"`
	WorkerID   string  `json:"worker_id"`
	Generation int64   `json:"generation"`
	Version    string  `json:"version,omitempty"`
}

// NewStatusStore allocates a StatusStore over topic; it opens no connection. Topic
// partitions zero means 5.
func NewStatusStore(k Kafka, topic Topic, opts ...Option) (*StatusStore, error) {
	if topic.Partitions == 0 {
		topic.Partitions = 5
	}
	s := newStatusStore(topic.Name, buildOptions(opts))
	l, err := NewLog(LogConfig{
		Kafka:    k,
		Topic:    topic,
		Property: "status.storage.topic",
		Purpose:  "connector and task statuses",
		Apply:    s.apply,
	}, opts...)
	if err != nil {
		return nil, err
	}
	s.log = l
	return s, nil
}

// newStatusStore allocates a StatusStore without its log; the caller sets s.log.
func newStatusStore(name string, o options) *StatusStore {
	return &StatusStore{
		logger:     o.logger.With("component", "store", "topic", name),
		warn:       throttle{every: 10 * time.Second},
		connectors: map[string]*messages.InstanceStatus{},
		tasks:      map[string]map[int32]*messages.InstanceStatus{},
	}
}

// Start connects, creates or checks the topic and returns once every status written
// before the call is held.
func (s *StatusStore) Start(ctx context.Context) error { return s.log.Start(ctx) }

// Run starts the store, keeps it until ctx ends, then closes it.
func (s *StatusStore) Run(ctx context.Context) error { return s.log.Run(ctx) }

// Close stops the store; it is safe twice. Pending asynchronous writes are flushed.
func (s *StatusStore) Close() error { return s.log.Close() }

// Flush returns once every status write made before it, asynchronous ones included, is
// durable or failed, or when ctx ends.
func (s *StatusStore) Flush(ctx context.Context) error { return s.log.Flush(ctx) }

// ReadToEnd returns once every status written before the call is held.
func (s *StatusStore) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Connector returns a copy of a connector's status.
func (s *StatusStore) Connector(name string) (*messages.InstanceStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.connectors[name]
	if !ok {
		return nil, false
	}
	return proto.CloneOf(st), true
}

// Tasks returns copies of the statuses of a connector's tasks, by task number; the map is
// empty when there are none.
func (s *StatusStore) Tasks(name string) map[int32]*messages.InstanceStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int32]*messages.InstanceStatus, len(s.tasks[name]))
	for t, st := range s.tasks[name] {
		out[t] = proto.CloneOf(st)
	}
	return out
}

// MaxGeneration is the highest generation among the statuses held: a membership epoch
// must start above it, or its writes would be ignored as stale.
func (s *StatusStore) MaxGeneration() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var g int64
	for _, st := range s.connectors {
		g = max(g, st.GetGeneration())
	}
	for _, tasks := range s.tasks {
		for _, st := range tasks {
			g = max(g, st.GetGeneration())
		}
	}
	return g
}

// PutConnector writes status-connector-<name> and returns once it is durable and visible.
// A nil status writes a tombstone (Kafka Connect's DESTROYED). A status whose generation
// is lower than the one held is not written: ErrStaleGeneration.
func (s *StatusStore) PutConnector(ctx context.Context, name string, st *messages.InstanceStatus) error {
	if name == "" {
		return ErrInvalidName
	}
	return s.put(ctx, connectorStatusPrefix+name, func() *messages.InstanceStatus { return s.connectors[name] }, st)
}

// PutTask writes status-task-<name>-<task> and returns once it is durable and visible. A
// nil status writes a tombstone. A status whose generation is lower than the one held is
// not written: ErrStaleGeneration.
func (s *StatusStore) PutTask(ctx context.Context, name string, task int32, st *messages.InstanceStatus) error {
	if name == "" || task < 0 {
		return ErrInvalidName
	}
	return s.put(ctx, taskStatusKey(name, task), func() *messages.InstanceStatus { return s.tasks[name][task] }, st)
}

func (s *StatusStore) put(ctx context.Context, key string, held func() *messages.InstanceStatus, st *messages.InstanceStatus) error {
	v, err := encodeStatus(st)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	stale := func() bool {
		if st == nil {
			return false // a tombstone always applies
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		h := held()
		return h != nil && h.GetGeneration() > st.GetGeneration()
	}
	if stale() {
		return fmt.Errorf("%s: %w", key, ErrStaleGeneration)
	}
	if err := s.log.Write(ctx, Record{Key: []byte(key), Value: v}); err != nil {
		return fmt.Errorf("%s: write status: %w", key, err)
	}
	// A writer with a higher generation got there first: the readers ignored ours.
	if stale() {
		return fmt.Errorf("%s: %w", key, ErrStaleGeneration)
	}
	return nil
}

// PutConnectorAsync writes status-connector-<name> (a tombstone for a nil status) without
// waiting, after every earlier status write of this store. A failure is logged at Warn
// (throttled).
func (s *StatusStore) PutConnectorAsync(name string, st *messages.InstanceStatus) {
	s.putAsync(connectorStatusPrefix+name, name, func() *messages.InstanceStatus { return s.connectors[name] }, st)
}

// PutTaskAsync writes status-task-<name>-<task> (a tombstone for a nil status) without
// waiting, after every earlier status write of this store. A failure is logged at Warn
// (throttled).
func (s *StatusStore) PutTaskAsync(name string, task int32, st *messages.InstanceStatus) {
	if task < 0 {
		name = "" // invalid
	}
	s.putAsync(taskStatusKey(name, task), name, func() *messages.InstanceStatus { return s.tasks[name][task] }, st)
}

func (s *StatusStore) putAsync(key, name string, held func() *messages.InstanceStatus, st *messages.InstanceStatus) {
	v, err := encodeStatus(st)
	if name == "" {
		err = ErrInvalidName
	}
	if err == nil && st != nil {
		s.mu.Lock()
		h := held()
		s.mu.Unlock()
		if h != nil && h.GetGeneration() > st.GetGeneration() {
			s.logger.Debug("not writing status from a stale generation", "key", key, "generation", st.GetGeneration())
			return
		}
	}
	if err != nil {
		warnThrottled(s.logger, &s.warn, "status write failed", "key", key, "err", err)
		return
	}
	s.log.WriteAsync([]Record{{Key: []byte(key), Value: v}}, func(err error) {
		if err != nil {
			warnThrottled(s.logger, &s.warn, "status write failed", "key", key, "err", err)
		}
	})
}

// DeleteConnector writes tombstones for the connector's status, for tasks 0..tasks-1 and
// every other task held, and for its active topics (spec §3.17), and returns once they are
// visible.
func (s *StatusStore) DeleteConnector(ctx context.Context, name string, tasks int) error {
	if name == "" {
		return ErrInvalidName
	}
	s.mu.Lock()
	keys := map[int32]bool{}
	for t := range s.tasks[name] {
		keys[t] = true
	}
	s.mu.Unlock()
	for t := range int32(max(tasks, 0)) {
		keys[t] = true
	}
	recs := []Record{{Key: []byte(connectorStatusPrefix + name)}}
	for _, t := range slices.Sorted(maps.Keys(keys)) {
		recs = append(recs, Record{Key: []byte(taskStatusKey(name, t))})
	}
	recs = append(recs, s.topicTombstones(name)...)
	if err := s.log.Write(ctx, recs...); err != nil {
		return fmt.Errorf("connector %q: delete statuses: %w", name, err)
	}
	return nil
}

func taskStatusKey(name string, task int32) string {
	return taskStatusPrefix + name + "-" + strconv.Itoa(int(task))
}

// encodeStatus is a status record's value; nil for a nil status (a tombstone).
func encodeStatus(st *messages.InstanceStatus) ([]byte, error) {
	if st == nil {
		return nil, nil
	}
	name, ok := stateNames[st.GetState()]
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrInvalidState, st.GetState())
	}
	v := statusValue{State: name, WorkerID: st.GetWorkerId(), Generation: st.GetGeneration(), Version: st.GetVersion()}
	if st.GetTrace() != "" {
		t := st.GetTrace()
		v.Trace = &t
	}
	return marshal(v)
}

var stateNames = map[messages.State]string{
	messages.State_STATE_UNASSIGNED: "UNASSIGNED",
	messages.State_STATE_RUNNING:    "RUNNING",
	messages.State_STATE_PAUSED:     "PAUSED",
	messages.State_STATE_FAILED:     "FAILED",
	messages.State_STATE_RESTARTING: "RESTARTING",
	messages.State_STATE_STOPPED:    "STOPPED",
}

var statesByName = func() map[string]messages.State {
	m := make(map[string]messages.State, len(stateNames))
	for s, n := range stateNames {
		m[n] = s
	}
	return m
}()

// apply is the Log's callback for one status record.
func (s *StatusStore) apply(r Record) {
	key := string(r.Key)
	var (
		name string
		task int32 = -1
	)
	switch {
	case strings.HasPrefix(key, connectorStatusPrefix):
		name = strings.TrimPrefix(key, connectorStatusPrefix)
	case strings.HasPrefix(key, taskStatusPrefix):
		n, t, ok := splitTaskKey(strings.TrimPrefix(key, taskStatusPrefix))
		if !ok || t > 1<<30 {
			warnThrottled(s.logger, &s.warn, "ignoring status record with an invalid key", "key", key)
			return
		}
		name, task = n, int32(t)
	case strings.HasPrefix(key, topicStatusPrefix):
		s.applyTopic(key, r.Value)
		return
	default:
		return // unknown keys
	}
	if name == "" {
		return
	}
	var st *messages.InstanceStatus
	if r.Value != nil {
		var err error
		if st, err = decodeStatus(r.Value); err != nil {
			warnThrottled(s.logger, &s.warn, "ignoring invalid status record", "key", key, "err", err)
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var held *messages.InstanceStatus
	if task < 0 {
		held = s.connectors[name]
	} else {
		held = s.tasks[name][task]
	}
	if st != nil && held != nil && st.GetGeneration() < held.GetGeneration() {
		s.logger.Debug("ignoring status from a stale generation", "key", key,
			"generation", st.GetGeneration(), "held", held.GetGeneration())
		return
	}
	switch {
	case task < 0 && st == nil:
		delete(s.connectors, name)
	case task < 0:
		s.connectors[name] = st
	case st == nil:
		delete(s.tasks[name], task)
		if len(s.tasks[name]) == 0 {
			delete(s.tasks, name)
		}
	default:
		if s.tasks[name] == nil {
			s.tasks[name] = map[int32]*messages.InstanceStatus{}
		}
		s.tasks[name][task] = st
	}
}

func decodeStatus(b []byte) (*messages.InstanceStatus, error) {
	d, err := decodeJSON(b)
	if err != nil {
		return nil, err
	}
	m, ok := d.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("value is not an object")
	}
	name, _ := m["state"].(string)
	state, ok := statesByName[name]
	if !ok {
		return nil, fmt.Errorf("unknown state %q", name)
	}
	st := &messages.InstanceStatus{State: state}
	st.WorkerId, _ = m["worker_id"].(string)
	st.Trace, _ = m["trace"].(string)
	st.Version, _ = m["version"].(string)
	switch g := m["generation"].(type) {
	case int64:
		st.Generation = g
	case float64:
		st.Generation = int64(g)
	}
	return st, nil
}
