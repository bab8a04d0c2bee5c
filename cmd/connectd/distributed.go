package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/connectd/connectd/actors"
	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/clusterauth"
	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/actors/member"
	"github.com/connectd/connectd/actors/membership"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/http/rest"
)

var _ rest.Backend = (*actors.Client)(nil)

// runDistributed is `connectd [distributed] [worker.properties] [--override key=value]...`.
func runDistributed(ctx context.Context, args []string, log *slog.Logger) error {
	props, extra, err := workerArgs(args, false)
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		return usageError{fmt.Errorf("distributed mode takes one worker properties file; connectors are created over REST (got %q)", extra[0])}
	}
	cfg, err := parseWorkerConfig(props, log)
	if err != nil {
		return err
	}
	return runWorker(ctx, cfg, log)
}

// runWorker wires one worker: embedded broker if needed, stores, actor runtime, REST; it
// runs until ctx ends, then shuts down in reverse order.
func runWorker(ctx context.Context, cfg *workerConfig, log *slog.Logger) error {
	started := time.Now()
	stage := &api.Stage{} // what GET /health reports while the worker starts
	api, err := openREST(cfg, stage, log)
	if err != nil {
		return err
	}
	defer api.Close()
	load := loadPlugins(ctx, cfg, log) // beside Kafka's connect: the host's start takes seconds
	defer load.Close()
	stage.Enter("connecting to Kafka")
	// Source tasks run at least once on pipelined, non-transactional producers, as Kafka
	// Connect runs them with exactly.once.source.support disabled (its default): zombie
	// tasks are kept from polling and sending by the membership lease (Source.Live), not by
	// producer fencing. Exactly-once sources write in transactions named after the group.
	txnPrefix := ""
	if cfg.exactlyOnceSource == "enabled" {
		txnPrefix = cfg.groupID
	}
	k, err := openKafka(ctx, cfg, txnPrefix, log)
	if err != nil {
		return err
	}
	defer k.Close()
	stage.Enter("loading the Java plugins of plugin.path")
	plugins, err := load.wait(ctx)
	if err != nil {
		return err
	}
	storeClient, err := cfg.kafkaClient("connectd-"+cfg.groupID, kafkaconfig.Worker, nil)
	if err != nil {
		return err
	}
	kafka := store.Kafka{Addrs: k.bootstrap, Config: storeClient.Config}
	storeLog := store.WithLogger(packageLogger(log, "actors/store"))
	configs, err := store.NewConfigStore(kafka, store.Topic{Name: cfg.configTopic, Partitions: 1, ReplicationFactor: cfg.configRF}, storeLog)
	if err != nil {
		return err
	}
	statuses, err := store.NewStatusStore(kafka, store.Topic{Name: cfg.statusTopic, Partitions: cfg.statusPartitions, ReplicationFactor: cfg.statusRF}, storeLog)
	if err != nil {
		return err
	}
	offsets, err := store.NewOffsetStore(kafka, store.Topic{Name: cfg.offsetTopic, Partitions: cfg.offsetPartitions, ReplicationFactor: cfg.offsetRF}, storeLog)
	if err != nil {
		return err
	}
	connectorTopics := &offsetTopics{kafka: kafka, partitions: cfg.offsetPartitions, replication: cfg.offsetRF, opts: []store.Option{storeLog}}
	stores := actors.Stores{Config: configs, Status: statuses, Offsets: offsets, OffsetsTopic: connectorTopics.get}
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	stage.Enter("reading the internal topics to the end")
	closeStores, err := startStores(startCtx, stores)
	if err != nil {
		return err
	}
	defer closeStores()
	defer connectorTopics.close() // after the runtime stopped (defers run last-in first-out)

	memberClient, err := cfg.kafkaClient("connectd-membership", kafkaconfig.Worker, nil)
	if err != nil {
		return err
	}
	group, err := membership.New(membership.Config{
		Addrs:             k.bootstrap,
		Sarama:            memberClient.Config,
		GroupID:           cfg.groupID,
		SessionTimeout:    cfg.sessionTimeout,
		HeartbeatInterval: cfg.heartbeatInterval,
		RebalanceTimeout:  cfg.rebalanceTimeout,
		MinEpoch:          statuses.MaxGeneration,
		Logger:            packageLogger(log, "actors/membership").With("component", "membership"),
		Observer:          api.metrics,
	})
	if err != nil {
		return err
	}
	// The session key first: members sign every call with it and refuse calls without it.
	keys := clusterauth.NewSessionKeys(cfg.interWorkerKeys, configs, packageLogger(log, "actors/clusterauth").With("component", "clusterauth"))
	if err := keys.Start(startCtx); err != nil {
		return err
	}
	go keys.Run(ctx)
	transport, err := clusterauth.NewTransport(cfg.groupID, keys, cfg.clusterTLS, packageLogger(log, "actors/clusterauth").With("component", "clusterauth"))
	if err != nil {
		return fmt.Errorf("cluster transport: %w", err)
	}
	stage.Enter("joining the cluster")
	rt, stopRuntime, err := startRuntime(startCtx, cfg, k, stores,
		member.Config{ClusterName: cfg.groupID, URL: cfg.advertisedScheme + "://" + cfg.workerID, Provider: group,
			ServerOptions: transport.Server, DialOptions: transport.Dial}, api.metrics, plugins.registry, log)
	if err != nil {
		return err
	}
	defer stopRuntime()
	return serveUntilDone(ctx, api, rt.Client(), log, "worker_id", cfg.workerID, "bootstrap.servers", k.bootstrap,
		"group.id", cfg.groupID, "startup", time.Since(started).Round(time.Millisecond))
}

// serveREST listens on every listener and admin listener and serves api there; bind errors
// are returned at once. With admin.listeners set, the admin endpoints are served only on
// those (none when it is empty) and are 404s on listeners (spec §3.0).
func serveREST(cfg *workerConfig, api *rest.Server, log *slog.Logger) ([]*http.Server, error) {
	main := api.Handler()
	switch {
	case len(cfg.adminListeners) > 0:
		main = api.APIHandler() // admin endpoints and /metrics on the admin listeners
	case cfg.adminDisabled:
		main = api.APIMetricsHandler()
	}
	type listener struct {
		url *url.URL
		h   http.Handler
		tls *tls.Config // for https listeners
	}
	var all []listener
	for _, u := range cfg.listeners {
		all = append(all, listener{u, main, cfg.restTLS})
	}
	for _, u := range cfg.adminListeners {
		all = append(all, listener{u, api.AdminHandler(), cfg.adminTLS})
	}
	// One cap over every listener: REST keeps a quarter of the file descriptors at most, the
	// rest stay the tasks', whatever a client does (rest.ConnLimiter).
	limiter := rest.NewConnLimiter(rest.DefaultMaxConns())
	var servers []*http.Server
	for _, l := range all {
		ln, err := net.Listen("tcp", l.url.Host)
		if err != nil {
			for _, s := range servers {
				_ = s.Close()
			}
			return nil, fmt.Errorf("REST listener %s: %w", l.url, err)
		}
		// The limiter counts TCP connections; TLS wraps them, so net/http sees the *tls.Conn.
		ln = limiter.Listener(ln)
		if l.url.Scheme == "https" {
			ln = tls.NewListener(ln, l.tls)
		}
		s := rest.NewHTTPServer(l.h)
		// net/http reports failed TLS handshakes (a scanner, a client without a certificate)
		// on its ErrorLog: through slog at Debug, not as bare lines on stderr.
		s.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
		servers = append(servers, s)
		go func() {
			if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("REST server failed", "listener", l.url.String(), "err", err)
			}
		}()
		log.Info("REST listening", "listener", l.url.String())
	}
	return servers, nil
}

// offsetTopics are the offsets stores of connectors' own offsets.storage.topic, made and
// started the first time a topic is asked for, with the worker's offset.storage.partitions
// and offset.storage.replication.factor for a topic that does not exist yet.
type offsetTopics struct {
	kafka       store.Kafka
	partitions  int32
	replication int16
	opts        []store.Option
	mu          sync.Mutex
	stores      map[string]*store.OffsetStore
}

// get is actors.Stores.OffsetsTopic.
func (o *offsetTopics) get(ctx context.Context, topic string) (store.Offsets, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if s, ok := o.stores[topic]; ok {
		return s, nil
	}
	s, err := store.NewOffsetStore(o.kafka, store.Topic{Name: topic, Partitions: o.partitions, ReplicationFactor: o.replication}, o.opts...)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if o.stores == nil {
		o.stores = map[string]*store.OffsetStore{}
	}
	o.stores[topic] = s
	return s, nil
}

func (o *offsetTopics) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.stores {
		_ = s.Close()
	}
}
