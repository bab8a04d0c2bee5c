package converters

import (
	"errors"
	"fmt"
)

// ErrData is wrapped by every conversion failure, as Kafka Connect throws DataException.
var ErrData = errors.New("data conversion failed")

// dataError keeps Kafka's DataException text as the message (clients and traces show it)
// while errors.Is still finds ErrData and the cause.
type dataError struct {
	text  string // ends in ": " when a cause follows, as Kafka's texts with a cause do
	cause error
}

func (e *dataError) Error() string {
	if e.cause != nil {
		return e.text + e.cause.Error()
	}
	return e.text
}

func (e *dataError) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrData, e.cause}
	}
	return []error{ErrData}
}

func dataErrorf(format string, args ...any) error {
	return &dataError{text: fmt.Sprintf(format, args...)}
}

// Kafka's DataException texts that clients or operators may match.
const (
	msgEnvelope = `JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields.` +
		` If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.`
	msgDeserialize  = "Converting byte[] to Kafka Connect data failed due to serialization error: "
	msgRequiredNull = "Conversion error: null value for field that is required and has no default value"
	msgScale        = "BigDecimal has mismatching scale value for given Decimal schema"
)
