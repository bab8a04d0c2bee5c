// Package clusterauth lets only the workers of one cluster talk to each other's actor remote.
//
// Two layers, applied as gRPC server and dial options that actors/member hands to protoactor's
// remote:
//   - a session key shared through the config topic, as Kafka Connect's KIP-507 shares it
//     (record "session-key", rotated every inter.worker.key.ttl.ms): every gRPC call carries
//     an HMAC of a fresh timestamp under the current key, and the server's interceptors refuse
//     a call without a valid one before protoactor's endpoint reader, and so any grain, sees
//     a message. It is always on.
//   - mutual TLS from cluster.ssl.* (configured like the REST listeners' TLS, through
//     actors/tlsconfig) when those keys are set: a peer without a certificate the truststore
//     accepts does not finish the handshake.
//
// Invariants:
//   - the key never appears in a log line or an error;
//   - the keys of the last rotations stay accepted until they are two TTLs old, so a member
//     that has not yet read the newest key is not locked out while the cluster converges;
//   - refusals are logged at Warn, throttled, with the caller's address only;
//   - unary calls are refused for everyone: protoactor's two unary methods panic the process.
//
// It imports actors/store (the session-key record) and actors/tlsconfig; never protoactor.
package clusterauth
