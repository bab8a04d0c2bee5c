package builtin

import (
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/converters"
	"github.com/connectd/connectd/connectors/filestream"
	"github.com/connectd/connectd/connectors/loadgen"
	"github.com/connectd/connectd/connectors/postgres"
	"github.com/connectd/connectd/connectors/transforms"
)

// Registry returns a new registry holding every built-in plugin.
func Registry() *connectors.Registry {
	r := &connectors.Registry{}
	filestream.Register(r)
	loadgen.Register(r)
	postgres.Register(r)
	converters.Register(r)
	transforms.Register(r)
	return r
}
