// Package tlsconfig turns Kafka-style ssl.* properties into a *tls.Config, for every place
// connectd speaks TLS: the REST and admin listeners (listeners.https.ssl.*), the actor cluster
// (cluster.ssl.*) and the Kafka clients (ssl.*, producer.ssl.*, …).
//
// Keystores and truststores are read in the three formats Kafka accepts (PEM, PKCS12, JKS),
// with software.sslmate.com/src/go-pkcs12, github.com/pavlo-v-chernykh/keystore-go and
// github.com/youmark/pkcs8 doing the parsing.
//
// Invariants:
//   - a setting is honoured or refused: a value Go's TLS stack cannot apply (a gap in
//     ssl.enabled.protocols, a cipher Go does not have, a Java-only provider) is an error at
//     load, never dropped;
//   - an error names the full key as the operator wrote it and the file, never a password;
//   - ssl.endpoint.identification.algorithm empty turns off the host name check only: the
//     peer's chain is still verified against the truststore;
//   - a Source re-reads its files when they change, at most once per check interval, and keeps
//     serving the previous material when the new files do not load; a server's certificate and
//     client check and a client's certificate follow the files, a client's trusted roots are
//     those of when its config was made.
//
// It imports only the standard library and the parsing libraries above.
package tlsconfig
