package actors

import (
	"errors"
	"fmt"

	"github.com/connectd/connectd/messages"
)

// Error is an error that crossed, or could cross, an actor boundary: a code the REST layer
// maps to a status, and a message shown to the client verbatim.
type Error struct {
	Code    messages.ErrorCode
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(code messages.ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the *Error in err's chain, or ERROR_CODE_INTERNAL.
func CodeOf(err error) messages.ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return messages.ErrorCode_ERROR_CODE_INTERNAL
}

// toWire converts err for a reply; nil stays nil.
func toWire(err error) *messages.Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return &messages.Error{Code: e.Code, Message: e.Message}
	}
	return &messages.Error{Code: messages.ErrorCode_ERROR_CODE_INTERNAL, Message: err.Error()}
}

// fromWire converts a reply's error; nil stays nil.
func fromWire(m *messages.Error) error {
	if m == nil {
		return nil
	}
	return &Error{Code: m.Code, Message: m.Message}
}
