// Package basicauth is HTTP Basic authentication on the REST API, file-compatible with Kafka
// Connect's BasicAuthSecurityRestExtension: the same JAAS file (a KafkaConnect entry naming
// PropertyFileLoginModule and its file="…" option) and the same users file (user=password
// lines, read by the caller as Java properties).
//
// Invariants:
//   - every request is checked, /health included, as Kafka Connect's JaasBasicAuthFilter
//     does; only the two internal endpoints it exempts (POST /connectors/{c}/tasks, PUT
//     /connectors/{c}/fence) pass, and connectd's REST layer refuses those anyway;
//   - a missing, malformed or wrong Authorization header is a 401 with WWW-Authenticate,
//     never a 500; passwords are compared in constant time, and an unknown user costs the
//     same as a wrong password;
//   - an empty users file is refused at start (Kafka Connect would let every request in);
//   - neither a password nor an Authorization header is ever logged.
//
// It imports only the standard library.
package basicauth
