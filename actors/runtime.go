package actors

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/IBM/sarama"
	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/connectd/connectd/actors/loglevel"
	"github.com/connectd/connectd/actors/member"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/messages"
)

// Kafka gives the runtime its data-plane clients. Each call makes a new client that the
// caller closes.
type Kafka interface {
	// Producer makes a producer for one source task (acks=all).
	Producer(connector string, task int32) (sarama.SyncProducer, error)
	// ConsumerGroup makes the consumer of one sink task in group connect-<connector>
	// (auto-commit off, earliest offsets when none are committed).
	ConsumerGroup(connector string, task int32) (sarama.ConsumerGroup, error)
	// Topics lists the topics of the cluster, for topics.regex.
	Topics() ([]string, error)
	// EnsureTopic creates topic with the broker's defaults unless it exists.
	EnsureTopic(topic string) error
}

// Stores are the three Kafka-backed (or, standalone, file-backed) stores.
type Stores struct {
	Config  *store.ConfigStore
	Status  *store.StatusStore
	Offsets store.Offsets
}

// Config configures a Runtime. Zero values are documented per field.
type Config struct {
	// WorkerID is the advertised REST host:port shown as worker_id.
	WorkerID string
	// KafkaClusterID is shown by GET /.
	KafkaClusterID string
	// KeyConverter and ValueConverter are the worker's converter classes with their
	// sub-configs (prefix stripped); empty classes mean JsonConverter.
	KeyConverter, ValueConverter           string
	KeyConverterProps, ValueConverterProps map[string]string
	// FlushInterval is offset.flush.interval.ms; zero means 60 s.
	FlushInterval time.Duration
	// TaskShutdownTimeout is task.shutdown.graceful.timeout.ms; zero means 5 s.
	TaskShutdownTimeout time.Duration
	// ReconcileInterval is how often every owned grain is poked; zero means 10 s.
	ReconcileInterval time.Duration
	// Member configures the actor cluster membership.
	Member member.Config
	// Logger; nil discards.
	Logger *slog.Logger
	// Loggers are the process's logger levels, served by /admin/loggers and set by
	// cluster-scope records; nil means a set with only root, at INFO.
	Loggers *loglevel.Levels
}

// Runtime is one worker's actor runtime: the member, its grains and the reconciler.
type Runtime struct {
	cfg      Config
	stores   Stores
	registry *connectors.Registry
	kafka    Kafka
	member   *member.Member
	log      *slog.Logger
	recon    *reconciler
	ops      operations // readiness, the health probe and cluster logger levels (operations.go)
}

// New prepares a runtime; Start joins the cluster.
func New(cfg Config, stores Stores, registry *connectors.Registry, kafka Kafka) (*Runtime, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.KeyConverter == "" {
		cfg.KeyConverter = "org.apache.kafka.connect.json.JsonConverter"
	}
	if cfg.ValueConverter == "" {
		cfg.ValueConverter = "org.apache.kafka.connect.json.JsonConverter"
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 60 * time.Second
	}
	if cfg.TaskShutdownTimeout <= 0 {
		cfg.TaskShutdownTimeout = 5 * time.Second
	}
	if cfg.ReconcileInterval <= 0 {
		cfg.ReconcileInterval = 10 * time.Second
	}
	if cfg.Member.Logger == nil {
		cfg.Member.Logger = cfg.Logger
	}
	rt := &Runtime{cfg: cfg, stores: stores, registry: registry, kafka: kafka, log: cfg.Logger}
	// Grains never passivate and are supervised by the placement actor's default strategy;
	// their plugin code runs in runner children with a supervisor of their own.
	m, err := member.New(cfg.Member,
		member.Kind{Name: connectorKind, Props: actor.PropsFromProducer(func() actor.Actor { return newConnectorGrain(rt) })},
		member.Kind{Name: taskKind, Props: actor.PropsFromProducer(func() actor.Actor { return newTaskGrain(rt) })},
	)
	if err != nil {
		return nil, err
	}
	rt.member = m
	rt.recon = newReconciler(rt)
	return rt, nil
}

// Start joins the cluster and starts the reconciler; it returns once this worker serves
// requests. Run the reconciler until ctx ends.
func (rt *Runtime) Start(ctx context.Context) error {
	if err := rt.member.Start(ctx); err != nil {
		return err
	}
	rt.recon.start(ctx)
	rt.ops.start(ctx, rt)
	return nil
}

// Stop stops the reconciler, then leaves the cluster gracefully: grains stop their plugins.
func (rt *Runtime) Stop(ctx context.Context) error {
	rt.ops.stop()
	rt.recon.stop()
	return rt.member.Stop(ctx)
}

// Client is the facade the REST layer calls.
func (rt *Runtime) Client() *Client { return &Client{rt: rt} }

// generation is the membership epoch stamped on status records.
func (rt *Runtime) generation() int64 { return 0 }

// tell sends msg to a grain without waiting for the grain; failures are logged at Debug,
// because the reconciler repairs any lost poke.
func (rt *Runtime) tell(identity, kind string, msg proto.Message) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := rt.member.Request(ctx, identity, kind, msg); err != nil {
			rt.log.Debug("tell failed", "identity", identity, "kind", kind, "err", err)
		}
	}()
}

// request sends msg to a grain and returns its reply, or the reply's error.
func (rt *Runtime) request(ctx context.Context, identity, kind string, msg proto.Message) (proto.Message, error) {
	reply, err := rt.member.Request(ctx, identity, kind, msg)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &Error{Code: messages.ErrorCode_ERROR_CODE_TIMEOUT, Message: msgRequestTimedOut}
		}
		return nil, fmt.Errorf("%s %s: %w", kind, identity, err)
	}
	if r, ok := reply.(interface{ GetError() *messages.Error }); ok {
		if err := fromWire(r.GetError()); err != nil {
			return nil, err
		}
	}
	return reply, nil
}

// writeTimeout bounds every store write a grain makes on behalf of a command.
const writeTimeout = 30 * time.Second
