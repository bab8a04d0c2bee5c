package pipeline

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/converters"
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

// batchJSON is a JsonConverter with the BatchConverter ability, as a Java converter has; it
// counts the items of each batch call and the single-record calls.
type batchJSON struct {
	connectors.Converter
	mu      sync.Mutex
	batches []int
	singles int
}

func (b *batchJSON) FromConnectData(topic string, schema *connectors.Schema, value any) ([]byte, error) {
	b.mu.Lock()
	b.singles++
	b.mu.Unlock()
	return b.Converter.FromConnectData(topic, schema, value)
}

func (b *batchJSON) ToConnectData(topic string, data []byte) (*connectors.Schema, any, error) {
	b.mu.Lock()
	b.singles++
	b.mu.Unlock()
	return b.Converter.ToConnectData(topic, data)
}

func (b *batchJSON) FromConnectDataBatch(items []connectors.ConnectData) ([][]byte, []error, error) {
	b.mu.Lock()
	b.batches = append(b.batches, len(items))
	b.mu.Unlock()
	out, errs := make([][]byte, len(items)), make([]error, len(items))
	for i, it := range items {
		out[i], errs[i] = b.Converter.FromConnectData(it.Topic, it.Schema, it.Value)
	}
	return out, errs, nil
}

func (b *batchJSON) ToConnectDataBatch(items []connectors.RawData) ([]connectors.ConnectData, []error, error) {
	b.mu.Lock()
	b.batches = append(b.batches, len(items))
	b.mu.Unlock()
	out, errs := make([]connectors.ConnectData, len(items)), make([]error, len(items))
	for i, it := range items {
		out[i].Topic = it.Topic
		out[i].Schema, out[i].Value, errs[i] = b.Converter.ToConnectData(it.Topic, it.Data)
	}
	return out, errs, nil
}

func (b *batchJSON) counts() (items, singles int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range b.batches {
		items += n
	}
	return items, b.singles
}

// A batch converter converts a consumed batch's values in one call, and a polled batch's; a
// value it fails on is skipped under errors.tolerance=all, the others go through.
func TestBatchConverters(t *testing.T) {
	t.Run("sink", func(t *testing.T) {
		c := newCluster(t)
		produce(t, c, "t", kv{value: []byte(stringEnvelope("a"))}, kv{value: []byte("not json")}, kv{value: []byte(stringEnvelope("b"))})
		conv := &batchJSON{Converter: jsonConverter(t, nil, false)}
		task := &contextTask{}
		sink := newContextSink(t, c, task)
		sink.Value, sink.Errors = conv, &ErrorHandling{Tolerate: true}
		r := start(t, sink.Run)
		wait.For(t, testTimeout, "two records put", func() bool { return len(task.put()) == 2 })
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		if items, singles := conv.counts(); items != 3 || singles != 0 {
			t.Errorf("%d values converted in batches, %d alone; want 3 in batches", items, singles)
		}
	})
	t.Run("source", func(t *testing.T) {
		c := newCluster(t)
		task := &committingSource{values: []string{"a", "b", "c"}}
		conv := &batchJSON{Converter: jsonConverter(t, nil, false)}
		src := newFileSource(t, c, nil, newMemOffsets())
		src.Task, src.Value = task, conv
		r := start(t, src.Run)
		if got := readCommitted(t, c, "t", 3, testTimeout); !slices.Equal(got, []string{stringEnvelope("a"), stringEnvelope("b"), stringEnvelope("c")}) {
			t.Errorf("written %q", got)
		}
		if err := r.stop(t); err != nil {
			t.Fatal(err)
		}
		if items, singles := conv.counts(); items != 3 || singles != 0 || len(conv.batches) != 1 {
			t.Errorf("batches %v, %d alone; want one batch of 3", conv.batches, singles)
		}
	})
}

// batchHeaders is a Go header converter with the BatchHeaderConverter ability, as a Java one
// has; it counts the items of each batch call and the single-header calls.
type batchHeaders struct {
	connectors.HeaderConverter
	mu      sync.Mutex
	batches []int
	singles int
}

func (b *batchHeaders) FromConnectHeader(topic, key string, schema *connectors.Schema, value any) ([]byte, error) {
	b.mu.Lock()
	b.singles++
	b.mu.Unlock()
	return b.HeaderConverter.FromConnectHeader(topic, key, schema, value)
}

func (b *batchHeaders) ToConnectHeader(topic, key string, data []byte) (*connectors.Schema, any, error) {
	b.mu.Lock()
	b.singles++
	b.mu.Unlock()
	return b.HeaderConverter.ToConnectHeader(topic, key, data)
}

func (b *batchHeaders) FromConnectHeaderBatch(items []connectors.HeaderData) ([][]byte, []error, error) {
	b.mu.Lock()
	b.batches = append(b.batches, len(items))
	b.mu.Unlock()
	out, errs := make([][]byte, len(items)), make([]error, len(items))
	for i, it := range items {
		out[i], errs[i] = b.HeaderConverter.FromConnectHeader(it.Topic, it.Key, it.Schema, it.Value)
	}
	return out, errs, nil
}

func (b *batchHeaders) ToConnectHeaderBatch(items []connectors.HeaderData) ([]connectors.HeaderData, []error, error) {
	b.mu.Lock()
	b.batches = append(b.batches, len(items))
	b.mu.Unlock()
	out, errs := make([]connectors.HeaderData, len(items)), make([]error, len(items))
	for i, it := range items {
		out[i].Topic, out[i].Key = it.Topic, it.Key
		out[i].Schema, out[i].Value, errs[i] = b.HeaderConverter.ToConnectHeader(it.Topic, it.Key, it.Data)
	}
	return out, errs, nil
}

func (b *batchHeaders) calls() ([]int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.batches), b.singles
}

// taggingJSON is batchJSON whose batch calls see the items' headers, as a Java converter's
// fromConnectData(topic, headers, ...) does: writing, it adds a header "tag" listing the keys
// and values it was given (as a schema registry converter adds the schema's id); reading, it
// records the headers it was given.
type taggingJSON struct {
	*batchJSON
	seen [][]connectors.RawHeader
}

func (c *taggingJSON) FromConnectDataBatch(items []connectors.ConnectData) ([][]byte, []error, error) {
	out, errs, err := c.batchJSON.FromConnectDataBatch(items)
	for _, it := range items {
		tag := "tag"
		for _, h := range *it.Headers {
			tag += ";" + h.Key + "=" + string(h.Value)
		}
		*it.Headers = append(*it.Headers, connectors.RawHeader{Key: "tag", Value: []byte(tag)})
	}
	return out, errs, err
}

func (c *taggingJSON) ToConnectDataBatch(items []connectors.RawData) ([]connectors.ConnectData, []error, error) {
	c.mu.Lock()
	for _, it := range items {
		c.seen = append(c.seen, it.Headers)
	}
	c.mu.Unlock()
	return c.batchJSON.ToConnectDataBatch(items)
}

// A batch header converter converts all the headers of a polled batch in one call, before the
// values: a batch value converter is given each record's converted headers and what it adds
// to them is produced. A consumed batch's headers cross in one call too, after the values,
// whose batch converter is given the consumed record's headers.
func TestBatchHeaderConverters(t *testing.T) {
	c := newCluster(t, "t", "in")
	task := &committingSource{values: []string{"a", "b", "c"}}
	hc := &batchHeaders{HeaderConverter: headerConverter(t, converters.SimpleHeaderClass, nil)}
	vc := &taggingJSON{batchJSON: &batchJSON{Converter: jsonConverter(t, nil, false)}}
	src := newFileSource(t, c, nil, newMemOffsets())
	src.Task, src.Header, src.Value = task, hc, vc
	src.Transform = func(r *connectors.Record) (*connectors.Record, error) {
		r.Headers = append(r.Headers, connectors.Header{Key: "h", Schema: connectors.StringSchema, Value: "H" + r.Value.(string)},
			connectors.Header{Key: "n", Schema: connectors.Int32Schema, Value: int32(len(r.Value.(string)))})
		return r, nil
	}
	r := start(t, src.Run)
	wait.For(t, testTimeout, "three records on the topic", func() bool { return endOffset(t, newAdmin(t, c), "t") == 3 })
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	for i, rec := range readTopic(t, c, "t") {
		v := task.values[i]
		want := []kgo.RecordHeader{{Key: "h", Value: []byte("H" + v)}, {Key: "n", Value: []byte("1")}, {Key: "tag", Value: []byte("tag;h=H" + v + ";n=1")}}
		if !reflect.DeepEqual(rec.Headers, want) {
			t.Errorf("record %d has headers %q, want %q", i, rec.Headers, want)
		}
	}
	if batches, singles := hc.calls(); !slices.Equal(batches, []int{6}) || singles != 0 {
		t.Errorf("source header batches %v, %d alone; want one batch of 6", batches, singles)
	}

	produce(t, c, "in", kv{value: []byte(stringEnvelope("x")), headers: []kgo.RecordHeader{{Key: "h", Value: []byte("hx")}, {Key: "k", Value: []byte("7")}}},
		kv{value: []byte(stringEnvelope("y"))})
	shc := &batchHeaders{HeaderConverter: headerConverter(t, converters.SimpleHeaderClass, nil)}
	svc := &taggingJSON{batchJSON: &batchJSON{Converter: jsonConverter(t, nil, false)}}
	sink, sinkTask := newFileSink(t, c, "hsink", "in", emptyFile(t, "out.txt"))
	sink.Header, sink.Value = shc, svc
	sr := start(t, sink.Run)
	wait.For(t, testTimeout, "two records put", func() bool { return len(sinkTask.put()) == 2 })
	if err := sr.stop(t); err != nil {
		t.Fatal(err)
	}
	got := sinkTask.putHeaders()
	if h := got[0]; len(h) != 2 || h[0].Key != "h" || h[0].Value != "hx" || h[1].Key != "k" || h[1].Value != "7" || len(got[1]) != 0 {
		t.Errorf("put headers %+v and %+v, want h=hx and k=7 (SimpleHeaderConverter's texts), then none", got[0], got[1])
	}
	if batches, singles := shc.calls(); !slices.Equal(batches, []int{2}) || singles != 0 {
		t.Errorf("sink header batches %v, %d alone; want one batch of 2", batches, singles)
	}
	if want := [][]connectors.RawHeader{{{Key: "h", Value: []byte("hx")}, {Key: "k", Value: []byte("7")}}, nil}; !reflect.DeepEqual(svc.seen, want) {
		t.Errorf("the sink's value converter was given headers %q, want %q", svc.seen, want)
	}
}
