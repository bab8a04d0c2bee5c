package loadgen

import (
	"strconv"
	"testing"
)

// BenchmarkPoll is DataGenSource alone, without a worker: what one task's polls cost, so the
// pipeline benchmark's source figures can be read against the generator's own ceiling.
// records/s is reported per size, as the pipeline scenario's cases (batch.size 1000).
func BenchmarkPoll(b *testing.B) {
	for _, size := range []int{100, 1024} {
		b.Run(strconv.Itoa(size)+"B", func(b *testing.B) {
			tasks, _ := startSources(b, sourceProps(b.Name(), RateKey, "0", BatchSizeKey, "1000", RecordSizeKey, strconv.Itoa(size)), 1, nil, newFakeClock())
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n += len(poll(b, tasks[0]))
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
