package rest

import (
	"encoding/json"
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// The internal endpoints (spec §3.28) carry task configs and fencing requests from a Kafka
// Connect leader to its followers. connectd has no leader: each connector grain writes its own
// task configs, so nothing outside the worker may write them. The endpoints still answer as a
// sessioned Kafka Connect worker answers a request it cannot verify, rather than with a 404,
// so that a client (or a conformance test, SessionedProtocolIntegrationTest) sees what it
// expects: 400 without a signature; 403 with one, since no session key is shared with anyone
// who could have signed it. Nothing is ever written.
const (
	msgSignatureMissing = "Internal request missing required signature"
	msgSignatureInvalid = "Internal request contained invalid signature."
	headerSignature     = "X-Connect-Authorization"
	headerAlgorithm     = "X-Connect-Request-Signature-Algorithm"
)

// internalRequest answers an internal request by its signature headers.
func internalRequest(r *http.Request) error {
	if r.Header.Get(headerSignature) == "" || r.Header.Get(headerAlgorithm) == "" {
		return badRequest(msgSignatureMissing)
	}
	return &statusError{status: http.StatusForbidden, message: msgSignatureInvalid}
}

// putTaskConfigs serves the internal POST /connectors/{c}/tasks: the body, a JSON array of
// task-config maps, is decoded first as Kafka Connect does, then refused.
func (s *Server) putTaskConfigs(r *http.Request, _ httprouter.Params) (reply, error) {
	var configs []map[string]json.RawMessage
	if err := decode(r, &configs); err != nil {
		return reply{}, err
	}
	return reply{}, internalRequest(r)
}

// fenceZombies serves the internal PUT /connectors/{c}/fence: refused.
func (s *Server) fenceZombies(r *http.Request, _ httprouter.Params) (reply, error) {
	return reply{}, internalRequest(r)
}
