package connectors

import "strconv"

// Kafka Connect's logical types: a primitive schema whose Name gives the value a meaning
// (spec §10.4). Their Go values are *big.Rat for Decimal (exact; the schema's scale parameter
// gives the unscaled form) and time.Time for Date, Time and Timestamp (UTC, millisecond
// precision on the wire).
const (
	DecimalName    = "org.apache.kafka.connect.data.Decimal"
	DecimalScale   = "scale" // Decimal's schema parameter
	DateName       = "org.apache.kafka.connect.data.Date"
	TimeName       = "org.apache.kafka.connect.data.Time"
	TimestampName  = "org.apache.kafka.connect.data.Timestamp"
	logicalVersion = 1
)

// DecimalSchema returns a required Decimal schema with the given scale, as Kafka's
// Decimal.schema(scale).
func DecimalSchema(scale int) *Schema {
	return &Schema{Type: TypeBytes, Name: DecimalName, Version: logicalVersion,
		Parameters: map[string]string{DecimalScale: strconv.Itoa(scale)}}
}

// Required logical schemas, as Kafka's Date.SCHEMA, Time.SCHEMA and Timestamp.SCHEMA.
var (
	DateSchema      = &Schema{Type: TypeInt32, Name: DateName, Version: logicalVersion}
	TimeSchema      = &Schema{Type: TypeInt32, Name: TimeName, Version: logicalVersion}
	TimestampSchema = &Schema{Type: TypeInt64, Name: TimestampName, Version: logicalVersion}
)
