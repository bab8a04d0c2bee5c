package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// TestErrorStatus: the one mapping of errors to statuses and messages (spec §1.3).
func TestErrorStatus(t *testing.T) {
	code := func(c messages.ErrorCode, msg string) error { return &api.Error{Code: c, Message: msg} }
	tests := []struct {
		name    string
		err     error
		status  int
		message string
	}{
		{"bad request", code(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, "bad"), 400, "bad"},
		{"not found", code(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "Connector x not found"), 404, "Connector x not found"},
		{"already exists", code(messages.ErrorCode_ERROR_CODE_ALREADY_EXISTS, "Connector x already exists"), 409, "Connector x already exists"},
		{"conflict", code(messages.ErrorCode_ERROR_CODE_CONFLICT, "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)"), 409,
			"Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)"},
		{"forbidden", code(messages.ErrorCode_ERROR_CODE_FORBIDDEN, "Topic tracking is disabled."), 403, "Topic tracking is disabled."},
		{"timeout", code(messages.ErrorCode_ERROR_CODE_TIMEOUT, "context deadline exceeded"), 500, "Request timed out"},
		{"timeout with stage", code(messages.ErrorCode_ERROR_CODE_TIMEOUT, "Request timed out. The worker is currently starting the connector, which began at 2024-01-01T00:00:00Z."), 500,
			"Request timed out. The worker is currently starting the connector, which began at 2024-01-01T00:00:00Z."},
		{"internal", code(messages.ErrorCode_ERROR_CODE_INTERNAL, "Error writing target state to Kafka"), 500, "Error writing target state to Kafka"},
		{"unspecified", code(messages.ErrorCode_ERROR_CODE_UNSPECIFIED, "odd"), 500, "odd"},
		{"unknown code", code(99, "odd"), 500, "odd"},
		{"wrapped", fmt.Errorf("connector x: %w", code(messages.ErrorCode_ERROR_CODE_NOT_FOUND, "Connector x not found")), 404, "Connector x not found"},
		{"plain", errors.New("disk on fire"), 500, "disk on fire"},
		{"deadline", fmt.Errorf("ask: %w", context.DeadlineExceeded), 500, "Request timed out"},
		{"too large", &http.MaxBytesError{Limit: 10}, 413, "Request body is larger than 10 bytes"},
		{"rest 404", errNotFound, 404, "HTTP 404 Not Found"},
		{"rest 405", errMethodNotAllowed, 405, "HTTP 405 Method Not Allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, message := errorStatus(tt.err)
			if status != tt.status || message != tt.message {
				t.Errorf("errorStatus = %d %q, want %d %q", status, message, tt.status, tt.message)
			}
		})
	}
}

// TestBackendErrorsOverHTTP: a Backend error reaches the client in spec §1.2's shape.
func TestBackendErrorsOverHTTP(t *testing.T) {
	srv := serveBackend(t, failingBackend{Backend: realBackend(t),
		err: &api.Error{Code: messages.ErrorCode_ERROR_CODE_CONFLICT, Message: "Request cannot be completed because a rebalance is expected"}})
	assertError(t, call(t, srv, "GET", "/connectors", ""), 409, "Request cannot be completed because a rebalance is expected")
}

// failingBackend fails ConnectorNames with err.
type failingBackend struct {
	Backend
	err error
}

func (b failingBackend) ConnectorNames(context.Context) ([]string, error) { return nil, b.err }
