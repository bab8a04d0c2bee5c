package rest

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"
)

// Kafka Connect's REST server listens before its herder is ready (spec §3.2): a request made
// while the worker starts waits for it, and GET /health says "starting". A Server made by
// NewStarting does the same: it serves before its Backend exists, and Ready lets the waiting
// requests through.

// startupRequestTimeout bounds how long a request waits for the worker to finish starting:
// Kafka Connect's fixed REST request timeout (spec §1.4).
const startupRequestTimeout = 90 * time.Second

// NewStarting returns a Server with no Backend yet: until Ready, GET /health answers 503
// "starting" (after waiting up to the health timeout for Ready) and every other request waits
// for Ready, up to 90 s, then answers 500 "Request timed out". stage, when not nil, is Kafka
// Connect's summary of what the worker is doing ("The worker is currently …, which began at
// …."), added to both answers.
func NewStarting(stage func() string, opts ...Option) (*Server, error) {
	s := newServer(opts...)
	s.stage = stage
	return s, nil
}

// Ready hands the Server its Backend and lets the requests waiting for it through. Only the
// first call has an effect.
func (s *Server) Ready(backend Backend) {
	if backend == nil {
		return
	}
	s.readyOnce.Do(func() {
		s.client = backend // published to handlers by closing ready
		close(s.ready)
	})
}

// afterStartup makes h wait until the Server is Ready.
func (s *Server) afterStartup(h handlerFunc) handlerFunc {
	return func(r *http.Request, p httprouter.Params) (reply, error) {
		if err := s.awaitReady(r.Context(), startupRequestTimeout); err != nil {
			return reply{}, err
		}
		return h(r, p)
	}
}

// errStillStarting is awaitReady's answer when the worker did not finish starting in time.
var errStillStarting = errors.New("worker still starting")

// awaitReady returns nil once the Server is Ready, or a timeout error (with the startup
// stage, when known) when that takes longer than d or ctx ends first.
func (s *Server) awaitReady(ctx context.Context, d time.Duration) error {
	select {
	case <-s.ready:
		return nil
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.ready:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	msg := msgRequestTimedOut
	if stage := s.stageSummary(); stage != "" {
		msg += ". " + stage
	}
	return &statusError{status: http.StatusInternalServerError, message: msg}
}

func (s *Server) stageSummary() string {
	if s.stage == nil {
		return ""
	}
	return s.stage()
}
