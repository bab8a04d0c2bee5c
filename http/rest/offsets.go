package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/connectd/connectd/messages"
)

// ConnectorOffsets is the body of GET /connectors/{c}/offsets and of PATCH's request (spec
// §2.1): partitions and offsets are JSON objects whose shape the connector defines; an offset
// may be null.
type ConnectorOffsets struct {
	Offsets []ConnectorOffset `json:"offsets"`
}

// ConnectorOffset is one partition and its offset (spec §2.1).
type ConnectorOffset struct {
	Partition json.RawMessage `json:"partition"`
	Offset    json.RawMessage `json:"offset"`
}

// Message is a body holding only a message (spec §2.1), the reply of offset changes.
type Message struct {
	Message string `json:"message"`
}

// offsetsRequest is PATCH /connectors/{c}/offsets's body, decoded strictly: an unknown field,
// or a partition or offset that is neither an object nor null, is a 400 (Kafka Connect: 500
// from Jackson, spec §13.2 OffsetsApiIntegrationTest; DESIGN.md makes type errors 400s).
type offsetsRequest struct {
	offsets []*messages.ConnectorOffset
}

func (o *offsetsRequest) UnmarshalJSON(b []byte) error {
	var body struct {
		Offsets []map[string]json.RawMessage `json:"offsets"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&body); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return badRequest("Cannot deserialize JSON %s into %s", typeErr.Value, typeErr.Type)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return badRequest("Unrecognized field %s in the request body", f)
		}
		return badRequest("Malformed JSON in request body: %v", err)
	}
	o.offsets = make([]*messages.ConnectorOffset, 0, len(body.Offsets))
	for _, e := range body.Offsets {
		if e == nil {
			return badRequest("Cannot deserialize JSON null into an offsets entry: an object with 'partition' and 'offset' is required")
		}
		co := &messages.ConnectorOffset{}
		for k, raw := range e {
			v, err := objectOrNull(k, raw)
			if err != nil {
				return err
			}
			switch k {
			case "partition":
				co.Partition = v
			case "offset":
				co.Offset = v
			default:
				return badRequest("Unrecognized field %q in an offsets entry: only 'partition' and 'offset' are allowed", k)
			}
		}
		o.offsets = append(o.offsets, co)
	}
	return nil
}

// objectOrNull returns raw compacted, or nil for JSON null; anything but an object or null is
// a 400.
func objectOrNull(field string, raw json.RawMessage) ([]byte, error) {
	t := bytes.TrimSpace(raw)
	if bytes.Equal(t, []byte("null")) {
		return nil, nil
	}
	if len(t) == 0 || t[0] != '{' {
		return nil, badRequest("Cannot deserialize JSON %s into the %q of an offsets entry: an object or null is required", t, field)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, t); err != nil {
		return nil, badRequest("Malformed JSON in %q of an offsets entry: %v", field, err)
	}
	return buf.Bytes(), nil
}

// getOffsets serves GET /connectors/{c}/offsets in any target state (spec §3.20).
func (s *Server) getOffsets(r *http.Request, p httprouter.Params) (reply, error) {
	offsets, err := s.client.ConnectorOffsets(r.Context(), connectorName(p))
	if err != nil {
		return reply{}, err
	}
	body := ConnectorOffsets{Offsets: make([]ConnectorOffset, 0, len(offsets))}
	for _, o := range offsets {
		body.Offsets = append(body.Offsets, ConnectorOffset{Partition: rawOrNull(o.GetPartition()), Offset: rawOrNull(o.GetOffset())})
	}
	return reply{status: http.StatusOK, body: body}, nil
}

func rawOrNull(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return json.RawMessage(b)
}

// alterOffsets serves PATCH /connectors/{c}/offsets: 200 with the success message
// (spec §3.21). A missing, null or empty offsets list is refused by the Backend with the spec's
// 400, before the connector is looked up.
func (s *Server) alterOffsets(r *http.Request, p httprouter.Params) (reply, error) {
	var req offsetsRequest
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	msg, err := s.client.AlterConnectorOffsets(r.Context(), connectorName(p), req.offsets)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: Message{Message: msg}}, nil
}

// resetOffsets serves DELETE /connectors/{c}/offsets: 200 with the success message
// (spec §3.21).
func (s *Server) resetOffsets(r *http.Request, p httprouter.Params) (reply, error) {
	msg, err := s.client.ResetConnectorOffsets(r.Context(), connectorName(p))
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: Message{Message: msg}}, nil
}
