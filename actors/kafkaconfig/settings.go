package kafkaconfig

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
)

// Role is which kind of client the properties configure.
type Role string

const (
	// Worker is a worker's own client (config, status and offset stores, membership): only
	// the security settings apply; every other worker property belongs to the worker.
	Worker Role = "worker"
	// Producer is a source task's producer (producer.*, producer.override.*).
	Producer Role = "producer"
	// Consumer is a sink task's consumer (consumer.*, consumer.override.*).
	Consumer Role = "consumer"
	// Admin is the admin client (admin.*, admin.override.*).
	Admin Role = "admin"
)

// Client is a sarama configuration with the settings sarama has no field for.
type Client struct {
	Config *sarama.Config
	// Bootstrap is bootstrap.servers when the properties set it (a producer or consumer may
	// talk to another cluster than the worker's, as in Kafka Connect); nil otherwise.
	Bootstrap []string
	// GroupID is the consumer's group.id when set (consumer.override.group.id of a sink).
	GroupID string
	// MaxPollRecords is max.poll.records when set: the most records handed to a sink task at once.
	MaxPollRecords int
	// Assignors are partition.assignment.strategy's assignors connectd's consumer has, in the
	// order listed, by their protocol names (range, roundrobin, sticky, cooperative-sticky);
	// nil when not set.
	Assignors []string
	// BufferMemory is buffer.memory when set: the most bytes of records a producer holds
	// unacknowledged before the task waits (FranzProducer); 0 when not set.
	BufferMemory int64
	// Ignored are the keys neither applied nor refused, sorted: connectd does not know them.
	// The caller logs them once.
	Ignored []string
}

// setter applies one property's value.
type setter func(c *sarama.Config, cl *Client, key, v string) error

// common are the keys every client role reads.
var common = map[string]setter{
	"client.id":                             func(c *sarama.Config, _ *Client, _, v string) error { c.ClientID = v; return nil },
	"client.rack":                           func(c *sarama.Config, _ *Client, _, v string) error { c.RackID = v; return nil },
	"bootstrap.servers":                     setBootstrap,
	"request.timeout.ms":                    setRequestTimeout,
	"socket.connection.setup.timeout.ms":    durationMs(func(c *sarama.Config) *time.Duration { return &c.Net.DialTimeout }),
	"metadata.max.age.ms":                   durationMs(func(c *sarama.Config) *time.Duration { return &c.Metadata.RefreshFrequency }),
	"retry.backoff.ms":                      setRetryBackoff,
	"max.in.flight.requests.per.connection": intAtLeast(1, func(c *sarama.Config) *int { return &c.Net.MaxOpenRequests }),
}

var producerKeys = map[string]setter{
	"acks":                   setAcks,
	"compression.type":       setCompression,
	"compression.gzip.level": compressionLevel(sarama.CompressionGZIP),
	"compression.lz4.level":  compressionLevel(sarama.CompressionLZ4),
	"compression.zstd.level": compressionLevel(sarama.CompressionZSTD),
	"linger.ms":              durationMs(func(c *sarama.Config) *time.Duration { return &c.Producer.Flush.Frequency }),
	"batch.size":             intAtLeast(0, func(c *sarama.Config) *int { return &c.Producer.Flush.Bytes }),
	"max.request.size":       intAtLeast(1, func(c *sarama.Config) *int { return &c.Producer.MaxMessageBytes }),
	"enable.idempotence": func(c *sarama.Config, _ *Client, key, v string) error {
		b, err := parseBool(key, v)
		c.Producer.Idempotent = b
		return err
	},
	"retries": intAtLeast(0, func(c *sarama.Config) *int { return &c.Producer.Retry.Max }),
	// buffer.memory bounds the pipelined and exactly-once producers (franz-go); the
	// fencing-only producer sends one poll batch at a time and holds no more than it.
	"buffer.memory": func(_ *sarama.Config, cl *Client, key, v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch {
		case err != nil:
			return invalidValue(key, v, "Not a number of type LONG")
		case n < 0:
			return invalidValue(key, v, "Value must be at least 0")
		case n == 0:
			// Java accepts 0 and then fails every record as larger than its buffer; franz-go
			// would read 0 as no bound at all.
			return settingErr(key, "buffer.memory=0 leaves no room for any record; set at least the size of the largest record")
		}
		cl.BufferMemory = n
		return nil
	},
	// enable.metrics.push (KIP-714): the source producer (franz-go) pushes client metrics to
	// a broker that asks for them unless it is false (FranzProducer); sarama pushes none.
	"enable.metrics.push": func(_ *sarama.Config, _ *Client, key, v string) error {
		_, err := parseBool(key, v)
		return err
	},
	"delivery.timeout.ms": refuse("connectd's Kafka client bounds delivery by retries and retry.backoff.ms, not by a delivery timeout; remove delivery.timeout.ms"),
	"partitioner.class":   refuse("Java partitioner classes cannot run in connectd; records keep the partition Kafka's default partitioner gives them"),
	"transactional.id":    refuse("transactional ids are managed by the worker (exactly.once.source.support)"),
	"interceptor.classes": refuse("Java interceptor classes cannot run in connectd"),
	"key.serializer":      onlyClass("org.apache.kafka.common.serialization.ByteArraySerializer"),
	"value.serializer":    onlyClass("org.apache.kafka.common.serialization.ByteArraySerializer"),
}

var consumerKeys = map[string]setter{
	"auto.offset.reset": func(c *sarama.Config, _ *Client, key, v string) error {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "earliest":
			c.Consumer.Offsets.Initial = sarama.OffsetOldest
		case "latest":
			c.Consumer.Offsets.Initial = sarama.OffsetNewest
		case "none":
			return settingErr(key, "auto.offset.reset=none is not supported by connectd: a sink with no committed offset starts at earliest or latest")
		default:
			return invalidValue(key, v, "String must be one of: latest, earliest, none")
		}
		return nil
	},
	"max.poll.records": func(_ *sarama.Config, cl *Client, key, v string) error {
		return parseIntInto(key, v, 1, &cl.MaxPollRecords)
	},
	"fetch.min.bytes":           intAtLeast32(0, func(c *sarama.Config) *int32 { return &c.Consumer.Fetch.Min }),
	"fetch.max.bytes":           intAtLeast32(0, func(c *sarama.Config) *int32 { return &c.Consumer.Fetch.Max }),
	"max.partition.fetch.bytes": intAtLeast32(1, func(c *sarama.Config) *int32 { return &c.Consumer.Fetch.Default }),
	"fetch.max.wait.ms":         durationMs(func(c *sarama.Config) *time.Duration { return &c.Consumer.MaxWaitTime }),
	"isolation.level": func(c *sarama.Config, _ *Client, key, v string) error {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "read_uncommitted":
			c.Consumer.IsolationLevel = sarama.ReadUncommitted
		case "read_committed":
			c.Consumer.IsolationLevel = sarama.ReadCommitted
		default:
			return invalidValue(key, v, "String must be one of: read_committed, read_uncommitted")
		}
		return nil
	},
	"session.timeout.ms":            durationMs(func(c *sarama.Config) *time.Duration { return &c.Consumer.Group.Session.Timeout }),
	"heartbeat.interval.ms":         durationMs(func(c *sarama.Config) *time.Duration { return &c.Consumer.Group.Heartbeat.Interval }),
	"max.poll.interval.ms":          durationMs(func(c *sarama.Config) *time.Duration { return &c.Consumer.Group.Rebalance.Timeout }),
	"group.instance.id":             func(c *sarama.Config, _ *Client, _, v string) error { c.Consumer.Group.InstanceId = v; return nil },
	"group.id":                      func(_ *sarama.Config, cl *Client, _, v string) error { cl.GroupID = strings.TrimSpace(v); return nil },
	"partition.assignment.strategy": setAssignors,
	"enable.auto.commit": func(_ *sarama.Config, _ *Client, key, v string) error {
		b, err := parseBool(key, v)
		if err == nil && b {
			return settingErr(key, "enable.auto.commit=true is not supported: a sink's offsets are committed after its task flushed them")
		}
		return err
	},
	// enable.metrics.push (KIP-714): the sink consumer (franz-go) pushes client metrics to a
	// broker that asks for them unless it is false (FranzConsumer).
	"enable.metrics.push": func(_ *sarama.Config, _ *Client, key, v string) error {
		_, err := parseBool(key, v)
		return err
	},
	"group.protocol": func(_ *sarama.Config, _ *Client, key, v string) error {
		if strings.EqualFold(strings.TrimSpace(v), "classic") {
			return nil
		}
		return settingErr(key, "only group.protocol=classic is supported by connectd's Kafka client")
	},
	"interceptor.classes": refuse("Java interceptor classes cannot run in connectd"),
	"key.deserializer":    onlyClass("org.apache.kafka.common.serialization.ByteArrayDeserializer"),
	"value.deserializer":  onlyClass("org.apache.kafka.common.serialization.ByteArrayDeserializer"),
}

var adminKeys = map[string]setter{
	"retries":                intAtLeast(0, func(c *sarama.Config) *int { return &c.Admin.Retry.Max }),
	"default.api.timeout.ms": durationMs(func(c *sarama.Config) *time.Duration { return &c.Admin.Timeout }),
}

// keysOf returns the settings table of role.
func keysOf(role Role) map[string]setter {
	switch role {
	case Producer:
		return producerKeys
	case Consumer:
		return consumerKeys
	case Admin:
		return adminKeys
	}
	return nil
}

func refuse(why string) setter {
	return func(_ *sarama.Config, _ *Client, key, _ string) error {
		return settingErr(key, "%s is not supported: %s", key, why)
	}
}

func onlyClass(class string) setter {
	return func(_ *sarama.Config, _ *Client, key, v string) error {
		if strings.TrimSpace(v) == class {
			return nil
		}
		return settingErr(key, "%s must be %s: the worker's converters serialize records", key, class)
	}
}

func setBootstrap(_ *sarama.Config, cl *Client, key, v string) error {
	cl.Bootstrap = nil
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cl.Bootstrap = append(cl.Bootstrap, s)
		}
	}
	if len(cl.Bootstrap) == 0 {
		return invalidValue(key, v, "Must not be empty")
	}
	return nil
}

// setRequestTimeout is request.timeout.ms: how long the client waits for any response, and
// for a producer the broker's own produce timeout too (Java sends it in each request).
func setRequestTimeout(c *sarama.Config, _ *Client, key, v string) error {
	d, err := parseMs(key, v)
	if err != nil {
		return err
	}
	c.Net.ReadTimeout, c.Net.WriteTimeout, c.Producer.Timeout = d, d, d
	return nil
}

func setRetryBackoff(c *sarama.Config, _ *Client, key, v string) error {
	d, err := parseMs(key, v)
	if err != nil {
		return err
	}
	c.Producer.Retry.Backoff, c.Consumer.Retry.Backoff, c.Metadata.Retry.Backoff, c.Admin.Retry.Backoff = d, d, d, d
	return nil
}

func setAcks(c *sarama.Config, _ *Client, key, v string) error {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "all", "-1":
		c.Producer.RequiredAcks = sarama.WaitForAll
	case "1":
		c.Producer.RequiredAcks = sarama.WaitForLocal
	case "0":
		c.Producer.RequiredAcks = sarama.NoResponse
	default:
		return invalidValue(key, v, "String must be one of: all, -1, 0, 1")
	}
	return nil
}

var codecs = map[string]sarama.CompressionCodec{
	"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP, "snappy": sarama.CompressionSnappy,
	"lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD,
}

func setCompression(c *sarama.Config, _ *Client, key, v string) error {
	codec, ok := codecs[strings.ToLower(strings.TrimSpace(v))]
	if !ok {
		return invalidValue(key, v, "String must be one of: none, gzip, snappy, lz4, zstd")
	}
	c.Producer.Compression = codec
	return nil
}

// compressionLevel is compression.<codec>.level: applied when that codec is the one in use
// (Apply sets levels after compression.type).
func compressionLevel(codec sarama.CompressionCodec) setter {
	return func(c *sarama.Config, _ *Client, key, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return invalidValue(key, v, "Not a number of type INT")
		}
		if c.Producer.Compression == codec {
			c.Producer.CompressionLevel = n
		}
		return nil
	}
}

// assignors are the Java assignor classes connectd's consumer has, by protocol name.
var assignors = map[string]string{
	"org.apache.kafka.clients.consumer.RangeAssignor":             "range",
	"org.apache.kafka.clients.consumer.RoundRobinAssignor":        "roundrobin",
	"org.apache.kafka.clients.consumer.StickyAssignor":            "sticky",
	"org.apache.kafka.clients.consumer.CooperativeStickyAssignor": "cooperative-sticky",
}

// setAssignors keeps the listed assignors connectd's client has, in order; a list with none
// of them (only custom classes) is refused.
func setAssignors(_ *sarama.Config, cl *Client, key, v string) error {
	var out []string
	for _, name := range strings.Split(v, ",") {
		if s, ok := assignors[strings.TrimSpace(name)]; ok {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return settingErr(key, "none of the assignors in %s is supported by connectd's Kafka client (RangeAssignor, RoundRobinAssignor, StickyAssignor, CooperativeStickyAssignor are)", key)
	}
	cl.Assignors = out
	return nil
}

func parseBool(key, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, invalidValue(key, v, "Expected value to be either true or false")
}

func parseMs(key, v string) (time.Duration, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, invalidValue(key, v, "Not a number of type LONG")
	}
	if n < 0 {
		return 0, invalidValue(key, v, "Value must be at least 0")
	}
	if n > math.MaxInt64/int64(time.Millisecond) {
		n = math.MaxInt64 / int64(time.Millisecond)
	}
	return time.Duration(n) * time.Millisecond, nil
}

func parseIntInto(key, v string, least int, dst *int) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return invalidValue(key, v, "Not a number of type INT")
	}
	if int(n) < least {
		return invalidValue(key, v, "Value must be at least "+strconv.Itoa(least))
	}
	*dst = int(n)
	return nil
}

func durationMs(field func(*sarama.Config) *time.Duration) setter {
	return func(c *sarama.Config, _ *Client, key, v string) error {
		d, err := parseMs(key, v)
		if err == nil {
			*field(c) = d
		}
		return err
	}
}

func intAtLeast(least int, field func(*sarama.Config) *int) setter {
	return func(c *sarama.Config, _ *Client, key, v string) error { return parseIntInto(key, v, least, field(c)) }
}

func intAtLeast32(least int, field func(*sarama.Config) *int32) setter {
	return func(c *sarama.Config, _ *Client, key, v string) error {
		var n int
		if err := parseIntInto(key, v, least, &n); err != nil {
			return err
		}
		*field(c) = int32(n)
		return nil
	}
}

// saslKeys are the sasl.* keys applySASL reads; other sasl.* keys are reported as ignored.
var saslKeys = map[string]bool{
	"sasl.mechanism": true, "sasl.jaas.config": true, "sasl.oauthbearer.token.endpoint.url": true,
	"sasl.login.callback.handler.class": true, "sasl.client.callback.handler.class": true, "sasl.login.class": true,
	"sasl.login.connect.timeout.ms": true, "sasl.login.read.timeout.ms": true,
}

// isSecurityKey reports whether key is one of the security settings every role reads.
func isSecurityKey(key string) bool {
	return strings.HasPrefix(key, "security.") || strings.HasPrefix(key, "ssl.") || strings.HasPrefix(key, "sasl.")
}

// Apply applies props (Java client property names, prefix stripped) for role onto a copy of
// base and returns it. Every error is a *SettingError; all of them are returned, joined.
func Apply(base *sarama.Config, role Role, props map[string]string) (Client, error) {
	c := *base // sarama.Config holds no pointers that Apply's setters share with base
	cl := Client{Config: &c}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range props {
			if !yield(k) {
				return
			}
		}
	})
	// compression.type before the levels; the rest in key order, so that errors come sorted.
	slices.SortStableFunc(keys, func(a, b string) int {
		ra, rb := strings.HasSuffix(a, ".level"), strings.HasSuffix(b, ".level")
		switch {
		case ra == rb:
			return 0
		case ra:
			return 1
		}
		return -1
	})
	var errs []error
	table := keysOf(role)
	for _, k := range keys {
		v := props[k]
		if isSecurityKey(k) {
			if strings.HasPrefix(k, "sasl.") && !saslKeys[k] {
				cl.Ignored = append(cl.Ignored, k)
			}
			if k == "security.providers" && strings.TrimSpace(v) != "" {
				errs = append(errs, settingErr(k, "security.providers is not supported: Java security providers cannot run in connectd"))
			}
			continue
		}
		if role == Worker {
			continue
		}
		set, ok := table[k]
		if !ok && (role != Consumer || k != "max.in.flight.requests.per.connection") {
			// Java's consumer has no max.in.flight.requests.per.connection: reported as unknown.
			set, ok = common[k]
		}
		if !ok {
			cl.Ignored = append(cl.Ignored, k)
			continue
		}
		if err := set(&c, &cl, k, v); err != nil {
			errs = append(errs, err)
		}
	}
	if err := applySecurity(&c, props); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Client{}, errors.Join(errs...)
	}
	if role == Producer && c.Producer.Idempotent {
		// Java allows up to 5 in flight with idempotence; sarama only 1.
		if _, set := props["max.in.flight.requests.per.connection"]; set && c.Net.MaxOpenRequests > 1 {
			return Client{}, settingErr("max.in.flight.requests.per.connection", "must be 1 with enable.idempotence=true in connectd's Kafka client")
		}
		c.Net.MaxOpenRequests = 1
		if c.Producer.RequiredAcks != sarama.WaitForAll {
			return Client{}, settingErr("acks", "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.")
		}
	}
	if err := c.Validate(); err != nil {
		return Client{}, &SettingError{Key: string(role), Msg: "invalid client configuration: " + err.Error(), Err: err}
	}
	return cl, nil
}

// Check reports, as Apply would, every setting of props that connectd cannot apply for role,
// without a configuration to apply them to (connector config validation).
func Check(role Role, props map[string]string) error {
	c := sarama.NewConfig()
	c.Version = sarama.V3_6_0_0
	_, err := Apply(c, role, props)
	return err
}
