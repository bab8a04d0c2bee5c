package kafkaconfig

import "fmt"

// SettingError is a client property connectd cannot apply: a malformed value, or a setting
// it knows and cannot honour. Key is the property as the client sees it (prefix stripped);
// callers add the prefix the user wrote (producer.override., consumer., …).
type SettingError struct {
	Key string
	Msg string // Kafka's ConfigException text where there is one; never the value of a secret
	Err error  // underlying cause, if any
}

func (e *SettingError) Error() string { return e.Key + ": " + e.Msg }

func (e *SettingError) Unwrap() error { return e.Err }

func settingErr(key, format string, args ...any) *SettingError {
	return &SettingError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// invalidValue is Kafka's ConfigException text for a value the key does not accept.
func invalidValue(key, value, why string) *SettingError {
	return settingErr(key, "Invalid value %s for configuration %s: %s", value, key, why)
}
