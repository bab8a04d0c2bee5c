package brokerfault

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestRejectProduce(t *testing.T) {
	req := kmsg.NewPtrProduceRequest()
	for _, topic := range []string{"a", "b"} {
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = topic
		for _, p := range []int32{0, 3} {
			rp := kmsg.NewProduceRequestTopicPartition()
			rp.Partition = p
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	resp := RejectProduce(req, kerr.KafkaStorageError.Code)
	if len(resp.Topics) != 2 {
		t.Fatalf("topics: got %d, want 2", len(resp.Topics))
	}
	for i, rt := range resp.Topics {
		if rt.Topic != req.Topics[i].Topic || len(rt.Partitions) != 2 {
			t.Fatalf("topic %d: got %q with %d partitions", i, rt.Topic, len(rt.Partitions))
		}
		for j, p := range rt.Partitions {
			if p.Partition != req.Topics[i].Partitions[j].Partition || p.ErrorCode != kerr.KafkaStorageError.Code {
				t.Fatalf("topic %q partition %d: got partition %d code %d", rt.Topic, j, p.Partition, p.ErrorCode)
			}
		}
	}
}
