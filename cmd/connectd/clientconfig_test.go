package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/wait"
)

// TestClientOverridesOnTheWire: a connector's producer.override.* and consumer.override.*
// reach its clients, as seen on the wire: the records of a zstd source are zstd-compressed
// batches (read by an independent client), a sink with auto.offset.reset=latest skips the
// records written before it joined, and one with another group.id consumes in that group,
// whose offsets the offsets endpoint reports.
func TestClientOverridesOnTheWire(t *testing.T) {
	w := startWorker(t, nil)
	dir := t.TempDir()
	const zstdCodec = 4 // Kafka's compression attribute value for zstd

	for _, c := range []struct {
		name, codec string
		want        uint8
	}{{"zstd", "zstd", zstdCodec}, {"plain", "", 0}} {
		in := filepath.Join(dir, c.name+".txt")
		appendLines(t, in, c.name, 0, 50)
		cfg := sourceConfig(in, w.topic(c.name))
		if c.codec != "" {
			cfg["producer.override.compression.type"] = c.codec
			cfg["producer.override.linger.ms"] = "20"
			cfg["admin.override.client.id"] = "zstd-admin" // its topic is created by an admin client of its own
		}
		w.mustDo("POST", "/connectors", map[string]any{"name": "src-" + c.name, "config": cfg}, 201, nil)
		recs := readTopic(t, w.broker, w.topic(c.name), 50)
		if len(recs) != 50 {
			t.Fatalf("%s: read %d records, want 50", c.name, len(recs))
		}
		for _, r := range recs {
			if got := r.Attrs.CompressionType(); got != c.want {
				t.Fatalf("%s: record at offset %d has compression %d, want %d", c.name, r.Offset, got, c.want)
			}
		}
	}

	// admin.override.* reach the connector's admin client: pointed at a closed port, its
	// topic cannot be created and the task fails saying so.
	elsewhere := sourceConfig(filepath.Join(dir, "zstd.txt"), w.topic("elsewhere"))
	elsewhere["admin.override.bootstrap.servers"] = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	w.mustDo("POST", "/connectors", map[string]any{"name": "elsewhere", "config": elsewhere}, 201, nil)
	wait.For(t, 60*time.Second, "the source with an unreachable admin client to fail", func() bool {
		st, ok := w.status("elsewhere")
		return ok && len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED" && strings.Contains(st.Tasks[0].Trace, "admin client")
	})

	// Old records first, through a source; then two sinks of the same topic.
	in := filepath.Join(dir, "events.txt")
	appendLines(t, in, "old", 0, 5)
	w.mustDo("POST", "/connectors", map[string]any{"name": "events", "config": sourceConfig(in, w.topic("events"))}, 201, nil)
	if n := len(readTopic(t, w.broker, w.topic("events"), 5)); n != 5 {
		t.Fatalf("read %d old records, want 5", n)
	}
	latestOut, earliestOut := filepath.Join(dir, "latest.txt"), filepath.Join(dir, "earliest.txt")
	latest := sinkConfig(latestOut, w.topic("events"))
	latest["consumer.override.auto.offset.reset"] = "latest"
	earliest := sinkConfig(earliestOut, w.topic("events"))
	group := "custom-group-" + w.id
	earliest["consumer.override.group.id"] = group
	w.mustDo("POST", "/connectors", map[string]any{"name": "latest", "config": latest}, 201, nil)
	w.mustDo("POST", "/connectors", map[string]any{"name": "earliest", "config": earliest}, 201, nil)
	w.waitState("latest", "RUNNING", 1)
	w.waitState("earliest", "RUNNING", 1)
	// New records until the latest sink has one: it joins at some point after RUNNING, and
	// what it skips is only what was written before it joined.
	next := 0
	wait.For(t, 60*time.Second, "the latest sink to get a new record", func() bool {
		appendLines(t, in, "new", next, next+1)
		next++
		for _, l := range lines(t, latestOut) {
			if strings.HasPrefix(l, "new-") {
				return true
			}
		}
		time.Sleep(200 * time.Millisecond)
		return false
	})
	for _, l := range lines(t, latestOut) {
		if strings.HasPrefix(l, "old-") {
			t.Fatalf("the sink with auto.offset.reset=latest wrote an old record: %q", l)
		}
	}
	wait.For(t, 30*time.Second, "the earliest sink to get the old records", func() bool {
		got := lines(t, earliestOut)
		return len(got) >= 5 && got[0] == "old-000000"
	})
	// The earliest sink's offsets are those of its own group.
	wait.For(t, 30*time.Second, "offsets of the custom group", func() bool {
		code, _, b := w.do("GET", "/connectors/earliest/offsets", nil)
		return code == 200 && strings.Contains(string(b), `"kafka_offset"`)
	})
	cl := readGroupOffsets(t, w.broker, group)
	if cl == 0 {
		t.Fatalf("consumer group %s has no committed offsets", group)
	}
}

// TestOverridePolicy: connector.client.config.override.policy, with Kafka Connect's errors.
func TestOverridePolicy(t *testing.T) {
	type attempt struct {
		key, value string
		refused    bool
	}
	for _, c := range []struct {
		policy   string
		attempts []attempt
	}{
		{"None", []attempt{{"producer.override.acks", "1", true}, {"producer.override.sasl.mechanism", "PLAIN", true}}},
		{"Principal", []attempt{{"producer.override.acks", "1", true}, {"producer.override.security.protocol", "PLAINTEXT", false}}},
		{"All", []attempt{{"producer.override.acks", "1", false}, {"admin.override.retries", "3", false}}},
	} {
		t.Run(c.policy, func(t *testing.T) {
			w := startWorker(t, map[string]string{"connector.client.config.override.policy": c.policy})
			for i, a := range c.attempts {
				cfg := sourceConfig(filepath.Join(t.TempDir(), "in.txt"), w.topic("t"))
				cfg[a.key] = a.value
				code, _, body := w.do("POST", "/connectors", map[string]any{"name": fmt.Sprint("c", i), "config": cfg})
				_, short, _ := strings.Cut(a.key, ".override.")
				want := fmt.Sprintf("The '%s' policy does not allow '%s' to be overridden in the connector configuration.", c.policy, short)
				switch {
				case a.refused && (code != 400 || !strings.Contains(string(body), want)):
					t.Errorf("%s=%s: %d %s; want 400 with %q", a.key, a.value, code, body, want)
				case !a.refused && code != 201:
					t.Errorf("%s=%s: %d %s; want 201", a.key, a.value, code, body)
				}
			}
		})
	}
}

// readGroupOffsets counts the partitions with a committed offset in group, read by an
// independent client.
func readGroupOffsets(t testing.TB, broker, group string) int {
	t.Helper()
	cl, err := kgo.NewClient(rawClientOpts(t, broker)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	offsets, err := kadm.NewClient(cl).FetchOffsets(ctx, group)
	if err != nil {
		t.Fatalf("fetch offsets of %s: %v", group, err)
	}
	n := 0
	offsets.Each(func(o kadm.OffsetResponse) {
		if o.Err == nil && o.At >= 0 {
			n++
		}
	})
	return n
}
