package actors

import (
	"errors"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// toWire converts err for a reply; nil stays nil.
func toWire(err error) *messages.Error {
	if err == nil {
		return nil
	}
	var e *api.Error
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
	return &api.Error{Code: m.Code, Message: m.Message}
}
