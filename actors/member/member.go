package member

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
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
	// URL is this member's advertised REST URL, carried in its membership metadata.
	URL string
	// Provider feeds the member list; nil means a cluster of this member alone.
	Provider Provider
	// Logger receives protoactor's warnings and errors; nil discards them.
	Logger *slog.Logger
	// ServerOptions and DialOptions secure the remote (actors/clusterauth): credentials and
	// interceptors that refuse a caller before protoactor reads its messages. Empty: a
	// plaintext, unauthenticated remote.
	ServerOptions []grpc.ServerOption
	DialOptions   []grpc.DialOption
}

// Peer is one member as the membership provider knows it.
type Peer struct {
	// ID names one incarnation of the member (the Kafka group member id). protoactor blocks
	// an ID that left for good, so a member that lost its membership comes back under a new one.
	ID string
	// Address is the member's actor remote host:port.
	Address string
	// URL is the member's advertised REST URL.
	URL string
}

// View is one membership epoch: every member of the group and the group's generation.
type View struct {
	Generation int64
	Peers      []Peer
}

// Provider supplies membership. Start joins and must publish a view containing self (its
// Address; the provider assigns the ID) before it returns; it publishes again on every
// change. A view without self means this member lost its membership: it must stop its work
// until a later view lists it again.
type Provider interface {
	Start(ctx context.Context, self Peer, publish func(View)) error
	// Evict removes a peer whose process this member saw die, so that the group moves on
	// without waiting for the peer's session to expire. Best effort.
	Evict(ctx context.Context, id string) error
	// Stop leaves the group.
	Stop(ctx context.Context) error
}

// Leaser is a Provider that knows when its membership may have lapsed: Live is false from
// the moment the group may have expired this member (a paused process, an unreachable
// coordinator) until it has joined again.
type Leaser interface {
	Live() bool
}

// Member is one process's membership in the actor cluster.
//
// Its view of the cluster is the provider's latest view minus the peers it knows are gone
// (seen dead through their dropped connections, or announced leaving) and minus itself
// while it drains. That view feeds protoactor's topology and Owns, so a peer's grains move
// the moment it is known gone, before the group's own rebalance completes.
type Member struct {
	cfg     Config
	kinds   []Kind
	system  *actor.ActorSystem
	cluster *cluster.Cluster
	watch   *watcher
	replies *replies // answers of requests to grains on this member (replies.go)

	startOnce, stopOnce sync.Once
	ready               chan struct{}
	startErr            error

	mu        sync.RWMutex
	view      View
	gone      map[string]bool // peer IDs known gone; pruned when the provider drops them
	draining  bool
	published cluster.Members
	rdv       *cluster.Rendezvous
	// owners memoises rdv for the current view: every request and every grain's ownership
	// check asks, and rdv allocates on each question. Replaced, under mu, whenever the view
	// changes; ownersMu guards its entries, since readers hold mu only for reading.
	owners   map[ownerKey]string
	ownersMu sync.Mutex
	// viewChanged is closed, and replaced, whenever published changes.
	viewChanged chan struct{}
	subs        []func()
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
	return &Member{cfg: cfg, kinds: kinds, ready: make(chan struct{}), rdv: cluster.NewRendezvous(), owners: map[ownerKey]string{}, gone: map[string]bool{}, viewChanged: make(chan struct{})}, nil
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
	m.replies = newReplies(m.system, keptReplySlots)
	ropts := []remote.ConfigOption{}
	if m.cfg.Advertised != "" {
		ropts = append(ropts, remote.WithAdvertisedHost(m.cfg.Advertised))
	}
	if len(m.cfg.ServerOptions) > 0 {
		ropts = append(ropts, remote.WithServerOptions(m.cfg.ServerOptions...))
	}
	if len(m.cfg.DialOptions) > 0 {
		// Replaces protoactor's default (plaintext, grpc.WithInsecure).
		ropts = append(ropts, remote.WithDialOptions(m.cfg.DialOptions...))
	}
	kinds := make([]*cluster.Kind, 0, len(m.kinds))
	for _, k := range m.kinds {
		kinds = append(kinds, cluster.NewKind(k.Name, k.Props))
	}
	bridge := &providerBridge{member: m, started: make(chan error, 1)}
	cfg := cluster.Configure(m.cfg.ClusterName, bridge, disthash.New(), remote.Configure(host, port, ropts...),
		cluster.WithKinds(kinds...),
		cluster.WithRequestTimeout(10*time.Second),
		// Membership comes from the provider alone (notes §6.5). Gossip's heartbeat expiry
		// would block a slow but live member's system for good; keep it out of the way.
		cluster.WithHeartbeatExpiration(time.Hour),
		cluster.WithRequestLog(false),
	)
	m.cluster = cluster.New(m.system, cfg)
	// A grain that stopped (released when idle, or moved) is announced by its placement
	// actor to every member, but protoactor itself never reads the announcement: each
	// member's PID cache would keep one entry per grain that ever lived (notes §2.5).
	m.system.EventStream.Subscribe(func(evt any) {
		if at, ok := evt.(*cluster.ActivationTerminated); ok && at.GetClusterIdentity() != nil {
			ci := at.GetClusterIdentity()
			m.cluster.PidCache.RemoveByValue(ci.GetIdentity(), ci.GetKind(), at.GetPid())
		}
	})
	m.watch = newWatcher(m.peerGone)
	if _, err := m.system.Root.SpawnNamed(actor.PropsFromFunc(m.receivePeerMessage), peerActorName); err != nil {
		return fmt.Errorf("member: spawn %s: %w", peerActorName, err)
	}
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

// Drain makes this member own nothing: it leaves its own view, so protoactor stops every
// local grain (each flushes its work in Stopping) and new requests are placed on the peers.
// The peers still list it until Stop announces its departure.
func (m *Member) Drain() {
	select {
	case <-m.ready:
	default:
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.draining = true
	m.republishLocked()
}

// Draining reports whether Drain was called.
func (m *Member) Draining() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.draining
}

// Stop leaves the cluster: it drains (if Drain was not called), tells every peer it is
// leaving so they take its grains over at once, leaves the provider's group, and stops the
// remote. It skips protoactor's graceful Shutdown and its fixed two-second sleep (notes
// §2.7): grains are already stopped by Drain.
func (m *Member) Stop(ctx context.Context) error {
	var err error
	m.stopOnce.Do(func() {
		select {
		case <-m.ready:
		default:
			return
		}
		m.Drain()
		// Benchmarks time failover from this line (benchmarks/failover.go).
		m.cfg.Logger.Info("handing over to peers")
		m.announceLeaving(ctx)
		m.watch.close()
		if p := m.cfg.Provider; p != nil {
			if perr := p.Stop(ctx); perr != nil {
				err = fmt.Errorf("member: leave group: %w", perr)
			}
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() { _ = recover() }() // shutdown paths of this protoactor version can panic (notes §6.2)
			m.system.Shutdown()
			// Not graceful: GracefulStop waits up to 10 s for the peers' streams to end,
			// and there is nothing left to flush once the grains are drained.
			m.cluster.Remote.Shutdown(false)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			err = errors.Join(err, fmt.Errorf("member: stop: %w", ctx.Err()))
		}
	})
	return err
}

// Members is this member's current view: the peers it places grains on.
func (m *Member) Members() []Peer {
	m.mu.RLock()
	defer m.mu.RUnlock()
	peers := make([]Peer, 0, len(m.view.Peers))
	for _, p := range m.view.Peers {
		if m.activeLocked(p) {
			peers = append(peers, p)
		}
	}
	return peers
}

// Generation is the provider's latest generation: the epoch stamped on status records.
func (m *Member) Generation() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.view.Generation
}

// OnChange registers f to be called, in its own goroutine, after every change of the view.
func (m *Member) OnChange(f func()) {
	m.mu.Lock()
	m.subs = append(m.subs, f)
	m.mu.Unlock()
}

// Owns reports whether this member is the rendezvous owner of identity of kind in its
// current view, by the same hash protoactor's identity lookup uses. A draining member, or
// one its provider has dropped, owns nothing.
func (m *Member) Owns(identity, kind string) bool {
	if !m.Live() {
		return false
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	owner := m.ownerLocked(identity, kind)
	return owner != "" && owner == m.system.Address()
}

// Live reports whether this member may still run work: false when its provider's
// membership may have lapsed, even before the provider has published a view without it.
// The data plane asks it before every poll and every write, so that a worker thawed after
// a pause longer than its session does nothing beside the workers that took its tasks.
func (m *Member) Live() bool {
	if l, ok := m.cfg.Provider.(Leaser); ok {
		return l.Live()
	}
	return true
}

// publish takes a new view from the provider.
func (m *Member) publish(v View) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.view = View{Generation: v.Generation, Peers: slices.Clone(v.Peers)}
	for id := range m.gone { // a gone peer the provider no longer lists needs no filter
		if !slices.ContainsFunc(v.Peers, func(p Peer) bool { return p.ID == id }) {
			delete(m.gone, id)
		}
	}
	m.republishLocked()
}

// peerGone drops a peer whose process is dead, tells the other peers, and has the provider
// evict it.
func (m *Member) peerGone(id string) {
	if !m.dropPeer(id) {
		return
	}
	m.cfg.Logger.Info("member gone", "member", id)
	m.tellGone(id)
	if p := m.cfg.Provider; p != nil {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := p.Evict(ctx, id); err != nil {
				m.cfg.Logger.Debug("evict member", "member", id, "err", err)
			}
		}()
	}
}

// dropPeer marks a peer gone; false if it already was.
func (m *Member) dropPeer(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gone[id] || !slices.ContainsFunc(m.view.Peers, func(p Peer) bool { return p.ID == id }) {
		return false
	}
	m.gone[id] = true
	m.republishLocked()
	return true
}

func (m *Member) activeLocked(p Peer) bool {
	if m.gone[p.ID] {
		return false
	}
	return !m.draining || p.Address != m.system.Address()
}

// republishLocked hands the current view to protoactor, the rendezvous, the watcher and
// the subscribers, when it changed.
func (m *Member) republishLocked() {
	members := make(cluster.Members, 0, len(m.view.Peers))
	kinds := make([]string, 0, len(m.kinds))
	for _, k := range m.kinds {
		kinds = append(kinds, k.Name)
	}
	var peers []Peer
	for _, p := range m.view.Peers {
		if !m.activeLocked(p) {
			continue
		}
		host, portText, err := net.SplitHostPort(p.Address)
		port, perr := strconv.Atoi(portText)
		if err != nil || perr != nil {
			m.cfg.Logger.Warn("member with a bad address ignored", "member", p.ID, "address", p.Address)
			continue
		}
		members = append(members, &cluster.Member{Id: p.ID, Host: host, Port: int32(port), Kinds: kinds})
		if p.Address != m.system.Address() {
			peers = append(peers, p)
		}
	}
	m.watch.set(peers)
	if sameMembers(members, m.published) {
		return
	}
	m.published = members
	m.rdv.UpdateMembers(members)
	m.ownersMu.Lock()
	m.owners = map[ownerKey]string{}
	m.ownersMu.Unlock()
	m.cluster.MemberList.UpdateClusterTopology(members)
	close(m.viewChanged)
	m.viewChanged = make(chan struct{})
	for _, f := range m.subs {
		go f()
	}
}

func sameMembers(a, b cluster.Members) bool {
	return slices.EqualFunc(a, b, func(x, y *cluster.Member) bool { return x.Id == y.Id && x.Address() == y.Address() })
}

// Request sends msg to the grain identity of kind and waits for its reply until ctx ends.
func (m *Member) Request(ctx context.Context, identity, kind string, msg proto.Message, opts ...RequestOption) (proto.Message, error) {
	var o requestOptions
	for _, opt := range opts {
		opt(&o)
	}
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
	for {
		// The attempt's owner and the view it was computed in: if that owner leaves the
		// view while the attempt waits, the attempt may be stuck in protoactor's 5 s lookup
		// of a dead member (notes §0.5), and the message was never handled; it is abandoned
		// and sent again to the new owner.
		owner, changed := m.ownerOf(identity, kind)
		m.forgetStalePID(identity, kind, owner)
		if owner == m.system.Address() {
			// A local owner cannot leave us stuck in a dead member's lookup: ask it from this
			// goroutine, bounded by the deadline (a stopped local grain dead-letters, and
			// protoactor retries on the new owner).
			return m.reply(identity, kind, m.attempt(identity, kind, msg, timeout))
		}
		done := make(chan result, 1)
		go func() { done <- m.attempt(identity, kind, msg, timeout) }()
		var resend <-chan time.Time
		if o.resendAfter > 0 {
			t := time.NewTimer(o.resendAfter)
			resend = t.C
			defer t.Stop()
		}
		if r, ok, err := m.await(ctx, done, owner, changed, resend, identity, kind); ok || err != nil {
			return r, err
		}
	}
}

// RequestOption tunes one Request.
type RequestOption func(*requestOptions)

type requestOptions struct{ resendAfter time.Duration }

// Resend marks the message idempotent: an attempt unanswered after d is abandoned and the
// message sent again, through the view of that moment. It bounds what a stale PID or a
// lookup of a member that just died costs a read to d instead of protoactor's 5 s.
func Resend(d time.Duration) RequestOption {
	return func(o *requestOptions) { o.resendAfter = d }
}

// await waits for an attempt's result; ok=false means the attempt's owner left the view and
// the request must be sent again.
func (m *Member) await(ctx context.Context, done <-chan result, owner string, changed <-chan struct{}, resend <-chan time.Time, identity, kind string) (proto.Message, bool, error) {
	for {
		select {
		case r := <-done:
			reply, err := m.reply(identity, kind, r)
			return reply, true, err
		case <-resend:
			return nil, false, nil
		case <-changed:
			if !m.hasMember(owner) {
				return nil, false, nil
			}
			_, changed = m.ownerOf(identity, kind)
		case <-ctx.Done():
			return nil, true, fmt.Errorf("request %s/%s: %w", kind, identity, ctx.Err())
		}
	}
}

// attempt is one protoactor request, with its own retries on dead letters and timeouts.
//
// A grain this member already holds is asked once through a reply slot first: what
// cluster.Request does on its first try, without the future, per-call options, timeout
// context, throttle and evaluated log arguments it builds on every call, which were a fifth
// of the worker's CPU on GET …/status. A dead letter or a timeout (the grain stopped or
// moved) goes on to cluster.Request, whose retries look the grain up again.
func (m *Member) attempt(identity, kind string, msg proto.Message, timeout time.Duration) result {
	if pid, ok := m.cluster.PidCache.Get(identity, kind); ok && pid.Address == m.system.Address() {
		start := time.Now()
		r, err := m.replies.ask(pid, msg, timeout)
		if r != nil {
			return result{r, nil}
		}
		if !errors.Is(err, actor.ErrDeadLetter) && !errors.Is(err, actor.ErrTimeout) {
			return result{nil, err}
		}
		m.cluster.PidCache.Remove(identity, kind)
		if timeout -= time.Since(start); timeout <= 0 {
			return result{nil, err}
		}
	}
	r, err := m.cluster.Request(identity, kind, msg,
		cluster.WithTimeout(timeout), cluster.WithRetryCount(20), cluster.WithRetryAction(backoff))
	return result{r, err}
}

// keptReplySlots is how many idle reply slots a member keeps: about as many requests as
// the REST listener serves at once.
const keptReplySlots = 256

// reply turns an attempt's outcome into Request's.
func (m *Member) reply(identity, kind string, r result) (proto.Message, error) {
	if r.err != nil {
		return nil, fmt.Errorf("request %s/%s: %w", kind, identity, r.err)
	}
	reply, ok := r.reply.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("request %s/%s: reply of type %T is not a protobuf message", kind, identity, r.reply)
	}
	return reply, nil
}

// result is the outcome of one protoactor request attempt.
type result struct {
	reply any
	err   error
}

// ownerOf is the address that owns identity of kind in the current view, and a channel
// closed when the view changes.
func (m *Member) ownerOf(identity, kind string) (string, <-chan struct{}) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.ownerLocked(identity, kind), m.viewChanged
}

type ownerKey struct{ kind, identity string }

// ownerLocked is the rendezvous owner of identity of kind in the current view; mu is held.
func (m *Member) ownerLocked(identity, kind string) string {
	key := ownerKey{kind, identity}
	m.ownersMu.Lock()
	owner, ok := m.owners[key]
	m.ownersMu.Unlock()
	if ok {
		return owner
	}
	owner = m.rdv.GetByClusterIdentity(cluster.NewClusterIdentity(identity, kind))
	m.ownersMu.Lock()
	if len(m.owners) >= maxOwnerMemo {
		// Identities of deleted connectors would otherwise stay until the view changes.
		m.owners = map[ownerKey]string{}
	}
	m.owners[key] = owner
	m.ownersMu.Unlock()
	return owner
}

// maxOwnerMemo bounds the owner memo; it is rebuilt from scratch when full.
const maxOwnerMemo = 1 << 17

// Activations is the number of grains of kind active on this member.
func (m *Member) Activations(kind string) int {
	if k, ok := m.cluster.TryGetClusterKind(kind); ok {
		return int(k.Count())
	}
	return 0
}

// Cached reports whether this member's PID cache holds an entry for identity of kind.
func (m *Member) Cached(identity, kind string) bool {
	_, ok := m.cluster.PidCache.Get(identity, kind)
	return ok
}

// forgetStalePID drops protoactor's cached PID for identity when it lives anywhere but on
// owner. protoactor purges a departed member's PIDs when the topology changes, but a lookup
// that was in flight across the change caches its answer afterwards, and that PID is then
// used by every request until one of them times out (notes §3.3): with our short resends
// none ever does, and a graceful handover turned into a ten-second outage for the grain.
func (m *Member) forgetStalePID(identity, kind, owner string) {
	if pid, ok := m.cluster.PidCache.Get(identity, kind); ok && pid.GetAddress() != owner {
		m.cluster.PidCache.RemoveByValue(identity, kind, pid)
	}
}

// Changed returns a channel closed at the next change of this member's view.
func (m *Member) Changed() <-chan struct{} {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.viewChanged
}

// hasMember reports whether address is in the current view.
func (m *Member) hasMember(address string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.ContainsFunc(m.published, func(p *cluster.Member) bool { return p.Address() == address })
}

// backoff replaces protoactor's nanosecond retry sleep (notes §0.5) with 2, 4, 8 … ms,
// capped at 500 ms: a dead letter from a grain that just moved is retried at once.
func backoff(i int) int {
	d := 2 * time.Millisecond << min(i, 8)
	time.Sleep(min(d, 500*time.Millisecond))
	return i + 1
}

// providerBridge adapts a Provider to protoactor's ClusterProvider.
type providerBridge struct {
	member  *Member
	started chan error
}

func (b *providerBridge) StartMember(c *cluster.Cluster) error {
	m := b.member
	self := Peer{ID: c.ActorSystem.ID, Address: c.ActorSystem.Address(), URL: m.cfg.URL}
	p := m.cfg.Provider
	if p == nil {
		p = single{}
	}
	b.started <- p.Start(context.Background(), self, m.publish)
	return nil // an error here panics inside StartMember (notes §2.6); Start reports it
}

func (b *providerBridge) StartClient(*cluster.Cluster) error {
	return errors.New("member: client mode is not supported")
}

// Shutdown is never reached: Stop leaves the provider itself and skips Cluster.Shutdown.
func (b *providerBridge) Shutdown(bool) error { return nil }

// single is the Provider of a one-member cluster.
type single struct{}

func (single) Start(_ context.Context, self Peer, publish func(View)) error {
	publish(View{Generation: 1, Peers: []Peer{self}})
	return nil
}

func (single) Evict(context.Context, string) error { return nil }
func (single) Stop(context.Context) error          { return nil }

// levelFilter drops records below min before they reach next.
type levelFilter struct {
	min  slog.Level
	next slog.Handler
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.next.Enabled(ctx, l)
}

func (f levelFilter) Handle(ctx context.Context, r slog.Record) error {
	if expectedNoise(r.Message) {
		return nil
	}
	return f.next.Handle(ctx, r)
}

// expectedNoise tells the errors protoactor logs whenever a peer stops or dies (notes
// §6.6): membership notices and handles those itself, so they only alarm operators. The
// same goes for request attempts: Request abandons an attempt stuck on a departed owner and
// sends again, and the abandoned attempt reports its timeout ten seconds later; a request
// that really fails returns its error to the caller, who reports it.
func expectedNoise(msg string) bool {
	return strings.HasPrefix(msg, "EndpointWriter ") || strings.HasPrefix(msg, "sendGossipForMember") ||
		strings.HasPrefix(msg, "EndpointReader ") ||
		msg == "cluster.RequestFuture failed" || msg == "Request retried but failed"
}

func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{f.min, f.next.WithAttrs(a)}
}
func (f levelFilter) WithGroup(g string) slog.Handler { return levelFilter{f.min, f.next.WithGroup(g)} }
