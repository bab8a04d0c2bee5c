// Package membership makes the workers that share bootstrap.servers and group.id one cluster,
// the way Kafka Connect's workers are one: each worker is a member of a Kafka group of
// protocol type "connect", and each completed generation of that group becomes a
// member.View that feeds the actor cluster. The group coordinator is the only membership
// service (no seed lists); its generation is the epoch that fences stale writers.
//
// The protocol is plain classic group membership: JoinGroup with this worker's metadata
// (actor address and REST URL), SyncGroup in which the leader hands every member the same
// member list, and heartbeats. A protocol name of our own ("connectd-1") keeps a Java
// worker that joins the same group.id by mistake out with INCONSISTENT_GROUP_PROTOCOL
// instead of letting it misread our metadata.
package membership
