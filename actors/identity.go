package actors

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Grain kinds.
const (
	connectorKind = "connector"
	taskKind      = "task"
)

// connectorIdentity is the grain identity of connector name. Names may hold any character,
// '/' included (spec §13.1), so they are path-escaped: escaping is injective and the result
// never contains '/', which keeps task identities unambiguous.
func connectorIdentity(name string) string { return url.PathEscape(name) }

// taskIdentity is the grain identity of task n of connector name.
func taskIdentity(name string, n int32) string {
	return url.PathEscape(name) + "/" + strconv.Itoa(int(n))
}

// parseConnectorIdentity inverts connectorIdentity.
func parseConnectorIdentity(id string) (string, error) {
	if strings.Contains(id, "/") {
		return "", fmt.Errorf("connector identity %q: contains '/'", id)
	}
	name, err := url.PathUnescape(id)
	if err != nil {
		return "", fmt.Errorf("connector identity %q: %w", id, err)
	}
	return name, nil
}

// parseTaskIdentity inverts taskIdentity.
func parseTaskIdentity(id string) (string, int32, error) {
	i := strings.LastIndexByte(id, '/')
	if i < 0 {
		return "", 0, fmt.Errorf("task identity %q: no task number", id)
	}
	name, err := parseConnectorIdentity(id[:i])
	if err != nil {
		return "", 0, fmt.Errorf("task identity %q: %w", id, err)
	}
	n, err := strconv.ParseInt(id[i+1:], 10, 32)
	if err != nil || n < 0 || strconv.Itoa(int(n)) != id[i+1:] {
		return "", 0, fmt.Errorf("task identity %q: bad task number", id)
	}
	return name, int32(n), nil
}
