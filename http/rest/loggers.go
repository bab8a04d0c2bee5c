package rest

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/julienschmidt/httprouter"
)

// msgLevelMissing is the 400 of a logger PUT without a level (spec §3.27).
const msgLevelMissing = "Desired 'level' parameter was not specified in request."

// Logger names are Go package paths, which hold '/': the logger routes take the rest of the
// path, so that a client may send the name escaped (%2F, as for a JAX-RS path parameter) or
// not.

// loggerName is the logger of a /admin/loggers/*logger route: unescaped, without the leading
// '/' and without one trailing '/'; "" for /admin/loggers/ itself.
func loggerName(p httprouter.Params) string {
	raw := strings.TrimPrefix(p.ByName("logger"), "/")
	raw = strings.TrimSuffix(raw, "/")
	name, err := url.PathUnescape(raw)
	if err != nil { // cannot happen: the path came from URL.EscapedPath
		return raw
	}
	return name
}

// listLoggers serves GET /admin/loggers: every logger with a level of its own, root included,
// by name (spec §3.25).
func (s *Server) listLoggers(r *http.Request, _ httprouter.Params) (reply, error) {
	levels, err := s.client.LoggerLevels(r.Context())
	if err != nil {
		return reply{}, err
	}
	out := make(map[string]LoggerLevel, len(levels)) // encoding/json sorts the keys, as TreeMap
	for name, l := range levels {
		out[name] = newLoggerLevel(l)
	}
	return reply{status: http.StatusOK, body: out}, nil
}

// getLogger serves GET /admin/loggers/{logger}: its own or effective level; 404 for a logger
// that does not exist (spec §3.26).
func (s *Server) getLogger(r *http.Request, p httprouter.Params) (reply, error) {
	name := loggerName(p)
	if name == "" {
		return s.listLoggers(r, p)
	}
	l, err := s.client.LoggerLevel(r.Context(), name)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: newLoggerLevel(l)}, nil
}

// setLogger serves PUT /admin/loggers/{logger}?scope=worker|cluster (spec §3.27). The body is
// {"level": L}; a missing level is 400, a level that is not log4j's 404. scope is matched
// case-insensitively; an unknown one is logged and treated as worker. worker: 200 with the
// covered loggers; cluster: 204.
func (s *Server) setLogger(r *http.Request, p httprouter.Params) (reply, error) {
	namespace := loggerName(p)
	if namespace == "" {
		return reply{}, errMethodNotAllowed // PUT /admin/loggers/
	}
	var body connectorConfig // a flat map of strings, as Kafka Connect's Map<String, String>
	if err := decode(r, &body); err != nil {
		return reply{}, err
	}
	level := body["level"]
	if level == nil {
		return reply{}, badRequest(msgLevelMissing)
	}
	scope := r.URL.Query().Get("scope")
	switch strings.ToLower(scope) {
	case "cluster":
		if err := s.client.SetClusterLoggerLevel(r.Context(), namespace, *level); err != nil {
			return reply{}, err
		}
		return reply{status: http.StatusNoContent}, nil
	case "", "worker":
	default:
		s.logger.LogAttrs(r.Context(), slog.LevelWarn, "Received invalid scope in request to adjust logging level; will default to worker",
			slog.String("scope", scope))
	}
	names, err := s.client.SetWorkerLoggerLevel(r.Context(), namespace, *level)
	if err != nil {
		return reply{}, err
	}
	if names == nil {
		names = []string{}
	}
	return reply{status: http.StatusOK, body: names}, nil
}
