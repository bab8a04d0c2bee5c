package rest

import (
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/julienschmidt/httprouter"
)

// routeSet selects the routes a handler serves.
type routeSet int

const (
	apiRoutes     routeSet = 1 << iota // everything but /admin and /metrics
	adminRoutes                        // /admin/loggers (spec §3.0: admin.listeners)
	metricsRoutes                      // /metrics, when WithMetrics gave a handler
	allRoutes     = apiRoutes | adminRoutes | metricsRoutes
)

// routes returns the router of the endpoints of set, in spec §3.0's order; every other path is
// a 404. Each path also answers with a trailing slash, and each GET a HEAD; the router never
// redirects or fixes a path. GET /connectors/{c}/tasks-config is gone, as in Kafka Connect 4.0
// (KAFKA-15387, spec §0.1). OPTIONS on a known path lists its methods as text/plain, as
// Jersey does (spec §13.1).
func (s *Server) routes(set routeSet) *httprouter.Router {
	r := httprouter.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.HandleOPTIONS = true
	r.GlobalOPTIONS = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		allow := w.Header().Get("Allow") // set by the router
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, allow)
	})
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeError(w, errNotFound) })
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeError(w, errMethodNotAllowed) })
	r.PanicHandler = s.recovered

	route := func(method, path string, h handlerFunc) {
		if set&apiRoutes == 0 {
			return
		}
		if path != "/health" { // /health answers while the worker starts (spec §3.2)
			h = s.afterStartup(h)
		}
		// Every resource but the root one (/ and /health) is @Consumes(application/json) in
		// Kafka Connect: a request declaring another Content-Type is a 415 there (spec §1.1).
		handle := s.handle(h, path != "/" && path != "/health")
		paths := []string{path}
		if path != "/" {
			paths = append(paths, path+"/")
		}
		for _, p := range paths {
			r.Handle(method, p, handle)
			if method == http.MethodGet { // JAX-RS answers HEAD for every GET (spec §0.1)
				r.Handle(http.MethodHead, p, handle)
			}
		}
	}
	// adminRoute registers exactly path: the logger routes end in a catch-all that takes a
	// trailing slash itself.
	adminRoute := func(method, path string, h handlerFunc) {
		if set&adminRoutes != 0 {
			r.Handle(method, path, s.handle(s.afterStartup(h), true))
			if method == http.MethodGet {
				r.Handle(http.MethodHead, path, s.handle(s.afterStartup(h), true))
			}
		}
	}
	route(http.MethodGet, "/", s.serverInfo)                                              // §3.1
	route(http.MethodGet, "/health", s.health)                                            // §3.2
	route(http.MethodGet, "/connectors", s.listConnectors)                                // §3.3
	route(http.MethodPost, "/connectors", s.createConnector)                              // §3.4
	route(http.MethodGet, "/connectors/:connector", s.getConnector)                       // §3.5
	route(http.MethodGet, "/connectors/:connector/config", s.getConnectorConfig)          // §3.6
	route(http.MethodPut, "/connectors/:connector/config", s.putConnectorConfig)          // §3.7
	route(http.MethodPatch, "/connectors/:connector/config", s.patchConnectorConfig)      // §3.8
	route(http.MethodGet, "/connectors/:connector/status", s.getConnectorStatus)          // §3.9
	route(http.MethodGet, "/connectors/:connector/tasks", s.getTasks)                     // §3.10
	route(http.MethodPost, "/connectors/:connector/tasks", s.putTaskConfigs)              // §3.28, internal
	route(http.MethodGet, "/connectors/:connector/tasks/:task/status", s.getTaskStatus)   // §3.12
	route(http.MethodPost, "/connectors/:connector/restart", s.restartConnector)          // §3.13
	route(http.MethodPost, "/connectors/:connector/tasks/:task/restart", s.restartTask)   // §3.14
	route(http.MethodPut, "/connectors/:connector/pause", s.pauseConnector)               // §3.15
	route(http.MethodPut, "/connectors/:connector/resume", s.resumeConnector)             // §3.15
	route(http.MethodPut, "/connectors/:connector/stop", s.stopConnector)                 // §3.16
	route(http.MethodDelete, "/connectors/:connector", s.deleteConnector)                 // §3.17
	route(http.MethodPut, "/connectors/:connector/fence", s.fenceZombies)                 // §3.28, internal
	route(http.MethodGet, "/connectors/:connector/topics", s.getTopics)                   // §3.18
	route(http.MethodPut, "/connectors/:connector/topics/reset", s.resetTopics)           // §3.19
	route(http.MethodGet, "/connectors/:connector/offsets", s.getOffsets)                 // §3.20
	route(http.MethodPatch, "/connectors/:connector/offsets", s.alterOffsets)             // §3.21
	route(http.MethodDelete, "/connectors/:connector/offsets", s.resetOffsets)            // §3.21
	route(http.MethodGet, "/connector-plugins", s.listPlugins)                            // §3.22
	route(http.MethodGet, "/connector-plugins/:plugin/config", s.pluginConfig)            // §3.23
	route(http.MethodPut, "/connector-plugins/:plugin/config/validate", s.validateConfig) // §3.24
	adminRoute(http.MethodGet, "/admin/loggers", s.listLoggers)                           // §3.25
	adminRoute(http.MethodGet, "/admin/loggers/*logger", s.getLogger)                     // §3.26 (and §3.25 with a slash)
	adminRoute(http.MethodPut, "/admin/loggers/*logger", s.setLogger)                     // §3.27
	// Prometheus metrics: served as the handler writes them (text or OpenMetrics, by the
	// scraper's Accept), not JSON, and already while the worker starts.
	if set&metricsRoutes != 0 && s.metrics != nil {
		r.Handler(http.MethodGet, "/metrics", s.metrics)
	}
	return r
}

// connectorName is the connector name of the route: the one place a name is unescaped, as the
// router matches the escaped path (spec §13.1: names may hold "/", sent as %2F).
func connectorName(p httprouter.Params) string {
	raw := p.ByName("connector")
	name, err := url.PathUnescape(raw)
	if err != nil { // cannot happen: the path came from URL.EscapedPath
		return raw
	}
	return name
}

// taskID is the task number of the route; one that is not an int32 is a 404 (spec §1.3, §3.12).
func taskID(p httprouter.Params) (int32, error) {
	t, err := strconv.ParseInt(p.ByName("task"), 10, 32)
	if err != nil {
		return 0, errNotFound
	}
	return int32(t), nil
}

// connectorLocation is the absolute URL of connector name, for a 201's Location header
// (spec §1.1): built from the request's Host, the name path-escaped as one segment.
func connectorLocation(r *http.Request, name string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/connectors/" + url.PathEscape(name)
}
