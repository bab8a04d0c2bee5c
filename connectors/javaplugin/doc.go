// Package javaplugin runs Kafka Connect Java plugins from plugin.path for a connectd worker,
// through one JVM plugin host per worker (the Maven module in host/, embedded in the binary).
// From the runtime's point of view it is a plugin source like connectors/builtin: its
// connectors are connectors.Connector values whose calls go to the host.
//
// It imports only the standard library, the connectors API, its own generated protocol
// (hostpb, from proto/pluginhost.proto) and protobuf. Invariants:
//   - no JVM is started, and no Java or Maven looked for, until a call needs the host: a
//     worker without Java plugins is one Go process;
//   - the host is built on first use from the embedded module, with nothing but Java: its
//     pinned jars fetched from Maven Central (mavenrepo, checksums checked), its sources
//     compiled with javac, or with the Eclipse compiler where Java is a JRE; Maven only for a
//     Kafka version without a pinned list (cached per module content and Kafka version under
//     the user's cache directory; concurrent workers build once);
//   - the host is supervised: one that exits, is killed or misses pings for PingTimeout fails
//     every call in flight with ErrHostDown and a text saying what happened and its last
//     output; the next call starts a new host after a backoff (a start that fails waits one
//     too, so that a host that cannot start is not started by every call); instances do not
//     survive it;
//   - batches cross the channel, never single records, each distinct schema, source partition
//     and offset key set once per batch; a poll batch and a put batch are written and read by
//     hand on both sides (SourceBatchWriter and decodeSourceBatch, encodeSinkPut and
//     SinkPutReader), not as a generated message per record; a
//     source task is polled ahead on its own thread in the host while the worker keeps asking
//     (up to 5 000 records, until 500 ms after its last request), so that one round trip
//     carries the records of many poll() calls even when each returns one record: a paused
//     task polls at most that much more, a stopped one's records not yet delivered are polled
//     again from its committed offsets, and with exactly-once a "poll" transaction boundary is
//     one round trip's records;
//   - a sink task's puts are started (connectors.PutStarter): the worker sends the next batch
//     while the task puts the current one, and the host queues it on the task's thread; a batch
//     sent ahead is put only if the put before it returned without an exception and asked
//     nothing of the context, and is otherwise answered skipped (SinkReply.skipped) for the
//     worker to fetch again after it acted;
//   - a Java plugin's context calls reach the runtime through the connectors API: a sink task's
//     offset(), pause()/resume(), requestCommit() and timeout() come back with each call's reply
//     and are handed to the SinkTaskContext after it, as Kafka Connect acts on them after the
//     call; open()/close() and preCommit() are the PartitionOpener and PreCommitter abilities;
//     errantRecordReporter() reports to the runtime's ErrantRecordReporter (null without one);
//     a connector's exactlyOnceSupport(), canDefineTransactionBoundaries() and alterOffsets()
//     run on a fresh instance, as Kafka Connect calls them;
//   - converters and header converters cross once per batch too (ConvertBatch): a header
//     converter instance (of a class that may be a Converter as well: it is used as the type
//     it was made as) takes all the headers of a batch; a converter's items carry their
//     record's Kafka headers only when it has some, and come back with them only when the
//     converter changed them (fromConnectData may add headers, as Kafka's may);
//   - a source task's transactionContext() (transaction.boundary=connector) is kept in the host
//     per poll() and its requests cross with the batch (SourceBatch.transaction_requests); the
//     worker hands a batch to its pipeline as the polls it was, each followed by its own
//     request (txnpoll.go), so a commitTransaction() acts after its poll's records.
package javaplugin
