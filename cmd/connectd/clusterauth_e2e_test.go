package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/connectd/connectd/actors/clusterauth"
	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/actors/tlsconfig"
	"github.com/connectd/connectd/actors/tlsconfig/testcerts"
	"github.com/connectd/connectd/internal/wait"
)

// knock calls protoactor's unary ListProcesses on addr (unimplemented there: it panics the
// process, so the guard answers Unimplemented to members and Unauthenticated to others), then
// opens the remote stream as a member's endpoint writer does (a ConnectRequest, then the
// answer): nil when the stream is served, the first error otherwise.
func knock(t *testing.T, addr string, opts ...grpc.DialOption) error {
	t.Helper()
	conn, err := grpc.Dial(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := remote.NewRemotingClient(conn)
	if _, err := client.ListProcesses(ctx, &remote.ListProcessesRequest{Pattern: "connector"}); status.Code(err) != codes.Unimplemented {
		return fmt.Errorf("ListProcesses: %w", err)
	}
	stream, err := client.Receive(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(&remote.RemoteMessage{MessageType: &remote.RemoteMessage_ConnectRequest{ConnectRequest: &remote.ConnectRequest{
		ConnectionType: &remote.ConnectRequest_ServerConnection{ServerConnection: &remote.ServerConnection{SystemId: "knocker", Address: "127.0.0.1:1"}}}}}); err != nil {
		return err
	}
	_, err = stream.Recv()
	return err
}

// memberTransport is what a process that can read the cluster's config topic (as every member
// can) builds: the positive control of the stranger checks.
func memberTransport(t *testing.T, c *cluster, tlsSrc *tlsconfig.Source) clusterauth.Transport {
	t.Helper()
	tr, _ := memberKeys(t, c, tlsSrc)
	return tr
}

// memberKeys is memberTransport that also returns the session key it signs with.
func memberKeys(t *testing.T, c *cluster, tlsSrc *tlsconfig.Source) (clusterauth.Transport, store.SessionKey) {
	t.Helper()
	cs, err := store.NewConfigStore(store.Kafka{Addrs: []string{c.broker}, Config: pipeline.BaseConfig("stranger-test")},
		store.Topic{Name: c.props["config.storage.topic"], Partitions: 1, ReplicationFactor: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	settings, err := clusterauth.ParseSettings(nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := clusterauth.NewSessionKeys(settings, cs, nil)
	if err := keys.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tr, err := clusterauth.NewTransport(c.props["group.id"], keys, tlsSrc, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := cs.Snapshot().SessionKey()
	return tr, k
}

// TestClusterStranger: workers accept actor messages only from members of their cluster. A
// process that is not one (no session key from the config topic; with cluster.ssl.*, no
// certificate from the cluster's CA) connecting to a worker's cluster port is refused before
// protoactor's endpoint reader, and so any grain, sees a message; holding the cluster's key
// (and certificate) is what lets a caller in. The members keep working through it, and a
// SIGKILL failover still completes.
func TestClusterStranger(t *testing.T) {
	pki := testcerts.New(t)
	memberCert := pki.Issue(t, "member", "127.0.0.1")
	ts := pki.Truststores(t)
	strangerPKI := testcerts.New(t)
	strangerCert := strangerPKI.Issue(t, "stranger", "127.0.0.1")
	mtls := map[string]string{
		"cluster.ssl.keystore.type":       "PKCS12",
		"cluster.ssl.keystore.location":   memberCert.P12,
		"cluster.ssl.keystore.password":   pki.StorePassword,
		"cluster.ssl.truststore.location": ts.JKS,
		"cluster.ssl.truststore.password": pki.StorePassword,
	}
	for _, mode := range []string{"session key", "mutual TLS"} {
		t.Run(mode, func(t *testing.T) {
			c := newCluster(t)
			// Short-lived keys: the members rotate them while the test runs.
			c.props["inter.worker.key.ttl.ms"] = "2000"
			if mode == "mutual TLS" {
				for k, v := range mtls {
					c.props[k] = v
				}
			}
			var ports []int
			for range 2 {
				port := freePort(t)
				ports = append(ports, port)
				c.props["cluster.listener"] = fmt.Sprintf("127.0.0.1:%d", port)
				c.add()
			}
			delete(c.props, "cluster.listener")
			dir := t.TempDir()
			var names []string
			for i := range 4 {
				name := fmt.Sprintf("guarded-%d", i)
				names = append(names, name)
				file := filepath.Join(dir, name+".txt")
				appendLines(t, file, "l", 0, 10)
				c.workers[0].mustDo("POST", "/connectors", map[string]any{"name": name, "config": sourceConfig(file, c.workers[0].topic(name))}, 201, nil)
			}
			// A worker answers 404 until its tail of the status topic holds the first record.
			wait.For(t, 20*time.Second, "every worker to know every connector's status", func() bool {
				for _, w := range c.workers {
					for _, name := range names {
						if code, _, _ := w.do("GET", "/connectors/"+escape(name)+"/status", nil); code != 200 {
							return false
						}
					}
				}
				return true
			})
			where := c.placement(names, "every connector RUNNING on the two members")

			addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
			var member, stranger []grpc.DialOption
			if mode == "session key" {
				member = memberTransport(t, c, nil).Dial
				stranger = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
				// A stranger with a key of its own (another cluster's) fares no better.
				other := newCluster(t)
				other.add()
				if err := knock(t, addr, memberTransport(t, other, nil).Dial...); status.Code(err) != codes.Unauthenticated {
					t.Errorf("a member of another cluster: %v, want Unauthenticated", err)
				}
			} else {
				load := func(props map[string]string) *tlsconfig.Source {
					src, err := tlsconfig.Load(props, clusterauth.ClusterTLSPrefix)
					if err != nil {
						t.Fatal(err)
					}
					return src
				}
				member = memberTransport(t, c, load(mtls)).Dial
				// The cluster's session key, but a certificate from another CA.
				wrongCA := map[string]string{
					"cluster.ssl.keystore.type": "PKCS12", "cluster.ssl.keystore.location": strangerCert.P12, "cluster.ssl.keystore.password": strangerPKI.StorePassword,
					"cluster.ssl.truststore.location": ts.JKS, "cluster.ssl.truststore.password": pki.StorePassword,
				}
				if err := knock(t, addr, memberTransport(t, c, load(wrongCA)).Dial...); err == nil {
					t.Error("a caller with the session key but a certificate from another CA was served")
				}
				// The cluster's session key and trust, but no certificate.
				noCert := load(map[string]string{"cluster.ssl.truststore.location": ts.JKS, "cluster.ssl.truststore.password": pki.StorePassword})
				stranger = []grpc.DialOption{member[0], grpc.WithTransportCredentials(credentials.NewTLS(noCert.ClientConfig()))}
				if err := knock(t, addr, append([]grpc.DialOption{member[0]}, grpc.WithTransportCredentials(insecure.NewCredentials()))...); err == nil {
					t.Error("a plaintext caller with the session key was served by a mutual TLS listener")
				}
			}
			if err := knock(t, addr, member...); err != nil {
				t.Fatalf("a caller holding the cluster's credentials was refused: %v", err)
			}
			err := knock(t, addr, stranger...)
			if err == nil {
				t.Fatal("the stranger was served")
			}
			if mode == "session key" && status.Code(err) != codes.Unauthenticated {
				t.Errorf("the stranger got %v, want Unauthenticated", err)
			}
			if mode == "session key" {
				wait.For(t, 10*time.Second, "the refusal in the worker's log", func() bool {
					return strings.Contains(read(t, c.workers[0].logPath), "refused a cluster connection")
				})
			}

			// The key rotates (a new session-key record); a caller holding only the first key
			// is refused once it is two TTLs old, one that reads the topic again is served.
			firstKey := memberTransport(t, c, nil)
			if mode == "mutual TLS" {
				firstKey.Dial = member
			}
			wait.For(t, 30*time.Second, "a rotated key to refuse the first one", func() bool {
				return knock(t, addr, firstKey.Dial...) != nil
			})
			current, key := memberKeys(t, c, nil)
			if mode == "session key" {
				if err := knock(t, addr, current.Dial...); err != nil {
					t.Fatalf("a caller with the current key was refused: %v", err)
				}
			}
			// Neither the session key nor a store password reaches a log line.
			for _, w := range c.workers {
				logText := read(t, w.logPath)
				for _, secret := range []string{base64.StdEncoding.EncodeToString(key.Key), base64.RawURLEncoding.EncodeToString(key.Key), pki.StorePassword, pki.KeyPassword} {
					if len(key.Key) == 0 || strings.Contains(logText, secret) {
						t.Errorf("worker log %s shows a secret (or no key was read)", w.logPath)
					}
				}
			}

			// The members keep working across rotations: the same placement answers, and a
			// SIGKILL failover completes.
			if again := c.placement(names, "placement unchanged after the stranger"); fmt.Sprint(again) != fmt.Sprint(where) {
				t.Errorf("placement moved after the stranger: %v -> %v", where, again)
			}
			c.workers[0].kill(syscall.SIGKILL)
			where = c.placement(names, "every connector RUNNING on the survivor after SIGKILL")
			if ids := workersOf(where); len(ids) != 1 || ids[0] != c.workers[1].url[len("http://"):] {
				t.Errorf("after SIGKILL instances are on %v", ids)
			}
		})
	}
}
