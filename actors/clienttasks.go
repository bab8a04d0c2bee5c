package actors

import (
	"context"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// The tasks resource (spec §3.10–§3.14): a task's status comes from its connector grain,
// a restart goes to the task grain.

// TaskStatus returns one task's status, as its connector grain last heard it.
func (c *Client) TaskStatus(ctx context.Context, name string, task int32) (*messages.InstanceStatus, error) {
	st, err := c.ConnectorStatus(ctx, name)
	if err != nil {
		if api.CodeOf(err) == messages.ErrorCode_ERROR_CODE_NOT_FOUND {
			return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgNoTaskStatus, name, task)
		}
		return nil, err
	}
	for _, t := range st.Tasks {
		if t.Task == task {
			return t.Status, nil
		}
	}
	return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgNoTaskStatus, name, task)
}

// RestartTask restarts one task (spec §3.14).
func (c *Client) RestartTask(ctx context.Context, name string, task int32) error {
	v, ok := c.rt.connectorView(name)
	if !ok {
		return api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownConnectorR, name)
	}
	if task < 0 {
		return api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownTask, name, task)
	}
	if int(task) >= len(v.Tasks) {
		// Not in this snapshot: right after a create its configs may be about to be written.
		// The connector grain queues the restart behind them, as Kafka Connect does (spec
		// §0.1), and answers "Unknown task" when no such task comes.
		_, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, &messages.RestartTask{Connector: name, Task: task})
		return err
	}
	_, err := c.rt.request(ctx, taskIdentity(name, task), taskKind, &messages.RestartTask{Connector: name, Task: task})
	return err
}
