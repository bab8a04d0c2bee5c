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

// ErrUnknownPlugin is wrapped by the errors of Registry.NewConnector and Registry.NewConverter
// when no registered plugin of the wanted kind answers to the name (class or alias).
var ErrUnknownPlugin = errors.New("unknown plugin")

// ErrPluginUnavailable is wrapped when a config names a plugin that was found (on plugin.path)
// but cannot run on this worker, e.g. a Java plugin without Java 17+: the error says why.
var ErrPluginUnavailable = errors.New("plugin unavailable")

// ErrNoSuchVersion is wrapped when a plugin version key (connector.plugin.version) matches
// none of the installed versions of the plugin.
var ErrNoSuchVersion = errors.New("no such plugin version")

// ErrInvalidConfig is wrapped by the errors of ConfigDef.Parse: a value that does not parse,
// fails its validator, or a required key that is missing.
var ErrInvalidConfig = errors.New("invalid configuration")

// kafkaError carries a text that clients match verbatim (Kafka Connect's own words), classified
// by a sentinel so callers still use errors.Is and never compare strings.
type kafkaError struct {
	text string
	kind error
}

func (e *kafkaError) Error() string { return e.text }
func (e *kafkaError) Unwrap() error { return e.kind }

// JavaException is an error that is an exception a Java plugin threw (javaplugin.JavaError):
// its class and message, and as Error the stack trace the JVM printed, causes included. The
// runtime shows it as Kafka Connect does: in a FAILED status's trace and in a dead letter
// record's headers.
type JavaException interface {
	error
	ExceptionClass() string
	ExceptionMessage() string
}
