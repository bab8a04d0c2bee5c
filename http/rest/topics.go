package rest

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// Texts of the topics endpoints (spec §3.18, §3.19), verbatim from Kafka Connect.
const (
	msgTopicTrackingDisabled      = "Topic tracking is disabled."
	msgTopicTrackingResetDisabled = "Topic tracking reset is disabled."
)

// topicTracking holds topic.tracking.enable and topic.tracking.allow.reset, inverted so that
// the zero value is Kafka Connect's default (both true). Like Kafka Connect's
// ConnectorsResource, the REST layer itself refuses when they are off.
type topicTracking struct {
	disabled      bool
	resetDisabled bool
}

// WithTopicTracking sets topic.tracking.enable and topic.tracking.allow.reset (spec §8.1):
// when disabled, GET /connectors/{c}/topics and PUT …/topics/reset answer 403, and with reset
// disallowed, the reset does. Default: both true.
func WithTopicTracking(enable, allowReset bool) Option {
	return optionFunc(func(s *Server) { s.topics = topicTracking{disabled: !enable, resetDisabled: !allowReset} })
}

// ActiveTopicsInfo is the body of GET /connectors/{c}/topics, wrapped in a map keyed by the
// connector name (spec §2.1).
type ActiveTopicsInfo struct {
	Topics []string `json:"topics"`
}

// getTopics serves GET /connectors/{c}/topics: 200 with the connector's active
// topics, an empty list for an unknown connector (spec §3.18, §16.8).
func (s *Server) getTopics(r *http.Request, p httprouter.Params) (reply, error) {
	if s.topics.disabled {
		return reply{}, &statusError{status: http.StatusForbidden, message: msgTopicTrackingDisabled}
	}
	name := connectorName(p)
	topics, err := s.client.ConnectorTopics(r.Context(), name)
	if err != nil {
		return reply{}, err
	}
	if topics == nil {
		topics = []string{}
	}
	return reply{status: http.StatusOK, body: map[string]ActiveTopicsInfo{name: {Topics: topics}}}, nil
}

// resetTopics serves PUT /connectors/{c}/topics/reset: 202 once the topic records are
// tombstoned; no existence check (spec §3.19).
func (s *Server) resetTopics(r *http.Request, p httprouter.Params) (reply, error) {
	if s.topics.disabled {
		return reply{}, &statusError{status: http.StatusForbidden, message: msgTopicTrackingDisabled}
	}
	if s.topics.resetDisabled {
		return reply{}, &statusError{status: http.StatusForbidden, message: msgTopicTrackingResetDisabled}
	}
	if err := s.client.ResetConnectorTopics(r.Context(), connectorName(p)); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusAccepted}, nil
}
