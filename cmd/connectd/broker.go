package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kversion"
)

// embeddedBroker is an in-process Kafka-protocol broker, persisted under dataDir.
type embeddedBroker struct {
	cluster *kfake.Cluster
	addr    string
}

// startBroker starts the embedded broker on listen (host:port; port 0 picks a free port).
func startBroker(listen, dataDir string, log *slog.Logger) (*embeddedBroker, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("embedded broker listener %q: %w", listen, err)
	}
	// kfake binds 127.0.0.1; ListenFn lets the configured host through.
	listenFn := func(network, _ string) (net.Listener, error) {
		return net.Listen(network, net.JoinHostPort(host, port))
	}
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.ListenFn(listenFn),
		kfake.DataDir(filepath.Join(dataDir, "broker")),
		kfake.ClusterID("connectd-embedded"),
		// Kafka's own default; topics are created explicitly, because kfake persists
		// auto-created topics only on a clean shutdown.
		kfake.DefaultNumPartitions(1),
		kfake.MaxVersions(withoutDescribeTopicPartitions()),
	)
	if err != nil {
		return nil, fmt.Errorf("embedded broker on %s: %w", listen, err)
	}
	addr := c.ListenAddrs()[0]
	log.Info("embedded broker listening", "addr", addr, "data.dir", dataDir)
	return &embeddedBroker{cluster: c, addr: addr}, nil
}

func (b *embeddedBroker) Close() { b.cluster.Close() }

// withoutDescribeTopicPartitions is every request kfake implements, at its own versions, but
// DescribeTopicPartitions (KIP-966). kfake answers that one with null eligible-leader-replica
// lists, where Kafka's brokers send empty ones, and the Java admin client (4.x) throws a
// NullPointerException on them: every Java plugin that describes a topic (MirrorMaker 2 does)
// would fail against the embedded broker. Without it the Java client describes topics with
// Metadata, as it does on brokers older than 3.8.
func withoutDescribeTopicPartitions() *kversion.Versions {
	v := kversion.Tip()
	for key := int16(0); key < 1000; key++ {
		v.SetMaxKeyVersion(key, math.MaxInt16) // kfake takes the lower of this and its own
	}
	v.SetMaxKeyVersion(75, -1) // DescribeTopicPartitions
	return v
}

// runBroker is `connectd broker [--listen host:port] [--data-dir dir]`: the embedded broker
// alone, for several workers to share.
func runBroker(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	fs.SetOutput(stdout)
	listen := fs.String("listen", "127.0.0.1:9092", "host:port to listen on (port 0 picks a free port)")
	dataDir := fs.String("data-dir", "./connectd-data", "directory the broker persists to")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	b, err := startBroker(*listen, *dataDir, log)
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintf(stdout, "broker listening on %s\n", b.addr)
	<-ctx.Done()
	return nil
}
