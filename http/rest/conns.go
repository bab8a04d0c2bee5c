package rest

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// Bounds on what a client can hold of a REST listener, so that a slow or hostile client
// (slowloris: headers or a body trickled a byte at a time, thousands of connections) can
// neither keep a connection forever nor take the worker's file descriptors from its tasks.
const (
	// HeaderTimeout bounds reading a request line and its headers.
	HeaderTimeout = 10 * time.Second
	// RequestTimeout bounds reading a whole request, body included.
	RequestTimeout = 30 * time.Second
	// IdleTimeout bounds the wait for the next request on a kept-alive connection.
	IdleTimeout = 60 * time.Second
	// maxConnsCeiling caps the connections of all REST listeners together.
	maxConnsCeiling = 1024
)

// DefaultMaxConns is the connection cap for NewConnLimiter: a quarter of the process's file
// descriptor limit, at most 1024, at least 16. The other three quarters stay for the worker's
// tasks, Kafka clients and cluster peers.
func DefaultMaxConns() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return maxConnsCeiling / 4
	}
	return max(16, min(maxConnsCeiling, int(lim.Cur/4)))
}

// NewHTTPServer returns the http.Server for a REST listener serving h, with the read
// deadlines above. Serve it on a listener of a ConnLimiter, so that a connection being served
// is told apart from one that is only being read (see ConnLimiter).
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: HeaderTimeout,
		ReadTimeout:       RequestTimeout,
		IdleTimeout:       IdleTimeout,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if tlsConn, ok := c.(*tls.Conn); ok { // a TLS listener over a ConnLimiter's
				c = tlsConn.NetConn()
			}
			if tc, ok := c.(*trackedConn); ok {
				return context.WithValue(ctx, connKey{}, tc)
			}
			return ctx
		},
	}
}

// ConnLimiter caps the open connections of the listeners it wraps. At the cap, a new
// connection evicts the connection that has waited longest without a request being served on
// it: one still sending its headers or body, or an idle kept-alive one. A client that sends
// its request promptly therefore always gets in, however many slow connections an attacker
// holds; only when every connection is being served is the new one closed.
type ConnLimiter struct {
	max int

	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

// NewConnLimiter returns a limiter of n connections (at least 1).
func NewConnLimiter(n int) *ConnLimiter {
	return &ConnLimiter{max: max(n, 1), conns: make(map[*trackedConn]struct{})}
}

// Listener wraps ln so that its connections count against the limiter.
func (l *ConnLimiter) Listener(ln net.Listener) net.Listener { return &limitedListener{ln, l} }

// Open returns the number of open connections.
func (l *ConnLimiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// admit adds c, first closing the longest-waiting unserved connection when at the cap; it
// reports false (c is to be closed) when every connection is being served.
func (l *ConnLimiter) admit(c *trackedConn) bool {
	l.mu.Lock()
	var victim *trackedConn
	if len(l.conns) >= l.max {
		for o := range l.conns {
			if !o.busy && (victim == nil || o.since.Before(victim.since)) {
				victim = o
			}
		}
		if victim == nil {
			l.mu.Unlock()
			return false
		}
		delete(l.conns, victim)
	}
	l.conns[c] = struct{}{}
	l.mu.Unlock()
	if victim != nil {
		_ = victim.Conn.Close() // its server goroutine sees the error and lets it go
	}
	return true
}

// setBusy marks c as being served (its request read in full) or not.
func (l *ConnLimiter) setBusy(c *trackedConn, busy bool) {
	l.mu.Lock()
	c.busy = busy
	if !busy {
		c.since = time.Now()
	}
	l.mu.Unlock()
}

func (l *ConnLimiter) remove(c *trackedConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

type limitedListener struct {
	net.Listener
	l *ConnLimiter
}

func (ln *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc := &trackedConn{Conn: c, l: ln.l, since: time.Now()}
		if ln.l.admit(tc) {
			return tc, nil
		}
		_ = c.Close()
	}
}

// trackedConn is a connection counted by a ConnLimiter. busy and since are guarded by the
// limiter's mutex.
type trackedConn struct {
	net.Conn
	l     *ConnLimiter
	busy  bool
	since time.Time // accepted, or last served

	closeOnce sync.Once
}

func (c *trackedConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.l.remove(c)
		err = c.Conn.Close()
	})
	return err
}

// connKey is the request-context key of the trackedConn a request arrived on.
type connKey struct{}

// serving marks the connection of r as being served until the returned func is called; a
// no-op for a connection no ConnLimiter tracks.
func serving(r *http.Request) func() {
	tc, ok := r.Context().Value(connKey{}).(*trackedConn)
	if !ok {
		return func() {}
	}
	tc.l.setBusy(tc, true)
	return func() { tc.l.setBusy(tc, false) }
}
