package clusterauth

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/actors/tlsconfig"
	"github.com/connectd/connectd/actors/tlsconfig/testcerts"
)

func startedKeys(t *testing.T, cs *store.ConfigStore, s Settings) *SessionKeys {
	t.Helper()
	k := NewSessionKeys(s, cs, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := k.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return k
}

func memoryStore(t *testing.T) *store.ConfigStore {
	t.Helper()
	cs := store.NewMemoryConfigStore()
	if err := cs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func defaults(t *testing.T) Settings {
	s, err := ParseSettings(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokens(t *testing.T) {
	shared := memoryStore(t)
	a := startedKeys(t, shared, defaults(t))
	b := startedKeys(t, shared, defaults(t)) // reads a's key: one key for the cluster
	stranger := startedKeys(t, memoryStore(t), defaults(t))
	ka, _ := a.ring.current()
	kb, _ := b.ring.current()
	if string(ka.Key) != string(kb.Key) || len(ka.Key) != 32 {
		t.Fatalf("members hold different keys (%d, %d bytes)", len(ka.Key), len(kb.Key))
	}
	tok, err := a.token("connect-cluster")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		keys *SessionKeys
		tok  string
		want bool
	}{
		{"member's token", b, tok, true},
		{"own token", a, tok, true},
		{"stranger's key", b, mustToken(t, stranger, "connect-cluster"), false},
		{"other cluster name", b, mustToken(t, a, "other-cluster"), false},
		{"tampered time", b, strings.Replace(tok, ".", ".1", 1), false},
		{"stale", b, forge(ka.Key, "connect-cluster", time.Now().Add(-time.Hour)), false},
		{"unlisted algorithm", b, "HmacSHA1" + strings.TrimPrefix(tok, "HmacSHA256"), false},
		{"garbage", b, "not a token", false},
		{"empty", b, "", false},
	}
	for _, c := range cases {
		if got := c.keys.verify("connect-cluster", c.tok); got != c.want {
			t.Errorf("%s: verify = %v, want %v", c.name, got, c.want)
		}
	}
}

func mustToken(t *testing.T, k *SessionKeys, cluster string) string {
	t.Helper()
	tok, err := k.token(cluster)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func forge(key []byte, cluster string, at time.Time) string {
	return "HmacSHA256." + itoa(at.UnixMilli()) + ".bm9uY2U." + sign("HmacSHA256", key, cluster, at, "bm9uY2U")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRotation: a key past its TTL is replaced through the config topic; the other member
// follows, and tokens signed with the previous key stay valid while the cluster converges.
func TestRotation(t *testing.T) {
	s := defaults(t)
	s.TTL = 300 * time.Millisecond
	shared := memoryStore(t)
	a := startedKeys(t, shared, s)
	b := startedKeys(t, shared, s)
	old := mustToken(t, b, "c")
	first, _ := a.ring.current()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	go b.Run(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ka, _ := a.ring.current()
		kb, _ := b.ring.current()
		if string(ka.Key) != string(first.Key) && string(ka.Key) == string(kb.Key) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the key was not rotated and shared within 30 s")
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, with a deadline
	}
	if !a.verify("c", old) {
		t.Error("a token of the previous key was refused right after the rotation")
	}
	if !b.verify("c", mustToken(t, a, "c")) {
		t.Error("a token of the new key was refused")
	}
}

func TestParseSettings(t *testing.T) {
	cases := []struct {
		props map[string]string
		want  string // "" for success
	}{
		{map[string]string{}, ""},
		{map[string]string{"inter.worker.key.ttl.ms": "60000", "inter.worker.key.generation.algorithm": "HmacSHA512", "inter.worker.signature.algorithm": "HmacSHA512",
			"inter.worker.verification.algorithms": "HmacSHA256,HmacSHA512", "inter.worker.key.size": "512"}, ""},
		{map[string]string{"inter.worker.key.ttl.ms": "0"}, "inter.worker.key.ttl.ms"},
		{map[string]string{"inter.worker.key.ttl.ms": "soon"}, "inter.worker.key.ttl.ms"},
		{map[string]string{"inter.worker.key.generation.algorithm": "HmacMD5"}, "inter.worker.key.generation.algorithm"},
		{map[string]string{"inter.worker.signature.algorithm": "HmacSHA512"}, "must contain"},
		{map[string]string{"inter.worker.verification.algorithms": "HmacSHA256,DES"}, "DES"},
		{map[string]string{"inter.worker.key.size": "100"}, "inter.worker.key.size"},
	}
	for _, c := range cases {
		_, err := ParseSettings(c.props)
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ParseSettings(%v) = %v, want %q", c.props, err, c.want)
		}
	}
}

// serve starts a gRPC server (the health service stands in for protoactor's remote) behind tr.
func serve(t *testing.T, tr Transport) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(tr.Server...)
	healthpb.RegisterHealthServer(s, health.NewServer())
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	return ln.Addr().String()
}

func call(t *testing.T, addr string, opts ...grpc.DialOption) error {
	t.Helper()
	conn, err := grpc.Dial(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Unary calls: refused for strangers, unimplemented for members (protoactor's panic).
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if status.Code(err) != codes.Unimplemented {
		return err
	}
	// Streams (protoactor's Receive is one) are served to members.
	w, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return err
	}
	_, err = w.Recv()
	return err
}

func TestTransport(t *testing.T) {
	shared := memoryStore(t)
	member := startedKeys(t, shared, defaults(t))
	peer := startedKeys(t, shared, defaults(t))
	stranger := startedKeys(t, memoryStore(t), defaults(t))

	t.Run("session key", func(t *testing.T) {
		tr, err := NewTransport("c", member, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		addr := serve(t, tr)
		peerTr, _ := NewTransport("c", peer, nil, nil)
		if err := call(t, addr, peerTr.Dial...); err != nil {
			t.Fatalf("a member was refused: %v", err)
		}
		strangerTr, _ := NewTransport("c", stranger, nil, nil)
		for name, opts := range map[string][]grpc.DialOption{
			"no token":        {grpc.WithTransportCredentials(insecure.NewCredentials())},
			"another cluster": strangerTr.Dial,
		} {
			if err := call(t, addr, opts...); status.Code(err) != codes.Unauthenticated {
				t.Errorf("%s: %v, want Unauthenticated", name, err)
			}
		}
	})

	t.Run("mutual TLS", func(t *testing.T) {
		pki := testcerts.New(t)
		ts := pki.Truststores(t)
		load := func(id testcerts.Identity) *tlsconfig.Source {
			src, err := tlsconfig.Load(map[string]string{
				"cluster.ssl.keystore.type": "PKCS12", "cluster.ssl.keystore.location": id.P12, "cluster.ssl.keystore.password": pki.StorePassword,
				"cluster.ssl.truststore.location": ts.JKS, "cluster.ssl.truststore.password": pki.StorePassword,
			}, ClusterTLSPrefix)
			if err != nil {
				t.Fatal(err)
			}
			return src
		}
		tr, err := NewTransport("c", member, load(pki.Issue(t, "m1", "127.0.0.1")), nil)
		if err != nil {
			t.Fatal(err)
		}
		addr := serve(t, tr)
		peerTr, err := NewTransport("c", peer, load(pki.Issue(t, "m2", "127.0.0.1")), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := call(t, addr, peerTr.Dial...); err != nil {
			t.Fatalf("a member was refused: %v", err)
		}
		// The right key but no certificate: the handshake fails.
		noCert, err := tlsconfig.Load(map[string]string{"cluster.ssl.truststore.location": ts.JKS, "cluster.ssl.truststore.password": pki.StorePassword}, ClusterTLSPrefix)
		if err != nil {
			t.Fatal(err)
		}
		keyOnly := Transport{Dial: append([]grpc.DialOption{}, peerTr.Dial[0])}
		if err := call(t, addr, append(keyOnly.Dial, grpc.WithTransportCredentials(credentialsOf(noCert)))...); err == nil {
			t.Fatal("a caller without a client certificate was served")
		}
		// Plaintext to a TLS listener fails too.
		if err := call(t, addr, append(keyOnly.Dial, grpc.WithTransportCredentials(insecure.NewCredentials()))...); err == nil {
			t.Fatal("a plaintext caller was served")
		}
	})
}

func credentialsOf(src *tlsconfig.Source) credentials.TransportCredentials {
	return credentials.NewTLS(src.ClientConfig())
}
