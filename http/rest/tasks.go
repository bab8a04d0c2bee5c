package rest

import (
	"log/slog"
	"net/http"
	"strconv"

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

// msgTasksConfigDeprecated is Kafka Connect's WARN on every GET …/tasks-config (spec §3.11).
const msgTasksConfigDeprecated = "The 'GET /connectors/{connector}/tasks-config' endpoint is deprecated and will be removed in the next major release. Please use the 'GET /connectors/{connector}/tasks' endpoint instead."

// getTasksConfig serves the deprecated GET /connectors/{c}/tasks-config: the task configs keyed
// "<connector>-<task>"; {} when there are none; 404 for an unknown connector (spec §3.11,
// distributed). It logs a WARN on every call, as Kafka Connect does.
func (s *Server) getTasksConfig(r *http.Request, p httprouter.Params) (reply, error) {
	s.logger.LogAttrs(r.Context(), slog.LevelWarn, msgTasksConfigDeprecated)
	info, err := s.client.Connector(r.Context(), connectorName(p))
	if err != nil {
		return reply{}, err
	}
	out := make(map[string]map[string]string, len(info.GetTasks()))
	for _, t := range info.GetTasks() {
		out[info.GetName()+"-"+strconv.Itoa(int(t.GetTask()))] = nonNil(t.GetConfig())
	}
	return reply{status: http.StatusOK, body: out}, nil
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
