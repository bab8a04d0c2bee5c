package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connectors"
)

// sinkContext is the Sink seen as its task's connectors.SinkTaskContext. Its methods only
// record what the task asks for, under ctxMu: they are called from inside the task's calls,
// which hold the Sink's mu, and take effect after those return. Each sets asked: a batch sent
// ahead of the call's end is skipped by the task then (connectors.PutStarter).
type sinkContext Sink

var _ connectors.SinkTaskContext = (*sinkContext)(nil)

func (c *sinkContext) Assignment() []connectors.TopicPartition { return (*Sink)(c).Assignment() }

func (c *sinkContext) Seek(tp connectors.TopicPartition, offset int64) {
	c.asked.Store(true)
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	c.seeks[tp] = offset
}

// Pause stops fetching tps; records of them already polled and not put are fetched again
// after Resume.
func (c *sinkContext) Pause(tps ...connectors.TopicPartition) {
	c.asked.Store(true)
	c.ctxMu.Lock()
	for _, tp := range tps {
		c.paused[tp] = true
	}
	c.ctxMu.Unlock()
	(*Sink)(c).withClient(func(cl *kgo.Client) { cl.PauseFetchPartitions(partitionMap(tps)) })
}

// Resume fetches tps again; while the runtime pauses the whole task (Sink.Pause, which
// pauses the topics) nothing is fetched all the same.
func (c *sinkContext) Resume(tps ...connectors.TopicPartition) {
	c.asked.Store(true)
	c.ctxMu.Lock()
	for _, tp := range tps {
		delete(c.paused, tp)
	}
	c.ctxMu.Unlock()
	(*Sink)(c).withClient(func(cl *kgo.Client) { cl.ResumeFetchPartitions(partitionMap(tps)) })
}

// RequestCommit flushes and commits at the end of the current poll cycle, ending a poll
// that is waiting.
func (c *sinkContext) RequestCommit() {
	c.asked.Store(true)
	c.commitNow.Store(true)
	if stop := c.pollStop.Load(); stop != nil {
		(*stop)()
	}
}

func (c *sinkContext) RetryAfter(d time.Duration) {
	c.asked.Store(true)
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	c.retryAfter = max(d, 0)
}

// ErrantRecords is nil unless the connector logs errors or has a dead letter queue, as Kafka
// Connect's errantRecordReporter() is null then.
func (c *sinkContext) ErrantRecords() connectors.ErrantRecordReporter {
	if c.Errors == nil || (!c.Errors.Log && c.Errors.DLQTopic == "") {
		return nil
	}
	return errantReporter{(*Sink)(c)}
}

// errantReporter reports records through the connector's error handling, as Kafka's
// WorkerErrantRecordReporter: the record is converted back to bytes with the task's
// converters, logged and sent to the dead letter queue under stage TASK_PUT. The report is
// synchronous, so the channel is ready when Report returns.
type errantReporter struct{ s *Sink }

func (r errantReporter) Report(rec connectors.SinkRecord, cause error) <-chan error {
	done := make(chan error, 1)
	err := r.report(rec, cause)
	if err != nil {
		r.s.ctxMu.Lock()
		if r.s.reportErr == nil {
			r.s.reportErr = err // fails the task once the put returns, whatever the task does with it
		}
		r.s.ctxMu.Unlock()
	}
	done <- err
	return done
}

func (r errantReporter) report(rec connectors.SinkRecord, cause error) error {
	s := r.s
	m := &kgo.Record{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Timestamp: rec.Timestamp}
	var err error
	if rec.Key != nil || rec.KeySchema != nil {
		if m.Key, err = s.Key.FromConnectData(rec.Topic, rec.KeySchema, rec.Key); err != nil {
			return fmt.Errorf("report errant record %s-%d@%d: convert key: %w", rec.Topic, rec.Partition, rec.Offset, err)
		}
	}
	if m.Value, err = s.Value.FromConnectData(rec.Topic, rec.ValueSchema, rec.Value); err != nil {
		return fmt.Errorf("report errant record %s-%d@%d: convert value: %w", rec.Topic, rec.Partition, rec.Offset, err)
	}
	for _, h := range rec.Headers {
		v, err := s.Header.FromConnectHeader(rec.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			return fmt.Errorf("report errant record %s-%d@%d: convert header %s: %w", rec.Topic, rec.Partition, rec.Offset, h.Key, err)
		}
		m.Headers = append(m.Headers, kgo.RecordHeader{Key: h.Key, Value: v})
	}
	if err := s.Errors.report(context.Background(), StageTaskPut, errant{consumed: m}, cause); err != nil {
		return err
	}
	if !s.Errors.Tolerate {
		return fmt.Errorf("Tolerance exceeded in error handler: %s: %w", StageTaskPut, cause)
	}
	return nil
}
