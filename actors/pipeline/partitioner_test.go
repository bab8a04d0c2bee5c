package pipeline

import (
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

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

// TestFranzPartitioner: the pipelined producer's partitioner keeps a named partition (and
// fails one the topic lacks), hashes keys as Java does, and keeps keyless records on one
// partition until its batch is full.
func TestFranzPartitioner(t *testing.T) {
	tests := []struct {
		name       string
		rec        *kgo.Record
		want       int // -2: any valid partition
		consistent bool
	}{
		{"explicit partition kept", &kgo.Record{Partition: 2, Context: explicitPartitionCtx}, 2, true},
		{"explicit partition 0 kept", &kgo.Record{Partition: 0, Context: explicitPartitionCtx, Key: []byte("k")}, 0, true},
		{"explicit partition out of range", &kgo.Record{Partition: 9, Context: explicitPartitionCtx}, -1, true},
		{"keyed: Java's murmur2", &kgo.Record{Key: []byte("order-17")}, int(store.PartitionFor([]byte("order-17"), 6)), true},
		{"no key: any partition", &kgo.Record{}, -2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := FranzPartitioner(store.PartitionFor).ForTopic("t")
			got := p.Partition(tt.rec, 6)
			if tt.want == -2 && (got < 0 || got >= 6) || tt.want != -2 && got != tt.want {
				t.Errorf("partition %d, want %d", got, tt.want)
			}
			if c := p.RequiresConsistency(tt.rec); c != tt.consistent {
				t.Errorf("RequiresConsistency = %v, want %v", c, tt.consistent)
			}
		})
	}
	p := FranzPartitioner(store.PartitionFor).ForTopic("t")
	first := p.Partition(&kgo.Record{}, 1000)
	for range 10 {
		if got := p.Partition(&kgo.Record{}, 1000); got != first {
			t.Fatalf("keyless records moved from partition %d to %d before a new batch", first, got)
		}
	}
	moved := false
	for range 10 { // a new batch picks at random: ten picks of 1000 all equal to the first are 1e-30 likely
		p.(kgo.TopicPartitionerOnNewBatch).OnNewBatch()
		if p.Partition(&kgo.Record{}, 1000) != first {
			moved = true
		}
	}
	if !moved {
		t.Errorf("keyless records stayed on partition %d through ten new batches", first)
	}
}
