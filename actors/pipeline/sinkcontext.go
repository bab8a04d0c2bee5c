package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connectors"
)

// sinkContext is the Sink seen as its task's connectors.SinkTaskContext. Its methods only
// record what the task asks for, under ctxMu: they are called from inside the task's calls,
// which hold the Sink's mu, and take effect after those return.
type sinkContext Sink

var _ connectors.SinkTaskContext = (*sinkContext)(nil)

func (c *sinkContext) Assignment() []connectors.TopicPartition { return (*Sink)(c).Assignment() }

func (c *sinkContext) Seek(tp connectors.TopicPartition, offset int64) {
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	c.seeks[tp] = offset
}

func (c *sinkContext) Pause(tps ...connectors.TopicPartition) {
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	var fresh []connectors.TopicPartition
	for _, tp := range tps {
		if _, ok := c.paused[tp]; !ok {
			c.paused[tp] = make(chan struct{})
			fresh = append(fresh, tp)
		}
	}
	if len(fresh) > 0 {
		c.Group.Pause(partitionMap(fresh)) // stops fetching; partitionGate holds what was fetched
	}
}

func (c *sinkContext) Resume(tps ...connectors.TopicPartition) {
	c.ctxMu.Lock()
	defer c.ctxMu.Unlock()
	var resumed []connectors.TopicPartition
	for _, tp := range tps {
		if ch, ok := c.paused[tp]; ok {
			close(ch)
			delete(c.paused, tp)
			resumed = append(resumed, tp)
		}
	}
	if len(resumed) > 0 && !c.gate.isPaused() {
		c.Group.Resume(partitionMap(resumed))
	}
}

func (c *sinkContext) RequestCommit() {
	select {
	case c.commitNow <- struct{}{}:
	default: // one is pending already
	}
}

func (c *sinkContext) RetryAfter(d time.Duration) {
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
	m := &sarama.ConsumerMessage{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Timestamp: rec.Timestamp}
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
		m.Headers = append(m.Headers, &sarama.RecordHeader{Key: []byte(h.Key), Value: v})
	}
	if err := s.Errors.report(context.Background(), StageTaskPut, errant{consumed: m}, cause); err != nil {
		return err
	}
	if !s.Errors.Tolerate {
		return fmt.Errorf("Tolerance exceeded in error handler: %s: %w", StageTaskPut, cause)
	}
	return nil
}
