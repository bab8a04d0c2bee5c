package tlsconfig

import "errors"

// ErrInvalid marks a configuration that cannot be honoured: an unknown store type, a protocol
// range Go cannot express, a cipher suite Go does not have. The message names the key.
var ErrInvalid = errors.New("invalid ssl configuration")

// ErrNoKeystore is returned by ServerConfig when the settings name no keystore: a TLS server
// needs a certificate.
var ErrNoKeystore = errors.New("no keystore configured")
