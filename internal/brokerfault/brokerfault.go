// Package brokerfault builds the broker answers that tests inject into the embedded kfake
// broker (through its ControlKey hooks) to make Kafka refuse a request, so that a test sees
// connectd meet a real client error on the wire instead of a mocked one.
//
// It imports franz-go's kmsg and nothing of ours, and only tests import it.
package brokerfault

import "github.com/twmb/franz-go/pkg/kmsg"

// RejectProduce is the Produce response that refuses every partition of req with the Kafka
// error code code (e.g. kerr.KafkaStorageError.Code).
func RejectProduce(req *kmsg.ProduceRequest, code int16) *kmsg.ProduceResponse {
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	for _, rt := range req.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		for _, p := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition = p.Partition
			sp.ErrorCode = code
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}

// Names reports whether a Produce request's topic entry is topic, whose ID is id: Produce
// v13 (franz-go's producer against a Kafka 4 broker or kfake) names topics by ID only.
func Names(rt kmsg.ProduceRequestTopic, topic string, id [16]byte) bool {
	return rt.Topic == topic || (rt.Topic == "" && rt.TopicID == id && id != [16]byte{})
}
