package rest

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// getTasks serves GET /connectors/{c}/tasks: each task's raw config, by id (spec §3.10).
func (s *Server) getTasks(r *http.Request, p httprouter.Params) (reply, error) {
	info, err := s.client.Connector(r.Context(), connectorName(p))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: newTaskInfos(info)}, nil
}

// getTaskStatus serves GET /connectors/{c}/tasks/{t}/status (spec §3.12); a non-integer task
// is a 404.
func (s *Server) getTaskStatus(r *http.Request, p httprouter.Params) (reply, error) {
	task, err := taskID(p)
	if err != nil {
		return reply{}, err
	}
	status, err := s.client.TaskStatus(r.Context(), connectorName(p), task)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: newTaskState(task, status)}, nil
}

// restartTask serves POST /connectors/{c}/tasks/{t}/restart: 204 (spec §3.14).
func (s *Server) restartTask(r *http.Request, p httprouter.Params) (reply, error) {
	task, err := taskID(p)
	if err != nil {
		return reply{}, err
	}
	if err := s.client.RestartTask(r.Context(), connectorName(p), task); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusNoContent}, nil
}
