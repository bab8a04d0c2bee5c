package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/julienschmidt/httprouter"
)

// maxBodyBytes bounds every request body; a larger one is a 413.
const maxBodyBytes = 1 << 20

// Server serves the Kafka Connect REST API over a Backend. It opens no socket: the caller
// serves Handler on its listeners.
type Server struct {
	// client is set once, by Ready, before ready closes; handlers read it only after (startup.go).
	client    Backend
	ready     chan struct{}
	readyOnce sync.Once
	stage     func() string // the startup stage summary, while not ready; may be nil

	logger  *slog.Logger
	version string
	// serverHeader is the Server header's value of every response (WithServerHeader), one
	// slice shared by all of them, as contentTypeJSON.
	serverHeader []string
	commit       string
	workerID     string
	topics       topicTracking // topics.go
	// healthTimeout bounds GET /health's check (spec §1.4).
	healthTimeout time.Duration
	cors          *cors        // nil: no CORS headers
	metrics       http.Handler // GET /metrics; nil: a 404
	// authenticate wraps the routes in an authentication check; nil: none.
	authenticate func(http.Handler) http.Handler

	handler, api, admin, apiMetrics http.Handler
}

// Option configures a Server.
type Option interface {
	apply(*Server)
}

type optionFunc func(*Server)

func (f optionFunc) apply(s *Server) { f(s) }

// WithLogger sets the logger; requests are logged at Debug. Default: discard everything.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(s *Server) {
		if l != nil {
			s.logger = l
		}
	})
}

// WithVersion sets the version and commit GET / reports (spec §3.1). Default: both "unknown".
func WithVersion(version, commit string) Option {
	return optionFunc(func(s *Server) { s.version, s.commit = version, commit })
}

// WithServerHeader sets the Server header of every response, where Kafka Connect names its
// Jetty (spec §0.1): the product and version of this server, e.g. "connectd/1.2.0", while GET /
// reports the Kafka Connect API version it implements. Default: "connectd".
func WithServerHeader(v string) Option {
	return optionFunc(func(s *Server) {
		if v != "" {
			s.serverHeader = []string{v}
		}
	})
}

// WithWorkerID sets this worker's id, its advertised REST host:port (spec §4.1), added to every
// log record as "member". Default: "" (not logged).
func WithWorkerID(id string) Option {
	return optionFunc(func(s *Server) { s.workerID = id })
}

// WithHealthTimeout sets how long GET /health waits for the worker before it answers
// unhealthy. Default: 10 s, Kafka Connect's fixed value (spec §1.4).
func WithHealthTimeout(d time.Duration) Option {
	return optionFunc(func(s *Server) {
		if d > 0 {
			s.healthTimeout = d
		}
	})
}

// WithCORS answers cross-origin requests as Kafka Connect's access.control.allow.origin and
// access.control.allow.methods make it (spec §8.1): origins is a comma-separated list of
// origins, "*" or patterns with "*"; methods a comma-separated list, blank meaning GET, POST
// and HEAD. A blank origins leaves CORS off. Default: off.
func WithCORS(origins, methods string) Option {
	return optionFunc(func(s *Server) { s.cors = newCORS(origins, methods) })
}

// WithMetrics serves GET /metrics with h, the worker's Prometheus metrics. Default: none
// (a 404).
func WithMetrics(h http.Handler) Option {
	return optionFunc(func(s *Server) { s.metrics = h })
}

// WithAuthentication puts every route behind wrap (Basic auth, see http/basicauth). It sits
// inside CORS, as Kafka Connect's filters sit inside Jetty's CrossOriginFilter, so a browser's
// preflight is answered without credentials; and inside the access log, so refusals are logged.
// Default: none.
func WithAuthentication(wrap func(http.Handler) http.Handler) Option {
	return optionFunc(func(s *Server) { s.authenticate = wrap })
}

// New returns a Server answering with backend.
func New(backend Backend, opts ...Option) (*Server, error) {
	if backend == nil {
		return nil, errors.New("rest: nil backend")
	}
	s := newServer(opts...)
	s.Ready(backend)
	return s, nil
}

// newServer applies opts and builds the handlers; it serves once the caller calls Ready.
func newServer(opts ...Option) *Server {
	s := &Server{
		ready:   make(chan struct{}),
		logger:  slog.New(slog.DiscardHandler),
		version: "unknown",
		commit:  "unknown",

		serverHeader: []string{"connectd"},

		healthTimeout: 10 * time.Second,
	}
	for _, o := range opts {
		o.apply(s)
	}
	if s.workerID != "" {
		s.logger = s.logger.With(slog.String("member", s.workerID))
	}
	s.handler = s.serve(s.routes(allRoutes))
	s.api = s.serve(s.routes(apiRoutes))
	s.apiMetrics = s.serve(s.routes(apiRoutes | metricsRoutes))
	s.admin = s.serve(s.routes(adminRoutes | metricsRoutes))
	return s
}

// Handler returns the http.Handler serving every route. Mount it at the root.
func (s *Server) Handler() http.Handler { return s.handler }

// APIHandler serves every route but the admin ones (/admin/loggers) and /metrics, which
// are 404s: the handler of the main listeners when admin.listeners names listeners, which
// serve those (spec §3.0).
func (s *Server) APIHandler() http.Handler { return s.api }

// APIMetricsHandler serves every route but the admin ones: the handler of the main
// listeners when admin.listeners is empty, which disables the admin endpoints but leaves
// the metrics on the main listeners.
func (s *Server) APIMetricsHandler() http.Handler { return s.apiMetrics }

// AdminHandler serves only the admin routes and /metrics; every other path is a 404: the
// handler of admin.listeners (spec §3.0).
func (s *Server) AdminHandler() http.Handler { return s.admin }

// serve wraps a router in the layers every request crosses: CORS, escapedPaths, then the
// authentication check.
func (s *Server) serve(router http.Handler) http.Handler {
	if s.authenticate != nil {
		router = s.authenticate(router)
	}
	h := s.escapedPaths(router)
	if s.cors != nil {
		h = s.cors.wrap(h)
	}
	return h
}

// escapedPaths hands router a request whose Path is the escaped path, so "%2F" in a connector
// name does not split a segment (spec §13.1); connectorName unescapes. It also sets the Server
// header and writes the Debug access log.
func (s *Server) escapedPaths(router http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Server"] = s.serverHeader
		u := *r.URL
		u.Path, u.RawPath = r.URL.EscapedPath(), ""
		routed := r.WithContext(r.Context()) // a shallow copy; r stays as received
		routed.URL = &u

		if !s.logger.Enabled(r.Context(), slog.LevelDebug) {
			router.ServeHTTP(w, routed)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		router.ServeHTTP(rec, routed)
		s.logger.LogAttrs(r.Context(), slog.LevelDebug, "http request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.RequestURI()),
			slog.Int("status", rec.status),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr))
	})
}

// statusRecorder remembers the status written, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// reply is what a handler answers on success: a status, an optional body (nil: none, spec
// §1.1) and, for 201s, the Location of the created connector.
type reply struct {
	status   int
	body     any
	location string
}

// handlerFunc is the one shape of a handler (STYLE.md §4).
type handlerFunc func(r *http.Request, p httprouter.Params) (reply, error)

// handle adapts h: it refuses a client that does not accept JSON (406, spec §1.1) and, on a
// route of a resource that consumes JSON, a request declaring another Content-Type (415, as
// Jersey answers even body-less requests there); it reads the whole body (bounded in size,
// and in time by the http.Server), marks the connection as served, calls h, and writes its
// reply or its error.
func (s *Server) handle(h handlerFunc, consumesJSON bool) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
		if !acceptsJSON(r.Header.Values("Accept")) {
			writeError(w, errNotAcceptable)
			return
		}
		if ct := r.Header.Get("Content-Type"); consumesJSON && ct != "" && !isJSON(ct) {
			writeError(w, errUnsupportedMediaType)
			return
		}
		if r.Body != http.NoBody { // net/http's body of a request that declares none, as most GETs
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
			if err != nil {
				writeError(w, decodeError(err))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		defer serving(r)()
		rep, err := h(r, p)
		if err != nil {
			if name := connectorName(p); name != "" {
				err = namedError{err, name}
			}
			writeError(w, err)
			return
		}
		if rep.location != "" {
			w.Header().Set("Location", rep.location)
		}
		if rep.body == nil {
			w.WriteHeader(rep.status)
			return
		}
		writeJSON(w, rep.status, rep.body)
	}
}

// recovered answers a handler's panic with a 500 in Kafka Connect's error shape.
func (s *Server) recovered(w http.ResponseWriter, r *http.Request, v any) {
	if v == http.ErrAbortHandler {
		panic(v) // net/http's own signal to abort the response
	}
	s.logger.LogAttrs(r.Context(), slog.LevelError, "http handler panicked",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Any("err", v), slog.String("stack", string(debug.Stack())))
	writeError(w, fmt.Errorf("%v", v))
}

// decode reads r's body, one JSON value, into v: the one body decoder. A body not declared
// as JSON, a missing Content-Type included, is a 415 (spec §0.1: so that a cross-site form or
// no-cors post cannot reach an endpoint); a missing, malformed or wrongly typed body is a 400
// (Kafka Connect: 500, DESIGN.md); one over maxBodyBytes a 413.
func decode(r *http.Request, v any) error {
	if !isJSON(r.Header.Get("Content-Type")) {
		return errUnsupportedMediaType
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return decodeError(err)
		}
		return badRequest("Request body holds more than one JSON value")
	}
	return nil
}

// decodeError turns an error of decode into a status.
func decodeError(err error) error {
	var (
		tooLarge  *http.MaxBytesError
		statusErr *statusError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return tooLarge // 413, by errorStatus
	case errors.As(err, &statusErr):
		return statusErr
	case errors.Is(err, io.EOF):
		return badRequest(msgBodyEmpty)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("Malformed JSON in request body: unexpected end of input")
	case errors.As(err, &syntaxErr):
		return badRequest("Malformed JSON in request body at offset %d: %v", syntaxErr.Offset, syntaxErr)
	case errors.As(err, &typeErr):
		return badRequest("Cannot deserialize JSON %s into %s", typeErr.Value, typeErr.Type)
	default: // reading the body failed
		return badRequest("Cannot read request body: %v", err)
	}
}

// isJSON reports whether a Content-Type is JSON for Jersey's @Consumes(application/json):
// application/json with any parameters, or a wildcard.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || mt == "application/*" || mt == "*/*")
}

// acceptsJSON reports whether Accept headers admit application/json (spec §1.1): no header,
// or a media range that matches it with a non-zero quality.
func acceptsJSON(accept []string) bool {
	if len(accept) == 0 {
		return true
	}
	for _, h := range accept {
		if h == "application/json" || h == "*/*" { // what clients send nearly always, unparsed
			return true
		}
		for _, rng := range strings.Split(h, ",") {
			if strings.TrimSpace(rng) == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(rng)
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
					continue
				}
			}
			if mt == "application/json" || mt == "application/*" || mt == "*/*" {
				return true
			}
		}
	}
	return false
}

// jsonBuffers holds the buffers replies are encoded into: w.Write copies a reply out, so its
// buffer serves the next one. One larger than maxPooledJSON (a big expand=info list) is
// left to the collector rather than held.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledJSON = 64 << 10

// contentTypeJSON is the Content-Type of every JSON reply, one slice for all of them: net/http
// and this package only ever replace a header's values, never write into them.
var contentTypeJSON = []string{"application/json"}

// writeJSON writes body as JSON with status. HTML characters are not escaped, and no newline
// follows, as Kafka Connect writes it.
func writeJSON(w http.ResponseWriter, status int, body any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledJSON {
			jsonBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(buf).Encode(ErrorMessage{ErrorCode: status, Message: err.Error()})
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
