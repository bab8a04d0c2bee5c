package pipeline

import (
	"testing"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/actors/store"
)

func TestPartitioner(t *testing.T) {
	p := NewPartitioner(store.PartitionFor)("t")
	tests := []struct {
		name    string
		msg     *sarama.ProducerMessage
		want    int32 // -1: any valid partition
		wantErr bool
	}{
		{"explicit partition kept", &sarama.ProducerMessage{Partition: 2, Metadata: &sendMeta{explicit: true}}, 2, false},
		{"explicit partition 0 kept", &sarama.ProducerMessage{Partition: 0, Metadata: &sendMeta{explicit: true}, Key: sarama.StringEncoder("k")}, 0, false},
		{"explicit partition out of range", &sarama.ProducerMessage{Partition: 9, Metadata: &sendMeta{explicit: true}}, 0, true},
		{"keyed: Java's murmur2", &sarama.ProducerMessage{Key: sarama.StringEncoder("order-17")}, store.PartitionFor([]byte("order-17"), 6), false},
		{"no key: any partition", &sarama.ProducerMessage{}, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Partition(tt.msg, 6)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.want >= 0 && got != tt.want || got < 0 || got >= 6 {
				t.Errorf("partition %d, want %d", got, tt.want)
			}
		})
	}
	if !p.RequiresConsistency() {
		t.Error("a keyed partitioner must require consistency")
	}
}
