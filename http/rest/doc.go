// Package rest serves the Apache Kafka Connect REST API (spec/connect-rest.md) over a Backend,
// which *actors.Client implements. It decodes requests, makes one Backend call, and encodes the
// reply or Kafka Connect's error body; it knows nothing of Kafka, grains or plugins.
//
// It must not import protoactor, sarama, kfake or any plugin package, even indirectly; it
// imports messages and actors/api (the facade's error, expansion, health and logger types)
// only. cmd/connectd/imports_test.go checks its whole dependency graph.
//
// Invariants:
//   - Routes match the escaped request path, so a connector name may hold "/" (sent as %2F);
//     connectorName is the one place a name is unescaped (spec §13.1). Mount Server.Handler at
//     the root of an http.Server, not behind an http.ServeMux, which cleans and redirects paths.
//   - Every route also answers with a trailing slash, directly: no redirect, no path fixing;
//     every GET route answers HEAD. GET /connectors/{c}/tasks-config is gone (Kafka Connect 4.0).
//   - Every response with a body is application/json; every error, including unknown routes,
//     wrong methods and recovered panics, is {"error_code": N, "message": "..."} (spec §1.2).
//   - decode is the one body decoder: a body not declared as JSON, no Content-Type included,
//     is 415 (a cross-site post must not reach the API); any request to a route other than /
//     and /health that declares another Content-Type is 415, as Jersey answers; malformed JSON
//     and JSON type errors are 400 (DESIGN.md, where Kafka Connect answers 500); bodies over
//     1 MiB are 413. A client whose Accept excludes JSON gets 406 (spec §1.1).
//   - A connector name is valid UTF-8 with no lone surrogate, at most maxNameBytes long
//     (names.go); no error message repeats more than maxEchoedName bytes of a name.
//   - Serve Handler with NewHTTPServer on a ConnLimiter's listener (conns.go): read deadlines
//     for headers and bodies, and a connection cap that evicts the slowest unserved
//     connection first, so that slow clients never take REST or the tasks' descriptors.
//   - Handler serves every route; APIHandler and AdminHandler split off /admin/loggers for
//     admin.listeners (spec §3.0). CORS (WithCORS) wraps all three.
//   - A handler is decode → one Backend call → encode: it never sleeps, retries or loops over
//     connectors or tasks.
package rest
