package pipeline

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
)

// KafkaError is an error a Kafka broker answered, with the protocol's name for it: sarama
// words its errors as descriptions ("Disk error when trying to access log file on the
// disk."), and an operator searches for KAFKA_STORAGE_ERROR or NOT_ENOUGH_REPLICAS.
type KafkaError struct {
	Name      string // the protocol name, e.g. KAFKA_STORAGE_ERROR
	Code      int16
	Retriable bool // Kafka's own classification
	Err       error
}

func (e *KafkaError) Error() string { return fmt.Sprintf("%s: %v", e.Name, e.Err) }

func (e *KafkaError) Unwrap() error { return e.Err }

// NameKafkaError wraps err in a KafkaError when a broker's error code is in its chain; err
// is returned as it is otherwise, or when it already names one.
func NameKafkaError(err error) error {
	var named *KafkaError
	if err == nil || errors.As(err, &named) {
		return err
	}
	var franz *kerr.Error // the pipelined producer's (franz-go) errors
	if errors.As(err, &franz) {
		return &KafkaError{Name: franz.Message, Code: franz.Code, Retriable: franz.Retriable, Err: err}
	}
	var code sarama.KError
	if !errors.As(err, &code) || code == sarama.ErrNoError {
		return err
	}
	ke := kerr.TypedErrorForCode(int16(code))
	if ke == nil {
		return &KafkaError{Name: fmt.Sprintf("UNKNOWN_ERROR_CODE_%d", int16(code)), Code: int16(code), Err: err}
	}
	return &KafkaError{Name: ke.Message, Code: ke.Code, Retriable: ke.Retriable, Err: err}
}

// retriable reports whether err may go away by itself: an error Kafka classifies as
// retriable, or a client that lost or could not reach its brokers.
func retriable(err error) bool {
	var named *KafkaError
	if errors.As(err, &named) {
		return named.Retriable
	}
	var netErr net.Error
	return errors.Is(err, sarama.ErrOutOfBrokers) || errors.Is(err, sarama.ErrNotConnected) ||
		errors.Is(err, sarama.ErrBrokerNotAvailable) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.As(err, &netErr)
}
