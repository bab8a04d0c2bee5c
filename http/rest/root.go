package rest

import (
	"net/http"

	"github.com/julienschmidt/httprouter"
)

// serverInfo serves GET /: version, commit and Kafka cluster id; it never fails (spec §3.1).
func (s *Server) serverInfo(_ *http.Request, _ httprouter.Params) (reply, error) {
	return reply{status: http.StatusOK, body: ServerInfo{
		Version:        s.version,
		Commit:         s.commit,
		KafkaClusterID: s.client.KafkaClusterID(),
	}}, nil
}
