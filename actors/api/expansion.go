package api

import (
	"github.com/connectd/connectd/messages"
)

// ConnectorExpansion is one connector of GET /connectors?expand=… (spec §3.3): Status when
// status was asked for, Info when info was.
type ConnectorExpansion struct {
	Status *messages.ConnectorStatus
	Info   *messages.ConnectorInfo
}
