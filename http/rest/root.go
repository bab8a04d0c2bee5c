package rest

import (
	"context"
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// Texts of GET /health, verbatim from Kafka Connect (spec §3.2).
const (
	msgHealthy   = "Worker has completed startup and is ready to handle requests."
	msgStarting  = "Worker is still starting up."
	msgUnhealthy = "Worker was unable to handle this request and may be unable to handle other requests."
)

// serverInfo serves GET /: version, commit and Kafka cluster id; it never fails (spec §3.1).
func (s *Server) serverInfo(_ *http.Request, _ httprouter.Params) (reply, error) {
	return reply{status: http.StatusOK, body: ServerInfo{
		Version:        s.version,
		Commit:         s.commit,
		KafkaClusterID: s.client.KafkaClusterID(),
	}}, nil
}

// health serves GET /health (spec §3.2): 200 healthy when the worker answered within the
// health timeout, 503 starting before its startup completed, 500 unhealthy when it did not
// answer in time; the last two add what the worker was doing, when known. An error of the
// check itself goes through the usual mapping.
func (s *Server) health(r *http.Request, _ httprouter.Params) (reply, error) {
	ctx, cancel := context.WithTimeout(r.Context(), s.healthTimeout)
	defer cancel()
	withStage := func(msg, stage string) string {
		if stage == "" {
			return msg
		}
		return msg + " " + stage
	}
	starting := func(stage string) reply {
		return reply{status: http.StatusServiceUnavailable, body: WorkerStatus{Status: "starting", Message: withStage(msgStarting, stage)}}
	}
	// Kafka Connect's check waits for the herder: one made while the worker starts is answered
	// once it is ready, or "starting" when that takes longer than the health timeout.
	if s.awaitReady(ctx, s.healthTimeout) != nil {
		return starting(s.stageSummary()), nil
	}
	h, err := s.client.Health(ctx)
	if err != nil {
		return reply{}, err
	}
	switch {
	case !h.Ready:
		return starting(h.Pending), nil
	case h.Pending != "":
		return reply{status: http.StatusInternalServerError, body: WorkerStatus{Status: "unhealthy", Message: withStage(msgUnhealthy, h.Pending)}}, nil
	default:
		return reply{status: http.StatusOK, body: WorkerStatus{Status: "healthy", Message: msgHealthy}}, nil
	}
}
