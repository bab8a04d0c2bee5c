package actors

import (
	"context"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// The offsets resource (spec §3.20, §3.21): reads come from the offsets store or the sink's
// consumer group; alterations go to the connector grain, the single writer of its connector.

// ConnectorOffsets returns a connector's offsets (spec §3.20): a source connector's from the
// offsets store, read to its end first; a sink connector's from its consumer group. Any
// target state is accepted.
func (c *Client) ConnectorOffsets(ctx context.Context, name string) ([]*messages.ConnectorOffset, error) {
	v, ok := c.rt.connectorView(name)
	if !ok {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	return c.rt.readOffsets(ctx, name, v.Config)
}

// AlterConnectorOffsets alters the offsets of a STOPPED connector (spec §3.21) and returns
// the success message. The connector grain does the work, so no resume overtakes it.
func (c *Client) AlterConnectorOffsets(ctx context.Context, name string, offsets []*messages.ConnectorOffset) (string, error) {
	if len(offsets) == 0 {
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, msgNoOffsets)
	}
	if _, ok := c.rt.connectorView(name); !ok {
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	ctx, cancel := context.WithTimeout(ctx, offsetsRequestTimeout)
	defer cancel()
	reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, &messages.AlterConnectorOffsets{Name: name, Offsets: offsets})
	if err != nil {
		return "", err
	}
	return reply.(*messages.AlterConnectorOffsetsReply).Message, nil
}

// ResetConnectorOffsets removes every offset of a STOPPED connector (spec §3.21) and returns
// the success message.
func (c *Client) ResetConnectorOffsets(ctx context.Context, name string) (string, error) {
	if _, ok := c.rt.connectorView(name); !ok {
		return "", api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgConnectorNotFound, name)
	}
	ctx, cancel := context.WithTimeout(ctx, offsetsRequestTimeout)
	defer cancel()
	reply, err := c.rt.request(ctx, connectorIdentity(name), connectorKind, &messages.ResetConnectorOffsets{Name: name})
	if err != nil {
		return "", err
	}
	return reply.(*messages.ResetConnectorOffsetsReply).Message, nil
}
