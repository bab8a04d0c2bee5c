package rest

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"
)

// listConnectors serves GET /connectors (spec §3.3): without expand, the names of the local
// config snapshot; with one or more expand values (repeated, never comma-separated), an object
// keyed by name whose values hold "status" and/or "info". Unknown expand values are ignored,
// leaving {} per connector. Always 200.
func (s *Server) listConnectors(r *http.Request, _ httprouter.Params) (reply, error) {
	if expand, ok := r.URL.Query()["expand"]; ok {
		return s.expandConnectors(r, expand)
	}
	names, err := s.client.ConnectorNames(r.Context())
	if err != nil {
		return reply{}, err
	}
	if names == nil {
		names = []string{}
	}
	return reply{status: http.StatusOK, body: names}, nil
}

// expandConnectors is GET /connectors with expand values: one Backend call.
func (s *Server) expandConnectors(r *http.Request, expand []string) (reply, error) {
	var status, info bool
	for _, e := range expand {
		switch e { // Kafka Connect matches the values exactly
		case "status":
			status = true
		case "info":
			info = true
		default:
			s.logger.LogAttrs(r.Context(), slog.LevelDebug, "ignoring unknown expansion", slog.String("expand", e))
		}
	}
	expanded, err := s.client.ExpandConnectors(r.Context(), status, info)
	if err != nil {
		return reply{}, err
	}
	out := make(map[string]map[string]any, len(expanded))
	for name, e := range expanded {
		m := map[string]any{}
		if status {
			m["status"] = newConnectorStateInfo(e.Status)
		}
		if info {
			if e.Info == nil {
				m["info"] = nil // spec §3.3: the connector left the snapshot meanwhile
			} else {
				m["info"] = newConnectorInfo(e.Info)
			}
		}
		out[name] = m
	}
	return reply{status: http.StatusOK, body: out}, nil
}

// createConnector serves POST /connectors: 201 with Location and the ConnectorInfo (spec §3.4).
// The name is trimmed and reconciled with config "name". A missing or null config is a 400,
// where Kafka Connect throws a NullPointerException (500, spec §3.4 "Missing pieces").
func (s *Server) createConnector(r *http.Request, _ httprouter.Params) (reply, error) {
	var req createConnectorRequest
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.config == nil {
		return reply{}, badRequest(msgConfigMissing)
	}
	if err := checkName(req.name); err != nil {
		return reply{}, err
	}
	config, err := reconcileName(req.name, req.config)
	if err != nil {
		return reply{}, err
	}
	info, err := s.client.CreateConnector(r.Context(), req.name, config, req.initialState)
	if err != nil {
		return reply{}, namedError{err, req.name}
	}
	body := newConnectorInfo(info)
	body.order = append(req.order, "name")
	return reply{status: http.StatusCreated, body: body, location: connectorLocation(r, req.name)}, nil
}

// getConnector serves GET /connectors/{c}: the raw config and tasks (spec §3.5).
func (s *Server) getConnector(r *http.Request, p httprouter.Params) (reply, error) {
	info, err := s.client.Connector(r.Context(), connectorName(p))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: newConnectorInfo(info)}, nil
}

// getConnectorConfig serves GET /connectors/{c}/config: the raw config map (spec §3.6).
func (s *Server) getConnectorConfig(r *http.Request, p httprouter.Params) (reply, error) {
	info, err := s.client.Connector(r.Context(), connectorName(p))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: nonNil(info.GetConfig())}, nil
}

// putConnectorConfig serves PUT /connectors/{c}/config: 201 with Location if created, else 200
// (spec §3.7). The body is a flat config map, reconciled with the untrimmed path name.
func (s *Server) putConnectorConfig(r *http.Request, p httprouter.Params) (reply, error) {
	name := connectorName(p)
	if err := checkName(name); err != nil {
		return reply{}, err
	}
	var cfg orderedConfig
	if err := decode(r, &cfg); err != nil {
		return reply{}, err
	}
	if cfg.config == nil { // a JSON null body; Kafka Connect: NullPointerException, 500
		return reply{}, badRequest(msgConfigMissing)
	}
	config, err := reconcileName(name, cfg.config)
	if err != nil {
		return reply{}, err
	}
	info, created, err := s.client.PutConnectorConfig(r.Context(), name, config)
	if err != nil {
		return reply{}, err
	}
	body := newConnectorInfo(info)
	body.order = append(cfg.order, "name")
	if created {
		return reply{status: http.StatusCreated, body: body, location: connectorLocation(r, name)}, nil
	}
	return reply{status: http.StatusOK, body: body}, nil
}

// patchConnectorConfig serves PATCH /connectors/{c}/config (spec §3.8): the body's keys are
// merged into the stored config, a JSON null removing its key; no name reconciliation; 200,
// never 201; 404 for an unknown connector.
func (s *Server) patchConnectorConfig(r *http.Request, p httprouter.Params) (reply, error) {
	var patch connectorConfig
	if err := decode(r, &patch); err != nil {
		return reply{}, err
	}
	if patch == nil { // a JSON null body; Kafka Connect: NullPointerException, 500
		return reply{}, badRequest(msgConfigMissing)
	}
	info, err := s.client.PatchConnectorConfig(r.Context(), connectorName(p), patch)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: newConnectorInfo(info)}, nil
}

// getConnectorStatus serves GET /connectors/{c}/status (spec §3.9).
func (s *Server) getConnectorStatus(r *http.Request, p httprouter.Params) (reply, error) {
	status, err := s.client.ConnectorStatus(r.Context(), connectorName(p))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: newConnectorStateInfo(status)}, nil
}

// restartConnector serves POST /connectors/{c}/restart (spec §3.13): with neither flag, the
// legacy 204; with either, 202 and the restart plan. A flag is true only when its value is a
// case-insensitive "true".
func (s *Server) restartConnector(r *http.Request, p httprouter.Params) (reply, error) {
	q := r.URL.Query()
	includeTasks := strings.EqualFold(q.Get("includeTasks"), "true")
	onlyFailed := strings.EqualFold(q.Get("onlyFailed"), "true")
	plan, err := s.client.RestartConnector(r.Context(), connectorName(p), includeTasks, onlyFailed)
	if err != nil {
		return reply{}, err
	}
	if !includeTasks && !onlyFailed {
		return reply{status: http.StatusNoContent}, nil
	}
	if plan == nil { // a Backend that planned nothing: still accepted
		return reply{status: http.StatusAccepted}, nil
	}
	return reply{status: http.StatusAccepted, body: newConnectorStateInfo(plan)}, nil
}

// pauseConnector serves PUT /connectors/{c}/pause: 202 even if already paused (spec §3.15).
func (s *Server) pauseConnector(r *http.Request, p httprouter.Params) (reply, error) {
	if err := s.client.PauseConnector(r.Context(), connectorName(p)); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusAccepted}, nil
}

// resumeConnector serves PUT /connectors/{c}/resume: 202 even if already running (spec §3.15).
func (s *Server) resumeConnector(r *http.Request, p httprouter.Params) (reply, error) {
	if err := s.client.ResumeConnector(r.Context(), connectorName(p)); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusAccepted}, nil
}

// stopConnector serves PUT /connectors/{c}/stop: 204, idempotent; the tasks are removed
// (spec §3.16).
func (s *Server) stopConnector(r *http.Request, p httprouter.Params) (reply, error) {
	if err := s.client.StopConnector(r.Context(), connectorName(p)); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusNoContent}, nil
}

// deleteConnector serves DELETE /connectors/{c}: 204; shutdown is asynchronous (spec §3.17).
func (s *Server) deleteConnector(r *http.Request, p httprouter.Params) (reply, error) {
	if err := s.client.DeleteConnector(r.Context(), connectorName(p)); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusNoContent}, nil
}
