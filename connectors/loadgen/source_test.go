package loadgen

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
)

// TestTaskConfigs: rate and total are split evenly, the remainder to the first tasks, and
// never into a share of 0 (which would mean unlimited or endless).
func TestTaskConfigs(t *testing.T) {
	tests := []struct {
		maxTasks    int
		rate, total int64
		wantRates   []int64
		wantTotals  []int64
	}{
		{1, 1000, 0, []int64{1000}, []int64{0}},
		{3, 1000, 0, []int64{334, 333, 333}, []int64{0, 0, 0}},
		{4, 0, 10, []int64{0, 0, 0, 0}, []int64{3, 3, 2, 2}},
		{4, 2, 0, []int64{1, 1}, []int64{0, 0}},                   // fewer tasks than records/s
		{8, 100, 3, []int64{34, 33, 33}, []int64{1, 1, 1}},        // fewer tasks than records
		{2, 0, 0, []int64{0, 0}, []int64{0, 0}},                   // unlimited, endless
		{5, 7, 7, []int64{2, 2, 1, 1, 1}, []int64{2, 2, 1, 1, 1}}, // both split the same way
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("max%d_rate%d_total%d", tt.maxTasks, tt.rate, tt.total), func(t *testing.T) {
			props := sourceProps("split", RateKey, itoa(tt.rate), TotalRecordsKey, itoa(tt.total))
			c := &SourceConnector{}
			if err := c.Start(nil, props); err != nil {
				t.Fatal(err)
			}
			configs, err := c.TaskConfigs(tt.maxTasks)
			if err != nil {
				t.Fatal(err)
			}
			var rates, totals []int64
			for i, cfg := range configs {
				vals, err := connectors.Merge(sourceConfig, taskKeys).Parse(cfg)
				if err != nil {
					t.Fatal(err)
				}
				rates = append(rates, vals.Long(RateKey))
				totals = append(totals, vals.Long(TotalRecordsKey))
				if vals.Int(TaskIDKey) != i || vals.Int(TaskCountKey) != len(configs) || cfg[TopicKey] != "t" || cfg["name"] != "split" {
					t.Errorf("task %d config %v", i, cfg)
				}
			}
			if !reflect.DeepEqual(rates, tt.wantRates) || !reflect.DeepEqual(totals, tt.wantTotals) {
				t.Errorf("rates %v totals %v, want %v %v", rates, totals, tt.wantRates, tt.wantTotals)
			}
		})
	}
}

// TestRateLimit counts records against simulated time: after T seconds a task has produced
// rate×T records, less at most one wait's batch, never more, whatever a send costs.
func TestRateLimit(t *testing.T) {
	tests := []struct {
		rate     int64
		batch    int
		sendCost time.Duration // simulated time each non-empty poll's send takes
		seconds  int
	}{
		{rate: 1, batch: 1000, seconds: 30},
		{rate: 10, batch: 1000, seconds: 10},
		{rate: 1000, batch: 1000, seconds: 5},
		{rate: 1000, batch: 3, seconds: 5},
		{rate: 100_000, batch: 1000, seconds: 3},
		{rate: 100_000, batch: 1000, sendCost: 5 * time.Millisecond, seconds: 3}, // slower than the rate: catches up in bigger batches
		{rate: 50_000, batch: 100, sendCost: 3 * time.Millisecond, seconds: 3},   // batch-bound: 100 per 3 ms < rate
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("rate%d_batch%d_cost%v", tt.rate, tt.batch, tt.sendCost), func(t *testing.T) {
			clock := newFakeClock()
			tasks, _ := startSources(t, sourceProps(t.Name(), RateKey, itoa(tt.rate), BatchSizeKey, itoa(int64(tt.batch))), 1, nil, clock)
			task := tasks[0]
			end := clock.Now().Add(time.Duration(tt.seconds) * time.Second)
			var got int64
			for clock.Now().Before(end) {
				r := poll(t, task)
				if len(r) > tt.batch {
					t.Fatalf("poll returned %d records, batch.size %d", len(r), tt.batch)
				}
				got += int64(len(r))
				if len(r) > 0 {
					clock.Advance(tt.sendCost)
				}
			}
			elapsed := clock.Now().Sub(end.Add(-time.Duration(tt.seconds) * time.Second)).Seconds()
			// The most the rate allows; when each send costs time, a batch per send may be less.
			ceiling := int64(float64(tt.rate) * elapsed)
			if tt.sendCost > 0 {
				ceiling = min(ceiling, int64(float64(tt.batch)*elapsed/tt.sendCost.Seconds())+int64(tt.batch))
			}
			slack := max(1, tt.rate/100) + 1 // one wait's batch, plus rounding
			if tt.sendCost > 0 {
				slack += int64(float64(tt.rate) * tt.sendCost.Seconds()) // the send in flight at the end
			}
			if got > ceiling || got < ceiling-slack {
				t.Errorf("%d records in %.3f s at %d/s: want %d, at most %d fewer", got, elapsed, tt.rate, ceiling, slack)
			}
		})
	}
}

// TestRateBurstIsBounded: after a long pause a task sends at most one second's worth at once.
func TestRateBurstIsBounded(t *testing.T) {
	clock := newFakeClock()
	tasks, _ := startSources(t, sourceProps(t.Name(), RateKey, "500", BatchSizeKey, "100"), 1, nil, clock)
	task := tasks[0]
	task.sleep = func(_ context.Context, _ time.Duration) {} // time stands still
	clock.Advance(time.Hour)
	var got int
	for range 100 {
		got += len(poll(t, task))
	}
	if got != 500 {
		t.Errorf("%d records after an hour's pause, want one second's worth, 500", got)
	}
}

// TestUnlimited: rate 0 returns full batches without waiting.
func TestUnlimited(t *testing.T) {
	clock := newFakeClock()
	tasks, _ := startSources(t, sourceProps(t.Name(), RateKey, "0", BatchSizeKey, "250"), 1, nil, clock)
	start := clock.Now()
	for range 10 {
		if n := len(poll(t, tasks[0])); n != 250 {
			t.Fatalf("poll returned %d, want 250", n)
		}
	}
	if clock.Now() != start {
		t.Errorf("an unlimited task waited %v", clock.Now().Sub(start))
	}
}

// TestRecords: value size, keys and their cardinality over all tasks, totals, offsets.
func TestRecords(t *testing.T) {
	tests := []struct {
		size        int
		cardinality int64
		tasks       int
		total       int64
		wantKeys    int // distinct keys over all tasks' records
	}{
		{size: 100, cardinality: 0, tasks: 1, total: 10, wantKeys: 0},
		{size: 0, cardinality: 1, tasks: 1, total: 5, wantKeys: 1},
		{size: 1024, cardinality: 7, tasks: 3, total: 100, wantKeys: 7},
		{size: 1, cardinality: 1000, tasks: 3, total: 500, wantKeys: 500}, // fewer records than keys
		{size: 10, cardinality: 100_000, tasks: 2, total: 100_000, wantKeys: 100_000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("size%d_keys%d_tasks%d", tt.size, tt.cardinality, tt.tasks), func(t *testing.T) {
			name := t.Name()
			tasks, _ := startSources(t, sourceProps(name, RateKey, "0", RecordSizeKey, itoa(int64(tt.size)),
				KeyCardinalityKey, itoa(tt.cardinality), TotalRecordsKey, itoa(tt.total)), tt.tasks, nil, newFakeClock())
			keys := map[string]int{}
			var all, wantBytes int64
			for i, task := range tasks {
				records := drain(t, task, int(tt.total)+1)
				if want := share(tt.total, tt.tasks, i); int64(len(records)) != want {
					t.Errorf("task %d produced %d, want its share %d", i, len(records), want)
				}
				for j, r := range records {
					v, ok := r.Value.([]byte)
					if !ok || len(v) != tt.size || r.ValueSchema != connectors.BytesSchema || r.Topic != "t" {
						t.Fatalf("record %d: value %T len %d, schema %v, topic %q", j, r.Value, len(v), r.ValueSchema, r.Topic)
					}
					if got := r.SourcePartition[TaskField]; got != int64(i) {
						t.Fatalf("task %d partition %v", i, r.SourcePartition)
					}
					wantBytes += int64(len(v))
					if tt.cardinality == 0 {
						if r.Key != nil || r.KeySchema != nil {
							t.Fatalf("record has key %v", r.Key)
						}
						continue
					}
					k := string(r.Key.([]byte))
					keys[k]++
					wantBytes += int64(len(k))
				}
				all += int64(len(records))
			}
			if all != tt.total {
				t.Errorf("%d records, want %d", all, tt.total)
			}
			if len(keys) != tt.wantKeys {
				t.Errorf("%d distinct keys, want %d", len(keys), tt.wantKeys)
			}
			for k := range keys {
				n, err := parseKey(k)
				if err != nil || n < 0 || n >= tt.cardinality {
					t.Errorf("key %q out of range", k)
				}
			}
			if got := Counts(name); got != (Count{Records: all, Bytes: wantBytes}) {
				t.Errorf("Counts = %+v, want %d records %d bytes", got, all, wantBytes)
			}
		})
	}
}

func parseKey(k string) (int64, error) {
	var n int64
	_, err := fmt.Sscanf(k, "key-%d", &n)
	return n, err
}

// TestOffsetsResume: a restarted task continues its count from the stored offset and stops
// at its share of the total; a stored offset it cannot read fails Start.
func TestOffsetsResume(t *testing.T) {
	tests := []struct {
		stored    any   // the task's stored "records"; nil means no offset
		wantFirst int64 // the first record's offset: where the task resumed, the poll's start
		wantCount int64
		wantErr   error
	}{
		{stored: nil, wantFirst: 0, wantCount: 100},
		{stored: int64(40), wantFirst: 40, wantCount: 60},
		{stored: float64(40), wantFirst: 40, wantCount: 60},
		{stored: int64(100), wantCount: 0}, // total already reached: idle
		{stored: int64(150), wantCount: 0}, // total lowered since: idle
		{stored: "40", wantErr: ErrOffsetType},
		{stored: int64(-1), wantErr: ErrOffsetType},
		{stored: 40.5, wantErr: ErrOffsetType},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%T_%v", tt.stored, tt.stored), func(t *testing.T) {
			stored := offsets{}
			if tt.stored != nil {
				stored[0] = map[string]any{RecordsField: tt.stored}
			}
			props := sourceProps(t.Name(), RateKey, "0", TotalRecordsKey, "100", BatchSizeKey, "7")
			c := &SourceConnector{}
			if err := c.Start(nil, props); err != nil {
				t.Fatal(err)
			}
			configs, _ := c.TaskConfigs(1)
			task := c.NewTask().(*sourceTask)
			clock := newFakeClock()
			task.now, task.sleep = clock.Now, clock.Sleep
			err := task.Start(taskContext{offsets: stored}, configs[0])
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Start err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer task.Stop()
			records := drain(t, task, 1000)
			if int64(len(records)) != tt.wantCount {
				t.Fatalf("%d records, want %d", len(records), tt.wantCount)
			}
			if len(records) > 0 {
				if first := records[0].SourceOffset[RecordsField]; first != tt.wantFirst {
					t.Errorf("first offset %v, want %d", first, tt.wantFirst)
				}
				if last := records[len(records)-1].SourceOffset[RecordsField]; last != int64(100) {
					t.Errorf("last offset %v, want 100", last)
				}
			}
		})
	}
}

// TestSourceConfigValidation: the table rejects what a task could not run with, in Kafka's
// words.
func TestSourceConfigValidation(t *testing.T) {
	tests := []struct {
		kv   []string
		want string // "" valid
	}{
		{nil, ""},
		{[]string{TopicKey, ""}, "Invalid value  for configuration topic: String must be non-empty"},
		{[]string{RateKey, "-1"}, "Invalid value -1 for configuration records.per.second: Value must be at least 0"},
		{[]string{RecordSizeKey, "-1"}, "Invalid value -1 for configuration record.size: Value must be at least 0"},
		{[]string{RecordSizeKey, "20000000"}, "Invalid value 20000000 for configuration record.size: Value must be no more than 10485760"},
		{[]string{KeyCardinalityKey, "x"}, "Invalid value x for configuration key.cardinality: Not a number of type LONG"},
		{[]string{TotalRecordsKey, "-5"}, "Invalid value -5 for configuration total.records: Value must be at least 0"},
		{[]string{BatchSizeKey, "0"}, "Invalid value 0 for configuration batch.size: Value must be at least 1"},
		{[]string{LogIntervalKey, "-1"}, "Invalid value -1 for configuration log.interval.ms: Value must be at least 0"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.kv, "="), func(t *testing.T) {
			err := (&SourceConnector{}).Start(nil, sourceProps("v", tt.kv...))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.HasSuffix(err.Error(), tt.want) || !errors.Is(err, connectors.ErrInvalidConfig) {
				t.Errorf("err = %v, want …%s", err, tt.want)
			}
		})
	}
	if err := (&SourceConnector{}).Start(nil, map[string]string{"name": "v"}); err == nil || !strings.Contains(err.Error(), `"topic"`) {
		t.Errorf("missing topic: err = %v", err)
	}
	for _, info := range sourceConfig.Infos() {
		if info.Documentation == "" {
			t.Errorf("key %s has no doc", info.Name)
		}
	}
}

// TestSourceLogs: a summary every log.interval.ms while records move, none while idle, and
// one when the task stops.
func TestSourceLogs(t *testing.T) {
	clock := newFakeClock()
	tasks, logs := startSources(t, sourceProps(t.Name(), RateKey, "0", BatchSizeKey, "10", TotalRecordsKey, "30", LogIntervalKey, "1000"), 1, nil, clock)
	task := tasks[0]
	poll(t, task)
	clock.Advance(500 * time.Millisecond)
	poll(t, task)
	if strings.Contains(logs.String(), "progress") {
		t.Fatalf("logged before the interval:\n%s", logs)
	}
	clock.Advance(600 * time.Millisecond)
	poll(t, task)
	if n := strings.Count(logs.String(), "DataGenSource progress"); n != 1 {
		t.Fatalf("%d summaries after the interval:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "records=20") {
		t.Errorf("summary lacks the count:\n%s", logs)
	}
	for range 5 { // total reached: idle polls sleep a second each on the fake clock
		poll(t, task)
	}
	if n := strings.Count(logs.String(), "DataGenSource progress"); n != 2 {
		t.Errorf("%d summaries; want one more for the last 10 records and none while idle:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "reached its total") {
		t.Errorf("no total-reached line:\n%s", logs)
	}
	_ = task.Stop()
	_ = task.Stop()
	if n := strings.Count(logs.String(), "(task stopped)"); n != 1 || !strings.Contains(logs.String(), "offset=30") {
		t.Errorf("stop summary %d times:\n%s", n, logs)
	}
}

// TestPollOffsets: within a poll only the last record, and each record that ends a
// transaction, carries the task's count after it; every other record carries the count
// before the poll. So whichever record's offset a runtime commits, the task resumes at or
// before the first record not yet written (at least once, no gap), and resumes exactly after
// a poll or a transaction the runtime committed whole.
func TestPollOffsets(t *testing.T) {
	tests := []struct {
		name      string
		stored    int64 // the task's count before it starts
		batch     int64
		total     int64
		txn       int64   // transaction.records, with a TransactionContext; 0: none
		wantPolls []int64 // the count after each poll
	}{
		{name: "one poll", batch: 10, total: 10, wantPolls: []int64{10}},
		{name: "several polls", batch: 4, total: 10, wantPolls: []int64{4, 8, 10}},
		{name: "resumed", stored: 3, batch: 4, total: 10, wantPolls: []int64{7, 10}},
		{name: "one record per poll", batch: 1, total: 3, wantPolls: []int64{1, 2, 3}},
		{name: "transactions inside polls", batch: 5, total: 12, txn: 3, wantPolls: []int64{5, 10, 12}},
		{name: "transactions across polls, resumed", stored: 2, batch: 4, total: 12, txn: 5, wantPolls: []int64{6, 10, 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := sourceProps(t.Name(), RateKey, "0", BatchSizeKey, itoa(tt.batch), TotalRecordsKey, itoa(tt.total),
				TransactionRecordsKey, itoa(tt.txn))
			rec := &recordingTxn{}
			tc := taskContext{offsets: offsets{0: {RecordsField: tt.stored}}}
			if tt.txn > 0 {
				tc.txn = rec
			}
			task := startTask(t, props, tc)
			count := tt.stored
			var polls []int64
			var wantTxn []string
			for {
				records := poll(t, task)
				if len(records) == 0 {
					break
				}
				before := count
				for i, r := range records {
					count++
					got, _ := r.SourceOffset[RecordsField].(int64)
					ends := tt.txn > 0 && count%tt.txn == 0
					if ends {
						wantTxn = append(wantTxn, fmt.Sprintf("commit@%d", count-1))
					}
					switch {
					case i == len(records)-1 || ends:
						if got != count {
							t.Errorf("record %d (last of its poll or of a transaction): offset %v, want %d", count, r.SourceOffset, count)
						}
					case got != before:
						t.Errorf("record %d: offset %v, want the poll's start %d", count, r.SourceOffset, before)
					}
				}
				polls = append(polls, count)
			}
			if !slices.Equal(polls, tt.wantPolls) {
				t.Errorf("counts after each poll %v, want %v", polls, tt.wantPolls)
			}
			if !slices.Equal(rec.got, wantTxn) {
				t.Errorf("transaction requests %q, want %q", rec.got, wantTxn)
			}
		})
	}
}

// TestPollAllocations: a poll's allocations do not grow with its records (the records' slice,
// two offsets; no map, boxed value or key per record).
func TestPollAllocations(t *testing.T) {
	for _, cardinality := range []string{"0", "100"} {
		t.Run("keys"+cardinality, func(t *testing.T) {
			tasks, _ := startSources(t, sourceProps(t.Name(), RateKey, "0", BatchSizeKey, "1000", KeyCardinalityKey, cardinality), 1, nil, newFakeClock())
			poll(t, tasks[0]) // fills the key cache
			if n := testing.AllocsPerRun(20, func() { poll(t, tasks[0]) }); n > 20 {
				t.Errorf("%.0f allocations per poll of 1000 records, want at most 20", n)
			}
		})
	}
}
