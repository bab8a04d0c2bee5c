package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connectors"
)

// Stage is the step of a record's processing that failed, named as Kafka Connect's
// errors.Stage names it in logs and in the __connect.errors.stage header.
type Stage string

// The stages whose failures the connector's errors.* settings govern.
const (
	StageKeyConverter    Stage = "KEY_CONVERTER"
	StageValueConverter  Stage = "VALUE_CONVERTER"
	StageHeaderConverter Stage = "HEADER_CONVERTER"
	StageTransformation  Stage = "TRANSFORMATION"
	// StageTaskPut is a record a sink task reported through its ErrantRecordReporter.
	StageTaskPut Stage = "TASK_PUT"
)

// sinkTaskClass is the class Kafka Connect names for a record reported from put().
const sinkTaskClass = "org.apache.kafka.connect.sink.SinkTask"

// The error context headers of a dead letter queue record (Kafka Connect's
// DeadLetterQueueReporter with errors.deadletterqueue.context.headers.enable=true).
const (
	HeaderErrorTopic        = "__connect.errors.topic"
	HeaderErrorPartition    = "__connect.errors.partition"
	HeaderErrorOffset       = "__connect.errors.offset"
	HeaderErrorConnector    = "__connect.errors.connector.name"
	HeaderErrorTask         = "__connect.errors.task.id"
	HeaderErrorStage        = "__connect.errors.stage"
	HeaderErrorClass        = "__connect.errors.class.name"
	HeaderErrorExceptionCls = "__connect.errors.exception.class.name"
	HeaderErrorMessage      = "__connect.errors.exception.message"
	HeaderErrorStacktrace   = "__connect.errors.exception.stacktrace"
)

// retryDelayMin is the first wait before a retriable failure is retried; it doubles per
// attempt up to errors.retry.delay.max.ms (Kafka's RetryWithToleranceOperator).
const retryDelayMin = 300 * time.Millisecond

// ErrorMetrics receives the error reporting measurements (task-error-metrics'
// total-errors-logged, deadletterqueue-produce-requests and -failures); calls must not
// block.
type ErrorMetrics interface {
	ErrorLogged()
	DeadLetterProduced(err error)
}

// ErrorHandling applies a connector's errors.* settings to the failures of converting and
// transforming records, as Kafka Connect's RetryWithToleranceOperator with its log and
// dead letter queue reporters does: a retriable failure is retried within RetryTimeout; a
// failure that remains is logged (Log), sent to the dead letter queue (sinks, DLQTopic), and
// then either skipped (Tolerate) or fails the task. The zero value is errors.tolerance=none
// with nothing logged and no retries.
type ErrorHandling struct {
	Tolerate    bool // errors.tolerance=all
	Log         bool // errors.log.enable
	LogMessages bool // errors.log.include.messages
	// RetryTimeout is errors.retry.timeout: zero never retries, negative retries until the
	// task stops. RetryDelayMax is errors.retry.delay.max.ms; zero means 60 s.
	RetryTimeout, RetryDelayMax time.Duration
	// DLQTopic is errors.deadletterqueue.topic.name (sinks only); DLQ sends to it and must
	// be set with it. ContextHeaders is errors.deadletterqueue.context.headers.enable.
	DLQTopic       string
	DLQ            sarama.SyncProducer
	ContextHeaders bool
	// Connector and Task name the task in logs and context headers.
	Connector string
	Task      int32
	// Classes names the class executing a stage, for logs and the class.name header:
	// keys are "key.converter", "value.converter", "header.converter" and
	// "transforms.<alias>.type".
	Classes map[string]string
	Logger  *slog.Logger // nil discards
	Metrics ErrorMetrics // nil records nothing
}

// TransformError is a failure of one transformation of a connector's chain.
type TransformError struct {
	Alias string
	Err   error
}

func (e *TransformError) Error() string { return fmt.Sprintf("transform %s: %v", e.Alias, e.Err) }
func (e *TransformError) Unwrap() error { return e.Err }

// noErrorHandling is the handling of a pipeline given none: errors.tolerance=none.
var noErrorHandling ErrorHandling

// errant is the record whose processing failed: a consumed message (sinks) or a source
// record (sources).
type errant struct {
	consumed *kgo.Record
	source   *connectors.SourceRecord
}

// do runs op for stage on rec, retrying retriable failures. ok false with a nil error means
// the failure was tolerated and the record is to be skipped; a non-nil error fails the task.
// h may be nil: errors.tolerance=none, nothing reported.
func (h *ErrorHandling) do(ctx context.Context, stage Stage, rec errant, retried func(), op func() error) (ok bool, err error) {
	if err = op(); err == nil {
		return true, nil // the path of nearly every record: nothing measured, nothing allocated
	}
	if h == nil {
		h = &noErrorHandling
	}
	start := time.Now()
	for attempt := 1; err != nil && connectors.IsRetriable(err) && h.withinRetryTimeout(start); attempt++ {
		d := h.backoff(attempt)
		if h.RetryTimeout > 0 {
			d = max(0, min(d, h.RetryTimeout-time.Since(start)))
		}
		if !sleep(ctx, d) {
			return false, ctx.Err()
		}
		if retried != nil {
			retried()
		}
		err = op()
	}
	if err == nil {
		return true, nil
	}
	if rerr := h.report(ctx, stage, rec, err); rerr != nil {
		return false, rerr
	}
	if h.Tolerate {
		return false, nil
	}
	return false, fmt.Errorf("Tolerance exceeded in error handler: %s: %w", stage, err)
}

func (h *ErrorHandling) withinRetryTimeout(start time.Time) bool {
	return h.RetryTimeout < 0 || time.Since(start) < h.RetryTimeout
}

// backoff is the wait before retry attempt (1, 2, …): 300 ms doubled per attempt; past
// errors.retry.delay.max.ms a random wait below it, as Kafka spreads retries.
func (h *ErrorHandling) backoff(attempt int) time.Duration {
	limit := h.RetryDelayMax
	if limit <= 0 {
		limit = time.Minute
	}
	d := retryDelayMin << min(attempt-1, 30)
	if d > limit || d <= 0 {
		d = rand.N(limit)
	}
	return d
}

// class is the class executing stage for err.
func (h *ErrorHandling) class(stage Stage, err error) string {
	switch stage {
	case StageKeyConverter:
		return h.Classes["key.converter"]
	case StageValueConverter:
		return h.Classes["value.converter"]
	case StageHeaderConverter:
		return h.Classes["header.converter"]
	case StageTaskPut:
		return sinkTaskClass
	}
	var te *TransformError
	if errors.As(err, &te) {
		return h.Classes["transforms."+te.Alias+".type"]
	}
	return ""
}

// report logs the failure (errors.log.enable) and sends a consumed record to the dead letter
// queue; an error means the DLQ send failed, which fails the task rather than lose the record.
func (h *ErrorHandling) report(ctx context.Context, stage Stage, rec errant, err error) error {
	class := h.class(stage, err)
	if h.Log {
		log := h.Logger
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		attrs := []any{"connector", h.Connector, "task", h.Task, "stage", string(stage), "class", class, "err", err}
		// As Kafka Connect: errors.log.include.messages adds a consumed record's timestamp
		// (never its bytes), and a source record's content (key, value, headers, source
		// partition and offset).
		switch m, r := rec.consumed, rec.source; {
		case m != nil:
			attrs = append(attrs, "topic", m.Topic, "partition", m.Partition, "offset", m.Offset)
			if h.LogMessages {
				attrs = append(attrs, "timestamp", m.Timestamp)
			}
		case r != nil:
			attrs = append(attrs, "topic", r.Topic)
			if h.LogMessages {
				attrs = append(attrs, "record", fmt.Sprintf("%+v", *r))
			}
		}
		log.ErrorContext(ctx, "Error encountered in task", attrs...)
		if h.Metrics != nil {
			h.Metrics.ErrorLogged()
		}
	}
	m := rec.consumed
	if h.DLQTopic == "" || m == nil {
		return nil
	}
	msg := &sarama.ProducerMessage{Topic: h.DLQTopic, Timestamp: m.Timestamp}
	if m.Key != nil {
		msg.Key = sarama.ByteEncoder(m.Key)
	}
	if m.Value != nil {
		msg.Value = sarama.ByteEncoder(m.Value)
	}
	for _, hd := range m.Headers {
		msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: []byte(hd.Key), Value: hd.Value})
	}
	if h.ContextHeaders {
		add := func(k, v string) {
			msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: []byte(k), Value: []byte(v)})
		}
		add(HeaderErrorTopic, m.Topic)
		add(HeaderErrorPartition, strconv.Itoa(int(m.Partition)))
		add(HeaderErrorOffset, strconv.FormatInt(m.Offset, 10))
		add(HeaderErrorConnector, h.Connector)
		add(HeaderErrorTask, strconv.Itoa(int(h.Task)))
		add(HeaderErrorStage, string(stage))
		add(HeaderErrorClass, class)
		cls, msg, trace := rootType(err), err.Error(), err.Error()
		var je connectors.JavaException
		if errors.As(err, &je) { // a Java plugin's exception: Kafka Connect's own three headers
			cls, msg, trace = je.ExceptionClass(), je.ExceptionMessage(), je.Error()
		}
		add(HeaderErrorExceptionCls, cls)
		add(HeaderErrorMessage, msg)
		add(HeaderErrorStacktrace, trace)
	}
	_, _, serr := h.DLQ.SendMessage(msg)
	if h.Metrics != nil {
		h.Metrics.DeadLetterProduced(serr)
	}
	if serr != nil {
		return fmt.Errorf("send record %s-%d@%d to the dead letter queue %s: %w", m.Topic, m.Partition, m.Offset, h.DLQTopic, NameKafkaError(serr))
	}
	return nil
}

// rootType names the Go type of the innermost error err wraps: the failure's own kind, where
// Kafka Connect names the exception's class.
func rootType(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return fmt.Sprintf("%T", err)
		}
		err = next
	}
}
