package rest

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxNameBytes bounds a connector name. The name goes into Kafka protocol strings, which hold
// at most 32767 bytes: the sink's consumer group "connect-<name>", client ids
// "connector-consumer-<name>-<task>" and transactional ids "<group.id>-<name>-<task>". Half of
// that leaves the other half for every prefix and suffix, so a name that is accepted never
// makes a task that cannot start.
const maxNameBytes = 16384

// maxEchoedName bounds how much of a name an error message repeats.
const maxEchoedName = 256

// Texts of the 400s of names that cannot be stored as sent (connectd's own: Kafka Connect
// rewrites such names to U+FFFD, or accepts names its tasks cannot use).
const (
	msgNameNotUTF8   = "Connector name is not valid UTF-8: a name must be text the client can send again to find the connector"
	msgNameSurrogate = "Connector name holds a lone UTF-16 surrogate (%s): a name must be text the client can send again to find the connector"
	msgNameTooLong   = "Connector name is %d bytes long; at most %d are allowed, so that the consumer groups, client ids and transactional ids made from it fit in Kafka's protocol"
)

// checkName returns the 400 of a name that is not valid UTF-8 or too long; nil otherwise.
func checkName(name string) error {
	if !utf8.ValidString(name) {
		return badRequest(msgNameNotUTF8)
	}
	if len(name) > maxNameBytes {
		return badRequest(msgNameTooLong, len(name), maxNameBytes)
	}
	return nil
}

// checkJSONString returns the 400 of a JSON string literal (quotes included) that would not
// decode to the bytes the client meant: invalid UTF-8, or a \u escape of a lone surrogate,
// which encoding/json silently turns into U+FFFD.
func checkJSONString(lit []byte) error {
	lit = bytes.TrimSpace(lit)
	if !utf8.Valid(lit) {
		return badRequest(msgNameNotUTF8)
	}
	var prevHigh bool // the previous escape was a high surrogate waiting for its low half
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			if prevHigh {
				return badRequest(msgNameSurrogate, "high surrogate without its low half")
			}
			continue
		}
		i++
		if i >= len(lit) {
			break
		}
		if lit[i] != 'u' || i+4 >= len(lit) {
			if prevHigh {
				return badRequest(msgNameSurrogate, "high surrogate without its low half")
			}
			continue
		}
		v, err := strconv.ParseUint(string(lit[i+1:i+5]), 16, 16)
		i += 4
		if err != nil {
			continue // encoding/json rejects it as a syntax error
		}
		r := rune(v)
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if prevHigh {
				return badRequest(msgNameSurrogate, "high surrogate without its low half")
			}
			prevHigh = true
		case r >= 0xDC00 && r < 0xE000:
			if !prevHigh {
				return badRequest(msgNameSurrogate, "low surrogate without its high half")
			}
			prevHigh = false
		default:
			if prevHigh {
				return badRequest(msgNameSurrogate, "high surrogate without its low half")
			}
		}
	}
	if prevHigh {
		return badRequest(msgNameSurrogate, "high surrogate without its low half")
	}
	return nil
}

// echoed is name as an error message may repeat it: whole when short, else its first
// maxEchoedName bytes (cut on a rune boundary) and how many bytes were left out.
func echoed(name string) string {
	if len(name) <= maxEchoedName {
		return name
	}
	cut := maxEchoedName
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + "…(" + strconv.Itoa(len(name)-cut) + " more bytes)"
}

// abbreviateName replaces a long name in an error message with its echoed form.
func abbreviateName(message, name string) string {
	if len(name) <= maxEchoedName || name == "" {
		return message
	}
	return strings.ReplaceAll(message, name, echoed(name))
}

// namedError is an error of a request about connector name: its message, when it repeats a
// long name, repeats it abbreviated (errorStatus).
type namedError struct {
	err  error
	name string
}

func (e namedError) Error() string { return e.err.Error() }
func (e namedError) Unwrap() error { return e.err }
