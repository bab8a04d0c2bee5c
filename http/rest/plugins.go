package rest

import (
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"
)

// listPlugins serves GET /connector-plugins (spec §3.22). connectorsOnly defaults to true, and
// only a case-insensitive "true" keeps it: then sinks and sources, else every kind, in the
// Backend's order.
func (s *Server) listPlugins(r *http.Request, _ httprouter.Params) (reply, error) {
	q := r.URL.Query()
	connectorsOnly := !q.Has("connectorsOnly") || strings.EqualFold(q.Get("connectorsOnly"), "true")
	plugins, err := s.client.Plugins(r.Context())
	if err != nil {
		return reply{}, err
	}
	out := make([]PluginInfo, 0, len(plugins))
	for _, p := range plugins {
		if connectorsOnly && p.GetType() != "sink" && p.GetType() != "source" {
			continue
		}
		out = append(out, newPluginInfo(p))
	}
	return reply{status: http.StatusOK, body: out}, nil
}
