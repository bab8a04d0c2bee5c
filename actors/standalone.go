package actors

import (
	"context"
	"time"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// StandaloneClient is the Client with Kafka Connect's standalone answers to creates and
// config updates (spec §5, §16.14): the reply waits until the connector has started and its
// task configs were generated, so its `tasks` are populated, and a connector that fails to
// start answers 500 with msgStartFailed. Every other call is the Client's.
type StandaloneClient struct {
	*Client
}

// Standalone returns the facade a standalone worker serves.
func (c *Client) Standalone() *StandaloneClient { return &StandaloneClient{Client: c} }

// CreateConnector validates config, creates the connector and waits until it has started
// (or has a target state other than STARTED).
func (c *StandaloneClient) CreateConnector(ctx context.Context, name string, config map[string]string, initial messages.TargetState) (*messages.ConnectorInfo, error) {
	if _, err := c.Client.CreateConnector(ctx, name, config, initial); err != nil {
		return nil, err
	}
	return c.awaitStarted(ctx, name)
}

// PutConnectorConfig validates config, creates or replaces the connector and waits until
// it has started (or has a target state other than STARTED).
func (c *StandaloneClient) PutConnectorConfig(ctx context.Context, name string, config map[string]string) (*messages.ConnectorInfo, bool, error) {
	_, created, err := c.Client.PutConnectorConfig(ctx, name, config)
	if err != nil {
		return nil, false, err
	}
	info, err := c.awaitStarted(ctx, name)
	return info, created, err
}

// awaitStarted returns the connector's info once its grain reports it RUNNING or FAILED, or
// at once when its target state is not STARTED (a paused or stopped connector generates no
// tasks). The grain writes the task configs in the same step that makes it RUNNING, so a
// RUNNING answer means they are stored. Neither the status topic nor the grain notifies
// a state change, hence the short, growing polling interval, bounded by ctx.
//
// A replaced config of a RUNNING connector is answered as soon as the grain has it: the
// grain keeps reporting RUNNING while its plugin restarts, so the tasks in that answer can
// be the previous ones.
func (c *StandaloneClient) awaitStarted(ctx context.Context, name string) (*messages.ConnectorInfo, error) {
	delay := time.Millisecond
	for {
		v, ok := c.rt.connectorView(name)
		if !ok {
			return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
		}
		if v.Target != messages.TargetState_TARGET_STATE_STARTED {
			return connectorInfo(c.rt, name, v), nil
		}
		reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, &messages.GetConnectorStatus{Name: name})
		if err != nil && api.CodeOf(err) != messages.ErrorCode_ERROR_CODE_NOT_FOUND {
			return nil, err
		}
		// NOT_FOUND: no status yet, the plugin is still starting; ask again.
		var state messages.State
		if err == nil {
			state = reply.(*messages.GetConnectorStatusReply).GetStatus().GetConnector().GetState()
		}
		switch state {
		case messages.State_STATE_RUNNING:
			v, _ = c.rt.connectorView(name)
			return connectorInfo(c.rt, name, v), nil
		case messages.State_STATE_FAILED:
			return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, msgStartFailed, name)
		}
		select {
		case <-ctx.Done():
			return nil, &api.Error{Code: messages.ErrorCode_ERROR_CODE_TIMEOUT, Message: msgRequestTimedOut}
		case <-time.After(delay):
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}
