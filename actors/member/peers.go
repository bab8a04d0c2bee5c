package member

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/connectd/connectd/messages"
)

// peerActorName is the actor every member runs for messages between members themselves.
const peerActorName = "connectd-member"

// receivePeerMessage is the peer actor: a peer that announces it is leaving is dropped from
// the view at once, so its grains are placed elsewhere before the group rebalances.
func (m *Member) receivePeerMessage(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *messages.MemberLeaving:
		if m.dropPeer(msg.GetMemberId()) {
			m.cfg.Logger.Info("member left", "member", msg.GetMemberId())
		}
		ctx.Respond(&messages.MemberLeavingAck{})
	case *messages.MemberGone:
		// Another member's watch saw it die; evicting it from the group is that member's job.
		if m.dropPeer(msg.GetMemberId()) {
			m.cfg.Logger.Info("member gone, seen by a peer", "member", msg.GetMemberId())
		}
	}
}

// tellGone tells every peer in the view that member id was seen dead, without waiting.
func (m *Member) tellGone(id string) {
	m.mu.RLock()
	self := m.system.Address()
	var to []string
	for _, p := range m.view.Peers {
		if p.Address != self && m.activeLocked(p) {
			to = append(to, p.Address)
		}
	}
	m.mu.RUnlock()
	for _, addr := range to {
		m.system.Root.Send(actor.NewPID(addr, peerActorName), &messages.MemberGone{MemberId: id})
	}
}

// announceLeaving tells every peer that this member is leaving and waits (bounded by ctx and
// one second) for their acknowledgements.
func (m *Member) announceLeaving(ctx context.Context) {
	m.mu.RLock()
	self := m.system.Address()
	var id string
	var peers []Peer
	for _, p := range m.view.Peers {
		if p.Address == self {
			id = p.ID
		} else if !m.gone[p.ID] {
			peers = append(peers, p)
		}
	}
	m.mu.RUnlock()
	if id == "" {
		return
	}
	timeout := time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := m.system.Root.RequestFuture(actor.NewPID(p.Address, peerActorName), &messages.MemberLeaving{MemberId: id}, timeout)
			if _, err := f.Result(); err != nil {
				m.cfg.Logger.Debug("announce leaving", "peer", p.ID, "err", err)
			}
		}()
	}
	wg.Wait()
}

// watcher holds one TCP connection to every peer's actor address. When a peer's process
// dies, the kernel resets its connections at once; a dropped connection followed by a
// refused redial is taken as a dead process. A timeout proves nothing (a lost host, a
// partition): then the group's session timeout decides.
type watcher struct {
	onGone func(id string)

	mu      sync.Mutex
	closed  bool
	watches map[string]context.CancelFunc // by peer ID
}

func newWatcher(onGone func(id string)) *watcher {
	return &watcher{onGone: onGone, watches: map[string]context.CancelFunc{}}
}

// set watches exactly peers.
func (w *watcher) set(peers []Peer) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	keep := map[string]bool{}
	for _, p := range peers {
		keep[p.ID] = true
		if _, ok := w.watches[p.ID]; !ok {
			ctx, cancel := context.WithCancel(context.Background())
			w.watches[p.ID] = cancel
			go w.watchPeer(ctx, p)
		}
	}
	for id, cancel := range w.watches {
		if !keep[id] {
			cancel()
			delete(w.watches, id)
		}
	}
}

func (w *watcher) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for id, cancel := range w.watches {
		cancel()
		delete(w.watches, id)
	}
}

func (w *watcher) watchPeer(ctx context.Context, p Peer) {
	dialer := net.Dialer{Timeout: time.Second, KeepAlive: 5 * time.Second}
	resets := 0
	for ctx.Err() == nil {
		conn, err := dialer.DialContext(ctx, "tcp", p.Address)
		switch {
		case err == nil:
			resets = 0
			hold(ctx, conn)
		case ctx.Err() != nil:
		case errors.Is(err, syscall.ECONNREFUSED):
			w.onGone(p.ID)
			return
		case errors.Is(err, syscall.ECONNRESET) && resets < 3:
			// A dying process's listener resets the handshakes still in its queue: the
			// redial that follows at once is refused. Waiting here would add half a second
			// to every SIGKILL failover that races the exit.
			resets++
			sleep(ctx, time.Millisecond)
		default:
			sleep(ctx, 500*time.Millisecond)
		}
	}
}

// hold reads and discards until the connection drops or ctx ends. The remote is a gRPC
// server that closes a connection which never sends its preface after a couple of minutes;
// the redial that follows tells that apart from a dead peer.
func hold(ctx context.Context, conn net.Conn) {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			return
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
