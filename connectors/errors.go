package connectors

import "errors"

// retriable marks an error after which the runtime retries the same call.
type retriable struct{ err error }

func (r retriable) Error() string { return r.err.Error() }
func (r retriable) Unwrap() error { return r.err }

// Retriable wraps err so that the runtime retries the call that returned it instead of
// failing the task.
func Retriable(err error) error {
	if err == nil {
		return nil
	}
	return retriable{err}
}

// IsRetriable reports whether err, or an error it wraps, was made by Retriable.
func IsRetriable(err error) bool {
	var r retriable
	return errors.As(err, &r)
}
