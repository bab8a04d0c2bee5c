package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/connectd/connectd/actors"
	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/actors/member"
	"github.com/connectd/connectd/actors/metrics"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/http/rest"
)

// The wiring both modes share: Kafka (embedded or not), starting stores, the runtime, and
// REST until the context ends. Each mode (distributed.go, standalone.go) only chooses its
// stores, its membership and what it does before REST opens.

// kafkaSide is what a worker needs of Kafka: the bootstrap servers (an embedded broker's
// when none are configured), the data-plane clients and the cluster id.
type kafkaSide struct {
	bootstrap []string
	clients   *pipeline.Clients
	clusterID string
	close     []func()
}

// openKafka starts the embedded broker when cfg names no bootstrap.servers (then every
// internal topic has one replica) and makes the clients. txnPrefix, if set, makes source
// producers transactional (pipeline.Clients.TransactionalIDPrefix). sarama's connect takes no
// context, so ctx ending abandons it: a worker stopped while its Kafka does not answer exits.
func openKafka(ctx context.Context, cfg *workerConfig, txnPrefix string, log *slog.Logger) (*kafkaSide, error) {
	k := &kafkaSide{bootstrap: cfg.bootstrap}
	if len(k.bootstrap) == 0 {
		b, err := startBroker(cfg.brokerListener, cfg.dataDir, log)
		if err != nil {
			return nil, err
		}
		k.close = append(k.close, func() { b.Close() })
		k.bootstrap = []string{b.addr}
		cfg.configRF, cfg.offsetRF, cfg.statusRF = 1, 1, 1
	}
	type connected struct {
		clients   *pipeline.Clients
		clusterID string
		err       error
	}
	done := make(chan connected, 1)
	go func() {
		adminClient, err := cfg.kafkaClient("connectd-admin", kafkaconfig.Admin, cfg.adminProps)
		if err != nil {
			done <- connected{err: fmt.Errorf("kafka admin client: %w", err)}
			return
		}
		for _, key := range adminClient.Ignored {
			log.Info("unknown client property ignored", "client", "admin", "key", "admin."+key)
		}
		admin, err := pipeline.NewAdminClient(k.bootstrap, adminClient.Config)
		if err != nil {
			done <- connected{err: fmt.Errorf("kafka client (security.protocol %s): %w", securityProtocol(cfg), err)}
			return
		}
		clients := &pipeline.Clients{Brokers: k.bootstrap, Admin: admin, Hash: store.PartitionFor,
			SessionTimeout: cfg.sessionTimeout, HeartbeatInterval: cfg.heartbeatInterval, TransactionalIDPrefix: txnPrefix,
			SinkReadCommitted: cfg.exactlyOnceSource == "enabled",
			Security:          cfg.security, ProducerProps: cfg.producerProps, ConsumerProps: cfg.consumerProps, AdminProps: cfg.adminProps,
			Logger: packageLogger(log, "actors/pipeline")}
		// The admin client contacts no broker until asked (pipeline.NewAdminClient): this is
		// the worker's first request, where a bad address or bad credentials stop it.
		id, err := clients.ClusterID()
		if err != nil {
			admin.Close()
			err = fmt.Errorf("kafka client (security.protocol %s): %w", securityProtocol(cfg), err)
		}
		done <- connected{clients, id, err}
	}()
	select {
	case c := <-done:
		if c.err != nil {
			k.Close()
			return nil, c.err
		}
		k.clients, k.clusterID = c.clients, c.clusterID
		k.close = append(k.close, func() { c.clients.Admin.Close() })
		return k, nil
	case <-ctx.Done():
		go func() {
			if c := <-done; c.err == nil {
				c.clients.Admin.Close()
			}
		}()
		k.Close()
		return nil, fmt.Errorf("connect to Kafka %v: %w", k.bootstrap, ctx.Err())
	}
}

// securityProtocol names the protocol the worker's clients use, for connection errors.
func securityProtocol(cfg *workerConfig) string {
	if p := cfg.security["security.protocol"]; p != "" {
		return p
	}
	return "PLAINTEXT"
}

// Close closes the clients, then the embedded broker.
func (k *kafkaSide) Close() {
	for i := len(k.close) - 1; i >= 0; i-- {
		k.close[i]()
	}
}

// startStores starts the three stores side by side; the returned func closes them. Each
// start may create its topic and reads it to the end: on a real broker the three creations
// one after another were most of a worker's start (seconds for the offsets topic's 25
// partitions on a busy KRaft controller), and none of them needs another.
func startStores(ctx context.Context, s actors.Stores) (func(), error) {
	type startCloser interface {
		Start(context.Context) error
		Close() error
	}
	all := []startCloser{s.Config, s.Status, s.Offsets.(startCloser)}
	stop := func() {
		for _, st := range all {
			_ = st.Close()
		}
	}
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, st := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Start(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs { // the first in config, status, offsets order, as before
		if err != nil {
			stop()
			return nil, fmt.Errorf("start stores: %w", err)
		}
	}
	return stop, nil
}

// startRuntime builds and starts the actor runtime with the worker's settings and m as its
// membership; the returned func hands its work over and stops it.
func startRuntime(ctx context.Context, cfg *workerConfig, k *kafkaSide, stores actors.Stores, m member.Config, stats *metrics.Metrics, registry *connectors.Registry, log *slog.Logger) (*actors.Runtime, func(), error) {
	m.Listen, m.Advertised, m.Logger = cfg.clusterListener, cfg.clusterAdvertised, packageLogger(log, "actors/member")
	rt, err := actors.New(actors.Config{
		HeaderConverter: cfg.headerConverter, HeaderConverterProps: cfg.headerConverterProps,
		WorkerID:            cfg.workerID,
		KafkaClusterID:      k.clusterID,
		KeyConverter:        cfg.keyConverter,
		ValueConverter:      cfg.valueConverter,
		KeyConverterProps:   cfg.keyConverterProps,
		ValueConverterProps: cfg.valueConverterProps,
		FlushInterval:       cfg.flushInterval,
		TaskShutdownTimeout: cfg.taskShutdown,
		RestartFailedTasks:  cfg.restartFailed,
		Member:              m,
		Logger:              packageLogger(log, "actors"),
		Loggers:             processLevels(),
		NoTopicTracking:     !cfg.topicTracking,
		Metrics:             stats,
		OverridePolicy:      cfg.overridePolicy,
		Providers:           cfg.providers,
		ExactlyOnceSource:   cfg.exactlyOnceSource,
	}, stores, registry, k.clients)
	if err != nil {
		return nil, nil, err
	}
	if err := rt.Start(ctx); err != nil {
		return nil, nil, err
	}
	return rt, func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := rt.Stop(stopCtx); err != nil {
			log.Warn("stop runtime", "err", err)
		}
	}, nil
}

// restSide is the REST API on cfg's listeners. It listens from the start, as Kafka Connect's
// does: until ready, GET /health answers "starting" and other requests wait (spec §3.2).
type restSide struct {
	api       *rest.Server
	metrics   *metrics.Metrics // served on /metrics; the runtime reports into it
	servers   []*http.Server
	closeOnce sync.Once
}

// openREST listens on every listener and admin listener; a bind error is returned at once.
func openREST(cfg *workerConfig, stage *api.Stage, log *slog.Logger) (*restSide, error) {
	stats := metrics.New(metrics.Config{SampleWindow: cfg.metricsWindow, Samples: cfg.metricsSamples})
	api, err := rest.NewStarting(stage.Summary, rest.WithLogger(packageLogger(log, "http/rest").With("component", "rest")),
		rest.WithVersion(apiVersion, commit()), rest.WithServerHeader(serverHeader()), rest.WithWorkerID(cfg.workerID), rest.WithCORS(cfg.corsOrigins, cfg.corsMethods),
		rest.WithTopicTracking(cfg.topicTracking, cfg.topicTrackingReset), rest.WithMetrics(stats.Handler()),
		rest.WithAuthentication(cfg.restAuth))
	if err != nil {
		return nil, err
	}
	servers, err := serveREST(cfg, api, log)
	if err != nil {
		return nil, err
	}
	return &restSide{api: api, metrics: stats, servers: servers}, nil
}

// Close stops the listeners, letting requests in progress finish for up to 10 s.
func (r *restSide) Close() {
	r.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, s := range r.servers {
			_ = s.Shutdown(ctx)
		}
	})
}

// serveUntilDone answers REST requests with backend until ctx ends, then closes the listeners;
// ready are the attributes of the "worker ready" log line.
func serveUntilDone(ctx context.Context, r *restSide, backend rest.Backend, log *slog.Logger, ready ...any) error {
	r.api.Ready(backend)
	log.Info("worker ready", ready...)
	<-ctx.Done()
	log.Info("worker stopping")
	r.Close()
	return nil
}
