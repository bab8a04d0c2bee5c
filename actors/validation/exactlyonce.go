package validation

import (
	"fmt"
	"strings"

	"github.com/connectd/connectd/connectors"
)

// Kafka Connect's texts of DistributedHerder's exactly-once preflight checks (KIP-618),
// verbatim.
const (
	msgEOSWorkerDisabled = "This worker does not have exactly-once source support enabled."
	msgEOSUndeclared     = "The connector does not implement the API required for preflight validation of exactly-once " +
		"source support. Please consult the documentation for the connector to determine whether it supports exactly-once " +
		"semantics, and then consider reconfiguring the connector to use the value \"requested\" for this property " +
		"(which will disable this preflight check and allow the connector to be created)."
	msgEOSUnsupported           = "The connector does not support exactly-once semantics with the provided configuration."
	msgBoundariesUndeclared     = "This connector has returned a null value from its canDefineTransactionBoundaries method, which is not permitted. The connector will be treated as if it cannot define its own transaction boundaries, and cannot be configured with 'transaction.boundary' set to 'connector'."
	msgBoundariesUnsupported    = "The connector does not support connector-defined transaction boundaries with the given configuration. Please reconfigure it to use a different transaction boundary definition."
	msgValidationFailed         = "An unexpected error occurred during validation"
	msgValidationFailedNoDetail = "An unexpected error occurred during validation; please see the worker logs for more details."
)

// WithExactlyOnceSource turns on the distributed herder's exactly-once checks of source
// connectors (exactly.once.support=required and transaction.boundary=connector), with
// whether the worker's exactly.once.source.support is enabled. Standalone validation has
// none, as in Kafka Connect.
func WithExactlyOnceSource(enabled bool) Option {
	return optionFunc(func(vd *Validator) { vd.eos = &enabled })
}

// validateExactlyOnce is DistributedHerder's validateSourceConnectorExactlyOnceSupport and
// validateSourceConnectorTransactionBoundary: it runs only when the key's value passed its
// own validation, and asks the plugin what it can do.
func (vd *Validator) validateExactlyOnce(conn connectors.Connector, config map[string]string, byName map[string]*connectors.ConfigValue, addError func(key, msg string)) {
	if vd.eos == nil {
		return
	}
	if v := byName["exactly.once.support"]; v != nil && len(v.Errors) == 0 &&
		strings.EqualFold(strings.TrimSpace(config["exactly.once.support"]), "required") {
		if !*vd.eos {
			addError("exactly.once.support", msgEOSWorkerDisabled)
		}
		support, err := exactlyOnceSupport(conn, config)
		switch {
		case err != nil:
			addError("exactly.once.support", unexpected(err))
		case support == connectors.ExactlyOnceUndeclared:
			addError("exactly.once.support", msgEOSUndeclared)
		case support == connectors.ExactlyOnceUnsupported:
			addError("exactly.once.support", msgEOSUnsupported)
		}
	}
	if v := byName["transaction.boundary"]; v != nil && len(v.Errors) == 0 &&
		strings.EqualFold(strings.TrimSpace(config["transaction.boundary"]), "connector") {
		b, err := transactionBoundaries(conn, config)
		switch {
		case err != nil:
			addError("transaction.boundary", unexpected(err))
		case b == connectors.TransactionBoundariesUndeclared:
			addError("transaction.boundary", msgBoundariesUndeclared)
		case b == connectors.TransactionBoundariesUnsupported:
			addError("transaction.boundary", msgBoundariesUnsupported)
		}
	}
}

// exactlyOnceSupport asks the plugin; a panic is an error, as Kafka catches any exception.
func exactlyOnceSupport(conn connectors.Connector, config map[string]string) (s connectors.ExactlyOnceSupport, err error) {
	e, ok := conn.(connectors.ExactlyOnceSupporter)
	if !ok {
		return connectors.ExactlyOnceUndeclared, nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return e.ExactlyOnceSupport(config)
}

// transactionBoundaries asks the plugin; one that does not say cannot, as SourceConnector's
// default canDefineTransactionBoundaries answers.
func transactionBoundaries(conn connectors.Connector, config map[string]string) (b connectors.TransactionBoundaries, err error) {
	d, ok := conn.(connectors.TransactionBoundaryDefiner)
	if !ok {
		return connectors.TransactionBoundariesUnsupported, nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return d.CanDefineTransactionBoundaries(config)
}

// unexpected is Kafka's text for an exception thrown by the plugin's answer.
func unexpected(err error) string {
	if m := strings.TrimSpace(err.Error()); m != "" {
		return msgValidationFailed + ": " + m
	}
	return msgValidationFailedNoDetail
}

// unlessNull runs v only on a set value, as Kafka's LambdaValidator around a Range does
// for keys whose default is null.
func unlessNull(v connectors.Validator) connectors.Validator {
	return func(x any) error {
		if x == nil {
			return nil
		}
		return v(x)
	}
}
