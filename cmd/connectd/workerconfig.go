package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/actors"
	"github.com/connectd/connectd/actors/clusterauth"
	"github.com/connectd/connectd/actors/configprovider"
	"github.com/connectd/connectd/actors/kafkaconfig"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/tlsconfig"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/javaplugin"
)

// defaultHostJVMOptions caps the plugin host's heap where Apache Kafka Connect's
// connect-distributed.sh caps its worker's (KAFKA_HEAP_OPTS' -Xmx2G). Without a cap the JVM
// takes up to a quarter of the machine's memory, and G1 grows the heap rather than collect:
// a host that moved three million records held 3–4 GiB.
//
// The collector is the parallel one, not Kafka's G1: the host runs only plugin code (the
// group's heartbeats, membership and REST are the Go worker's), so a longer young pause
// stalls no session, while G1's concurrent threads and barriers take cores from the worker
// beside it. A sink that keeps its records until flush (VerifiableSink) moved 1.2–2.5× the
// records per second with it (benchmarks/README.md, 2026-12-03, sections 09:01–09:10 and
// 09:55–10:13). -Xms32m keeps an idle host small: the JVM's default initial heap is 1/64 of the
// machine's memory, committed at start.
const defaultHostJVMOptions = "-Xmx2G -Xms32m -XX:+UseParallelGC"

// workerConfigDef is the worker properties table: Kafka Connect's keys (spec §8) that
// connectd reads, with DESIGN.md's defaults where Kafka Connect has none, plus connectd's own.
var workerConfigDef = connectors.ConfigDef{
	{Name: "bootstrap.servers", Type: connectors.List, Default: nil, Importance: connectors.High,
		Doc: "Kafka brokers to use; unset starts an embedded broker."},
	{Name: "group.id", Type: connectors.String, Default: "connect-cluster", Importance: connectors.High,
		Doc: "Cluster this worker belongs to; workers sharing Kafka and group.id form one cluster."},
	{Name: "config.storage.topic", Type: connectors.String, Default: "connect-configs", Importance: connectors.High},
	{Name: "config.storage.replication.factor", Type: connectors.Short, Default: "3", Importance: connectors.Low},
	{Name: "offset.storage.topic", Type: connectors.String, Default: "connect-offsets", Importance: connectors.High},
	{Name: "offset.storage.partitions", Type: connectors.Int, Default: "25", Importance: connectors.Low},
	{Name: "offset.storage.replication.factor", Type: connectors.Short, Default: "3", Importance: connectors.Low},
	{Name: "status.storage.topic", Type: connectors.String, Default: "connect-status", Importance: connectors.High},
	{Name: "status.storage.partitions", Type: connectors.Int, Default: "5", Importance: connectors.Low},
	{Name: "status.storage.replication.factor", Type: connectors.Short, Default: "3", Importance: connectors.Low},
	{Name: "offset.storage.file.filename", Type: connectors.String, Default: nil, Importance: connectors.High,
		Doc: "Standalone mode: file holding source offsets."},
	{Name: "key.converter", Type: connectors.Class, Default: "org.apache.kafka.connect.json.JsonConverter", Importance: connectors.High},
	{Name: "value.converter", Type: connectors.Class, Default: "org.apache.kafka.connect.json.JsonConverter", Importance: connectors.High},
	{Name: "header.converter", Type: connectors.Class, Default: "org.apache.kafka.connect.storage.SimpleHeaderConverter", Importance: connectors.Low},
	{Name: "offset.flush.interval.ms", Type: connectors.Long, Default: "60000", Validator: connectors.AtLeast(1), Importance: connectors.Low},
	{Name: "exactly.once.source.support", Type: connectors.String, Default: "disabled", Validator: connectors.OneOfIgnoreCase("disabled", "preparing", "enabled"), Importance: connectors.High,
		Doc: "Distributed mode: whether source tasks write their records and source offsets in one transaction (KIP-618). disabled: at least once; preparing: still at least once, the step before enabling it on a running cluster one worker at a time; enabled: exactly once for read_committed consumers. Standalone mode ignores it."},
	{Name: "offset.flush.timeout.ms", Type: connectors.Long, Default: "5000", Importance: connectors.Low},
	{Name: "task.shutdown.graceful.timeout.ms", Type: connectors.Long, Default: "5000", Importance: connectors.Low},
	{Name: "connectd.task.restart.failed.enable", Type: connectors.Boolean, Default: "false", Importance: connectors.Low,
		Doc: "connectd's own: restart a task that failed by itself after a delay that doubles with each failure in a row. Kafka Connect leaves a FAILED task to an operator."},
	{Name: "connectd.task.restart.failed.backoff.initial.ms", Type: connectors.Long, Default: "1000", Validator: connectors.AtLeast(1), Importance: connectors.Low,
		Doc: "connectd's own: the delay before the first automatic restart of a failed task."},
	{Name: "connectd.task.restart.failed.backoff.max.ms", Type: connectors.Long, Default: "300000", Validator: connectors.AtLeast(1), Importance: connectors.Low,
		Doc: "connectd's own: the longest delay between automatic restarts; a task that ran this long before it failed starts again from the initial delay."},
	{Name: "topic.tracking.enable", Type: connectors.Boolean, Default: "true", Importance: connectors.Low,
		Doc: "Record the topics each connector uses (GET /connectors/{c}/topics)."},
	{Name: "topic.tracking.allow.reset", Type: connectors.Boolean, Default: "true", Importance: connectors.Low,
		Doc: "Allow PUT /connectors/{c}/topics/reset."},
	{Name: "listeners", Type: connectors.List, Default: "http://:8083", Importance: connectors.Low},
	{Name: "admin.listeners", Type: connectors.List, Default: nil, Importance: connectors.Low,
		Doc: "Listeners of the admin endpoints (/admin/loggers): unset serves them on listeners, empty disables them."},
	{Name: "access.control.allow.origin", Type: connectors.String, Default: "", Importance: connectors.Low,
		Doc: "Origins allowed to make cross-origin requests (\"*\" for any); blank disables CORS."},
	{Name: "access.control.allow.methods", Type: connectors.String, Default: "", Importance: connectors.Low,
		Doc: "Methods allowed in cross-origin requests; blank means GET, POST and HEAD."},
	{Name: "rest.advertised.host.name", Type: connectors.String, Default: nil, Importance: connectors.Low},
	{Name: "rest.advertised.port", Type: connectors.Int, Default: nil, Importance: connectors.Low},
	{Name: "rest.advertised.listener", Type: connectors.String, Default: nil, Importance: connectors.Low,
		Doc: "Protocol (http or https) of the listener whose host and port are advertised; unset: http when an http listener exists."},
	{Name: "rest.extension.classes", Type: connectors.List, Default: "", Importance: connectors.Low,
		Doc: "REST extensions; connectd has one, Kafka Connect's BasicAuthSecurityRestExtension (HTTP Basic auth from the JAAS file)."},
	{Name: jaasProperty, Type: connectors.String, Default: nil, Importance: connectors.Low,
		Doc: "JAAS file of BasicAuthSecurityRestExtension; unset: -Djava.security.auth.login.config in KAFKA_OPTS."},
	{Name: "session.timeout.ms", Type: connectors.Int, Default: "10000", Importance: connectors.High},
	{Name: "heartbeat.interval.ms", Type: connectors.Int, Default: "3000", Importance: connectors.High},
	{Name: "rebalance.timeout.ms", Type: connectors.Int, Default: "60000", Importance: connectors.High},
	{Name: "metrics.sample.window.ms", Type: connectors.Long, Default: "30000", Validator: connectors.AtLeast(1), Importance: connectors.Low,
		Doc: "The window of one sample of the windowed metrics (rates, averages, maxima)."},
	{Name: "metrics.num.samples", Type: connectors.Int, Default: "2", Validator: connectors.AtLeast(1), Importance: connectors.Low,
		Doc: "How many samples the windowed metrics keep."},
	{Name: "metrics.recording.level", Type: connectors.String, Default: "INFO", Validator: connectors.OneOf("INFO", "DEBUG", "TRACE"), Importance: connectors.Low,
		Doc: "The highest recording level of the metrics; Kafka Connect's are all INFO, so every level serves them all."},
	{Name: "metric.reporters", Type: connectors.List, Default: "", Importance: connectors.Low,
		Doc: "Java metrics reporters: none runs here; the metrics are on /metrics. Only Kafka's JmxReporter is accepted, as a no-op."},
	{Name: "plugin.path", Type: connectors.List, Default: nil, Importance: connectors.Low,
		Doc: "Kafka Connect Java plugins: directories of plugin directories, uber-JARs or directories of classes, as Kafka Connect reads them. Set, the worker runs them in one JVM plugin host (Java 17+), started with the worker; unset, the worker needs no Java."},
	{Name: "connectd.plugin.host.kafka.version", Type: connectors.String, Default: javaplugin.DefaultKafkaVersion, Importance: connectors.Low,
		Validator: func(v any) error {
			if s, ok := v.(string); ok {
				return javaplugin.CheckKafkaVersion(strings.TrimSpace(s))
			}
			return nil
		},
		Doc: "connectd's own: the Connect API and Kafka clients version the Java plugins of plugin.path see. Plugins built for 4.3 and older fail on 4.4's clients, as on Apache Kafka Connect 4.4."},
	{Name: "connectd.plugin.host.java", Type: connectors.String, Default: "", Importance: connectors.Low,
		Doc: "connectd's own: the java executable of the plugin host; blank means $JAVA_HOME/bin/java, else java on the PATH."},
	{Name: "connectd.plugin.host.jvm.options", Type: connectors.String, Default: defaultHostJVMOptions, Importance: connectors.Low,
		Doc: "connectd's own: options given to the plugin host's JVM before its class, separated by spaces; they replace the default, " + defaultHostJVMOptions + " (the heap cap of Apache Kafka Connect's connect-distributed.sh, a small initial heap, the parallel collector). Blank means the JVM's own defaults (a heap of up to a quarter of the machine's memory). What the JVM prints itself (its warnings, -verbose:gc, -Xlog to stdout) is sent to standard error, which the worker logs."},
	{Name: "connectd.plugin.host.maven.repository", Type: connectors.String, Default: "", Importance: connectors.Low,
		Doc: "connectd's own: where the plugin host's jars are fetched from the first time it is built: a Maven Central mirror's URL, or a directory (or file:// URL) laid out as a Maven repository such as ~/.m2/repository; blank means $CONNECTD_MAVEN_REPOSITORY, else Maven Central."},
	{Name: "data.dir", Type: connectors.String, Default: "./connectd-data", Importance: connectors.Medium,
		Doc: "Embedded broker data and the default standalone offsets file."},
	{Name: "embedded.broker.listener", Type: connectors.String, Default: "127.0.0.1:9092", Importance: connectors.Medium,
		Doc: "Address of the embedded broker; port 0 picks a free port."},
	{Name: "cluster.listener", Type: connectors.String, Default: "127.0.0.1:0", Importance: connectors.Medium,
		Doc: "Actor-cluster listen address."},
	{Name: "cluster.advertised.listener", Type: connectors.String, Default: nil, Importance: connectors.Low,
		Doc: "Actor-cluster address other workers dial; unset means the bound address."},
	{Name: "inter.worker.key.ttl.ms", Type: connectors.Int, Default: "3600000", Importance: connectors.Low,
		Doc: "How long a session key (shared through the config topic) signs the members' calls before it is rotated."},
	{Name: "connector.client.config.override.policy", Type: connectors.String, Default: string(kafkaconfig.DefaultPolicy), Importance: connectors.Medium,
		Doc: "Which producer.override.*, consumer.override.* and admin.override.* keys a connector may set: None, Principal or All."},
}

// passThroughPrefixes are prefixes of keys that configure clients, converters or TLS; they
// are not in the table but are not unknown either.
var passThroughPrefixes = []string{
	"key.converter.", "value.converter.", "header.converter.", "producer.", "consumer.", "admin.",
	"listeners.https.", "admin.listeners.https.", "cluster.ssl.", "ssl.", "sasl.", "security.", "config.providers", "metric",
	"client.", "topic.", "connect.", "exactly.once.", "inter.worker.",
	"scheduled.rebalance.", "worker.", "response.http.", "rest.", "connector.client.",
}

// workerConfig is the parsed worker configuration.
type workerConfig struct {
	props               map[string]string
	bootstrap           []string // nil: embedded broker
	groupID             string
	configTopic         string
	offsetTopic         string
	statusTopic         string
	configRF, offsetRF  int16
	statusRF            int16
	offsetPartitions    int32
	statusPartitions    int32
	offsetFile          string
	keyConverter        string
	valueConverter      string
	keyConverterProps   map[string]string
	valueConverterProps map[string]string
	flushInterval       time.Duration
	taskShutdown        time.Duration
	restartFailed       actors.Backoff // zero: FAILED tasks stay FAILED
	listeners           []*url.URL
	adminListeners      []*url.URL // nil: admin endpoints on listeners; see adminDisabled
	adminDisabled       bool       // admin.listeners set to the empty string
	corsOrigins         string
	corsMethods         string
	workerID            string // advertised REST host:port
	advertisedScheme    string // http or https: the protocol of the advertised listener
	restTLS             *tls.Config
	adminTLS            *tls.Config
	restAuth            func(http.Handler) http.Handler // nil: no authentication
	clusterTLS          *tlsconfig.Source               // cluster.ssl.*: mutual TLS between members; nil: none
	interWorkerKeys     clusterauth.Settings            // inter.worker.*: the session key (KIP-507)
	sessionTimeout      time.Duration
	heartbeatInterval   time.Duration
	rebalanceTimeout    time.Duration
	dataDir             string
	brokerListener      string
	clusterListener     string
	clusterAdvertised   string
	topicTracking       bool // topic.tracking.enable
	topicTrackingReset  bool // topic.tracking.allow.reset
	metricsWindow       time.Duration
	metricsSamples      int
	// exactlyOnceSource is exactly.once.source.support, lower case; standalone clears it.
	exactlyOnceSource string
	pluginPath        []string // plugin.path; empty: no Java plugin host
	pluginHostKafka   string   // connectd.plugin.host.kafka.version
	pluginHostJava    string   // connectd.plugin.host.java; "": JAVA_HOME's or the PATH's
	pluginHostMaven   string   // connectd.plugin.host.maven.repository; "": $CONNECTD_MAVEN_REPOSITORY, else Central
	pluginHostJVM     []string // connectd.plugin.host.jvm.options, split at spaces; nil: the JVM's defaults

	// header.converter and its header.converter.* sub-config
	headerConverter      string
	headerConverterProps map[string]string
	// security holds the security.*, ssl.* and sasl.* properties: every Kafka client of the
	// worker (stores, membership, admin, tasks) starts from them.
	security map[string]string
	// producerProps, consumerProps and adminProps are producer.*, consumer.* and admin.*
	// (prefix stripped), applied over security to the connectors' clients and the admin client.
	producerProps, consumerProps, adminProps map[string]string
	overridePolicy                           kafkaconfig.OverridePolicy
	providers                                *configprovider.Set // config.providers, for connector configs
}

// parseWorkerConfig parses worker properties, logging unknown keys once.
func parseWorkerConfig(props map[string]string, log *slog.Logger) (*workerConfig, error) {
	// config.providers serve the worker's own properties too (KIP-297): a password read from
	// a file or the environment never has to be written in worker.properties.
	providers, err := configprovider.FromProperties(props)
	if err != nil {
		return nil, fmt.Errorf("worker config: %w", err)
	}
	resolved, err := providers.Resolve(props)
	if err != nil {
		return nil, fmt.Errorf("worker config: %w", err)
	}
	props = resolved.Config
	v, err := workerConfigDef.Parse(props)
	if err != nil {
		return nil, fmt.Errorf("worker config: %w", err)
	}
	if err := checkMetricReporters(v.List("metric.reporters"), log); err != nil {
		return nil, err
	}
	for k := range props {
		if !slices.ContainsFunc(workerConfigDef, func(c connectors.ConfigKey) bool { return c.Name == k }) &&
			!slices.ContainsFunc(passThroughPrefixes, func(p string) bool { return strings.HasPrefix(k, p) }) {
			log.Info("unknown worker property ignored", "key", k)
		}
	}
	c := &workerConfig{
		props:               props,
		bootstrap:           v.List("bootstrap.servers"),
		groupID:             v.String("group.id"),
		configTopic:         v.String("config.storage.topic"),
		offsetTopic:         v.String("offset.storage.topic"),
		statusTopic:         v.String("status.storage.topic"),
		configRF:            int16(v.Int("config.storage.replication.factor")),
		offsetRF:            int16(v.Int("offset.storage.replication.factor")),
		statusRF:            int16(v.Int("status.storage.replication.factor")),
		offsetPartitions:    int32(v.Int("offset.storage.partitions")),
		statusPartitions:    int32(v.Int("status.storage.partitions")),
		offsetFile:          v.String("offset.storage.file.filename"),
		keyConverter:        v.String("key.converter"),
		valueConverter:      v.String("value.converter"),
		keyConverterProps:   withPrefix(props, "key.converter."),
		valueConverterProps: withPrefix(props, "value.converter."),
		flushInterval:       time.Duration(v.Long("offset.flush.interval.ms")) * time.Millisecond,
		taskShutdown:        time.Duration(v.Long("task.shutdown.graceful.timeout.ms")) * time.Millisecond,
		restartFailed:       restartFailed(v),
		sessionTimeout:      time.Duration(v.Int("session.timeout.ms")) * time.Millisecond,
		heartbeatInterval:   time.Duration(v.Int("heartbeat.interval.ms")) * time.Millisecond,
		rebalanceTimeout:    time.Duration(v.Int("rebalance.timeout.ms")) * time.Millisecond,
		dataDir:             v.String("data.dir"),
		brokerListener:      v.String("embedded.broker.listener"),
		clusterListener:     v.String("cluster.listener"),
		clusterAdvertised:   v.String("cluster.advertised.listener"),
		topicTracking:       v.Bool("topic.tracking.enable"),
		topicTrackingReset:  v.Bool("topic.tracking.allow.reset"),
		corsOrigins:         v.String("access.control.allow.origin"),
		corsMethods:         v.String("access.control.allow.methods"),
		metricsWindow:       time.Duration(v.Long("metrics.sample.window.ms")) * time.Millisecond,
		metricsSamples:      v.Int("metrics.num.samples"),
		exactlyOnceSource:   strings.ToLower(strings.TrimSpace(v.String("exactly.once.source.support"))),
		pluginPath:          v.List("plugin.path"),
		pluginHostKafka:     strings.TrimSpace(v.String("connectd.plugin.host.kafka.version")),
		pluginHostJava:      strings.TrimSpace(v.String("connectd.plugin.host.java")),
		pluginHostMaven:     strings.TrimSpace(v.String("connectd.plugin.host.maven.repository")),
		pluginHostJVM:       strings.Fields(v.String("connectd.plugin.host.jvm.options")),
	}
	if c.listeners, err = parseListeners("listeners", v.List("listeners")); err != nil {
		return nil, err
	}
	if len(c.listeners) == 0 {
		return nil, fmt.Errorf("worker config: listeners must not be empty")
	}
	// spec §8.1: admin.listeners unset serves the admin endpoints on listeners; set to the
	// empty string, it disables them.
	if raw, ok := props["admin.listeners"]; ok {
		if c.adminListeners, err = parseListeners("admin.listeners", v.List("admin.listeners")); err != nil {
			return nil, err
		}
		c.adminDisabled = strings.TrimSpace(raw) == ""
	}
	c.providers = providers
	if c.overridePolicy, err = kafkaconfig.ParsePolicy(v.String("connector.client.config.override.policy")); err != nil {
		return nil, fmt.Errorf("worker config: %w", err)
	}
	c.security = map[string]string{}
	for k, val := range props {
		if strings.HasPrefix(k, "security.") || strings.HasPrefix(k, "ssl.") || strings.HasPrefix(k, "sasl.") {
			c.security[k] = val
		}
	}
	if p := strings.ToUpper(strings.TrimSpace(c.security["security.protocol"])); p != "" && p != "PLAINTEXT" && len(c.bootstrap) == 0 {
		return nil, fmt.Errorf("worker config: security.protocol %s needs bootstrap.servers: the embedded broker speaks PLAINTEXT only", p)
	}
	c.producerProps, c.consumerProps, c.adminProps = withPrefix(props, "producer."), withPrefix(props, "consumer."), withPrefix(props, "admin.")
	// admin.listeners and admin.listeners.https.* configure the admin REST listeners, not the
	// admin client.
	maps.DeleteFunc(c.adminProps, func(k, _ string) bool { return k == "listeners" || strings.HasPrefix(k, "listeners.") })
	// Every client setting is checked now, so that a worker that cannot honour one (an
	// unsupported protocol or mechanism, an unreadable keystore, a wrong store password)
	// stops at start with the key named, instead of connecting some other way.
	for _, role := range []struct {
		role   kafkaconfig.Role
		prefix string
		props  map[string]string
	}{{kafkaconfig.Worker, "", nil}, {kafkaconfig.Producer, "producer.", c.producerProps},
		{kafkaconfig.Consumer, "consumer.", c.consumerProps}, {kafkaconfig.Admin, "admin.", c.adminProps}} {
		cl, err := c.kafkaClient("connectd-check", role.role, role.props)
		if err != nil {
			return nil, fmt.Errorf("worker config: %s", prefixSettingErrors(err, role.prefix))
		}
		if role.role == kafkaconfig.Worker {
			for _, key := range cl.Ignored {
				log.Info("unknown worker property ignored", "key", key)
			}
		}
	}
	c.headerConverter, c.headerConverterProps = v.String("header.converter"), withPrefix(props, "header.converter.")
	advertised, err := advertisedListener(c.listeners, v.String("rest.advertised.listener"))
	if err != nil {
		return nil, err
	}
	c.advertisedScheme = advertised.Scheme
	c.workerID = advertisedWorkerID(advertised, v.String("rest.advertised.host.name"), v.Int("rest.advertised.port"))
	if slices.ContainsFunc(c.listeners, isHTTPS) {
		if c.restTLS, err = listenerTLS(props, false, log); err != nil {
			return nil, fmt.Errorf("worker config: listeners https: %w", err)
		}
	}
	if slices.ContainsFunc(c.adminListeners, isHTTPS) {
		if c.adminTLS, err = listenerTLS(props, true, log); err != nil {
			return nil, fmt.Errorf("worker config: admin.listeners https: %w", err)
		}
	}
	if c.restAuth, err = restAuthentication(props, v.List("rest.extension.classes"), os.Getenv("KAFKA_OPTS")); err != nil {
		return nil, fmt.Errorf("worker config: %w", err)
	}
	if c.clusterTLS, err = clusterTLS(props, log); err != nil {
		return nil, fmt.Errorf("worker config: %w", err)
	}
	if c.interWorkerKeys, err = clusterauth.ParseSettings(props); err != nil {
		return nil, fmt.Errorf("worker config: %w", err)
	}
	return c, nil
}

func isHTTPS(u *url.URL) bool { return u.Scheme == "https" }

// advertisedListener picks the listener whose host and port are advertised, as Kafka
// Connect's RestServer.determineAdvertisedProtocol does: rest.advertised.listener's protocol,
// else http when an http listener exists, else https. A protocol no listener has is refused.
func advertisedListener(listeners []*url.URL, protocol string) (*url.URL, error) {
	protocol = strings.ToLower(strings.TrimSpace(protocol))
	switch protocol {
	case "":
		protocol = "https"
		if slices.ContainsFunc(listeners, func(u *url.URL) bool { return u.Scheme == "http" }) {
			protocol = "http"
		}
	case "http", "https":
	default:
		return nil, fmt.Errorf("worker config: rest.advertised.listener=%s: expected http or https", protocol)
	}
	for _, u := range listeners {
		if u.Scheme == protocol {
			return u, nil
		}
	}
	return nil, fmt.Errorf("worker config: rest.advertised.listener=%s: no %s listener in listeners", protocol, protocol)
}

// kafkaClient is the sarama configuration of one of the worker's clients: BaseConfig, the
// worker's security settings, then props (producer.*, consumer.* or admin.*, prefix stripped).
func (c *workerConfig) kafkaClient(clientID string, role kafkaconfig.Role, props map[string]string) (kafkaconfig.Client, error) {
	all := maps.Clone(c.security)
	maps.Copy(all, props)
	return kafkaconfig.Apply(pipeline.BaseConfig(clientID), role, all)
}

// prefixSettingErrors renders err's setting errors with the prefix the user wrote
// (producer.acks rather than acks); security keys came from the worker, unprefixed, unless
// the prefixed form was set.
func prefixSettingErrors(err error, prefix string) string {
	var parts []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var se *kafkaconfig.SettingError
		if errors.As(e, &se) && prefix != "" {
			parts = append(parts, prefix+se.Error())
			return
		}
		parts = append(parts, e.Error())
	}
	walk(err)
	return strings.Join(parts, "; ")
}

// parseListeners parses a list of http://host:port and https://host:port listener URLs.
func parseListeners(key string, list []string) ([]*url.URL, error) {
	var out []*url.URL
	for _, l := range list {
		u, err := url.Parse(l)
		if err == nil {
			u.Scheme = strings.ToLower(u.Scheme)
		}
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Port() == "" {
			return nil, fmt.Errorf("worker config: invalid %s entry %q: expected http://host:port or https://host:port", key, l)
		}
		out = append(out, u)
	}
	return out, nil
}

// advertisedWorkerID follows spec §4.1: the advertised host and port, else the listener's,
// else this host's name.
func advertisedWorkerID(l *url.URL, host string, port int) string {
	if host == "" {
		host = l.Hostname()
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		if h, err := os.Hostname(); err == nil {
			host = h
		} else {
			host = "localhost"
		}
	}
	p := l.Port()
	if port > 0 {
		p = strconv.Itoa(port)
	}
	return net.JoinHostPort(host, p)
}

// withPrefix returns the keys of props that start with prefix, with the prefix removed.
func withPrefix(props map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}

// jmxReporter is Kafka's JMX metrics reporter, the default of metric.reporters since Kafka 4.0.
const jmxReporter = "org.apache.kafka.common.metrics.JmxReporter"

// checkMetricReporters refuses metric.reporters naming a Java reporter: connectd cannot run
// one, and a worker that silently did not report where its operator expects would be worse
// than one that does not start. Kafka's JmxReporter, the default, is accepted: the metrics it
// would publish over JMX are served on /metrics.
func checkMetricReporters(classes []string, log *slog.Logger) error {
	for _, c := range classes {
		if c != jmxReporter {
			return fmt.Errorf("worker config: metric.reporters: %s cannot run in connectd, which runs no Java metrics reporter; its metrics are served in Prometheus format on /metrics (remove the class from metric.reporters)", c)
		}
		log.Info("metric.reporters: JMX is not served; the same metrics are on /metrics", "class", c)
	}
	return nil
}

// restartFailed is the automatic restart of failed tasks the connectd.task.restart.failed.*
// settings ask for; zero when it is off.
func restartFailed(v connectors.Values) actors.Backoff {
	if !v.Bool("connectd.task.restart.failed.enable") {
		return actors.Backoff{}
	}
	return actors.Backoff{
		Initial: time.Duration(v.Long("connectd.task.restart.failed.backoff.initial.ms")) * time.Millisecond,
		Max:     time.Duration(v.Long("connectd.task.restart.failed.backoff.max.ms")) * time.Millisecond,
	}
}
