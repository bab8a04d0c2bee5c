package validation

import (
	"time"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/messages"
)

// DefaultPluginTimeout bounds a connector's own config() and validate() during validation:
// Kafka Connect's REST request timeout, after which it answers 500 "Request timed out" while
// the validation goes on in its executor (spec §1.3).
const DefaultPluginTimeout = 90 * time.Second

// WithPluginTimeout bounds the connector's own config() and validate() (default
// DefaultPluginTimeout).
func WithPluginTimeout(d time.Duration) Option {
	return optionFunc(func(vd *Validator) { vd.pluginTimeout = d })
}

// ownValidation is the connector's own ConfigDef and its validation results, as Kafka's
// Connector.validate() gives them: a connector with its own validate() (a
// connectors.ConfigValidator: a Java plugin) answers for every key itself; the others are
// validated against their ConfigDef here.
//
// Both are plugin code that may hang, a Java plugin's validate() waiting on a database that
// does not answer: after vd.pluginTimeout the request is answered with TIMEOUT ("Request timed
// out", as Kafka Connect answers it), and the call is left to end on its own (a Java plugin's
// calls have a deadline of their own), so that nothing else waits for it.
func (vd *Validator) ownValidation(conn connectors.Connector, config map[string]string) (connectors.ConfigDef, []connectors.ConfigValue, error) {
	type result struct {
		def    connectors.ConfigDef
		values []connectors.ConfigValue
	}
	done := make(chan result, 1)
	go func() {
		def := conn.Config()
		var values []connectors.ConfigValue
		if v, ok := conn.(connectors.ConfigValidator); ok {
			values = v.ValidateConfig(config)
		} else {
			values = def.Validate(config)
		}
		done <- result{def, values}
	}()
	timeout := vd.pluginTimeout
	if timeout <= 0 {
		timeout = DefaultPluginTimeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-done:
		return r.def, r.values, nil
	case <-t.C:
		return nil, nil, api.Errorf(messages.ErrorCode_ERROR_CODE_TIMEOUT, "Request timed out")
	}
}
