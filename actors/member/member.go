package member

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/protobuf/proto"
)

// Kind is a grain kind: its name and the props of one activation.
type Kind struct {
	Name  string
	Props *actor.Props
}

// Config configures a Member. The zero value is a single member on 127.0.0.1, port chosen
// by the system.
type Config struct {
	// ClusterName separates clusters that share a provider; empty means "connect".
	ClusterName string
	// Listen is the host:port the remote listens on; empty means 127.0.0.1:0.
	Listen string
	// Advertised is the host:port other members dial; empty means the bound address.
	Advertised string
	// Provider feeds the member list; nil means a cluster of this member alone.
	Provider Provider
	// Logger receives protoactor's warnings and errors; nil discards them.
	Logger *slog.Logger
}

// Provider supplies cluster membership. Start must publish at least this member through
// publish before it returns, and call publish again on every change.
type Provider interface {
	Start(ctx context.Context, self *cluster.Member, publish func(cluster.Members)) error
	Stop(ctx context.Context) error
}

// Member is one process's membership in the actor cluster.
type Member struct {
	cfg     Config
	kinds   []Kind
	system  *actor.ActorSystem
	cluster *cluster.Cluster

	startOnce, stopOnce sync.Once
	ready               chan struct{}
	startErr            error

	mu      sync.RWMutex
	members cluster.Members
	rdv     *cluster.Rendezvous
	subs    []func(cluster.Members)
}

// ErrNotStarted is returned by requests made before Start or after Stop.
var ErrNotStarted = errors.New("member: cluster not started")

// New prepares a member hosting kinds; it opens no socket until Start.
func New(cfg Config, kinds ...Kind) (*Member, error) {
	if cfg.ClusterName == "" {
		cfg.ClusterName = "connect"
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		return nil, fmt.Errorf("member: cluster listener %q: %w", cfg.Listen, err)
	}
	return &Member{cfg: cfg, kinds: kinds, ready: make(chan struct{}), rdv: cluster.NewRendezvous()}, nil
}

// System is the actor system, for spawning local actors and sending to PIDs.
func (m *Member) System() *actor.ActorSystem { return m.system }

// Address is this member's advertised actor address (host:port).
func (m *Member) Address() string { return m.system.Address() }

// Start joins the cluster and returns once this member hosts its kinds.
func (m *Member) Start(ctx context.Context) error {
	m.startOnce.Do(func() { m.startErr = m.start(ctx) })
	return m.startErr
}

func (m *Member) start(ctx context.Context) error {
	host, portText, _ := net.SplitHostPort(m.cfg.Listen)
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("member: cluster listener port %q: %w", portText, err)
	}
	if port == 0 {
		// remote.Start panics when the listen fails; probing first turns that into an error
		// for fixed ports, and a fixed free port keeps the advertised address exact.
		port, err = freePort(host)
		if err != nil {
			return err
		}
	} else if l, err := net.Listen("tcp", m.cfg.Listen); err != nil {
		return fmt.Errorf("member: cluster listener: %w", err)
	} else {
		l.Close()
	}
	logger := m.cfg.Logger.With("component", "protoactor")
	quiet := slog.New(levelFilter{min: slog.LevelWarn, next: logger.Handler()})
	m.system = actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quiet }),
		actor.WithDeadLetterThrottleCount(3),
		actor.WithDeadLetterThrottleInterval(time.Second),
		actor.WithDeadLetterRequestLogging(false),
	)
	ropts := []remote.ConfigOption{}
	if m.cfg.Advertised != "" {
		ropts = append(ropts, remote.WithAdvertisedHost(m.cfg.Advertised))
	}
	kinds := make([]*cluster.Kind, 0, len(m.kinds))
	for _, k := range m.kinds {
		kinds = append(kinds, cluster.NewKind(k.Name, k.Props))
	}
	bridge := &providerBridge{member: m, started: make(chan error, 1)}
	cfg := cluster.Configure(m.cfg.ClusterName, bridge, disthash.New(), remote.Configure(host, port, ropts...),
		cluster.WithKinds(kinds...),
		cluster.WithRequestTimeout(10*time.Second),
		cluster.WithHeartbeatExpiration(6*time.Second),
		cluster.WithRequestLog(false),
	)
	m.cluster = cluster.New(m.system, cfg)
	// StartMember ends with a fixed one-second sleep (notes §2.6); the member is usable as
	// soon as the provider has published it, so we wait for that instead.
	panicked := make(chan any, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				panicked <- r
			}
		}()
		m.cluster.StartMember()
	}()
	select {
	case err := <-bridge.started:
		if err != nil {
			return fmt.Errorf("member: start provider: %w", err)
		}
	case r := <-panicked:
		return fmt.Errorf("member: start cluster: %v", r)
	case <-ctx.Done():
		return fmt.Errorf("member: start cluster: %w", ctx.Err())
	}
	close(m.ready)
	return nil
}

func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("member: cluster listener: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Stop leaves the cluster gracefully: the provider first (so others take over at once),
// then local grains are stopped, then the remote. It skips protoactor's fixed two-second
// sleep when ctx is short.
func (m *Member) Stop(ctx context.Context) error {
	var err error
	m.stopOnce.Do(func() {
		select {
		case <-m.ready:
		default:
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() { _ = recover() }() // shutdown paths of this protoactor version can panic (notes §6.2)
			m.cluster.Shutdown(true)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			err = fmt.Errorf("member: stop: %w", ctx.Err())
		}
	})
	return err
}

// Members is the current member list.
func (m *Member) Members() cluster.Members {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.members
}

// OnTopology registers f to be called, in its own goroutine, with every new member list.
func (m *Member) OnTopology(f func(cluster.Members)) {
	m.mu.Lock()
	m.subs = append(m.subs, f)
	m.mu.Unlock()
}

// Owns reports whether this member is the rendezvous owner of identity of kind, by the same
// hash the identity lookup uses.
func (m *Member) Owns(identity, kind string) bool {
	m.mu.RLock()
	owner := m.rdv.GetByClusterIdentity(cluster.NewClusterIdentity(identity, kind))
	m.mu.RUnlock()
	return owner != "" && owner == m.system.Address()
}

func (m *Member) publish(members cluster.Members) {
	m.mu.Lock()
	m.members = members
	m.rdv.UpdateMembers(members)
	subs := append([]func(cluster.Members){}, m.subs...)
	m.mu.Unlock()
	m.cluster.MemberList.UpdateClusterTopology(members)
	for _, f := range subs {
		go f(members)
	}
}

// Request sends msg to the grain identity of kind and waits for its reply until ctx ends.
func (m *Member) Request(ctx context.Context, identity, kind string, msg proto.Message) (proto.Message, error) {
	select {
	case <-m.ready:
	default:
		return nil, ErrNotStarted
	}
	timeout := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
		if timeout <= 0 {
			return nil, fmt.Errorf("request %s/%s: %w", kind, identity, context.DeadlineExceeded)
		}
	}
	type result struct {
		reply any
		err   error
	}
	done := make(chan result, 1)
	go func() {
		r, err := m.cluster.Request(identity, kind, msg,
			cluster.WithTimeout(timeout),
			cluster.WithRetryCount(20),
			cluster.WithRetryAction(backoff))
		done <- result{r, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("request %s/%s: %w", kind, identity, r.err)
		}
		reply, ok := r.reply.(proto.Message)
		if !ok {
			return nil, fmt.Errorf("request %s/%s: reply of type %T is not a protobuf message", kind, identity, r.reply)
		}
		return reply, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("request %s/%s: %w", kind, identity, ctx.Err())
	}
}

// backoff replaces protoactor's nanosecond retry sleep (notes §0.5) with 10, 20, 40 … ms,
// capped at 500 ms.
func backoff(i int) int {
	d := 10 * time.Millisecond << min(i, 6)
	time.Sleep(min(d, 500*time.Millisecond))
	return i + 1
}

// providerBridge adapts a Provider to protoactor's ClusterProvider.
type providerBridge struct {
	member  *Member
	started chan error
}

func (b *providerBridge) StartMember(c *cluster.Cluster) error {
	host, port, err := c.ActorSystem.GetHostPort()
	if err != nil {
		b.started <- err
		return nil // an error here panics inside StartMember (notes §2.6)
	}
	self := &cluster.Member{Id: c.ActorSystem.ID, Host: host, Port: int32(port), Kinds: c.GetClusterKinds()}
	p := b.member.cfg.Provider
	if p == nil {
		p = &single{}
	}
	err = p.Start(context.Background(), self, b.member.publish)
	b.started <- err
	return nil
}

func (b *providerBridge) StartClient(*cluster.Cluster) error {
	return errors.New("member: client mode is not supported")
}

func (b *providerBridge) Shutdown(bool) error {
	p := b.member.cfg.Provider
	if p == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.Stop(ctx)
}

// single is the Provider of a one-member cluster.
type single struct{}

func (single) Start(_ context.Context, self *cluster.Member, publish func(cluster.Members)) error {
	publish(cluster.Members{self})
	return nil
}

func (single) Stop(context.Context) error { return nil }

// levelFilter drops records below min before they reach next.
type levelFilter struct {
	min  slog.Level
	next slog.Handler
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.next.Enabled(ctx, l)
}
func (f levelFilter) Handle(ctx context.Context, r slog.Record) error { return f.next.Handle(ctx, r) }
func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{f.min, f.next.WithAttrs(a)}
}
func (f levelFilter) WithGroup(g string) slog.Handler { return levelFilter{f.min, f.next.WithGroup(g)} }
