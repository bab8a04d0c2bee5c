package api

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
	if err == nil {
		// Asked of every answered request; errors.As's target would escape to the heap.
		return messages.ErrorCode_ERROR_CODE_INTERNAL
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return messages.ErrorCode_ERROR_CODE_INTERNAL
}
