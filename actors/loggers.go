package actors

import (
	"context"
	"log/slog"
	"sync"

	"github.com/connectd/connectd/loglevel"
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
