package actors

import (
	"context"
	"errors"
	"fmt"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/loglevel"
	"github.com/connectd/connectd/messages"
)

// The admin/loggers resource (spec §3.25–§3.27): this worker's levels, or a record on the
// config topic for every worker.

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
