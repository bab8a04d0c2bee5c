package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/configprovider"
	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/actors/member"
	"github.com/connectd/connectd/actors/metrics"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/actors/validation"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/loglevel"
	"github.com/connectd/connectd/messages"
)

// Kafka gives the runtime its data-plane clients. Each call makes a new client that the
// caller closes.
type Kafka interface {
	// Producer makes a producer for one source task (acks=all), with the connector's
	// producer.override.* settings (prefix stripped).
	Producer(connector string, task int32, overrides map[string]string) (sarama.SyncProducer, error)
	// Transactional reports whether source tasks use transactional producers (Producer);
	// otherwise they use PipelinedProducer.
	Transactional() bool
	// PipelinedProducer makes the at-least-once producer of one source task (franz-go,
	// several batches in flight) with the connector's producer.override.* settings;
	// d says how a record is retried.
	PipelinedProducer(connector string, task int32, overrides map[string]string, d pipeline.Delivery, extra ...kgo.Opt) (*kgo.Client, error)
	// TransactionalProducer makes the producer of one exactly-once source task: the
	// pipelined producer's settings, transactional (<group.id>-<connector>-<task>).
	TransactionalProducer(connector string, task int32, overrides map[string]string, d pipeline.Delivery) (*kgo.Client, error)
	// DLQProducer makes the dead letter queue producer of one sink task (acks=all), with
	// the connector's producer.override.* settings.
	DLQProducer(connector string, task int32, overrides map[string]string) (sarama.SyncProducer, error)
	// EnsureDLQTopic creates a dead letter queue topic (one partition, replication
	// replicas) unless it exists, with the connector's admin.override.* settings.
	EnsureDLQTopic(topic string, replication int16, adminOverrides map[string]string) error
	// SinkConsumer makes the consumer of one sink task (earliest offsets when none are
	// committed), with the connector's consumer.override.* settings; its group is
	// pipeline.SinkGroupID.
	SinkConsumer(connector string, task int32, overrides map[string]string) (*pipeline.Consumer, error)
	// Topics lists the topics of the cluster, for topics.regex. adminOverrides, here and
	// below, are the connector's admin.override.* settings (prefix stripped).
	Topics(adminOverrides map[string]string) ([]string, error)
	// EnsureTopic creates topic with the broker's defaults unless it exists.
	EnsureTopic(topic string, adminOverrides map[string]string) error
	// SinkOffsets returns the committed offsets of a sink's consumer group; none when it
	// has none or does not exist (spec §3.20).
	SinkOffsets(group string, adminOverrides map[string]string) (map[connectors.TopicPartition]int64, error)
	// AlterSinkOffsets commits offsets for a sink's consumer group and deletes those mapped
	// to nil; pipeline.ErrGroupNotEmpty when the group has members (spec §3.21).
	AlterSinkOffsets(group string, offsets map[connectors.TopicPartition]*int64, adminOverrides map[string]string) error
	// ResetSinkOffsets deletes a sink's consumer group; a missing group is success;
	// pipeline.ErrGroupNotEmpty when it has members (spec §3.21).
	ResetSinkOffsets(group string, adminOverrides map[string]string) error
	// FenceSourceTasks fences the transactional producers of a source connector's tasks 0
	// to tasks-1 (an exactly-once worker's zombie fencing round).
	FenceSourceTasks(ctx context.Context, connector string, tasks int) error
}

// Stores are the three Kafka-backed (or, standalone, file-backed) stores.
type Stores struct {
	Config  *store.ConfigStore
	Status  *store.StatusStore
	Offsets store.Offsets
	// OffsetsTopic, if set (distributed mode), gives the started offsets store of a
	// connector's own offsets.storage.topic, creating the topic if needed; each topic's store
	// is made once and closed by whoever made it. Nil: offsets.storage.topic has no effect,
	// as in Kafka Connect's standalone mode.
	OffsetsTopic func(ctx context.Context, topic string) (store.Offsets, error)
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
	// HeaderConverter is the worker's header converter class with its sub-config (prefix
	// stripped); empty means SimpleHeaderConverter.
	HeaderConverter      string
	HeaderConverterProps map[string]string
	// FlushInterval is offset.flush.interval.ms; zero means 60 s.
	FlushInterval time.Duration
	// TaskShutdownTimeout is task.shutdown.graceful.timeout.ms; zero means 5 s.
	TaskShutdownTimeout time.Duration
	// ReconcileInterval is how often every owned grain is poked; zero means 10 s.
	ReconcileInterval time.Duration
	// RestartFailedTasks, when its Initial delay is set, restarts a task that failed by
	// itself after that delay, doubling with each failure in a row up to Max (connectd's
	// connectd.task.restart.failed.* worker settings). Zero: a FAILED task stays FAILED
	// until a restart request, as in Kafka Connect.
	RestartFailedTasks Backoff
	// IdleGrainTimeout is how long the grain of a connector or task that does not exist
	// (deleted, or only looked up) stays active without a message before it is released;
	// zero means 30 s. Grains of existing connectors and tasks are never released.
	IdleGrainTimeout time.Duration
	// NoTopicTracking is topic.tracking.enable=false: tasks record no active topics
	// (spec §3.18). False (the zero value) records them, Kafka Connect's default.
	NoTopicTracking bool
	// Member configures the actor cluster membership.
	Member member.Config
	// Logger; nil discards.
	Logger *slog.Logger
	// Providers resolve config-provider placeholders (config.providers) in connector and
	// task configs before they reach a plugin; nil resolves none.
	Providers *configprovider.Set
	// OverridePolicy is connector.client.config.override.policy; zero means All, Kafka
	// Connect's default.
	OverridePolicy kafkaconfig.OverridePolicy
	// Loggers are the process's logger levels, served by /admin/loggers and set by
	// cluster-scope records; nil means a set with only root, at INFO.
	Loggers *loglevel.Levels
	// ExactlyOnceSource is the worker's exactly.once.source.support: "disabled",
	// "preparing" or "enabled"; empty in standalone mode, which has no exactly-once checks.
	// With "enabled", source tasks write records and offsets in one transaction, a new set of
	// task configs fences the previous generation's producers first, and sink consumers
	// read committed records only unless isolation.level says otherwise.
	ExactlyOnceSource string
	// Metrics receives the worker's, its connectors' and its tasks' metrics; nil means a
	// private set nobody serves.
	Metrics *metrics.Metrics
}

// validatorOptions are the validation options of the worker's settings.
func validatorOptions(cfg Config) []validation.Option {
	opts := []validation.Option{validation.WithProviders(cfg.Providers), validation.WithOverridePolicy(cfg.OverridePolicy)}
	if cfg.ExactlyOnceSource != "" {
		opts = append(opts, validation.WithExactlyOnceSource(cfg.exactlyOnce()))
	}
	return opts
}

// exactlyOnce says whether exactly.once.source.support is enabled.
func (cfg Config) exactlyOnce() bool { return cfg.ExactlyOnceSource == "enabled" }

// Backoff is a delay that doubles from Initial up to Max.
type Backoff struct{ Initial, Max time.Duration }

// Runtime is one worker's actor runtime: the member, its grains and the reconciler.
type Runtime struct {
	cfg       Config
	stores    Stores
	registry  *connectors.Registry
	validator *validation.Validator
	kafka     Kafka
	member    *member.Member
	log       *slog.Logger
	recon     *reconciler
	// holding counts grains running work here (a connector plugin or a task); a draining
	// worker waits for it to reach zero before it tells its peers to take over.
	holding atomic.Int64
	ops     operations  // readiness, the health probe and cluster logger levels (operations.go)
	board   statusBoard // statuses of the connector grains here (statusboard.go)
	metrics *metrics.Metrics
}

// New prepares a runtime; Start joins the cluster.
func New(cfg Config, stores Stores, registry *connectors.Registry, kafka Kafka) (*Runtime, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 60 * time.Second
	}
	if cfg.TaskShutdownTimeout <= 0 {
		cfg.TaskShutdownTimeout = 5 * time.Second
	}
	if cfg.OverridePolicy == "" {
		cfg.OverridePolicy = kafkaconfig.DefaultPolicy
	}
	if cfg.ReconcileInterval <= 0 {
		cfg.ReconcileInterval = 10 * time.Second
	}
	if b := &cfg.RestartFailedTasks; b.Initial > 0 && b.Max < b.Initial {
		b.Max = b.Initial
	}
	if cfg.IdleGrainTimeout <= 0 {
		cfg.IdleGrainTimeout = 30 * time.Second
	}
	if cfg.Member.Logger == nil {
		cfg.Member.Logger = cfg.Logger
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New(metrics.Config{})
	}
	rt := &Runtime{cfg: cfg, stores: stores, registry: registry, kafka: kafka, log: cfg.Logger, metrics: cfg.Metrics,
		validator: validation.New(registry, validation.WorkerConverters{
			Key:    validation.Converter{Class: cfg.KeyConverter, Props: cfg.KeyConverterProps},
			Value:  validation.Converter{Class: cfg.ValueConverter, Props: cfg.ValueConverterProps},
			Header: validation.Converter{Class: cfg.HeaderConverter, Props: cfg.HeaderConverterProps},
		}, validatorOptions(cfg)...)}
	// Grains of existing connectors and tasks never passivate (those of deleted ones are
	// released when idle) and are supervised by the placement actor's default strategy;
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

// Stop hands this worker's connectors and tasks over: it stops the reconciler, drains the
// member (every local grain stops its work, flushes and records UNASSIGNED), waits for that,
// and only then leaves the cluster, so the peers that take over start from committed state.
func (rt *Runtime) Stop(ctx context.Context) error {
	rt.ops.stop()
	rt.recon.stop()
	rt.member.Drain()
	wait, cancel := context.WithTimeout(ctx, rt.cfg.TaskShutdownTimeout+2*time.Second)
	defer cancel()
	for rt.holding.Load() > 0 && wait.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if n := rt.holding.Load(); n > 0 {
		rt.log.Warn("leaving with work still stopping", "grains", n)
	}
	// The drained grains wrote UNASSIGNED asynchronously; those records must be in the
	// topic before the peers take over and write RUNNING under the same generation, or a
	// late UNASSIGNED would stand as the task's last word.
	if err := rt.stores.Status.Flush(wait); err != nil {
		rt.log.Warn("leaving before the last statuses were written", "err", err)
	}
	return rt.member.Stop(ctx)
}

// owns reports whether this worker owns a grain now; grains check it before they run work.
func (rt *Runtime) owns(identity, kind string) bool { return rt.member.Owns(identity, kind) }

// Client is the facade the REST layer calls.
func (rt *Runtime) Client() *Client { return &Client{rt: rt} }

// generation is the membership epoch stamped on status records.
func (rt *Runtime) generation() int64 { return rt.member.Generation() }

// tell sends msg to a grain without waiting for the grain; failures are logged at Debug,
// because the reconciler repairs any lost poke.
func (rt *Runtime) tell(identity, kind string, msg proto.Message) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var opts []member.RequestOption
		if _, ok := msg.(*messages.TaskStateChanged); ok || idempotent(msg) {
			opts = append(opts, member.Resend(resendAfter)) // TaskStateChanged carries a sequence
		}
		if _, err := rt.member.Request(ctx, identity, kind, msg, opts...); err != nil {
			rt.log.Debug("tell failed", "identity", identity, "kind", kind, "err", err)
		}
	}()
}

// request sends msg to a grain and returns its reply, or the reply's error. A grain asked
// on a member that no longer owns it answers NOT_OWNER; the request is retried while the
// views settle and ends as Kafka Connect's rebalance 409 if they do not (spec §4.2).
func (rt *Runtime) request(ctx context.Context, identity, kind string, msg proto.Message) (proto.Message, error) {
	// Kept as a time, not a context: nearly every request is answered at once, and a
	// context per request was a measurable share of GET …/status.
	settleBy := time.Now().Add(ownershipSettleTimeout)
	for attempt := 0; ; attempt++ {
		changed := rt.member.Changed() // taken first: a change during the attempt is not missed
		var opts []member.RequestOption
		if idempotent(msg) {
			opts = resendOptions
		}
		reply, err := rt.member.Request(ctx, identity, kind, msg, opts...)
		if err != nil {
			if ctx.Err() != nil {
				return nil, &api.Error{Code: messages.ErrorCode_ERROR_CODE_TIMEOUT, Message: msgRequestTimedOut}
			}
			return nil, fmt.Errorf("%s %s: %w", kind, identity, err)
		}
		r, ok := reply.(interface{ GetError() *messages.Error })
		if !ok || r.GetError() == nil {
			return reply, nil
		}
		if r.GetError().GetCode() != messages.ErrorCode_ERROR_CODE_NOT_OWNER {
			return nil, fromWire(r.GetError())
		}
		// Retry when this member's view changes (the new owner is known at once), else
		// after a backoff, for a view that is right while the asked member's is stale.
		left := time.Until(settleBy)
		if left <= 0 {
			return nil, &api.Error{Code: messages.ErrorCode_ERROR_CODE_CONFLICT, Message: msgRebalanceConflict}
		}
		select {
		case <-ctx.Done():
			return nil, &api.Error{Code: messages.ErrorCode_ERROR_CODE_CONFLICT, Message: msgRebalanceConflict}
		case <-changed:
		case <-time.After(min(10*time.Millisecond<<min(attempt, 5), 200*time.Millisecond, left)):
		}
	}
}

// resendOptions are an idempotent request's options, made once.
var resendOptions = []member.RequestOption{member.Resend(resendAfter)}

// resendAfter is how long an idempotent request waits for an answer before it is sent
// again: a grain answers in microseconds, so only a dead or moved target is that slow.
const resendAfter = 250 * time.Millisecond

// idempotent reports whether msg may be delivered twice with the effect of once.
func idempotent(msg proto.Message) bool {
	switch msg.(type) {
	case *messages.GetConnectorStatus,
		*messages.PauseConnector, *messages.ResumeConnector, *messages.StopConnector,
		*messages.EnsureConnector, *messages.EnsureTask:
		return true
	}
	return false
}

// ownershipSettleTimeout bounds how long a request waits for members to agree on who owns
// a grain before it answers 409.
const ownershipSettleTimeout = 5 * time.Second

// notOwner is the reply of a grain asked on a member that does not own it.
var notOwner = &messages.Error{Code: messages.ErrorCode_ERROR_CODE_NOT_OWNER, Message: "not the owner of this grain"}

// writeTimeout bounds every store write a grain makes on behalf of a command.
const writeTimeout = 30 * time.Second

// resolve replaces config's provider placeholders; an unresolvable one is a BAD_REQUEST
// error naming its key.
func (rt *Runtime) resolve(config map[string]string) (*configprovider.Resolution, error) {
	res, err := rt.cfg.Providers.Resolve(config)
	if err != nil {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, "%v", err)
	}
	return res, nil
}

// redact hides the values res substituted from err's text, keeping what errors.Is and
// errors.As find in it; err is returned as is when nothing was substituted.
func redact(res *configprovider.Resolution, err error) error {
	if err == nil || res == nil {
		return err
	}
	msg := res.Redact(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{err: err, msg: msg}
}

// redactedError is an error whose text had resolved secrets removed.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Is(t error) bool { return errors.Is(e.err, t) }
func (e *redactedError) As(t any) bool   { return errors.As(e.err, t) }
