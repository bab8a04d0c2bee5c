package kafkaconfig

import (
	"context"
	"crypto/tls"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// DefaultLinger is linger.ms when a source producer's properties do not set it: Kafka 4.0's
// default (KIP-1030), so that records handed over one poll at a time still leave in batches.
const DefaultLinger = 5 * time.Millisecond

// defaultBatchBytes is a batch's bound when batch.size is not set.
const defaultBatchBytes = 1000012

// minBatchBytes is the smallest batch franz-go accepts; a smaller batch.size is raised to it.
const minBatchBytes = 512

// bufferBytes is Java's buffer.memory default (32 MiB), used when buffer.memory is not set: records handed to the producer and
// not yet acknowledged; a full buffer makes the task wait, not the heap grow.
const bufferBytes = 32 << 20

// bufferRecords is no bound that matters: Java's producer bounds its buffer by bytes only.
// franz-go also bounds it by records, 50 000 by default, which for 100-byte records is about
// 5 MB, five 1 MB batches: with five requests in flight the task waited on a full buffer while
// the broker had room (the worker at 0.77 of a core, 0.43–0.49 of the ceiling producer).
const bufferRecords = 1 << 30

// FranzProducer translates a producer's settings, already applied and checked by Apply
// (cl, from props), into franz-go options: the pipelined source producer is franz-go's, which
// keeps several batches in flight (five with idempotence, as Java's producer) where sarama's
// idempotent producer keeps one. Security (TLS, SASL PLAIN, SCRAM, OAUTHBEARER) is taken
// from cl's sarama configuration, so both clients authenticate alike.
//
// Java's batch.size (16 KiB by default) bounds one partition's batch in one request; with
// one request per partition in flight per slot, a 16 KiB batch caps a single-partition
// topic far below what the broker takes, so when batch.size is not set the batch is bounded
// by max.request.size only (about 1 MB by default). A batch.size that is set is honoured.
func FranzProducer(cl Client, props map[string]string) ([]kgo.Opt, error) {
	c := cl.Config
	opts, err := franzConnection(c)
	if err != nil {
		return nil, err
	}
	set := func(k string) bool { _, ok := props[k]; return ok }
	if set("request.timeout.ms") {
		opts = append(opts, kgo.ProduceRequestTimeout(c.Producer.Timeout))
	}
	if set("metadata.max.age.ms") {
		opts = append(opts, kgo.MetadataMaxAge(c.Metadata.RefreshFrequency))
	}
	backoff := 100 * time.Millisecond // Java's retry.backoff.ms, doubling up to its retry.backoff.max.ms, 1 s
	if set("retry.backoff.ms") {
		backoff = c.Producer.Retry.Backoff
	}
	// A retriable produce error waits for fresh metadata, which franz-go fetches at most
	// every 5 s by default; Java refreshes after retry.backoff.ms.
	opts = append(opts, kgo.RetryBackoffFn(ExponentialBackoff(backoff, max(backoff, time.Second))), kgo.MetadataMinAge(backoff))
	idempotent := true // Java's default since Kafka 3.0, as franz-go's
	if v, ok := props["enable.idempotence"]; ok && strings.EqualFold(strings.TrimSpace(v), "false") {
		idempotent = false
	}
	switch c.Producer.RequiredAcks {
	case sarama.WaitForAll:
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	case sarama.WaitForLocal:
		opts, idempotent = append(opts, kgo.RequiredAcks(kgo.LeaderAck())), false
	default:
		opts, idempotent = append(opts, kgo.RequiredAcks(kgo.NoAck())), false
	}
	if !idempotent {
		opts = append(opts, kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(c.Net.MaxOpenRequests))
	} else if set("max.in.flight.requests.per.connection") && c.Net.MaxOpenRequests > 5 {
		// Java's own check, with its words.
		return nil, settingErr("max.in.flight.requests.per.connection", "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.")
	}
	// compression.type, none by default as in Java (franz-go would snappy by default).
	opts = append(opts, kgo.ProducerBatchCompression(franzCodec(c)))
	linger := DefaultLinger
	if set("linger.ms") {
		linger = c.Producer.Flush.Frequency
	}
	opts = append(opts, kgo.ProducerLinger(linger))
	// Without batch.size, franz-go's default batch (1 000 012 bytes, what a broker takes
	// under its default message.max.bytes), bounded by max.request.size.
	batch := min(c.Producer.MaxMessageBytes, defaultBatchBytes)
	if set("batch.size") {
		n, err := strconv.Atoi(strings.TrimSpace(props["batch.size"]))
		if err != nil {
			return nil, invalidValue("batch.size", props["batch.size"], "Not a number of type INT")
		}
		batch = min(c.Producer.MaxMessageBytes, max(n, minBatchBytes))
	}
	opts = append(opts, kgo.ProducerBatchMaxBytes(int32(max(batch, minBatchBytes))))
	if v, ok := props["enable.metrics.push"]; ok && strings.EqualFold(strings.TrimSpace(v), "false") {
		opts = append(opts, kgo.DisableClientMetrics())
	}
	buffer := int64(bufferBytes)
	if cl.BufferMemory > 0 {
		buffer = cl.BufferMemory
	}
	opts = append(opts, kgo.MaxBufferedBytes(int(min(buffer, math.MaxInt))), kgo.MaxBufferedRecords(bufferRecords))
	if set("retries") {
		opts = append(opts, kgo.RecordRetries(c.Producer.Retry.Max))
	}
	return opts, nil
}

// franzConnection is how a franz-go client of c connects: its client.id, the dial timeout,
// TLS and SASL, taken from c's sarama configuration so both clients authenticate alike.
func franzConnection(c *sarama.Config) ([]kgo.Opt, error) {
	opts := []kgo.Opt{kgo.ClientID(c.ClientID), kgo.DialTimeout(c.Net.DialTimeout)}
	if c.Net.TLS.Enable {
		tc := c.Net.TLS.Config
		if tc == nil {
			tc = &tls.Config{}
		}
		opts = append(opts, kgo.DialTLSConfig(tc.Clone()))
	}
	// ssl.* settings reach sarama as a dialer that completes the TLS handshake (applyTLS), not
	// as its TLS switch: the franz-go client dials through the same dialer, or it would speak
	// plaintext to a TLS listener.
	if c.Net.Proxy.Enable && c.Net.Proxy.Dialer != nil {
		d := c.Net.Proxy.Dialer
		opts = append(opts, kgo.Dialer(func(ctx context.Context, network, host string) (net.Conn, error) {
			if cd, ok := d.(interface {
				DialContext(context.Context, string, string) (net.Conn, error)
			}); ok {
				return cd.DialContext(ctx, network, host)
			}
			return d.Dial(network, host)
		}))
	}
	if c.Net.SASL.Enable {
		mech, err := franzSASL(c)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.SASL(mech))
	}
	return opts, nil
}

// FranzConsumer translates a sink consumer's settings, already applied and checked by Apply
// (cl, from props, over the base configuration pipeline.Clients gives every sink consumer),
// into franz-go options: the sink consumer is franz-go's, whose fetches reach the task
// without a per-message hand-over. The group (group.id) and the topics are the caller's.
//
// Each Java consumer key maps to franz-go's option of the same meaning: auto.offset.reset,
// fetch.min.bytes, fetch.max.bytes, max.partition.fetch.bytes, fetch.max.wait.ms,
// isolation.level, session.timeout.ms, heartbeat.interval.ms, max.poll.interval.ms (the
// rebalance timeout, as Java's consumer sends it), group.instance.id,
// partition.assignment.strategy, client.id, client.rack (fetching from the closest
// replica), request.timeout.ms (franz-go's timeout for a request that has no broker-side
// wait of its own), metadata.max.age.ms, retry.backoff.ms and enable.metrics.push.
func FranzConsumer(cl Client, props map[string]string) ([]kgo.Opt, error) {
	c := cl.Config
	opts, err := franzConnection(c)
	if err != nil {
		return nil, err
	}
	set := func(k string) bool { _, ok := props[k]; return ok }
	if set("request.timeout.ms") {
		opts = append(opts, kgo.RequestTimeoutOverhead(c.Net.ReadTimeout))
	}
	if set("metadata.max.age.ms") {
		opts = append(opts, kgo.MetadataMaxAge(c.Metadata.RefreshFrequency))
	}
	backoff := 100 * time.Millisecond // Java's retry.backoff.ms, doubling up to its retry.backoff.max.ms, 1 s
	if set("retry.backoff.ms") {
		backoff = c.Consumer.Retry.Backoff
	}
	opts = append(opts, kgo.RetryBackoffFn(ExponentialBackoff(backoff, max(backoff, time.Second))))
	reset := kgo.NewOffset().AtStart()
	if c.Consumer.Offsets.Initial == sarama.OffsetNewest {
		reset = kgo.NewOffset().AtEnd()
	}
	opts = append(opts, kgo.ConsumeResetOffset(reset),
		kgo.FetchMinBytes(max(c.Consumer.Fetch.Min, 1)),
		kgo.FetchMaxPartitionBytes(c.Consumer.Fetch.Default),
		kgo.FetchMaxWait(c.Consumer.MaxWaitTime),
		kgo.SessionTimeout(c.Consumer.Group.Session.Timeout),
		kgo.HeartbeatInterval(c.Consumer.Group.Heartbeat.Interval),
		kgo.RebalanceTimeout(c.Consumer.Group.Rebalance.Timeout))
	if c.Consumer.Fetch.Max > 0 {
		opts = append(opts, kgo.FetchMaxBytes(c.Consumer.Fetch.Max))
	}
	if c.Consumer.IsolationLevel == sarama.ReadCommitted {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	if c.Consumer.Group.InstanceId != "" {
		opts = append(opts, kgo.InstanceID(c.Consumer.Group.InstanceId))
	}
	if c.RackID != "" {
		opts = append(opts, kgo.Rack(c.RackID))
	}
	// Java's default partition.assignment.strategy: range, and cooperative-sticky once every
	// member of the group offers it.
	assignors := cl.Assignors
	if len(assignors) == 0 {
		assignors = []string{"range", "cooperative-sticky"}
	}
	var balancers []kgo.GroupBalancer
	for _, a := range assignors {
		switch a {
		case "range":
			balancers = append(balancers, kgo.RangeBalancer())
		case "roundrobin":
			balancers = append(balancers, kgo.RoundRobinBalancer())
		case "sticky":
			balancers = append(balancers, kgo.StickyBalancer())
		case "cooperative-sticky":
			balancers = append(balancers, kgo.CooperativeStickyBalancer())
		}
	}
	opts = append(opts, kgo.Balancers(balancers...))
	if v, ok := props["enable.metrics.push"]; ok && strings.EqualFold(strings.TrimSpace(v), "false") {
		opts = append(opts, kgo.DisableClientMetrics())
	}
	return opts, nil
}

// ExponentialBackoff is Java's client backoff: first, doubling per try, at most most.
func ExponentialBackoff(first, most time.Duration) func(tries int) time.Duration {
	return func(tries int) time.Duration {
		b := first
		for i := 1; i < tries && b < most; i++ {
			b *= 2
		}
		return min(b, most)
	}
}

// franzSASL is the franz-go mechanism of c's SASL settings (applySASL admits only these).
func franzSASL(c *sarama.Config) (sasl.Mechanism, error) {
	user, pass := c.Net.SASL.User, c.Net.SASL.Password
	switch c.Net.SASL.Mechanism {
	case sarama.SASLTypePlaintext:
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case sarama.SASLTypeSCRAMSHA256:
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	case sarama.SASLTypeSCRAMSHA512:
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	case sarama.SASLTypeOAuth:
		tp := c.Net.SASL.TokenProvider
		if tp == nil {
			return nil, settingErr("sasl.jaas.config", "sasl.mechanism OAUTHBEARER has no token provider")
		}
		return oauth.Oauth(func(context.Context) (oauth.Auth, error) {
			tok, err := tp.Token()
			if err != nil {
				return oauth.Auth{}, err
			}
			return oauth.Auth{Token: tok.Token, Extensions: tok.Extensions}, nil
		}), nil
	}
	return nil, settingErr("sasl.mechanism", "sasl.mechanism %s is not supported by connectd's franz-go clients", c.Net.SASL.Mechanism)
}

// franzCodec is compression.type (and its level) as franz-go's codec.
func franzCodec(c *sarama.Config) kgo.CompressionCodec {
	var codec kgo.CompressionCodec
	switch c.Producer.Compression {
	case sarama.CompressionGZIP:
		codec = kgo.GzipCompression()
	case sarama.CompressionSnappy:
		codec = kgo.SnappyCompression()
	case sarama.CompressionLZ4:
		codec = kgo.Lz4Compression()
	case sarama.CompressionZSTD:
		codec = kgo.ZstdCompression()
	default:
		return kgo.NoCompression()
	}
	if c.Producer.CompressionLevel != sarama.CompressionLevelDefault {
		codec = codec.WithLevel(c.Producer.CompressionLevel)
	}
	return codec
}
