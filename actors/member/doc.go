// Package member is the only code that starts, requests through and stops the protoactor-go
// cluster. protoactor's traps (spec/protoactor-notes.md §0, §6) are worked around here and
// nowhere else, so that an upgrade or fork touches one package.
//
// Invariants:
//
//   - every request is bounded by the caller's context: the cluster's own 5 s identity-lookup
//     stall (notes §6.3) never holds a caller past its deadline;
//
//   - Cluster.RequestFuture with options is never used (its call config is process-global);
//
//   - a grain this member already holds is asked through a reused reply slot (replies.go),
//     not a future registered per request; anything else, and a slot's dead letter or
//     timeout, goes through cluster.Request and its retries;
//
//   - only protobuf messages are sent; protoactor logs go through the caller's slog handler,
//     at Warn and above, tagged component=protoactor;
//
//   - Start returns as soon as the member is in its own topology, not after StartMember's
//     fixed one-second sleep.
//
//   - membership is the provider's (a Kafka group in distributed mode) minus the peers this
//     member knows are gone: seen dead through a dropped connection and a refused redial,
//     or announced leaving. Grains move as soon as a peer is known gone, and a leaving
//     member drains its grains before it tells its peers to take over.
//
// It imports nothing of ours but the wire messages.
package member
