package converters

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/connectd/connectd/connectors"
)

// StringConverter is Kafka's org.apache.kafka.connect.storage.StringConverter: values are
// written as their Java toString() text and read back as optional strings. The zero value
// uses UTF-8.
type StringConverter struct {
	charset charset
}

var _ connectors.Converter = (*StringConverter)(nil)

const encodingKey = "converter.encoding"

// Kafka's StringConverterConfig: no group, order -1, width MEDIUM.
var stringConfig = connectors.ConfigDef{
	{Name: encodingKey, Type: connectors.String, Default: "UTF-8", Importance: connectors.High,
		Doc:   "The name of the Java character set to use for encoding strings as byte arrays.",
		Width: connectors.WidthMedium, DisplayName: "Encoding"},
}

// Config returns the converter's configuration table.
func (*StringConverter) Config() connectors.ConfigDef { return stringConfig }

// Configure reads converter.encoding. Java charset names and common aliases are accepted for
// UTF-8, UTF-16 (big-endian with a byte-order mark), UTF-16BE, UTF-16LE, ISO-8859-1 and
// US-ASCII; any other charset is an error here rather than on the first record.
func (c *StringConverter) Configure(props map[string]string, _ bool) error {
	vals, err := stringConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("configure StringConverter: %w", err)
	}
	cs, ok := charsets[strings.ToUpper(strings.NewReplacer("-", "", "_", "").Replace(vals.String(encodingKey)))]
	if !ok {
		return fmt.Errorf("configure StringConverter: unsupported %s %q", encodingKey, vals.String(encodingKey))
	}
	c.charset = cs
	return nil
}

// FromConnectData writes connectors.JavaString(value) in the configured charset; a nil value
// is a nil record.
func (c *StringConverter) FromConnectData(_ string, _ *connectors.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	return c.charset.encode(connectors.JavaString(value)), nil
}

// ToConnectData reads the bytes as an optional string; nil data is a nil value.
func (c *StringConverter) ToConnectData(_ string, data []byte) (*connectors.Schema, any, error) {
	if data == nil {
		return connectors.OptionalStringSchema, nil, nil
	}
	return connectors.OptionalStringSchema, c.charset.decode(data), nil
}

type charset int

const (
	utf8Charset charset = iota
	utf16Charset
	utf16BECharset
	utf16LECharset
	latin1Charset
	asciiCharset
)

// charsets maps Java charset names and aliases, upper-cased without '-' and '_'.
var charsets = map[string]charset{
	"UTF8": utf8Charset, "UNICODE11UTF8": utf8Charset,
	"UTF16": utf16Charset, "UNICODE": utf16Charset,
	"UTF16BE": utf16BECharset, "UNICODEBIGUNMARKED": utf16BECharset,
	"UTF16LE": utf16LECharset, "UNICODELITTLEUNMARKED": utf16LECharset,
	"ISO88591": latin1Charset, "LATIN1": latin1Charset, "ISOLATIN1": latin1Charset, "L1": latin1Charset, "CP819": latin1Charset,
	"USASCII": asciiCharset, "ASCII": asciiCharset, "ASCII7": asciiCharset, "ISO646US": asciiCharset,
}

// encode is Java's String.getBytes: characters the charset cannot hold become '?'.
func (c charset) encode(s string) []byte {
	switch c {
	case utf16Charset, utf16BECharset, utf16LECharset:
		units := utf16.Encode([]rune(s))
		out := make([]byte, 0, 2*len(units)+2)
		if c == utf16Charset {
			out = append(out, 0xFE, 0xFF)
		}
		for _, u := range units {
			if c == utf16LECharset {
				out = append(out, byte(u), byte(u>>8))
			} else {
				out = append(out, byte(u>>8), byte(u))
			}
		}
		return out
	case latin1Charset, asciiCharset:
		limit := rune(0xFF)
		if c == asciiCharset {
			limit = 0x7F
		}
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > limit {
				r = '?'
			}
			out = append(out, byte(r))
		}
		return out
	}
	if utf8.ValidString(s) {
		return []byte(s)
	}
	return []byte(strings.ToValidUTF8(s, "\uFFFD"))
}

// decode is Java's new String(bytes, charset): malformed input becomes U+FFFD.
func (c charset) decode(b []byte) string {
	switch c {
	case utf16Charset, utf16BECharset, utf16LECharset:
		le := c == utf16LECharset
		if c == utf16Charset && len(b) >= 2 {
			switch {
			case b[0] == 0xFE && b[1] == 0xFF:
				b = b[2:]
			case b[0] == 0xFF && b[1] == 0xFE:
				b, le = b[2:], true
			}
		}
		units := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			if le {
				units = append(units, uint16(b[i])|uint16(b[i+1])<<8)
			} else {
				units = append(units, uint16(b[i])<<8|uint16(b[i+1]))
			}
		}
		s := string(utf16.Decode(units))
		if len(b)%2 == 1 {
			s += "\uFFFD"
		}
		return s
	case latin1Charset, asciiCharset:
		var sb strings.Builder
		for _, x := range b {
			if c == asciiCharset && x > 0x7F {
				sb.WriteRune(utf8.RuneError)
				continue
			}
			sb.WriteRune(rune(x))
		}
		return sb.String()
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
