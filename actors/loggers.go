package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/loglevel"
	"github.com/connectd/connectd/messages"
)

// Texts of the logger endpoints (spec §3.26, §3.27).
const (
	msgLoggerNotFound = "Logger %s not found."
	msgInvalidLevel   = "invalid log level '%s'."
)

// defaultLevels serves the logger endpoints of a runtime made without Config.Loggers: root at
// INFO and no other logger.
var (
	defaultLevelsOnce sync.Once
	defaultLevels     *loglevel.Levels
)

// levels is the process's logger levels: Config.Loggers, or defaultLevels.
func (rt *Runtime) levels() *loglevel.Levels {
	if rt.cfg.Loggers != nil {
		return rt.cfg.Loggers
	}
	defaultLevelsOnce.Do(func() { defaultLevels, _ = loglevel.New("INFO") })
	return defaultLevels
}

// LoggerLevels returns every logger with a level of its own, root included (spec §3.25).
func (c *Client) LoggerLevels(ctx context.Context) (map[string]api.LoggerLevel, error) {
	all := c.rt.levels().All()
	out := make(map[string]api.LoggerLevel, len(all))
	for name, s := range all {
		out[name] = api.LoggerLevel(s)
	}
	return out, nil
}

// LoggerLevel returns one logger's level, its own or its effective one (spec §3.26).
func (c *Client) LoggerLevel(ctx context.Context, name string) (api.LoggerLevel, error) {
	s, ok := c.rt.levels().Get(name)
	if !ok {
		return api.LoggerLevel{}, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgLoggerNotFound, name)
	}
	return api.LoggerLevel(s), nil
}

// SetWorkerLoggerLevel sets level on namespace and the loggers under it on this worker and
// returns their names, sorted (spec §3.27, scope worker). A level that is not log4j's is
// NOT_FOUND, as in Kafka Connect.
func (c *Client) SetWorkerLoggerLevel(ctx context.Context, namespace, level string) ([]string, error) {
	names, err := c.rt.levels().Set(namespace, level)
	if errors.Is(err, loglevel.ErrInvalidLevel) {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgInvalidLevel, level)
	}
	return names, err
}

// SetClusterLoggerLevel writes logger-cluster-<namespace> to the config topic; every worker,
// this one included, applies it when it reads the record (spec §3.27, scope cluster).
func (c *Client) SetClusterLoggerLevel(ctx context.Context, namespace, level string) error {
	name, _, err := loglevel.ParseLevel(level)
	if err != nil {
		return api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgInvalidLevel, level)
	}
	if err := c.rt.stores.Config.PutLoggerLevel(ctx, namespace, name); err != nil {
		if ctx.Err() != nil {
			return &api.Error{Code: messages.ErrorCode_ERROR_CODE_TIMEOUT, Message: msgRequestTimedOut}
		}
		return fmt.Errorf("set cluster logger level: %w", err)
	}
	return nil
}

// watchLoggerLevels applies the cluster-scope logger levels of the config topic until ctx
// ends: each logger-cluster-<namespace> record read after this worker started, once, in the
// order read. Records already read at start are not applied, as Kafka Connect ignores those
// written before a worker finished starting (spec §3.27).
func (rt *Runtime) watchLoggerLevels(ctx context.Context) {
	changes, cancel := rt.stores.Config.Subscribe()
	defer cancel()
	applied := rt.stores.Config.Snapshot().LoggerLevelOffsets()
	if applied == nil {
		applied = map[string]int64{}
	}
	log := rt.log.With("component", "loggers")
	for {
		select {
		case <-ctx.Done():
			return
		case <-changes:
		}
		snap := rt.stores.Config.Snapshot()
		levels := snap.LoggerLevels()
		for ns, off := range snap.LoggerLevelOffsets() {
			if seen, ok := applied[ns]; ok && off <= seen {
				continue
			}
			applied[ns] = off
			level, ok := levels[ns]
			if !ok {
				continue // a record without a level: the store warned
			}
			if _, err := rt.levels().Set(ns, level); err != nil {
				log.Warn("ignoring cluster logger level", "namespace", ns, "level", level, "err", err)
				continue
			}
			log.LogAttrs(ctx, slog.LevelInfo, "cluster logger level applied", slog.String("namespace", ns), slog.String("level", level))
		}
	}
}
