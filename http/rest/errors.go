package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// Texts clients see and may match, verbatim from Kafka Connect.
const (
	// msgNotFound answers an unmatched route or a path parameter that does not convert, such as
	// a non-integer task id: Jersey's text (spec §1.3).
	msgNotFound = "HTTP 404 Not Found"
	// msgMethodNotAllowed answers a known path with another method (spec §1.3).
	msgMethodNotAllowed = "HTTP 405 Method Not Allowed"
	// msgUnsupportedMediaType answers a body that is not JSON (spec §1.1): Jersey's text.
	msgUnsupportedMediaType = "HTTP 415 Unsupported Media Type"
	// msgNotAcceptable answers an Accept header that excludes JSON (spec §1.1): Jersey's text.
	msgNotAcceptable = "HTTP 406 Not Acceptable"
	// msgRequestTimedOut is the 500 of a request that outlived its deadline (spec §1.3).
	msgRequestTimedOut = "Request timed out"
	// msgNameMismatch is the 400 of a config "name" that differs from the body's or the URL's
	// name (spec §3.4 step 2, §3.7); arguments: config name, connector name.
	msgNameMismatch = "Connector name configuration (%s) doesn't match connector name in the URL (%s)"
	// msgNullValue is the validation error of a JSON null config value (spec §3.7, §7 step 5).
	msgNullValue = "Null value can not be supplied as the configuration value."
	// msgInvalidConfigHead and msgInvalidConfigTail frame the per-key errors of an invalid
	// config (spec §7 step 8); {connectorType} is literal.
	msgInvalidConfigHead = "Connector configuration is invalid and contains the following %d error(s):"
	msgInvalidConfigTail = "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
)

// Texts of connectd's own 400s and 413s, where Kafka Connect answers 500 (DESIGN.md).
const (
	// msgConfigMissing: Kafka Connect throws a NullPointerException (500, spec §3.4 "Missing
	// pieces of the body", §16.2) when POST has no "config" or PUT's body is null; we say why.
	msgConfigMissing = "Connector config is missing: the request must carry a JSON object of string values"
	msgBodyEmpty     = "Request body is empty: a JSON object is required"
	msgBodyTooLarge  = "Request body is larger than %d bytes"
)

// statusError is an error the REST layer itself answers with a status: a bad body, an unknown
// route, a path parameter that does not convert.
type statusError struct {
	status  int
	message string
}

func (e *statusError) Error() string { return e.message }

// badRequest returns a 400 with a formatted message.
func badRequest(format string, args ...any) error {
	return &statusError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

// errNotFound answers an unmatched route or an unconvertible path parameter.
var errNotFound = &statusError{status: http.StatusNotFound, message: msgNotFound}

// errMethodNotAllowed answers a known path requested with another method.
var errMethodNotAllowed = &statusError{status: http.StatusMethodNotAllowed, message: msgMethodNotAllowed}

// errUnsupportedMediaType answers a request body of another Content-Type than JSON.
var errUnsupportedMediaType = &statusError{status: http.StatusUnsupportedMediaType, message: msgUnsupportedMediaType}

// errNotAcceptable answers a client that does not accept JSON.
var errNotAcceptable = &statusError{status: http.StatusNotAcceptable, message: msgNotAcceptable}

// invalidConfig returns spec §7's multi-line 400 for the given per-key errors.
func invalidConfig(errs []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, msgInvalidConfigHead, len(errs))
	for _, e := range errs {
		b.WriteByte('\n')
		b.WriteString(e)
	}
	b.WriteByte('\n')
	b.WriteString(msgInvalidConfigTail)
	return &statusError{status: http.StatusBadRequest, message: b.String()}
}

// errorStatus maps err to its HTTP status and message: the one place that does (spec §1.3).
func errorStatus(err error) (int, string) {
	var ne namedError
	if errors.As(err, &ne) {
		status, message := errorStatus(ne.err)
		return status, abbreviateName(message, ne.name)
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status, se.message
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return http.StatusRequestEntityTooLarge, fmt.Sprintf(msgBodyTooLarge, tooLarge.Limit)
	}
	var ae *api.Error
	if errors.As(err, &ae) {
		return codeStatus(ae.Code, ae.Message)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusInternalServerError, msgRequestTimedOut
	}
	return http.StatusInternalServerError, err.Error()
}

// codeStatus maps an api.Error code (proto/state.proto ErrorCode) to a status and message.
func codeStatus(code messages.ErrorCode, message string) (int, string) {
	switch code {
	case messages.ErrorCode_ERROR_CODE_BAD_REQUEST:
		return http.StatusBadRequest, message
	case messages.ErrorCode_ERROR_CODE_NOT_FOUND:
		return http.StatusNotFound, message
	case messages.ErrorCode_ERROR_CODE_ALREADY_EXISTS, messages.ErrorCode_ERROR_CODE_CONFLICT:
		return http.StatusConflict, message
	case messages.ErrorCode_ERROR_CODE_FORBIDDEN:
		return http.StatusForbidden, message
	case messages.ErrorCode_ERROR_CODE_TIMEOUT:
		// spec §1.3: "Request timed out", optionally followed by ". <stage summary>".
		if strings.HasPrefix(message, msgRequestTimedOut) {
			return http.StatusInternalServerError, message
		}
		return http.StatusInternalServerError, msgRequestTimedOut
	default: // INTERNAL, UNSPECIFIED and codes this build does not know
		return http.StatusInternalServerError, message
	}
}

// writeError writes err as Kafka Connect's ErrorMessage (spec §1.2).
func writeError(w http.ResponseWriter, err error) {
	status, message := errorStatus(err)
	writeJSON(w, status, ErrorMessage{ErrorCode: status, Message: message})
}
