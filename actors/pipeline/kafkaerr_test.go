package pipeline

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestSourceBrokerErrors makes the broker answer every Produce to the data topic with a
// Kafka error for a while. An error that clears within the retry timeout is retried and
// nothing is lost; one that outlasts it fails the task with an error naming Kafka's error,
// and a new run of the task (a restart) after the cause went away delivers every line
// exactly once.
func TestSourceBrokerErrors(t *testing.T) {
	tests := []struct {
		name     string
		code     *kerr.Error
		timeout  string // the source's RetryTimeout
		wantFail bool
	}{
		{"storage error clears within the retry timeout", kerr.KafkaStorageError, "30s", false},
		{"not enough replicas clears within the retry timeout", kerr.NotEnoughReplicas, "30s", false},
		{"storage error outlasts the retry timeout", kerr.KafkaStorageError, "200ms", true},
		{"a non-retriable error fails at once", kerr.InvalidRecord, "30s", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			adm := newAdmin(t, c)
			var armed atomic.Bool
			var rejected atomic.Int64
			armed.Store(true)
			rejectProduce(c, "t", tt.code.Code, &armed, &rejected)
			path := emptyFile(t, "in.txt")
			lines := numbered("line", 1, 20)
			appendLines(t, path, lines[:10]...)
			offs := newMemOffsets()
			src := newFileSource(t, c, sourceProps(path, "t"), offs)
			src.RetryTimeout = mustDuration(t, tt.timeout)
			src.RetryBackoffMax = 200 * time.Millisecond
			r := start(t, src.Run)

			if tt.wantFail {
				err := r.wait(t)
				var named *KafkaError
				if !errors.As(err, &named) || named.Name != tt.code.Message || !strings.Contains(err.Error(), tt.code.Message) {
					t.Fatalf("Run = %v; want an error naming %s", err, tt.code.Message)
				}
				armed.Store(false)
				// The cause went away: the task is started again on the same offsets.
				src = newFileSource(t, c, sourceProps(path, "t"), offs)
				r = start(t, src.Run)
			} else {
				waitFor(t, testTimeout, "produce requests rejected", func() bool { return rejected.Load() >= 15 }) // past the client's own 10 retries
				armed.Store(false)
			}
			appendLines(t, path, lines[10:]...)
			waitFor(t, testTimeout, "every line on the topic", func() bool {
				return endOffset(t, adm, "t") >= int64(len(lines))
			})
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v after the cause went away", err)
			}
			checkPosition(t, offs, path)
			checkEnvelopes(t, c, "t", lines) // nothing lost, nothing twice
		})
	}
}

// rejectProduce answers every Produce request for topic with code while armed holds,
// counting the requests it rejected.
func rejectProduce(c *kfake.Cluster, topic string, code int16, armed *atomic.Bool, rejected *atomic.Int64) {
	c.ControlKey(kmsg.Produce.Int16(), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.ProduceRequest)
		if !armed.Load() || len(req.Topics) == 0 || req.Topics[0].Topic != topic {
			return nil, nil, false
		}
		rejected.Add(1)
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic = rt.Topic
			for _, p := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = p.Partition
				sp.ErrorCode = code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
}

func mustDuration(t testing.TB, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
