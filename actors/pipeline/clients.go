package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/kafkaconfig"
)

// BaseConfig is the client configuration every Kafka client of a worker starts from.
func BaseConfig(clientID string) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = clientID
	c.Version = sarama.V3_6_0_0
	c.Metadata.AllowAutoTopicCreation = false // topics are created explicitly (EnsureTopic)
	return c
}

// Clients makes the Kafka clients of source and sink tasks; it implements actors.Kafka.
// Each Producer is a new client that the caller closes; a SinkConsumer's client is the Sink's.
type Clients struct {
	Brokers []string
	// Admin serves topic listing and creation; it is owned by the caller.
	Admin sarama.Client
	// Hash maps a record key to a partition; nil uses sarama's hash. Workers pass Java's
	// murmur2 (store.PartitionFor), so keyed records land where a Java producer puts them.
	Hash func(key []byte, partitions int32) int32
	// SessionTimeout and HeartbeatInterval configure sink consumers (session.timeout.ms,
	// heartbeat.interval.ms); zero means 10 s and 3 s.
	SessionTimeout, HeartbeatInterval time.Duration
	// TransactionalIDPrefix, when set, makes every source producer transactional with
	// transactional.id "<prefix>-<connector>-<task>" (Kafka Connect's exactly-once naming,
	// with group.id as the prefix). A new producer for the same task fences every older one
	// at the broker: a zombie task on a worker with a stale view can no longer write.
	TransactionalIDPrefix string
	// SinkReadCommitted makes sink consumers read committed records only (isolation.level
	// read_committed) unless the worker's consumer.* or the connector's
	// consumer.override.* set isolation.level: the default of a worker with
	// exactly.once.source.support=enabled, so that a sink sees neither the aborted
	// transactions of exactly-once sources nor their open ones.
	SinkReadCommitted bool
	// Security are the worker's security.*, ssl.* and sasl.* properties; every client starts
	// from them. ProducerProps, ConsumerProps and AdminProps are the worker's producer.*,
	// consumer.* and admin.* (prefix stripped): they override Security, and a connector's
	// overrides override them. A connector with admin.override.* gets admin clients of its
	// own; the others share Admin.
	Security, ProducerProps, ConsumerProps, AdminProps map[string]string
	// Logger receives, once per key, the client properties connectd does not know; nil discards.
	Logger *slog.Logger

	ignored sync.Map // "role key" already logged
}

// Consumer is what a sink task's consumer is made of (Sink's Consumer and ReadCommitted).
type Consumer struct {
	// Opts are the franz-go options of the task's consumer: brokers, group, security and the
	// consumer settings; Sink adds its topics and rebalance callbacks.
	Opts []kgo.Opt
	// GroupID is the group the task joins: consumer.override.group.id, else connect-<connector>.
	GroupID string
	// MaxPollRecords is max.poll.records: the most records handed to the task at once; zero
	// when not set.
	MaxPollRecords int
	// ReadCommitted is isolation.level=read_committed.
	ReadCommitted bool
}

// SinkGroupID is the consumer group of a sink connector: consumer.override.group.id when the
// connector's overrides set it, else connect-<connector>, as in Kafka Connect.
func SinkGroupID(connector string, overrides map[string]string) string {
	if g := strings.TrimSpace(overrides["group.id"]); g != "" {
		return g
	}
	return "connect-" + connector
}

// configure layers the worker's security, the worker's role properties and the connector's
// overrides onto base, in that order, and logs unknown keys once.
func (k *Clients) configure(base *sarama.Config, role kafkaconfig.Role, worker, overrides map[string]string) (kafkaconfig.Client, error) {
	cl, _, err := k.configureProps(base, role, worker, overrides)
	return cl, err
}

// configureProps is configure, also returning the merged properties.
func (k *Clients) configureProps(base *sarama.Config, role kafkaconfig.Role, worker, overrides map[string]string) (kafkaconfig.Client, map[string]string, error) {
	props := map[string]string{}
	maps.Copy(props, k.Security)
	maps.Copy(props, worker)
	maps.Copy(props, overrides)
	cl, err := kafkaconfig.Apply(base, role, props)
	if err != nil {
		return cl, nil, err
	}
	for _, key := range cl.Ignored {
		if _, seen := k.ignored.LoadOrStore(string(role)+" "+key, true); !seen && k.Logger != nil {
			k.Logger.Info("unknown client property ignored", "client", string(role), "key", key)
		}
	}
	return cl, props, nil
}

// Producer makes the producer of one source task: acks=all, a record's own partition kept,
// then the worker's producer.* and the connector's producer.override.* settings.
func (k *Clients) Producer(connector string, task int32, overrides map[string]string) (sarama.SyncProducer, error) {
	c := BaseConfig(fmt.Sprintf("connector-producer-%s-%d", connector, task))
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Producer.Retry.Max = 10
	hash := k.Hash
	if hash == nil {
		hash = func(key []byte, n int32) int32 {
			p, _ := sarama.NewHashPartitioner("").Partition(&sarama.ProducerMessage{Key: sarama.ByteEncoder(key)}, n)
			return p
		}
	}
	c.Producer.Partitioner = NewPartitioner(hash)
	if k.TransactionalIDPrefix != "" {
		c.Producer.Idempotent = true
		c.Producer.Transaction.ID = TransactionalID(k.TransactionalIDPrefix, connector, int(task))
		c.Net.MaxOpenRequests = 1
		// A new instance's InitProducerId waits while the coordinator ends the previous
		// instance's transaction; sarama's 100 ms default backoff would add to every handover.
		c.Producer.Transaction.Retry.Backoff = 10 * time.Millisecond
		c.Producer.Transaction.Retry.Max = 500
	}
	cl, err := k.configure(c, kafkaconfig.Producer, k.ProducerProps, overrides)
	if err != nil {
		return nil, fmt.Errorf("producer for %s-%d: %w", connector, task, err)
	}
	p, err := sarama.NewSyncProducer(k.brokers(cl), cl.Config)
	if err != nil {
		return nil, fmt.Errorf("producer for %s-%d: %w", connector, task, err)
	}
	return p, nil
}

// PipelinedProducer makes the producer of one source task in the pipelined mode (Source's
// Pipelined): franz-go, acks=all and idempotent unless the settings say otherwise, a record's
// own partition kept, several batches in flight, then the worker's producer.* and the
// connector's producer.override.* settings (kafkaconfig.FranzProducer), then how the source
// retries (d).
func (k *Clients) PipelinedProducer(connector string, task int32, overrides map[string]string, d Delivery, extra ...kgo.Opt) (*kgo.Client, error) {
	c := BaseConfig(fmt.Sprintf("connector-producer-%s-%d", connector, task))
	c.Producer.RequiredAcks = sarama.WaitForAll
	cl, props, err := k.configureProps(c, kafkaconfig.Producer, k.ProducerProps, overrides)
	if err != nil {
		return nil, fmt.Errorf("producer for %s-%d: %w", connector, task, err)
	}
	opts, err := kafkaconfig.FranzProducer(cl, props)
	if err != nil {
		return nil, fmt.Errorf("producer for %s-%d: %w", connector, task, err)
	}
	hash := k.Hash
	if hash == nil {
		hash = func(key []byte, n int32) int32 {
			p, _ := sarama.NewHashPartitioner("").Partition(&sarama.ProducerMessage{Key: sarama.ByteEncoder(key)}, n)
			return p
		}
	}
	opts = append(opts, kgo.SeedBrokers(k.brokers(cl)...), kgo.RecordPartitioner(FranzPartitioner(hash)))
	p, err := kgo.NewClient(append(append(opts, d.Options()...), extra...)...)
	if err != nil {
		return nil, fmt.Errorf("producer for %s-%d: %w", connector, task, err)
	}
	return p, nil
}

// TransactionalProducer makes the franz-go producer of one exactly-once source task: the
// pipelined producer's settings with transactional.id "<prefix>-<connector>-<task>"
// (TransactionalIDPrefix) and Kafka's transaction.timeout.ms default, 60 s.
func (k *Clients) TransactionalProducer(connector string, task int32, overrides map[string]string, d Delivery) (*kgo.Client, error) {
	if k.TransactionalIDPrefix == "" {
		return nil, fmt.Errorf("producer for %s-%d: no transactional id prefix", connector, task)
	}
	return k.PipelinedProducer(connector, task, overrides, d,
		kgo.TransactionalID(TransactionalID(k.TransactionalIDPrefix, connector, int(task))), kgo.TransactionTimeout(time.Minute))
}

// DLQProducer makes the producer of one sink task's dead letter queue
// (connector-dlq-producer-<connector>-<task>): acks=all, never transactional, with the
// worker's producer.* and the connector's producer.override.* settings, as Kafka Connect's.
func (k *Clients) DLQProducer(connector string, task int32, overrides map[string]string) (sarama.SyncProducer, error) {
	c := BaseConfig(fmt.Sprintf("connector-dlq-producer-%s-%d", connector, task))
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Return.Successes = true
	c.Producer.Return.Errors = true
	c.Producer.Retry.Max = 10
	cl, err := k.configure(c, kafkaconfig.Producer, k.ProducerProps, overrides)
	if err != nil {
		return nil, fmt.Errorf("dead letter queue producer for %s-%d: %w", connector, task, err)
	}
	p, err := sarama.NewSyncProducer(k.brokers(cl), cl.Config)
	if err != nil {
		return nil, fmt.Errorf("dead letter queue producer for %s-%d: %w", connector, task, err)
	}
	return p, nil
}

// EnsureDLQTopic creates a dead letter queue topic unless it exists: one partition and
// errors.deadletterqueue.topic.replication.factor replicas, as Kafka Connect creates it, with
// the admin client of the connector's admin.override.* settings.
func (k *Clients) EnsureDLQTopic(topic string, replication int16, adminOverrides map[string]string) error {
	admin, release, err := k.admin(adminOverrides)
	if err != nil {
		return err
	}
	defer release()
	err = admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: replication}, false)
	var terr *sarama.TopicError
	if err == nil || (errors.As(err, &terr) && terr.Err == sarama.ErrTopicAlreadyExists) || errors.Is(err, sarama.ErrTopicAlreadyExists) {
		return nil
	}
	return fmt.Errorf("create dead letter queue topic %s (replication factor %d): %w", topic, replication, NameKafkaError(err))
}

func (k *Clients) brokers(cl kafkaconfig.Client) []string {
	if len(cl.Bootstrap) > 0 {
		return cl.Bootstrap
	}
	return k.Brokers
}

// DefaultPartitionFetchBytes is max.partition.fetch.bytes when no consumer.* or
// consumer.override.* sets it. franz-go fetches a partition again only once its previous
// fetch was handed to the task, so one fetch per round trip is what a partition moves: with
// Java's 1 MiB a single-partition sink on Apache Kafka stayed at 0.3-0.6 of a consumer that
// fetches 8 MiB, and reached 0.7-0.8 with 8 MiB (benchmarks/README.md). fetch.max.bytes
// (50 MiB, as Java's) still bounds a whole fetch, so many partitions hold no more than with
// Java's defaults.
const DefaultPartitionFetchBytes = 8 << 20

// SinkConsumer makes the consumer of one sink task, in group SinkGroupID, with the worker's
// consumer.* and the connector's consumer.override.* settings (kafkaconfig.FranzConsumer).
func (k *Clients) SinkConsumer(connector string, task int32, overrides map[string]string) (*Consumer, error) {
	c := BaseConfig(fmt.Sprintf("connector-consumer-%s-%d", connector, task))
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	session, heartbeat := k.SessionTimeout, k.HeartbeatInterval
	if session <= 0 {
		session = 10 * time.Second
	}
	if heartbeat <= 0 {
		heartbeat = 3 * time.Second
	}
	// A broker refuses a session below its group.min.session.timeout.ms, 6 s by default.
	c.Consumer.Group.Session.Timeout = max(session, 6*time.Second)
	c.Consumer.Group.Heartbeat.Interval = min(heartbeat, c.Consumer.Group.Session.Timeout/3)
	c.Consumer.MaxWaitTime = 250 * time.Millisecond
	c.Consumer.Fetch.Default = DefaultPartitionFetchBytes
	if k.SinkReadCommitted {
		c.Consumer.IsolationLevel = sarama.ReadCommitted
	}
	cl, props, err := k.configureProps(c, kafkaconfig.Consumer, k.ConsumerProps, overrides)
	if err != nil {
		return nil, fmt.Errorf("consumer for %s-%d: %w", connector, task, err)
	}
	opts, err := kafkaconfig.FranzConsumer(cl, props)
	if err != nil {
		return nil, fmt.Errorf("consumer for %s-%d: %w", connector, task, err)
	}
	group := "connect-" + connector
	if cl.GroupID != "" {
		group = cl.GroupID
	}
	opts = append(opts, kgo.SeedBrokers(k.brokers(cl)...), kgo.ConsumerGroup(group))
	return &Consumer{Opts: opts, GroupID: group, MaxPollRecords: cl.MaxPollRecords,
		ReadCommitted: cl.Config.Consumer.IsolationLevel == sarama.ReadCommitted}, nil
}

// Topics lists the cluster's topics, for topics.regex, with the admin client of the
// connector's admin.override.* settings. It asks a broker for every topic's metadata each
// time, so that a new topic is seen, and keeps none of it: a client that refreshes the whole
// cluster's metadata keeps it for its life (NewAdminClient).
func (k *Clients) Topics(adminOverrides map[string]string) ([]string, error) {
	client, release, err := k.adminClient(adminOverrides)
	if err != nil {
		return nil, err
	}
	defer release()
	md, err := requestMetadata(client, nil)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	topics := make([]string, 0, len(md.Topics))
	for _, t := range md.Topics {
		// The topics sarama's client keeps from such an answer: a topic without a leader yet
		// is one all the same.
		if errors.Is(t.Err, sarama.ErrNoError) || errors.Is(t.Err, sarama.ErrLeaderNotAvailable) {
			topics = append(topics, t.Name)
		}
	}
	return topics, nil
}

// EnsureTopic creates topic with the broker's default partitions and replication unless it
// exists, with the admin client of the connector's admin.override.* settings. Explicit
// creation, not the broker's auto-creation, is what a restarted embedded broker finds again
// after a crash.
func (k *Clients) EnsureTopic(topic string, adminOverrides map[string]string) error {
	admin, release, err := k.admin(adminOverrides)
	if err != nil {
		return err
	}
	defer release()
	err = admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: -1, ReplicationFactor: -1}, false)
	var terr *sarama.TopicError
	if err == nil || (errors.As(err, &terr) && terr.Err == sarama.ErrTopicAlreadyExists) || errors.Is(err, sarama.ErrTopicAlreadyExists) {
		return nil
	}
	return err
}

// ClusterID asks the cluster behind Admin for its ID (spec §2.2: shown by GET /). It is a
// worker's first request to Kafka, so a bad address or bad credentials surface here.
func (k *Clients) ClusterID() (string, error) {
	md, err := requestMetadata(k.Admin, []string{probeTopic})
	if err != nil {
		return "", fmt.Errorf("kafka cluster id: %w", err)
	}
	if md.ClusterID == nil {
		return "", errors.New("kafka cluster id: broker reported none")
	}
	return *md.ClusterID, nil
}

// Transactional reports whether source producers are transactional (TransactionalIDPrefix
// set): the tasks then run in the transactional mode, else in the pipelined one.
func (k *Clients) Transactional() bool { return k.TransactionalIDPrefix != "" }
