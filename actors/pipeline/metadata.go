package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// probeTopic is the one topic a metadata request names when only the cluster is wanted (its
// id, brokers and controller): sarama sends a request naming no topic as "every topic", and
// the answer to any request carries the cluster's part. __consumer_offsets exists on every
// cluster where a group ever committed and is small; where it is missing or not ours to
// describe, the answer says so for it alone. Such a request never creates it: it is sent
// with allow_auto_topic_creation false.
const probeTopic = "__consumer_offsets"

// NewAdminClient makes a worker's admin client: a sarama client that keeps the metadata of no
// topic (Metadata.Full off), where sarama's default fetches and keeps the whole cluster's,
// which grows a worker's memory and start with the broker's topic count. Such a client cannot
// find the controller by itself (sarama's Controller refreshes the metadata of the topics it
// knows, here none): the returned client asks a broker for the controller with one metadata
// request and keeps a connection of its own to it for topic creation, closed by Close.
// Like any client with Metadata.Full off, it contacts no broker until first used: ClusterID
// is the first contact of a worker's.
func NewAdminClient(addrs []string, conf *sarama.Config) (sarama.Client, error) {
	c := *conf
	c.Metadata.Full = false
	cl, err := sarama.NewClient(addrs, &c)
	if err != nil {
		return nil, err
	}
	return &controllerClient{Client: cl, bootstrap: slices.Clone(addrs)}, nil
}

// controllerClient is NewAdminClient's client: sarama's with Controller and
// RefreshController answered from a metadata request of its own. sarama's ClusterAdmin asks
// Controller before every request for the controller and RefreshController after
// NOT_CONTROLLER.
type controllerClient struct {
	sarama.Client
	bootstrap []string

	mu         sync.Mutex
	controller *sarama.Broker // nil until first asked; opened and closed here
}

var _ sarama.Client = (*controllerClient)(nil)

// Controller returns the controller found last, else asks a broker for it.
func (c *controllerClient) Controller() (*sarama.Broker, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Closed() {
		return nil, sarama.ErrClosedClient
	}
	if c.controller == nil {
		return c.refreshController()
	}
	// sarama closes a broker whose request failed on the network (an idle connection the
	// broker dropped); opening it again is what its client does with a cached broker.
	_ = c.controller.Open(c.Config())
	return c.controller, nil
}

// RefreshController asks a broker for the controller again.
func (c *controllerClient) RefreshController() (*sarama.Broker, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Closed() {
		return nil, sarama.ErrClosedClient
	}
	return c.refreshController()
}

// refreshController replaces c.controller with the broker the cluster names as controller
// now; c.mu is held. The replaced one is closed: it was dropped because it answered
// NOT_CONTROLLER, so a request still on it would fail anyway.
func (c *controllerClient) refreshController() (*sarama.Broker, error) {
	md, err := requestMetadata(c, []string{probeTopic})
	if err != nil {
		return nil, fmt.Errorf("find the controller: %w", err)
	}
	i := slices.IndexFunc(md.Brokers, func(b *sarama.Broker) bool { return b.ID() == md.ControllerID })
	if i < 0 {
		return nil, fmt.Errorf("find the controller: broker %d not in the cluster's brokers: %w", md.ControllerID, sarama.ErrControllerNotAvailable)
	}
	if c.controller != nil {
		_ = c.controller.Close()
	}
	c.controller = md.Brokers[i]
	_ = c.controller.Open(c.Config())
	return c.controller, nil
}

// Close closes the connection to the controller, then the client.
func (c *controllerClient) Close() error {
	c.mu.Lock()
	if c.controller != nil {
		_ = c.controller.Close()
		c.controller = nil
	}
	c.mu.Unlock()
	return c.Client.Close()
}

// requestMetadata asks one broker for the metadata of topics (nil: every topic) and leaves
// c's cache alone: c's least loaded broker first (a bootstrap server until c has learnt the
// cluster's brokers), then, when it fails and c is NewAdminClient's, every other bootstrap
// server over a connection of its own, closed at once: sarama's own refresh moves on to the
// next bootstrap server the same way, and a client that refreshes nothing never would. Like
// sarama's own metadata refresh it tries Metadata.Retry.Max more times, Metadata.Retry.Backoff
// apart, and gives up at once on failed SASL authentication.
func requestMetadata(c sarama.Client, topics []string) (*sarama.MetadataResponse, error) {
	var bootstrap []string
	if cc, ok := c.(*controllerClient); ok {
		bootstrap = cc.bootstrap
	}
	conf := c.Config()
	for attempt := 1; ; attempt++ {
		resp, err := requestMetadataOnce(c, bootstrap, topics)
		if err == nil {
			return resp, nil
		}
		if attempt > conf.Metadata.Retry.Max || errors.Is(err, sarama.ErrSASLAuthenticationFailed) || errors.Is(err, sarama.ErrClosedClient) {
			return nil, fmt.Errorf("metadata (attempt %d): %w", attempt, err)
		}
		time.Sleep(conf.Metadata.Retry.Backoff)
	}
}

// requestMetadataOnce is one round of requestMetadata.
func requestMetadataOnce(c sarama.Client, bootstrap []string, topics []string) (*sarama.MetadataResponse, error) {
	conf := c.Config()
	req := sarama.NewMetadataRequest(conf.Version, topics)
	req.AllowAutoTopicCreation = false
	b := c.LeastLoadedBroker()
	if b == nil {
		return nil, sarama.ErrClosedClient
	}
	resp, err := b.GetMetadata(req)
	if err == nil {
		return resp, nil
	}
	errs := []error{fmt.Errorf("%s: %w", b.Addr(), err)}
	if errors.Is(err, sarama.ErrSASLAuthenticationFailed) {
		return nil, errs[0]
	}
	for _, addr := range bootstrap {
		if addr == b.Addr() {
			continue
		}
		other := sarama.NewBroker(addr)
		_ = other.Open(conf)
		resp, err := other.GetMetadata(req)
		_ = other.Close()
		if err == nil {
			return resp, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", addr, err))
	}
	return nil, errors.Join(errs...)
}
