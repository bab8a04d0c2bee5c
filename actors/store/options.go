package store

import (
	"log/slog"

	"github.com/IBM/sarama"
)

// Kafka says how a store reaches the Kafka cluster. Each store (and Log) makes its own
// sarama.Client from it in Start and closes it in Close: the store needs producer and
// consumer settings (acks=all, idempotence off, manual murmur2 partitioning, ordered retries,
// no automatic topic creation) that a client shared with other users would not carry.
type Kafka struct {
	// Addrs is bootstrap.servers; it must not be empty.
	Addrs []string
	// Config holds the client settings the worker derives from its properties (Version,
	// Net.TLS, Net.SASL, ClientID, timeouts, retries). It is copied and never modified; the
	// store overrides the producer, consumer and metadata settings it depends on. Nil means
	// sarama.NewConfig().
	Config *sarama.Config
}

// Topic describes one internal topic.
type Topic struct {
	// Name is the topic; it must not be empty.
	Name string
	// Partitions is used when the store creates the topic. Zero means the store's
	// default (config 1, status 5, offsets 25); -1 means the broker default.
	Partitions int32
	// ReplicationFactor is used when the store creates the topic. Zero and -1 mean the
	// broker default (Kafka Connect's own default, 3, is applied by the worker config).
	ReplicationFactor int16
	// Configs are extra topic settings used when the store creates the topic;
	// cleanup.policy is always compact. Nil means none.
	Configs map[string]string
}

// Option configures a store, a Log or a FileOffsetStore.
type Option interface{ apply(*options) }

type options struct {
	logger *slog.Logger
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithLogger sets the logger. The default (and nil) discards everything.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(o *options) { o.logger = l })
}

func buildOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o
}
