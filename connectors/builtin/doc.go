// Package builtin assembles the plugins that ship with connectd into one Registry: the
// FileStream connectors, the load connectors (DataGenSource, DiscardSink), the String, Json
// and ByteArray converters (also as header converters, with SimpleHeaderConverter), and the
// transformations and predicates. cmd/connectd wires it into the runtime; the runtime itself
// never imports a plugin package.
//
// It imports only the connectors API and the plugin packages. Each plugin is registered
// exactly once, so a duplicate class panics at start.
package builtin
