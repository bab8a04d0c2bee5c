package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/connectd/connectd/messages"
)

// Config topic keys (spec §12.1).
const (
	connectorPrefix   = "connector-"
	taskPrefix        = "task-"
	commitPrefix      = "commit-"
	targetStatePrefix = "target-state-"
	loggerPrefix      = "logger-cluster-"
	taskCountPrefix   = "tasks-fencing-"
	sessionKeyKey     = "session-key"
)

// SessionKey is Kafka Connect's session key record (KIP-507, spec §12.1): the secret the
// workers of one cluster share through the config topic to authenticate each other.
type SessionKey struct {
	Key       []byte    // the secret; never logged
	Algorithm string    // e.g. HmacSHA256
	Created   time.Time // creation-timestamp
}

// ConfigSnapshot is an immutable view of the config topic up to one record.
type ConfigSnapshot struct {
	// Version is the offset of the last applied record, -1 before any. It only grows.
	Version    int64
	connectors map[string]*ConnectorSnapshot
	names      []string
	loggers    map[string]string
	loggerOffs map[string]int64
	sessionKey *SessionKey
}

// SessionKey returns the latest session key record, if any.
func (s *ConfigSnapshot) SessionKey() (SessionKey, bool) {
	if s.sessionKey == nil {
		return SessionKey{}, false
	}
	return *s.sessionKey, true
}

// Connectors returns the names of the connectors that have a config, sorted.
func (s *ConfigSnapshot) Connectors() []string { return slices.Clone(s.names) }

// Len is the number of connectors that have a config.
func (s *ConfigSnapshot) Len() int { return len(s.names) }

// Connector returns one connector, or false when it has no config.
func (s *ConfigSnapshot) Connector(name string) (*ConnectorSnapshot, bool) {
	c, ok := s.connectors[name]
	return c, ok
}

// LoggerLevels returns the cluster-scope logger levels (logger-cluster-<namespace>
// records) by namespace; the map is the caller's.
func (s *ConfigSnapshot) LoggerLevels() map[string]string { return maps.Clone(s.loggers) }

// LoggerLevelOffsets returns, by namespace, the offset of the logger-cluster-<namespace>
// record LoggerLevels holds, so that a worker can apply only records written after it
// started (spec §3.27); the map is the caller's.
func (s *ConfigSnapshot) LoggerLevelOffsets() map[string]int64 { return maps.Clone(s.loggerOffs) }

// ConnectorSnapshot is one connector in a ConfigSnapshot. It is shared between snapshots:
// callers must not modify it or its maps.
type ConnectorSnapshot struct {
	Name string
	// Config is the connector's stored configuration.
	Config map[string]string
	// Target is the stored target state; STARTED when there is no record.
	Target messages.TargetState
	// Tasks are the committed task configs, task i at index i; empty before the first
	// commit, after a commit of zero tasks, and while Inconsistent.
	Tasks []map[string]string
	// Inconsistent is set when the last commit did not come with a complete set of task
	// configs (compaction can do that); the connector must regenerate its tasks, as in
	// Kafka Connect.
	Inconsistent bool
	// TaskCountRecord is the task count of the latest tasks-fencing-<name> record (KIP-618):
	// how many tasks of the connector may have had transactional producers when it was
	// written, so how many a zombie fencing round fences. It is kept when the connector is
	// deleted, as Kafka Connect keeps it. HasTaskCountRecord says whether there is one.
	TaskCountRecord    int
	HasTaskCountRecord bool
	// PendingFencing is set when task configs were committed after the latest task count
	// record (or with none): with exactly-once sources, a zombie fencing round must run and
	// write a task count record before those tasks may start (Kafka Connect's
	// ClusterConfigState.pendingFencing).
	PendingFencing bool
}

// ConfigStore is the config topic (config.storage.topic): connector configs, task configs,
// commits, target states and cluster logger levels in Kafka Connect's formats. Task configs
// become visible only when their commit record arrives, as Kafka Connect defers them.
type ConfigStore struct {
	log    logBackend
	logger *slog.Logger
	warn   throttle

	mu           sync.Mutex
	version      int64
	configs      map[string]map[string]string
	targets      map[string]messages.TargetState
	taskCounts   map[string]int
	taskConfigs  map[string]map[int]map[string]string // committed
	deferred     map[string]map[int]map[string]string // read, waiting for their commit
	inconsistent map[string]bool
	fenceCounts  map[string]int  // tasks-fencing-<name>: the latest task count record
	pending      map[string]bool // task configs committed after the latest task count record
	loggers      map[string]string
	sessionKey   *SessionKey      // the latest session-key record; nil before one
	loggerOffs   map[string]int64 // offset of each loggers entry's record; nil until the first

	entries map[string]*ConnectorSnapshot
	dirty   map[string]bool // connectors whose entry must be rebuilt
	names   []string        // sorted; nil when membership changed
	snap    *ConfigSnapshot // nil when a record arrived since it was built
	subs    map[*subscription]struct{}
}

type subscription struct {
	ch     chan struct{}
	closed bool
}

// NewConfigStore allocates a ConfigStore over topic; it opens no connection. Topic
// partitions zero means 1, the only value accepted.
func NewConfigStore(k Kafka, topic Topic, opts ...Option) (*ConfigStore, error) {
	if topic.Partitions == 0 {
		topic.Partitions = 1
	}
	if topic.Partitions != 1 {
		return nil, fmt.Errorf("store: config topic %q must have 1 partition, not %d", topic.Name, topic.Partitions)
	}
	s := newConfigStore(topic.Name, buildOptions(opts))
	l, err := NewLog(LogConfig{
		Kafka:           k,
		Topic:           topic,
		Property:        "config.storage.topic",
		Purpose:         "connector configurations",
		SinglePartition: true,
		Apply:           s.apply,
	}, opts...)
	if err != nil {
		return nil, err
	}
	s.log = l
	return s, nil
}

// newConfigStore allocates a ConfigStore without its log; the caller sets s.log.
func newConfigStore(name string, o options) *ConfigStore {
	return &ConfigStore{
		logger:       o.logger.With("component", "store", "topic", name),
		warn:         throttle{every: 10 * time.Second},
		version:      -1,
		configs:      map[string]map[string]string{},
		targets:      map[string]messages.TargetState{},
		taskCounts:   map[string]int{},
		taskConfigs:  map[string]map[int]map[string]string{},
		deferred:     map[string]map[int]map[string]string{},
		inconsistent: map[string]bool{},
		fenceCounts:  map[string]int{},
		pending:      map[string]bool{},
		loggers:      map[string]string{},
		entries:      map[string]*ConnectorSnapshot{},
		dirty:        map[string]bool{},
		subs:         map[*subscription]struct{}{},
	}
}

// Start connects, creates or checks the topic (refusing one with more than one partition)
// and returns once the snapshot holds every record written before the call.
func (s *ConfigStore) Start(ctx context.Context) error { return s.log.Start(ctx) }

// Run starts the store, keeps it until ctx ends, then closes it.
func (s *ConfigStore) Run(ctx context.Context) error { return s.log.Run(ctx) }

// Close stops the store; it is safe twice. Subscriptions stay open.
func (s *ConfigStore) Close() error { return s.log.Close() }

// ReadToEnd returns once the snapshot holds every record written before the call.
func (s *ConfigStore) ReadToEnd(ctx context.Context) error { return s.log.ReadToEnd(ctx) }

// Snapshot returns the current state. Successive snapshots share unchanged connectors.
func (s *ConfigStore) Snapshot() *ConfigSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap != nil {
		return s.snap
	}
	for name := range s.dirty {
		if e := s.buildEntry(name); e != nil {
			if _, ok := s.entries[name]; !ok {
				s.names = nil
			}
			s.entries[name] = e
		} else if _, ok := s.entries[name]; ok {
			delete(s.entries, name)
			s.names = nil
		}
	}
	clear(s.dirty)
	if s.names == nil {
		s.names = slices.Sorted(maps.Keys(s.entries))
	}
	s.snap = &ConfigSnapshot{
		Version:    s.version,
		connectors: maps.Clone(s.entries),
		names:      s.names,
		loggers:    maps.Clone(s.loggers),
		loggerOffs: maps.Clone(s.loggerOffs),
		sessionKey: s.sessionKey,
	}
	return s.snap
}

// buildEntry makes a connector's snapshot entry; nil when it has no config.
func (s *ConfigStore) buildEntry(name string) *ConnectorSnapshot {
	cfg, ok := s.configs[name]
	if !ok {
		return nil
	}
	e := &ConnectorSnapshot{Name: name, Config: cfg, Target: messages.TargetState_TARGET_STATE_STARTED}
	if t, ok := s.targets[name]; ok {
		e.Target = t
	}
	e.TaskCountRecord, e.HasTaskCountRecord = s.fenceCounts[name]
	e.PendingFencing = s.pending[name]
	if s.inconsistent[name] {
		e.Inconsistent = true
		return e
	}
	n := s.taskCounts[name]
	if n > 0 {
		tasks := make([]map[string]string, n)
		for i := range n {
			tc, ok := s.taskConfigs[name][i]
			if !ok {
				return &ConnectorSnapshot{Name: name, Config: cfg, Target: e.Target, Inconsistent: true,
					TaskCountRecord: e.TaskCountRecord, HasTaskCountRecord: e.HasTaskCountRecord, PendingFencing: e.PendingFencing}
			}
			tasks[i] = tc
		}
		e.Tasks = tasks
	}
	return e
}

// Subscribe returns a channel that receives a value after records were applied; several
// changes may coalesce into one value, so a subscriber reads Snapshot after each. cancel
// ends the subscription and closes the channel; it is safe twice.
func (s *ConfigStore) Subscribe() (<-chan struct{}, func()) {
	sub := &subscription{ch: make(chan struct{}, 1)}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	return sub.ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !sub.closed {
			sub.closed = true
			delete(s.subs, sub)
			close(sub.ch)
		}
	}
}

// apply is the Log's callback: one config-topic record, in offset order.
func (s *ConfigStore) apply(r Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Offset > s.version {
		s.version = r.Offset
	}
	s.snap = nil
	s.applyRecord(string(r.Key), r.Value)
	if ns, ok := strings.CutPrefix(string(r.Key), loggerPrefix); ok && r.Value != nil {
		if s.loggerOffs == nil {
			s.loggerOffs = map[string]int64{}
		}
		s.loggerOffs[ns] = r.Offset
	}
	for sub := range s.subs {
		select {
		case sub.ch <- struct{}{}:
		default:
		}
	}
}

// applyRecord follows KafkaConfigBackingStore's ConsumeCallback. s.mu is held.
func (s *ConfigStore) applyRecord(key string, value []byte) {
	var v map[string]any
	if value != nil {
		d, err := decodeJSON(value)
		m, ok := d.(map[string]any)
		if err != nil || !ok {
			warnThrottled(s.logger, &s.warn, "ignoring config record with a value that is not a JSON object", "key", key, "err", err)
			return
		}
		v = m
	}
	switch {
	case strings.HasPrefix(key, targetStatePrefix):
		s.applyTargetState(strings.TrimPrefix(key, targetStatePrefix), v)
	case strings.HasPrefix(key, connectorPrefix):
		s.applyConnectorConfig(strings.TrimPrefix(key, connectorPrefix), v)
	case strings.HasPrefix(key, taskPrefix):
		s.applyTaskConfig(key, v)
	case strings.HasPrefix(key, commitPrefix):
		s.applyTaskCommit(strings.TrimPrefix(key, commitPrefix), v)
	case strings.HasPrefix(key, loggerPrefix):
		s.applyLoggerLevel(strings.TrimPrefix(key, loggerPrefix), v)
	case strings.HasPrefix(key, taskCountPrefix):
		s.applyTaskCount(strings.TrimPrefix(key, taskCountPrefix), v)
	case key == sessionKeyKey:
		if k, ok := parseSessionKey(v); ok {
			s.sessionKey = &k
		} else {
			warnThrottled(s.logger, &s.warn, "ignoring session key record of an unexpected shape")
		}
	default:
		// restart-connector-: the runtime does not use them.
		s.logger.Debug("ignoring config record", "key", key)
	}
}

// applyTargetState applies a target-state-<name> record; nil v is its tombstone.
func (s *ConfigStore) applyTargetState(name string, v map[string]any) {
	s.dirty[name] = true
	if v == nil {
		delete(s.targets, name)
		return
	}
	// spec §6.1: state.v2 first (it can say STOPPED), then state.
	raw, ok := v["state.v2"].(string)
	if !ok {
		raw, ok = v["state"].(string)
	}
	t, known := parseTargetState(raw)
	if !ok || !known {
		warnThrottled(s.logger, &s.warn, "ignoring target state record with an invalid state", "connector", name)
		return
	}
	s.targets[name] = t
}

// applyConnectorConfig applies a connector-<name> record; a tombstone deletes the connector.
func (s *ConfigStore) applyConnectorConfig(name string, v map[string]any) {
	s.dirty[name] = true
	if v == nil {
		// A deleted connector forgets its tasks, so a re-created one starts with none
		// until a new commit arrives.
		delete(s.configs, name)
		delete(s.taskCounts, name)
		delete(s.taskConfigs, name)
		delete(s.deferred, name)
		delete(s.inconsistent, name)
		return
	}
	props, ok := stringProps(v["properties"])
	if !ok {
		warnThrottled(s.logger, &s.warn, "ignoring connector config record without properties", "connector", name)
		return
	}
	s.configs[name] = props
}

// applyTaskConfig defers a task-<name>-<n> record until its commit arrives.
func (s *ConfigStore) applyTaskConfig(key string, v map[string]any) {
	name, task, ok := splitTaskKey(strings.TrimPrefix(key, taskPrefix))
	if !ok {
		warnThrottled(s.logger, &s.warn, "ignoring task config record with an invalid key", "key", key)
		return
	}
	if v == nil {
		return // Kafka Connect ignores these too.
	}
	props, ok := stringProps(v["properties"])
	if !ok {
		warnThrottled(s.logger, &s.warn, "ignoring task config record without properties", "connector", name, "task", task)
		return
	}
	if s.deferred[name] == nil {
		s.deferred[name] = map[int]map[string]string{}
	}
	s.deferred[name][task] = props
}

// applyTaskCommit applies a commit-<name> record: the deferred task configs become the
// connector's when they are a complete set.
func (s *ConfigStore) applyTaskCommit(name string, v map[string]any) {
	if v == nil {
		return
	}
	n, ok := v["tasks"].(int64)
	if !ok || n < 0 || n > 1<<20 {
		warnThrottled(s.logger, &s.warn, "ignoring task commit record with an invalid task count", "connector", name)
		return
	}
	s.dirty[name] = true
	deferred := s.deferred[name]
	// Commit only a complete set of task configs 0..n-1; otherwise (compacted history)
	// mark the connector inconsistent until a fresh set is committed.
	complete := true
	for i := range int(n) {
		if _, ok := deferred[i]; !ok {
			complete = false
			break
		}
	}
	if complete {
		if s.taskConfigs[name] == nil {
			s.taskConfigs[name] = map[int]map[string]string{}
		}
		maps.Copy(s.taskConfigs[name], deferred)
		delete(s.inconsistent, name)
	} else {
		s.inconsistent[name] = true
	}
	delete(s.deferred, name)
	s.taskCounts[name] = int(n)
	// Task configs after the latest task count record need a zombie fencing round before
	// their tasks start (KafkaConfigBackingStore's connectorsPendingFencing).
	s.pending[name] = true
}

// applyTaskCount applies a tasks-fencing-<name> {"task-count":N} record (Kafka Connect's
// TASK_COUNT_RECORD_V0): the task configs before it need no further fencing round.
func (s *ConfigStore) applyTaskCount(name string, v map[string]any) {
	n, ok := v["task-count"].(int64)
	if v == nil || !ok || n < 0 || n > 1<<20 {
		warnThrottled(s.logger, &s.warn, "ignoring task count record with an invalid task count", "connector", name)
		return
	}
	s.dirty[name] = true
	s.fenceCounts[name] = int(n)
	delete(s.pending, name)
}

// applyLoggerLevel applies a logger-cluster-<namespace> record.
func (s *ConfigStore) applyLoggerLevel(ns string, v map[string]any) {
	if v == nil {
		return
	}
	level, ok := v["level"].(string)
	if !ok {
		warnThrottled(s.logger, &s.warn, "ignoring logger level record without level", "namespace", ns)
		return
	}
	s.loggers[ns] = level
}

// splitTaskKey splits "<connector>-<n>" at its last '-', as Kafka Connect does.
func splitTaskKey(s string) (string, int, bool) {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 0 {
		return "", 0, false
	}
	return s[:i], n, true
}

func parseTargetState(s string) (messages.TargetState, bool) {
	switch s {
	case "STARTED":
		return messages.TargetState_TARGET_STATE_STARTED, true
	case "PAUSED":
		return messages.TargetState_TARGET_STATE_PAUSED, true
	case "STOPPED":
		return messages.TargetState_TARGET_STATE_STOPPED, true
	}
	return 0, false
}

// PutConnectorConfig writes connector-<name> {"properties":{...}} and returns once it is
// durable and visible in Snapshot.
func (s *ConfigStore) PutConnectorConfig(ctx context.Context, name string, cfg map[string]string) error {
	if name == "" {
		return ErrInvalidName
	}
	if cfg == nil {
		cfg = map[string]string{}
	}
	v, err := marshal(struct {
		Properties map[string]string `json:"properties"`
	}{cfg})
	if err != nil {
		return fmt.Errorf("connector %q: encode config: %w", name, err)
	}
	if err := s.log.Write(ctx, Record{Key: []byte(connectorPrefix + name), Value: v}); err != nil {
		return fmt.Errorf("connector %q: write config: %w", name, err)
	}
	return nil
}

// PutTargetState writes target-state-<name> and returns once it is durable and visible.
// STOPPED is written as state PAUSED plus state.v2 STOPPED, so older workers read PAUSED
// (spec §6.1); UNSPECIFIED means STARTED.
func (s *ConfigStore) PutTargetState(ctx context.Context, name string, target messages.TargetState) error {
	if name == "" {
		return ErrInvalidName
	}
	var state, v2 string
	switch target {
	case messages.TargetState_TARGET_STATE_UNSPECIFIED, messages.TargetState_TARGET_STATE_STARTED:
		state, v2 = "STARTED", "STARTED"
	case messages.TargetState_TARGET_STATE_PAUSED:
		state, v2 = "PAUSED", "PAUSED"
	case messages.TargetState_TARGET_STATE_STOPPED:
		state, v2 = "PAUSED", "STOPPED"
	default:
		return fmt.Errorf("connector %q: %w: target state %v", name, ErrInvalidState, target)
	}
	v, err := marshal(struct {
		State   string `json:"state"`
		StateV2 string `json:"state.v2"`
	}{state, v2})
	if err != nil {
		return fmt.Errorf("connector %q: encode target state: %w", name, err)
	}
	if err := s.log.Write(ctx, Record{Key: []byte(targetStatePrefix + name), Value: v}); err != nil {
		return fmt.Errorf("connector %q: write target state: %w", name, err)
	}
	return nil
}

// PutTaskConfigs writes task-<name>-<i> for every config, then commit-<name> {"tasks":N},
// in one ordered batch as Kafka Connect does, and returns once the commit is durable and
// the tasks visible. Zero configs writes only the commit {"tasks":0}.
func (s *ConfigStore) PutTaskConfigs(ctx context.Context, name string, configs []map[string]string) error {
	if name == "" {
		return ErrInvalidName
	}
	recs := make([]Record, 0, len(configs)+1)
	for i, cfg := range configs {
		if cfg == nil {
			cfg = map[string]string{}
		}
		v, err := marshal(struct {
			Properties map[string]string `json:"properties"`
		}{cfg})
		if err != nil {
			return fmt.Errorf("connector %q: encode task %d config: %w", name, i, err)
		}
		recs = append(recs, Record{Key: []byte(taskPrefix + name + "-" + strconv.Itoa(i)), Value: v})
	}
	v, err := marshal(struct {
		Tasks int `json:"tasks"`
	}{len(configs)})
	if err != nil {
		return fmt.Errorf("connector %q: encode task commit: %w", name, err)
	}
	recs = append(recs, Record{Key: []byte(commitPrefix + name), Value: v})
	if err := s.log.Write(ctx, recs...); err != nil {
		return fmt.Errorf("connector %q: write task configs: %w", name, err)
	}
	return nil
}

// PutTaskCountRecord writes tasks-fencing-<name> {"task-count":N} (Kafka Connect's task
// count record, KIP-618) after a zombie fencing round for the connector's tasks, and returns
// once it is durable and visible: N tasks may now have transactional producers, and the
// committed task configs need no further round.
func (s *ConfigStore) PutTaskCountRecord(ctx context.Context, name string, tasks int) error {
	if name == "" {
		return ErrInvalidName
	}
	v, err := marshal(struct {
		TaskCount int `json:"task-count"`
	}{tasks})
	if err != nil {
		return fmt.Errorf("connector %q: encode task count record: %w", name, err)
	}
	if err := s.log.Write(ctx, Record{Key: []byte(taskCountPrefix + name), Value: v}); err != nil {
		return fmt.Errorf("connector %q: write task count record: %w", name, err)
	}
	return nil
}

// DeleteConnector writes tombstones for connector-<name> and target-state-<name>, as Kafka
// Connect does, and returns once the connector is gone from Snapshot.
func (s *ConfigStore) DeleteConnector(ctx context.Context, name string) error {
	if name == "" {
		return ErrInvalidName
	}
	err := s.log.Write(ctx,
		Record{Key: []byte(connectorPrefix + name)},
		Record{Key: []byte(targetStatePrefix + name)},
	)
	if err != nil {
		return fmt.Errorf("connector %q: delete: %w", name, err)
	}
	return nil
}

// PutLoggerLevel writes logger-cluster-<namespace> {"level":...} (spec §3.27, scope=cluster)
// and returns once it is visible in Snapshot.
func (s *ConfigStore) PutLoggerLevel(ctx context.Context, namespace, level string) error {
	if namespace == "" {
		return ErrInvalidName
	}
	v, err := marshal(struct {
		Level string `json:"level"`
	}{level})
	if err != nil {
		return fmt.Errorf("logger %q: encode level: %w", namespace, err)
	}
	if err := s.log.Write(ctx, Record{Key: []byte(loggerPrefix + namespace), Value: v}); err != nil {
		return fmt.Errorf("logger %q: write level: %w", namespace, err)
	}
	return nil
}

// parseSessionKey reads {"key": base64, "algorithm": …, "creation-timestamp": ms}.
func parseSessionKey(v map[string]any) (SessionKey, bool) {
	enc, ok1 := v["key"].(string)
	alg, ok2 := v["algorithm"].(string)
	created, ok3 := v["creation-timestamp"].(int64)
	if !ok1 || !ok2 || !ok3 {
		return SessionKey{}, false
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(key) == 0 {
		return SessionKey{}, false
	}
	return SessionKey{Key: key, Algorithm: alg, Created: time.UnixMilli(created)}, true
}

// PutSessionKey writes the session-key record and returns once it is visible in Snapshot.
func (s *ConfigStore) PutSessionKey(ctx context.Context, k SessionKey) error {
	v, err := marshal(struct {
		Key       string `json:"key"`
		Algorithm string `json:"algorithm"`
		Created   int64  `json:"creation-timestamp"`
	}{base64.StdEncoding.EncodeToString(k.Key), k.Algorithm, k.Created.UnixMilli()})
	if err != nil {
		return fmt.Errorf("session key: encode: %w", err)
	}
	if err := s.log.Write(ctx, Record{Key: []byte(sessionKeyKey), Value: v}); err != nil {
		return fmt.Errorf("session key: write: %w", err)
	}
	return nil
}
