package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"
)

// TransactionalID is the transactional.id of a source task's producer,
// "<group.id>-<connector>-<task>", as Kafka Connect names an exactly-once task's.
func TransactionalID(prefix, connector string, task int) string {
	return fmt.Sprintf("%s-%s-%d", prefix, connector, task)
}

// FenceSourceTasks fences the producers of tasks 0 to tasks-1 of a source connector, as
// Kafka Connect's zombie fencing round does (Admin.fenceProducers): an InitProducerId for
// each transactional id bumps its epoch, so a producer of an older generation of the task
// can neither write nor commit again, and the coordinator aborts its open transaction.
// It returns once every id is fenced, or with the first error when ctx ends.
func (k *Clients) FenceSourceTasks(ctx context.Context, connector string, tasks int) error {
	if k.TransactionalIDPrefix == "" || tasks <= 0 {
		return nil
	}
	for t := range tasks {
		id := TransactionalID(k.TransactionalIDPrefix, connector, t)
		if err := k.fence(ctx, id); err != nil {
			return fmt.Errorf("fence the producers of task %s-%d (transactional.id %s): %w", connector, t, id, err)
		}
	}
	return nil
}

// fence bumps the epoch of one transactional id, retrying while the coordinator is moving,
// loading or still ending a transaction of that id.
func (k *Clients) fence(ctx context.Context, id string) error {
	req := &sarama.InitProducerIDRequest{TransactionalID: &id, TransactionTimeout: time.Minute, ProducerID: -1, ProducerEpoch: -1}
	switch v := k.Admin.Config().Version; {
	case v.IsAtLeast(sarama.V2_7_0_0):
		req.Version = 4
	case v.IsAtLeast(sarama.V2_5_0_0):
		req.Version = 3
	case v.IsAtLeast(sarama.V2_4_0_0):
		req.Version = 2
	case v.IsAtLeast(sarama.V2_0_0_0):
		req.Version = 1
	}
	backoff := 10 * time.Millisecond
	for {
		err := k.initProducerID(id, req)
		if err == nil {
			return nil
		}
		if !fenceRetriable(err) {
			return NameKafkaError(err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), NameKafkaError(err))
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

func (k *Clients) initProducerID(id string, req *sarama.InitProducerIDRequest) error {
	coordinator, err := k.Admin.TransactionCoordinator(id)
	if err != nil {
		return err
	}
	resp, err := coordinator.InitProducerID(req)
	if err != nil {
		_ = coordinator.Close()
		_ = k.Admin.RefreshTransactionCoordinator(id)
		return err
	}
	if !errors.Is(resp.Err, sarama.ErrNoError) {
		if errors.Is(resp.Err, sarama.ErrNotCoordinatorForConsumer) || errors.Is(resp.Err, sarama.ErrConsumerCoordinatorNotAvailable) {
			_ = k.Admin.RefreshTransactionCoordinator(id)
		}
		return resp.Err
	}
	return nil
}

// fenceRetriable: the coordinator is elsewhere, loading, or still completing the id's last
// transaction (CONCURRENT_TRANSACTIONS), or the connection failed.
func fenceRetriable(err error) bool {
	var kerr sarama.KError
	if !errors.As(err, &kerr) {
		return true // a network error: the coordinator is looked up again
	}
	switch kerr {
	case sarama.ErrConcurrentTransactions, sarama.ErrNotCoordinatorForConsumer, sarama.ErrConsumerCoordinatorNotAvailable,
		sarama.ErrOffsetsLoadInProgress, sarama.ErrRequestTimedOut:
		return true
	}
	return false
}
