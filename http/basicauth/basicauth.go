package basicauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"
	"strings"
)

// Message is the text of Kafka Connect's 401 (JaasBasicAuthFilter).
const Message = "User cannot access the resource."

// Realm is the realm named in WWW-Authenticate.
const Realm = "connect"

// ErrNoUsers is returned by New for an empty users file.
var ErrNoUsers = errors.New("the users file holds no user: Kafka Connect would let every request in; connectd refuses to start")

// internal are the requests Kafka Connect's filter lets through unauthenticated: they are
// authenticated by the session key's signature instead (and refused by connectd's REST layer).
var internal = []struct {
	method string
	path   *regexp.Regexp
}{
	{http.MethodPost, regexp.MustCompile(`^/?connectors/[^/]+/tasks/?$`)},
	{http.MethodPut, regexp.MustCompile(`^/?connectors/[^/]+/fence/?$`)},
}

// Authenticator checks HTTP Basic credentials against a users file's entries.
type Authenticator struct {
	// users maps a user to the SHA-256 of its password: comparing digests keeps the
	// comparison constant-time whatever the lengths.
	users map[string][sha256.Size]byte
	dummy [sha256.Size]byte
}

// New builds an Authenticator from user → password entries.
func New(users map[string]string) (*Authenticator, error) {
	if len(users) == 0 {
		return nil, ErrNoUsers
	}
	a := &Authenticator{users: make(map[string][sha256.Size]byte, len(users)), dummy: sha256.Sum256([]byte("no such user"))}
	for u, p := range users {
		a.users[u] = sha256.Sum256([]byte(p))
	}
	return a, nil
}

// Wrap returns next behind the check. Internal paths are matched escaped, so a connector name
// holding "/" (%2F) is one segment.
func (a *Authenticator) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, in := range internal {
			if r.Method == in.method && in.path.MatchString(r.URL.EscapedPath()) {
				next.ServeHTTP(w, r)
				return
			}
		}
		if !a.Allowed(r.Header.Get("Authorization")) {
			unauthorized(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Allowed reports whether an Authorization header value names a user of the file with its
// password. Malformed values are simply not allowed.
func (a *Authenticator) Allowed(header string) bool {
	scheme, encoded, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return false
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" {
		return false
	}
	want, known := a.users[user]
	if !known {
		want = a.dummy
	}
	got := sha256.Sum256([]byte(password))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1 && known
}

func unauthorized(w http.ResponseWriter) {
	h := w.Header()
	h.Set("WWW-Authenticate", `Basic realm="`+Realm+`", charset="UTF-8"`)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"error_code":401,"message":"` + Message + `"}`))
}
