package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/asynkron/protoactor-go/actor"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/actors/configprovider"
	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/actors/metrics"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/validation"
	"github.com/connectd/connectd/connectors"
)

// Local messages from a task grain to its runner child.
type (
	pauseTask  struct{}
	resumeTask struct{}
)

// taskRunner is the task grain's runner child: it builds the task's pipeline and runs it in
// a goroutine, so the grain's mailbox stays free for pause, stop and status.
type taskRunner struct {
	rt     *Runtime
	name   string
	task   int32
	config map[string]string
	paused bool
	gen    int
	stats  *metrics.Task
	// worker is the config the task's worker side is built from (plugin, converters,
	// transforms, error handling, clients, sink topics): the connector's config under the task
	// config (workerSideConfig).
	worker map[string]string
	// resolution is worker with its provider placeholders resolved: what the plugin, the
	// converters and the clients see. Errors are redacted with it.
	resolution *configprovider.Resolution

	pipe   pausable
	cancel context.CancelFunc
	done   chan struct{}
}

type pausable interface {
	Pause()
	Resume()
}

func taskRunnerProps(rt *Runtime, name string, task int32, config map[string]string, paused bool, gen int, stats *metrics.Task) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor {
		return &taskRunner{rt: rt, name: name, task: task, config: config, paused: paused, gen: gen, stats: stats}
	})
}

// The task's metrics take both pipelines' measurements.
var (
	_ pipeline.SourceMetrics = (*metrics.Task)(nil)
	_ pipeline.SinkMetrics   = (*metrics.Task)(nil)
)

func (r *taskRunner) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		r.start(ctx)
	case pauseTask:
		if r.pipe != nil {
			r.pipe.Pause()
		}
	case resumeTask:
		if r.pipe != nil {
			r.pipe.Resume()
		}
	case *actor.Stopping:
		r.stop()
	}
}

func (r *taskRunner) start(ctx actor.Context) {
	parent, root, gen := ctx.Parent(), r.rt.member.System().Root, r.gen
	run, pipe, cleanup, err := r.build(func() { root.Send(parent, &taskStarted{gen: gen}) })
	if err != nil {
		ctx.Send(parent, &taskExited{gen: gen, err: redact(r.resolution, err)})
		return
	}
	r.pipe = pipe
	if r.paused {
		pipe.Pause()
	}
	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go func() {
		defer close(r.done)
		err := runSafely(runCtx, run)
		if runCtx.Err() != nil && errors.Is(err, context.Canceled) {
			// A call the stop interrupted (an offset write, a flush) failed because of the
			// stop: that is how the task stopped, not a failure of the task.
			err = nil
		}
		cleanup()
		root.Send(parent, &taskExited{gen: gen, err: redact(r.resolution, err)})
	}()
}

// stop cancels the pipeline and waits for it to commit and stop, at most
// task.shutdown.graceful.timeout.ms.
func (r *taskRunner) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(r.rt.cfg.TaskShutdownTimeout):
		r.rt.log.Warn("task did not stop in time", "connector", r.name, "task", r.task)
	}
}

func runSafely(ctx context.Context, run func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return run(ctx)
}

// build makes the task's pipeline from its config: plugin task, converters, Kafka clients.
func (r *taskRunner) build(started func()) (run func(context.Context) error, pipe pausable, cleanup func(), err error) {
	r.worker = r.workerSideConfig()
	if r.resolution, err = r.rt.resolve(r.worker); err != nil {
		return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
	}
	config := r.resolution.Config
	// The task itself starts with its own task config, resolved, as Kafka Connect starts it.
	taskProps := make(map[string]string, len(r.config))
	for k := range r.config {
		taskProps[k] = config[k]
	}
	conn, _, err := r.rt.registry.SelectConnector(config["connector.class"], config[pluginVersionKey])
	if err != nil {
		return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
	}
	key, value, header, err := r.rt.validator.Converters(config)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
	}
	log := r.rt.log.With("connector", r.name, "task", r.task)
	chain, err := r.rt.validator.TransformChain(config, log)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
	}
	var transform pipeline.TransformFunc
	var transformBatch pipeline.BatchTransformFunc
	if chain != nil {
		// The pipeline's ErrorHandling judges transform failures, as it does conversion's.
		transform = chain.Run
		if chain.Batched() {
			transformBatch = chain.RunBatch // a Java stage: one crossing per batch
		}
		defer func() {
			if err != nil {
				_ = chain.Close()
				return
			}
			inner := cleanup
			cleanup = func() {
				inner()
				if cerr := chain.Close(); cerr != nil {
					log.Warn("close transforms", "err", cerr)
				}
			}
		}()
	}
	admin, err := r.rt.clientOverrides(config, kafkaconfig.AdminOverridePrefix)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
	}
	switch c := conn.(type) {
	case connectors.SourceConnector:
		name, task := r.name, r.task
		overrides, err := r.rt.clientOverrides(config, kafkaconfig.ProducerOverridePrefix)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
		}
		offsets, err := r.rt.sourceOffsets(context.Background(), name, config)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
		}
		src := &pipeline.Source{
			Task: c.NewTask(), Props: taskProps, Key: key, Value: value, Header: header,
			Offsets:       offsets,
			FlushInterval: r.rt.cfg.FlushInterval, Logger: log, Started: started,
			EnsureTopic: func(t string) error { return r.rt.kafka.EnsureTopic(t, admin) }, Transform: transform, TransformBatch: transformBatch,
			TopicActive: r.rt.topicTracker(r.name, r.task), Metrics: r.stats,
			Live:         r.rt.member.Live,
			RetryTimeout: sendRetryTimeout(r.worker),
			Errors:       r.errorHandling(config, log),
		}
		switch {
		case r.rt.cfg.exactlyOnce(): // records and offsets in one transaction (exactlyonce.go)
			src.NewProducer = func() (sarama.SyncProducer, error) { return r.rt.kafka.Producer(name, task, overrides) }
			if src.ExactlyOnce, err = r.rt.exactlyOnce(offsets, config); err != nil {
				return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
			}
			src.ExactlyOnce.NewProducer = func(d pipeline.Delivery) (*kgo.Client, error) {
				return r.rt.kafka.TransactionalProducer(name, task, overrides, d)
			}
			src.ExactlyOnce.StillCurrent = r.stillCurrent
		case r.rt.kafka.Transactional(): // transactions for fencing only
			src.NewProducer = func() (sarama.SyncProducer, error) { return r.rt.kafka.Producer(name, task, overrides) }
		default: // at least once, several batches in flight
			src.NewPipelined = func(d pipeline.Delivery) (*kgo.Client, error) {
				return r.rt.kafka.PipelinedProducer(name, task, overrides, d)
			}
		}
		r.stats.SetKind(metrics.SourceKind)
		return src.Run, src, func() {}, nil
	case connectors.SinkConnector:
		topics, err := r.sinkTopics(admin)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
		}
		// A listed topic that does not exist yet is created, as a broker with Kafka's
		// default auto.create.topics.enable would on the consumer's first metadata request.
		for _, t := range topics {
			if err := r.rt.kafka.EnsureTopic(t, admin); err != nil {
				return nil, nil, nil, fmt.Errorf("task %s-%d: create topic %s: %w", r.name, r.task, t, err)
			}
		}
		overrides, err := r.rt.clientOverrides(config, kafkaconfig.ConsumerOverridePrefix)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
		}
		// The dead letter queue's producer takes producer.override.*, as Kafka Connect's does.
		producerOverrides, err := r.rt.clientOverrides(config, kafkaconfig.ProducerOverridePrefix)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
		}
		errs := r.errorHandling(config, log)
		if dlq := strings.TrimSpace(config["errors.deadletterqueue.topic.name"]); dlq != "" {
			rf := int16(3) // errors.deadletterqueue.topic.replication.factor's default
			if v, err := strconv.ParseInt(strings.TrimSpace(config["errors.deadletterqueue.topic.replication.factor"]), 10, 16); err == nil {
				rf = int16(v)
			}
			if err := r.rt.kafka.EnsureDLQTopic(dlq, rf, admin); err != nil {
				return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
			}
			if errs.DLQ, err = r.rt.kafka.DLQProducer(r.name, r.task, producerOverrides); err != nil {
				return nil, nil, nil, fmt.Errorf("task %s-%d: %w", r.name, r.task, err)
			}
			errs.DLQTopic = dlq
			errs.ContextHeaders = configBool(config, "errors.deadletterqueue.context.headers.enable")
		}
		consumer, err := r.rt.kafka.SinkConsumer(r.name, r.task, overrides)
		if err != nil {
			if errs.DLQ != nil {
				_ = errs.DLQ.Close()
			}
			return nil, nil, nil, fmt.Errorf("task %s-%d: consumer: %w", r.name, r.task, err)
		}
		sink := &pipeline.Sink{
			Task: c.NewTask(), Props: taskProps, Key: key, Value: value, Header: header,
			Consumer: consumer.Opts, ReadCommitted: consumer.ReadCommitted, Topics: topics, MaxBatch: consumer.MaxPollRecords,
			FlushInterval: r.rt.cfg.FlushInterval, Logger: log, Started: started, Transform: transform, TransformBatch: transformBatch,
			TopicActive: r.rt.topicTracker(r.name, r.task), Metrics: r.stats,
			Live: r.rt.member.Live, Errors: errs,
		}
		r.stats.SetKind(metrics.SinkKind)
		return sink.Run, sink, func() {
			if errs.DLQ != nil {
				_ = errs.DLQ.Close()
			}
		}, nil
	}
	return nil, nil, nil, fmt.Errorf("task %s-%d: connector class %s is neither a source nor a sink", r.name, r.task, config["connector.class"])
}

// errorHandling is the task's errors.* settings for its pipeline, the dead letter queue
// aside (sinks only, set up by build).
func (r *taskRunner) errorHandling(config map[string]string, log *slog.Logger) *pipeline.ErrorHandling {
	ms := func(key string, def int64) time.Duration {
		v, err := strconv.ParseInt(strings.TrimSpace(config[key]), 10, 64)
		if err != nil {
			v = def
		}
		if v < 0 {
			return -1
		}
		return time.Duration(v) * time.Millisecond
	}
	return &pipeline.ErrorHandling{
		Tolerate:      strings.EqualFold(strings.TrimSpace(config["errors.tolerance"]), "all"),
		Log:           configBool(config, "errors.log.enable"),
		LogMessages:   configBool(config, "errors.log.include.messages"),
		RetryTimeout:  ms("errors.retry.timeout", 0),
		RetryDelayMax: ms("errors.retry.delay.max.ms", 60000),
		Connector:     r.name,
		Task:          r.task,
		Classes:       r.rt.validator.ErrorClasses(config),
		Logger:        log,
		Metrics:       r.stats,
	}
}

// configBool is a BOOLEAN config value; anything but true (any case) is false, the
// default of every errors.* boolean.
func configBool(config map[string]string, key string) bool {
	return strings.EqualFold(strings.TrimSpace(config[key]), "true")
}

// deliveryTimeout is Kafka's default producer delivery.timeout.ms: how long a record may
// take to be acknowledged, retries included, before the send fails.
const deliveryTimeout = 2 * time.Minute

// sendRetryTimeout is how long a source task retries a send that fails with a retriable
// error before it fails: the producer's delivery.timeout.ms, or the connector's
// errors.retry.timeout (milliseconds) when that is longer; -1 retries until the task stops.
func sendRetryTimeout(config map[string]string) time.Duration {
	ms, err := strconv.ParseInt(strings.TrimSpace(config["errors.retry.timeout"]), 10, 64)
	switch {
	case err != nil:
		return deliveryTimeout
	case ms < 0:
		return -1
	}
	return max(deliveryTimeout, time.Duration(ms)*time.Millisecond)
}

// workerSideConfig is the task config over its connector's config. Kafka Connect builds a
// task's worker side from the connector's config and starts the task with the task config
// alone; connectd's built-ins copy the connector's keys into their task configs, but a Java
// plugin's task configs need not (a task config of only its own keys is common), and the
// plugin class, its version, the converters and a sink's topics then come from the
// connector's config.
func (r *taskRunner) workerSideConfig() map[string]string {
	v, ok := r.rt.connectorView(r.name)
	if !ok {
		return r.config
	}
	out := maps.Clone(v.Config)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, r.config)
	return out
}

// sinkTopics resolves topics or topics.regex against the cluster's topics.
func (r *taskRunner) sinkTopics(admin map[string]string) ([]string, error) {
	if t := validation.SplitList(r.worker["topics"]); len(t) > 0 {
		return t, nil
	}
	pattern := r.worker["topics.regex"]
	if pattern == "" {
		return nil, errors.New("must configure one of topics or topics.regex")
	}
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		return nil, fmt.Errorf("topics.regex %q: %w", pattern, err)
	}
	all, err := r.rt.kafka.Topics(admin)
	if err != nil {
		return nil, fmt.Errorf("list topics for topics.regex: %w", err)
	}
	var topics []string
	for _, t := range all {
		if re.MatchString(t) {
			topics = append(topics, t)
		}
	}
	if len(topics) == 0 {
		return nil, connectors.Retriable(fmt.Errorf("no topic matches topics.regex %q yet", pattern))
	}
	return topics, nil
}

// clientOverrides returns the connector's overrides under prefix (stripped) after checking
// them against connector.client.config.override.policy, as Kafka Connect does again when it
// makes a task's client: a config written under a laxer policy fails the task.
func (rt *Runtime) clientOverrides(config map[string]string, prefix string) (map[string]string, error) {
	if err := rt.cfg.OverridePolicy.CheckOverrides(config, prefix); err != nil {
		return nil, err
	}
	return kafkaconfig.Overrides(config, prefix), nil
}

// stillCurrent is an exactly-once task's check once its producer fenced older instances
// (pipeline.ExactlyOnce.StillCurrent): the config topic, read to its end, still holds the
// task config this run started with, and this worker still owns the task. Otherwise another
// instance is the task, and this one stops without a failure; its grain converges.
func (r *taskRunner) stillCurrent(ctx context.Context) error {
	if err := r.rt.stores.Config.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("read the config topic after the producer started: %w", err)
	}
	v, ok := r.rt.connectorView(r.name)
	switch {
	case !ok || int(r.task) >= len(v.Tasks) || !maps.Equal(v.Tasks[r.task], r.config):
		return fmt.Errorf("%w: the task's configuration changed while its producer started", pipeline.ErrFenced)
	case !r.rt.owns(taskIdentity(r.name, r.task), taskKind):
		return fmt.Errorf("%w: the task moved to another worker while its producer started", pipeline.ErrFenced)
	}
	return nil
}
