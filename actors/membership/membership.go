package membership

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/actors/member"
)

const (
	protocolType = "connect"
	protocolName = "connectd-1"
)

// Config configures a Group. Zero durations take Kafka Connect's defaults.
type Config struct {
	// Addrs is bootstrap.servers.
	Addrs []string
	// Sarama holds the worker's client settings (version, TLS, SASL); it is copied. Nil
	// means sarama.NewConfig() with Kafka 3.6 protocol versions.
	Sarama *sarama.Config
	// GroupID is group.id.
	GroupID string
	// SessionTimeout is session.timeout.ms (default 10 s): how long the coordinator keeps a
	// member that stopped heartbeating, the fallback when a host is lost.
	SessionTimeout time.Duration
	// HeartbeatInterval is heartbeat.interval.ms (default 3 s): also how soon members see
	// that a rebalance started.
	HeartbeatInterval time.Duration
	// RebalanceTimeout is rebalance.timeout.ms (default 60 s).
	RebalanceTimeout time.Duration
	// MinEpoch, if set, is the highest generation already recorded (the status topic's):
	// generations published after it are higher, so that records written before a group
	// reset (every worker gone long enough for the coordinator to forget the group) never
	// make new ones look stale.
	MinEpoch func() int64
	// Logger; nil discards.
	Logger *slog.Logger
	// Observer, if set, learns of this worker's rebalances (connect-worker-rebalance-metrics).
	Observer RebalanceObserver
}

// RebalanceObserver learns of this worker's rebalances: each JoinGroup and SyncGroup round
// until a generation is published. Its methods must not block.
type RebalanceObserver interface {
	// RebalanceStarted: the worker (re)joins the group.
	RebalanceStarted()
	// RebalanceCompleted: the worker is in generation after a rebalance that took took.
	RebalanceCompleted(generation int64, took time.Duration)
}

// Group is one worker's membership in the Kafka group. It implements member.Provider.
type Group struct {
	cfg  Config
	conf *sarama.Config
	log  *slog.Logger

	client sarama.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	memberID string
	gen      int64
	// lease is when the coordinator may expire this member: a session after the last
	// heartbeat (or join) it acknowledged was sent. Past it, another worker may already run
	// this worker's tasks (a process paused by SIGSTOP or a long GC sees this on waking).
	lease time.Time
	// joining is set while a join started within the lease is in flight: the coordinator
	// expires no member that waits in a rebalance, however long the others take to join.
	joining bool
}

// Live reports whether this worker's membership is certainly still current: the
// coordinator acknowledged a heartbeat sent less than a session ago. The clock is
// monotonic and runs while the process is stopped, so a worker thawed after a pause longer
// than its session sees false at once, before its next heartbeat has been answered.
func (g *Group) Live() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.joining || time.Now().Before(g.lease)
}

// startJoin marks a join in flight; it holds the lease only if the lease was still held.
func (g *Group) startJoin() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.joining = time.Now().Before(g.lease)
}

func (g *Group) endJoin() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.joining = false
}

// extendLease records that a request sent at sent was acknowledged by the coordinator.
func (g *Group) extendLease(sent time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if l := sent.Add(g.cfg.SessionTimeout); l.After(g.lease) {
		g.lease = l
	}
}

// leaseLeft is how long the membership stays certainly current.
func (g *Group) leaseLeft() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return time.Until(g.lease)
}

// New returns a Group; nothing is dialled until Start.
func New(cfg Config) (*Group, error) {
	if len(cfg.Addrs) == 0 {
		return nil, errors.New("membership: no bootstrap servers")
	}
	if cfg.GroupID == "" {
		return nil, errors.New("membership: empty group.id")
	}
	cfg.SessionTimeout = cmp.Or(cfg.SessionTimeout, 10*time.Second)
	cfg.HeartbeatInterval = cmp.Or(cfg.HeartbeatInterval, 3*time.Second)
	cfg.RebalanceTimeout = cmp.Or(cfg.RebalanceTimeout, 60*time.Second)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	conf := sarama.NewConfig()
	if cfg.Sarama != nil {
		c := *cfg.Sarama
		conf = &c
	} else {
		conf.Version = sarama.V3_6_0_0
	}
	if !conf.Version.IsAtLeast(sarama.V2_3_0_0) {
		conf.Version = sarama.V2_3_0_0
	}
	// A JoinGroup is answered only when the rebalance completes.
	conf.Net.ReadTimeout = cfg.RebalanceTimeout + 5*time.Second
	conf.Metadata.Full = false
	return &Group{cfg: cfg, conf: conf, log: cfg.Logger}, nil
}

// generation is the last generation this member completed.
func (g *Group) generation() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.gen
}

// metadata is what each member tells the group about itself, and the element of the
// member list the leader hands out.
type metadata struct {
	ID      string `json:"id,omitempty"`
	Address string `json:"address"`
	URL     string `json:"url"`
	// Epoch is the highest generation this member has seen.
	Epoch int64 `json:"epoch"`
}

// assignment is the leader's SyncGroup payload, the same for every member.
type assignment struct {
	// Generation is the epoch of this generation: above the coordinator's generation id and
	// above every epoch a member has seen, so it only grows, even across a group reset.
	Generation int64      `json:"generation"`
	Members    []metadata `json:"members"`
}

// Start joins the group and returns once the first generation that lists this worker has
// been published.
func (g *Group) Start(ctx context.Context, self member.Peer, publish func(member.View)) error {
	client, err := sarama.NewClient(g.cfg.Addrs, g.conf)
	if err != nil {
		return fmt.Errorf("membership: connect to %v: %w", g.cfg.Addrs, err)
	}
	g.client = client
	s := &session{g: g, self: self, publish: publish}
	if err := s.join(ctx); err != nil {
		client.Close()
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	g.cancel, g.done = cancel, make(chan struct{})
	go func() {
		defer close(g.done)
		s.run(runCtx)
	}()
	return nil
}

// Stop leaves the group, so the others rebalance at once instead of after the session
// timeout.
func (g *Group) Stop(ctx context.Context) error {
	if g.cancel == nil {
		return nil
	}
	g.cancel()
	g.mu.Lock()
	id := g.memberID
	g.mu.Unlock()
	// sarama takes no context: the leave runs aside and is abandoned when ctx (or a few
	// seconds, if the broker is gone) runs out; the session timeout then removes us.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	left := make(chan error, 1)
	go func() { left <- g.leave(ctx, id) }()
	var err error
	select {
	case err = <-left:
	case <-ctx.Done():
		err = fmt.Errorf("membership: leave: %w", ctx.Err())
	}
	g.client.Close() // ends a JoinGroup the loop may be blocked in
	select {
	case <-g.done:
	case <-ctx.Done():
	}
	return err
}

// Evict removes a member whose process is known dead. The coordinator accepts a leave for
// any member id; a member wrongly evicted gets UNKNOWN_MEMBER_ID on its next heartbeat,
// stops its work and joins again under a new id.
func (g *Group) Evict(ctx context.Context, id string) error {
	g.mu.Lock()
	self := g.memberID
	g.mu.Unlock()
	if id == "" || id == self {
		return nil
	}
	return g.leave(ctx, id)
}

// leave sends LeaveGroup for id on a connection of its own: the loop's coordinator
// connection may be held by a JoinGroup for the whole rebalance.
func (g *Group) leave(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	coord, err := g.client.Coordinator(g.cfg.GroupID)
	if err != nil {
		return fmt.Errorf("membership: find coordinator: %w", err)
	}
	conf := *g.conf
	conf.Net.ReadTimeout = 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		conf.Net.ReadTimeout = max(time.Until(d), time.Millisecond)
		conf.Net.DialTimeout = conf.Net.ReadTimeout
	}
	b := sarama.NewBroker(coord.Addr())
	if err := b.Open(&conf); err != nil {
		return fmt.Errorf("membership: leave: %w", err)
	}
	defer b.Close()
	resp, err := b.LeaveGroup(&sarama.LeaveGroupRequest{Version: 3, GroupId: g.cfg.GroupID, Members: []sarama.MemberIdentity{{MemberId: id}}})
	if err != nil {
		return fmt.Errorf("membership: leave %s: %w", id, err)
	}
	if resp.Err != sarama.ErrNoError {
		return fmt.Errorf("membership: leave %s: %w", id, resp.Err)
	}
	for _, m := range resp.Members {
		if m.Err != sarama.ErrNoError && m.Err != sarama.ErrUnknownMemberId {
			return fmt.Errorf("membership: leave %s: %w", id, m.Err)
		}
	}
	return nil
}

// session is the join → sync → heartbeat loop of one member.
type session struct {
	g       *Group
	self    member.Peer
	publish func(member.View)

	memberID string
	gen      int32         // the coordinator's generation id, for heartbeats
	epoch    int64         // the published generation
	peers    []member.Peer // the last published generation's members
}

// errRejoin ends a heartbeat loop so that the member joins again.
var errRejoin = errors.New("membership: rejoin")

func (s *session) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := s.heartbeat(ctx)
		if ctx.Err() != nil {
			return
		}
		if !errors.Is(err, errRejoin) {
			s.g.log.Debug("group heartbeat", "err", err)
		}
		if err := s.join(ctx); err != nil && ctx.Err() == nil {
			s.g.log.Warn("cannot join the worker group; retrying", "group", s.g.cfg.GroupID, "err", err)
			sleep(ctx, time.Second)
		}
	}
}

// join runs JoinGroup and SyncGroup until a generation is published or ctx ends.
func (s *session) join(ctx context.Context) error {
	started := time.Now()
	if o := s.g.cfg.Observer; o != nil {
		o.RebalanceStarted()
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			sleep(ctx, min(50*time.Millisecond<<min(attempt, 5), time.Second))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		err := s.joinOnce()
		if err == nil {
			if o := s.g.cfg.Observer; o != nil {
				o.RebalanceCompleted(s.epoch, time.Since(started))
			}
			return nil
		}
		var kerr sarama.KError
		switch {
		case errors.As(err, &kerr) && kerr == sarama.ErrInconsistentGroupProtocol:
			return fmt.Errorf("group %q is used by workers of another kind (a Kafka Connect group?): %w", s.g.cfg.GroupID, err)
		case errors.As(err, &kerr) && (kerr == sarama.ErrNotCoordinatorForConsumer || kerr == sarama.ErrConsumerCoordinatorNotAvailable):
			_ = s.g.client.RefreshCoordinator(s.g.cfg.GroupID)
		case !errors.As(err, &kerr):
			_ = s.g.client.RefreshCoordinator(s.g.cfg.GroupID) // a broken connection
		}
		s.g.log.Debug("join group", "attempt", attempt, "err", err)
	}
}

func (s *session) joinOnce() error {
	coord, err := s.g.client.Coordinator(s.g.cfg.GroupID)
	if err != nil {
		return fmt.Errorf("find coordinator: %w", err)
	}
	epoch := s.epoch
	if f := s.g.cfg.MinEpoch; f != nil {
		epoch = max(epoch, f())
	}
	s.g.startJoin()
	defer s.g.endJoin()
	meta, err := json.Marshal(metadata{Address: s.self.Address, URL: s.self.URL, Epoch: epoch})
	if err != nil {
		return err
	}
	req := &sarama.JoinGroupRequest{
		Version:               5,
		GroupId:               s.g.cfg.GroupID,
		SessionTimeout:        int32(s.g.cfg.SessionTimeout / time.Millisecond),
		RebalanceTimeout:      int32(s.g.cfg.RebalanceTimeout / time.Millisecond),
		MemberId:              s.memberID,
		ProtocolType:          protocolType,
		OrderedGroupProtocols: []*sarama.GroupProtocol{{Name: protocolName, Metadata: meta}},
	}
	jresp, err := coord.JoinGroup(req)
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	switch jresp.Err {
	case sarama.ErrNoError:
	case sarama.ErrMemberIdRequired: // KIP-394: join again with the id the coordinator chose
		s.memberID = jresp.MemberId
		req.MemberId = jresp.MemberId
		if jresp, err = coord.JoinGroup(req); err != nil {
			return fmt.Errorf("join: %w", err)
		}
		if jresp.Err != sarama.ErrNoError {
			return s.joinError(jresp.Err)
		}
	default:
		return s.joinError(jresp.Err)
	}
	s.memberID = jresp.MemberId
	sreq := &sarama.SyncGroupRequest{Version: 3, GroupId: s.g.cfg.GroupID, GenerationId: jresp.GenerationId, MemberId: s.memberID}
	if jresp.LeaderId == s.memberID {
		payload, err := leaderAssignment(jresp.GenerationId, jresp.Members)
		if err != nil {
			return err
		}
		for _, m := range jresp.Members {
			sreq.GroupAssignments = append(sreq.GroupAssignments, sarama.SyncGroupRequestAssignment{MemberId: m.MemberId, Assignment: payload})
		}
	}
	// The coordinator restarts the member's session when it receives the SyncGroup.
	sent := time.Now()
	sresp, err := coord.SyncGroup(sreq)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if sresp.Err != sarama.ErrNoError {
		return s.joinError(sresp.Err)
	}
	var a assignment
	if err := json.Unmarshal(sresp.MemberAssignment, &a); err != nil {
		return fmt.Errorf("sync: member list from the leader: %w", err)
	}
	peers := make([]member.Peer, 0, len(a.Members))
	for _, m := range a.Members {
		peers = append(peers, member.Peer{ID: m.ID, Address: m.Address, URL: m.URL})
	}
	s.gen, s.epoch, s.peers = jresp.GenerationId, a.Generation, peers
	s.g.mu.Lock()
	s.g.memberID, s.g.gen = s.memberID, s.epoch
	s.g.mu.Unlock()
	s.g.extendLease(sent)
	s.g.log.Debug("joined worker group", "group", s.g.cfg.GroupID, "generation", s.epoch, "members", len(peers), "leader", jresp.LeaderId == s.memberID)
	s.publish(member.View{Generation: s.epoch, Peers: peers})
	return nil
}

// joinError handles an error of JoinGroup or SyncGroup: a member the coordinator no longer
// knows has lost its membership, and stops its work before it joins under a new id.
func (s *session) joinError(kerr sarama.KError) error {
	if kerr == sarama.ErrUnknownMemberId || kerr == sarama.ErrFencedInstancedId {
		s.memberID = ""
		s.dropSelf()
	}
	return kerr
}

// dropSelf publishes the last member list without this worker: it was evicted, and its
// grains may already run elsewhere.
func (s *session) dropSelf() {
	var peers []member.Peer
	for _, p := range s.peers {
		if p.Address != s.self.Address {
			peers = append(peers, p)
		}
	}
	if len(peers) != len(s.peers) {
		s.peers = peers
		s.publish(member.View{Generation: s.epoch, Peers: peers})
	}
}

func leaderAssignment(gen int32, members []sarama.GroupMember) ([]byte, error) {
	a := assignment{Generation: int64(gen)}
	for _, m := range members {
		var md metadata
		if err := json.Unmarshal(m.Metadata, &md); err != nil {
			return nil, fmt.Errorf("metadata of member %s: %w", m.MemberId, err)
		}
		md.ID = m.MemberId
		a.Generation = max(a.Generation, md.Epoch+1)
		md.Epoch = 0
		a.Members = append(a.Members, md)
	}
	slices.SortFunc(a.Members, func(x, y metadata) int { return cmp.Compare(x.ID, y.ID) })
	return json.Marshal(a)
}

// heartbeat beats until the group rebalances, the member is evicted, or ctx ends. A member
// whose lease ran out (no heartbeat acknowledged for a whole session: the coordinator
// cannot be reached, or this process was paused) may have been expired by the coordinator:
// it stops its work at once rather than run beside its successor. The lease timer fires
// the moment a paused process runs again, before any heartbeat could be answered.
func (s *session) heartbeat(ctx context.Context) error {
	t := time.NewTicker(s.g.cfg.HeartbeatInterval)
	defer t.Stop()
	lease := time.NewTimer(max(s.g.leaseLeft(), 0))
	defer lease.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-lease.C:
		case <-t.C:
		}
		// Whichever fired first after a pause, the lapse is handled before a heartbeat.
		left := s.g.leaseLeft()
		if left <= 0 {
			s.g.log.Warn("no heartbeat acknowledged for a whole session (process paused, or coordinator unreachable): stopping this worker's tasks until it rejoins the group",
				"group", s.g.cfg.GroupID, "session.timeout.ms", s.g.cfg.SessionTimeout.Milliseconds())
			s.memberID = ""
			s.dropSelf()
			return errRejoin
		}
		lease.Reset(left)
		sent := time.Now()
		err := s.beat()
		var kerr sarama.KError
		switch {
		case err == nil:
			s.g.extendLease(sent)
		case errors.As(err, &kerr) && kerr == sarama.ErrRebalanceInProgress:
			return errRejoin
		case errors.As(err, &kerr) && (kerr == sarama.ErrUnknownMemberId || kerr == sarama.ErrIllegalGeneration || kerr == sarama.ErrFencedInstancedId):
			if kerr != sarama.ErrIllegalGeneration {
				s.memberID = ""
				s.dropSelf()
			}
			return errRejoin
		default:
			_ = s.g.client.RefreshCoordinator(s.g.cfg.GroupID)
		}
	}
}

func (s *session) beat() error {
	coord, err := s.g.client.Coordinator(s.g.cfg.GroupID)
	if err != nil {
		return err
	}
	resp, err := coord.Heartbeat(&sarama.HeartbeatRequest{Version: 3, GroupId: s.g.cfg.GroupID, GenerationId: s.gen, MemberId: s.memberID})
	if err != nil {
		return err
	}
	if resp.Err != sarama.ErrNoError {
		return resp.Err
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
