package connectors

// ConfigType is the type of a configuration key, as Kafka Connect's ConfigDef names it.
type ConfigType int

// The configuration key types; String() gives the upper-case name of spec §2.2.
const (
	Boolean ConfigType = iota
	String
	Int
	Short
	Long
	Double
	List
	Class
	Password
)

// Importance of a configuration key.
type Importance int

// The importances; String() gives HIGH, MEDIUM, LOW.
const (
	High Importance = iota
	Medium
	Low
)

// Width is the display width of a configuration key.
type Width int

// The widths; String() gives NONE, SHORT, MEDIUM, LONG.
const (
	WidthNone Width = iota
	WidthShort
	WidthMedium
	WidthLong
)

// Validator checks one parsed value and returns Kafka Connect's per-key text
// (e.g. "Value must be at least 1"); ConfigDef wraps it as
// "Invalid value <v> for configuration <name>: <text>".
type Validator func(value any) error

// ConfigKey declares one configuration key.
type ConfigKey struct {
	Name        string
	Type        ConfigType
	Default     any // string form of the default, or nil for a null default; ignored if Required
	Required    bool
	Validator   Validator
	Importance  Importance
	Doc         string
	Group       string
	Order       int // order in group; 0 means the key's position in its group
	Width       Width
	DisplayName string // empty means Name
	Dependents  []string
	Recommended []string
}

// ConfigDef is an ordered configuration table.
type ConfigDef []ConfigKey

// ConfigValue is the result of validating one key (spec §2.1 ConfigValueInfo).
type ConfigValue struct {
	Name              string
	Value             *string // the parsed value as a string; nil for null
	RecommendedValues []string
	Errors            []string
	Visible           bool
}
