package clusterauth

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/connectd/connectd/actors/tlsconfig"
)

// ClusterTLSPrefix is the prefix of the cluster listener's TLS keys (cluster.ssl.*).
const ClusterTLSPrefix = "cluster."

// Transport is what protoactor's remote needs to accept only members: its gRPC server
// options and the dial options members reach each other with.
type Transport struct {
	Server []grpc.ServerOption
	Dial   []grpc.DialOption
}

// NewTransport builds the options for the members of cluster: the session key always, and
// mutual TLS when tlsSrc is not nil (cluster.ssl.*): client certificates are always required
// there, since a member without one would not be authenticated.
func NewTransport(cluster string, keys *SessionKeys, tlsSrc *tlsconfig.Source, log *slog.Logger) (Transport, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &guard{cluster: cluster, keys: keys, log: log}
	t := Transport{
		Server: []grpc.ServerOption{grpc.ChainStreamInterceptor(g.stream), grpc.ChainUnaryInterceptor(g.unary)},
		Dial:   []grpc.DialOption{grpc.WithPerRPCCredentials(tokenCredentials{cluster: cluster, keys: keys})},
	}
	if tlsSrc == nil {
		t.Dial = append(t.Dial, grpc.WithTransportCredentials(insecure.NewCredentials()))
		return t, nil
	}
	settings := tlsSrc.Settings()
	if settings.ClientAuth != tlsconfig.ClientAuthRequired {
		// The caller refuses an explicit value other than required; unset means required.
		settings.ClientAuth = tlsconfig.ClientAuthRequired
		var err error
		if tlsSrc, err = tlsconfig.FromSettings(settings, tlsconfig.WithLogger(log)); err != nil {
			return Transport{}, err
		}
	}
	serverTLS, err := tlsSrc.ServerConfig()
	if err != nil {
		return Transport{}, err
	}
	if !tlsSrc.HasKeystore() {
		return Transport{}, errors.New("cluster.ssl.keystore.location: mutual TLS needs this member's certificate")
	}
	t.Server = append(t.Server, grpc.Creds(credentials.NewTLS(serverTLS)))
	t.Dial = append(t.Dial, grpc.WithTransportCredentials(credentials.NewTLS(tlsSrc.ClientConfig())))
	return t, nil
}

// tokenCredentials attaches a fresh session-key token to every call.
type tokenCredentials struct {
	cluster string
	keys    *SessionKeys
}

func (c tokenCredentials) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	tok, err := c.keys.token(c.cluster)
	if err != nil {
		return nil, status.Error(codes.Unavailable, "cluster session key: "+err.Error())
	}
	return map[string]string{tokenHeader: tok}, nil
}

func (tokenCredentials) RequireTransportSecurity() bool { return false }

// guard is the server side: every call must carry a valid token.
type guard struct {
	cluster string
	keys    *SessionKeys
	log     *slog.Logger

	mu     sync.Mutex
	logged time.Time
}

var errRefused = status.Error(codes.Unauthenticated, "not a member of this cluster")

func (g *guard) check(ctx context.Context, method string) error {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, tok := range md.Get(tokenHeader) {
		if g.keys.verify(g.cluster, tok) {
			return nil
		}
	}
	g.mu.Lock()
	quiet := time.Since(g.logged) < 10*time.Second
	if !quiet {
		g.logged = time.Now()
	}
	g.mu.Unlock()
	if !quiet {
		from := "unknown"
		if p, ok := peer.FromContext(ctx); ok {
			from = p.Addr.String()
		}
		g.log.Warn("refused a cluster connection without a valid session key", "remote", from, "method", method)
	}
	return errRefused
}

func (g *guard) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := g.check(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return handler(srv, ss)
}

// unary refuses every unary call. protoactor's remote has two (ListProcesses,
// GetProcessDiagnostics), members never call them, and they panic with "implement me",
// which would take the whole worker down: not even a member may reach them.
func (g *guard) unary(ctx context.Context, _ any, info *grpc.UnaryServerInfo, _ grpc.UnaryHandler) (any, error) {
	if err := g.check(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return nil, status.Error(codes.Unimplemented, info.FullMethod+" is not served")
}
