package actors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/actors/pipeline"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/connectors"
)

// Exactly-once sources (KIP-618, exactly.once.source.support=enabled): a source task writes
// its records and their offsets in one transaction (pipeline.ExactlyOnce), and a connector
// that writes a new generation of task configs first fences the producers of the previous
// one (fenceZombies), as Kafka Connect's leader does before the new tasks start.

// txnOffsets is an offsets store that can hand out its records for a task's transaction.
type txnOffsets interface {
	TxnRecords(connector string, offsets []store.Offset) (string, []store.Record, error)
}

// exactlyOnce is the exactly-once setup of one source task: its transaction boundary from
// its config, its offsets written with its records to its connector's offsets topic
// (offsets.storage.topic, or the worker's).
func (rt *Runtime) exactlyOnce(so sourceOffsets, config map[string]string) (*pipeline.ExactlyOnce, error) {
	offsets, ok := so.primary.(txnOffsets)
	if !ok {
		return nil, errors.New("exactly-once source support needs an offsets topic (distributed mode)")
	}
	eos := &pipeline.ExactlyOnce{
		ReadOffsets: so.readToEnd,
		OffsetMessages: func(list []connectors.SourceOffset) ([]*sarama.ProducerMessage, error) {
			in := make([]store.Offset, len(list))
			for i, o := range list {
				in[i] = store.Offset{Partition: o.Partition, Offset: o.Offset}
			}
			topic, recs, err := offsets.TxnRecords(so.connector, in)
			if err != nil {
				return nil, err
			}
			msgs := make([]*sarama.ProducerMessage, len(recs))
			for i, r := range recs {
				msgs[i] = pipeline.OffsetMessage(topic, r.Partition, r.Key, r.Value)
			}
			return msgs, nil
		},
	}
	switch b := strings.ToLower(strings.TrimSpace(config["transaction.boundary"])); b {
	case "", "poll":
	case "connector": // validation asked the connector whether its tasks can
		eos.ConnectorDefined = true
	case "interval":
		eos.Interval = rt.cfg.FlushInterval
		if v := strings.TrimSpace(config["transaction.boundary.interval.ms"]); v != "" {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ms < 0 {
				return nil, fmt.Errorf("transaction.boundary.interval.ms %q: not a non-negative number", v)
			}
			eos.Interval = time.Duration(ms) * time.Millisecond
		}
	default: // validation refuses any other value; a stored config may not have been validated
		return nil, fmt.Errorf("transaction.boundary=%s: not one of poll, interval, connector", b)
	}
	return eos, nil
}

// fenceZombies fences the producers of the task generations a source connector is about
// to replace, as Kafka Connect's zombie fencing round does before a new generation starts
// (DistributedHerder.doFenceZombieSourceTasks): as many tasks as its latest task count
// record says (tasks-fencing-<name>, which an Apache Kafka Connect cluster writes too), or
// as its stored task configs hold if more (a task count record may be missing or older).
// With one task before and after, the new task's own producer fences the old one when it
// starts, and Kafka Connect skips the round; so does this.
func (rt *Runtime) fenceZombies(ctx context.Context, name string, v connectorView, newTasks int) error {
	if !rt.cfg.exactlyOnce() {
		return nil
	}
	old := len(v.Tasks)
	if v.HasTaskCountRecord {
		old = max(old, v.TaskCountRecord)
	}
	if old == 0 || (old == 1 && newTasks == 1) {
		return nil
	}
	return rt.kafka.FenceSourceTasks(ctx, name, old)
}

// recordTaskCount writes the task count record that ends a zombie fencing round: tasks of
// the connector may now have transactional producers, and its committed task configs need
// no further round (Kafka Connect's putTaskCountRecord).
func (rt *Runtime) recordTaskCount(ctx context.Context, name string, tasks int) error {
	if !rt.cfg.exactlyOnce() {
		return nil
	}
	return rt.stores.Config.PutTaskCountRecord(ctx, name, tasks)
}
