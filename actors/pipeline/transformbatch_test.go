package pipeline

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/wait"
)

// upperBatch is a transformation written for this test with the BatchTransformation ability,
// as a Java one has: it upper-cases string values and fails on "boom"; it counts its calls.
type upperBatch struct {
	mu      sync.Mutex
	batches []int // the size of each ApplyBatch
	singles int   // Apply calls
}

func (u *upperBatch) Config() connectors.ConfigDef      { return nil }
func (u *upperBatch) Configure(map[string]string) error { return nil }
func (u *upperBatch) Close() error                      { return nil }
func (u *upperBatch) apply(r *connectors.Record) (*connectors.Record, error) {
	v, _ := r.Value.(string)
	if v == "boom" {
		return nil, errors.New("cannot upper-case boom")
	}
	out := *r
	out.Value = strings.ToUpper(v)
	return &out, nil
}

func (u *upperBatch) Apply(r *connectors.Record) (*connectors.Record, error) {
	u.mu.Lock()
	u.singles++
	u.mu.Unlock()
	return u.apply(r)
}

func (u *upperBatch) ApplyBatch(rs []*connectors.Record) ([]*connectors.Record, []error, error) {
	u.mu.Lock()
	u.batches = append(u.batches, len(rs))
	u.mu.Unlock()
	out, errs := make([]*connectors.Record, len(rs)), make([]error, len(rs))
	for i, r := range rs {
		out[i], errs[i] = u.apply(r)
	}
	return out, errs, nil
}

// notTopic is a predicate matching records of one topic.
type notTopic string

func (n notTopic) Config() connectors.ConfigDef      { return nil }
func (n notTopic) Configure(map[string]string) error { return nil }
func (n notTopic) Close() error                      { return nil }
func (n notTopic) Test(r *connectors.Record) bool    { return r.Topic == string(n) }

// A chain with a batch transformation runs once per consumed batch (RunBatch), never record by
// record; a record it fails is skipped under errors.tolerance=all while the others are put
// transformed; a predicate that does not match leaves records as they are.
func TestSinkTransformBatch(t *testing.T) {
	c := newCluster(t)
	produce(t, c, "t", envelopes("a", "boom", "b", "c")...)
	upper := &upperBatch{}
	chain := NewTransformChain([]TransformStage{
		{Alias: "upper", Transform: upper},
		{Alias: "never", Transform: &upperBatch{}, Predicate: notTopic("other")},
	}, true, nil)
	if !chain.Batched() {
		t.Fatal("a chain with a BatchTransformation is not Batched")
	}
	var mu sync.Mutex
	var values []any
	task := &contextTask{onPut: func(_ connectors.SinkTaskContext, _ int, records []connectors.SinkRecord) error {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range records {
			values = append(values, r.Value)
		}
		return nil
	}}
	sink := newContextSink(t, c, task)
	sink.Transform, sink.TransformBatch = chain.Run, chain.RunBatch
	sink.Errors = &ErrorHandling{Tolerate: true}
	r := start(t, sink.Run)
	wait.For(t, testTimeout, "three records put", func() bool { return len(task.put()) == 3 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []any{"A", "B", "C"}; !slices.Equal(values, want) {
		t.Errorf("put %v, want %v", values, want)
	}
	total := 0
	for _, n := range upper.batches {
		total += n
	}
	if total != 4 || upper.singles != 0 {
		t.Errorf("ApplyBatch sizes %v, Apply calls %d; want the 4 records in batches, none alone", upper.batches, upper.singles)
	}
}

// A source's polled batch crosses a batch transformation once; a record it fails is skipped
// under errors.tolerance=all (and acknowledged unwritten), the others are written transformed.
func TestSourceTransformBatch(t *testing.T) {
	c := newCluster(t)
	task := &committingSource{values: []string{"a", "boom", "b"}}
	upper := &upperBatch{}
	chain := NewTransformChain([]TransformStage{{Alias: "upper", Transform: upper}}, true, nil)
	src := newFileSource(t, c, nil, newMemOffsets())
	src.Task = task
	src.Transform, src.TransformBatch = chain.Run, chain.RunBatch
	src.Errors = &ErrorHandling{Tolerate: true}
	r := start(t, src.Run)
	wait.For(t, testTimeout, "three records acknowledged", func() bool { return len(task.acked()) == 3 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	if got := readCommitted(t, c, "t", 2, testTimeout); !slices.Equal(got, []string{stringEnvelope("A"), stringEnvelope("B")}) {
		t.Errorf("written %q, want A and B", got)
	}
	if acks := task.acked(); acks[1].Metadata != nil {
		t.Errorf("the failed record was acknowledged as written: %+v", acks[1].Metadata)
	}
	if !slices.Equal(upper.batches, []int{3}) || upper.singles != 0 {
		t.Errorf("ApplyBatch sizes %v, Apply calls %d; want one batch of 3", upper.batches, upper.singles)
	}
}
