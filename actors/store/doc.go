// Package store keeps connectd's state where Kafka Connect keeps it, in Kafka Connect's own
// record formats (spec §10.5, §12), so Java workers and existing tooling can read it and an
// existing Kafka Connect cluster's topics can be adopted:
//
//   - ConfigStore: config.storage.topic (1 partition): connector configs, task configs with
//     their commits, target states, cluster logger levels; read as an immutable
//     ConfigSnapshot plus a coalescing change notification;
//   - StatusStore: status.storage.topic: connector and task statuses, fenced by generation;
//   - OffsetStore: offset.storage.topic: source offsets; FileOffsetStore keeps the same in
//     offset.storage.file.filename for standalone mode; both implement Offsets;
//   - Log: the tailing primitive under the three Kafka stores (Kafka Connect's
//     KafkaBasedLog): create-if-missing, read from the oldest offset, write and wait;
//   - NewMemoryConfigStore, NewMemoryStatusStore: the same two stores on an in-process
//     log instead of a topic, for standalone mode (configs and status in memory).
//
// Kafka I/O is sarama only. Each Kafka store makes and owns its sarama clients from Kafka
// (bootstrap servers plus the worker's sarama.Config), because it depends on producer
// settings a shared client would not carry: one for writes, offsets and metadata, one for its
// reader's long-poll fetches, both keeping their topic's metadata only, and at Start a
// short-lived one that creates and checks the topic (log.go, prepareTopic). The package
// imports nothing of ours but messages: no actors, connectors, http or protoactor.
//
// Invariants:
//   - a write returns only once it is durable (acks=all) AND applied by the store's own
//     reader, so a read after a successful write sees it (spec: "visible to reads");
//   - records go to positive(murmur2(key)) % partitions, Java's default partitioner, so a
//     key lands where a Java worker's would and compaction and ordering hold across both;
//   - writes of one store keep their order (writer.go: one goroutine sends, one request
//     per leader at a time, a request's retries before the next request); the records of
//     one call travel in one request; asynchronous status writes are ordered with blocking
//     ones;
//   - task configs are visible only once their commit record arrives with a complete set
//     (deferred as in KafkaConfigBackingStore); deleting a connector forgets its tasks;
//   - STOPPED is written as state PAUSED plus state.v2 STOPPED and read state.v2 first;
//   - a status record with a lower generation than the one held for its key is ignored;
//   - offset partitions match structurally (canonical JSON), whatever the field order of
//     the writer; JSON numbers read back as int64 when integral, float64 otherwise;
//   - constructors open nothing; Start connects and returns caught up; Close is safe twice.
//
// Readers read committed records only (an exactly-once source task's aborted offsets are
// never applied); ReadToEnd reads to the last stable offset, and counts a partition whose
// last records are transaction markers or aborted as read (committed.go), since sarama
// does not expose a consumer's position.
package store
