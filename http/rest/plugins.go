package rest

import (
	"net/http"
	"net/url"
	"slices"
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

// pluginName is the plugin of the route, unescaped; a class name or an alias (spec §9.6).
func pluginName(p httprouter.Params) string {
	raw := p.ByName("plugin")
	if name, err := url.PathUnescape(raw); err == nil {
		return name
	}
	return raw
}

// pluginConfig serves GET /connector-plugins/{p}/config: the plugin's keys, then for a
// connector the base keys it does not define (spec §3.23); 404 "Unknown plugin p.". ?version=
// selects the plugin's version, as in Kafka Connect 4.1+.
func (s *Server) pluginConfig(r *http.Request, p httprouter.Params) (reply, error) {
	keys, err := s.client.PluginConfig(r.Context(), pluginName(p), r.URL.Query().Get("version"))
	if err != nil {
		return reply{}, err
	}
	out := make([]*ConfigKeyInfo, 0, len(keys))
	for _, k := range keys {
		out = append(out, newConfigKeyInfo(k))
	}
	return reply{status: http.StatusOK, body: out}, nil
}

// msgTypeMismatch is the 400 of a validate request whose connector.class is not the
// plugin of the path (spec §3.24); arguments: connector.class, plugin.
const msgTypeMismatch = "Included connector type %s does not match request type %s"

// validateConfig serves PUT /connector-plugins/{p}/config/validate: 200 ConfigInfos even
// with errors (spec §3.24). connector.class must end with the plugin name, both without a
// trailing "Connector" (spec §16.18).
func (s *Server) validateConfig(r *http.Request, p httprouter.Params) (reply, error) {
	plugin := pluginName(p)
	var cfg connectorConfig
	if err := decode(r, &cfg); err != nil {
		return reply{}, err
	}
	if cfg == nil { // a JSON null body; Kafka Connect: NullPointerException, 500
		return reply{}, badRequest(msgConfigMissing)
	}
	config := make(map[string]string, len(cfg))
	var nulls []string
	for k, v := range cfg {
		if v == nil {
			nulls = append(nulls, k)
			continue
		}
		config[k] = *v
	}
	slices.Sort(nulls)
	if cls, ok := config["connector.class"]; ok && !strings.HasSuffix(normalizedPlugin(cls), normalizedPlugin(plugin)) {
		return reply{}, badRequest(msgTypeMismatch, cls, plugin)
	}
	infos, err := s.client.ValidateConnectorConfig(r.Context(), config, nulls)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: newConfigInfos(infos)}, nil
}

// normalizedPlugin strips a trailing "Connector" from a name longer than it, as Kafka's
// ConnectorPluginsResource.normalizedPluginName does.
func normalizedPlugin(name string) string {
	const suffix = "Connector"
	if len(name) > len(suffix) && strings.HasSuffix(name, suffix) {
		return name[:len(name)-len(suffix)]
	}
	return name
}
