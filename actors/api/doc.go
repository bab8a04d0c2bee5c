// Package api holds the types of the herder facade's answers that its callers see: the
// error a request fails with (a code and Kafka Connect's text), a connector's expansion for
// GET /connectors?expand=…, a health check's outcome with the worker's current stage, and a
// logger's level. The REST layer needs these and nothing else of actors, so it depends on
// this package instead of on the runtime and its Kafka and protoactor clients.
//
// It imports only messages and the standard library; cmd/connectd/imports_test.go enforces
// it.
//
// Invariants:
//   - an *Error's Message is shown to the client verbatim; its Code alone picks the status;
//   - a Stage is safe for concurrent use and its zero value has no stage.
package api
