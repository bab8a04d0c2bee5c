package kafkaconfig

import (
	"crypto/sha256"
	"crypto/sha512"

	"github.com/IBM/sarama"
	"github.com/xdg-go/scram"
)

// scramClient adapts xdg-go/scram's conversation to sarama's SCRAMClient.
type scramClient struct {
	hash scram.HashGeneratorFcn
	conv *scram.ClientConversation
}

func (s *scramClient) Begin(user, password, authzID string) error {
	cl, err := s.hash.NewClient(user, password, authzID)
	if err != nil {
		return err
	}
	s.conv = cl.NewConversation()
	return nil
}

func (s *scramClient) Step(challenge string) (string, error) { return s.conv.Step(challenge) }

func (s *scramClient) Done() bool { return s.conv.Done() }

func scramClientFor(mech string) func() sarama.SCRAMClient {
	hash := scram.HashGeneratorFcn(sha512.New)
	if mech == sarama.SASLTypeSCRAMSHA256 {
		hash = sha256.New
	}
	return func() sarama.SCRAMClient { return &scramClient{hash: hash} }
}
