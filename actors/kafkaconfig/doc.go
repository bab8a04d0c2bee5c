// Package kafkaconfig turns the Java client properties Kafka users write (security.protocol,
// sasl.*, ssl.*, acks, compression.type, auto.offset.reset, …) into a *sarama.Config, for the
// worker's own clients (stores, membership, admin) and for every connector's producers and
// consumers; FranzProducer and FranzConsumer translate that configuration into franz-go
// options for the clients of the data path (the pipelined source producer, the exactly-once
// producer, the sink consumer).
//
// Invariants:
//   - a property is honoured, refused, or reported as ignored: a key connectd knows and cannot
//     apply (delivery.timeout.ms, GSSAPI, a Java callback class) is an error naming the key;
//     a key it does not know is returned in Client.Ignored for the caller to log once;
//   - a secured security.protocol never falls back to plaintext: any error in its settings
//     fails the client;
//   - errors name the key and never carry a secret (passwords, sasl.jaas.config, tokens).
//
// It imports sarama, franz-go, actors/tlsconfig and the SCRAM and OAuth 2 client libraries,
// nothing else of ours.
package kafkaconfig
