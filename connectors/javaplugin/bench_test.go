package javaplugin

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

// BenchmarkFileStreamSourceThroughTheHost measures records/s of Apache's FileStream source
// polled through the host: each poll() batch (batch.size lines) crosses the channel once and is
// decoded into connectors.SourceRecords. No Kafka: this is the boundary's cost alone.
//
//	go test -run '^$' -bench FileStreamSourceThroughTheHost -benchtime 5x ./connectors/javaplugin
func BenchmarkFileStreamSourceThroughTheHost(b *testing.B) {
	const lines = 200_000
	h := newTestHost(b, Config{})
	file := filepath.Join(b.TempDir(), "in.txt")
	var sb strings.Builder
	for i := range lines {
		fmt.Fprintf(&sb, "line-%08d some payload to make it a realistic length\n", i)
	}
	if err := os.WriteFile(file, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	ctx := testContext(b)
	conn := h.NewConnector(fileSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	if _, err := h.Hello(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	total, polls := 0, 0
	for range b.N {
		task := conn.NewTask()
		if err := task.Start(offsetMap{}, map[string]string{"file": file, "topic": "t", "batch.size": "2000"}); err != nil {
			b.Fatal(err)
		}
		for n := 0; n < lines; {
			recs, err := task.Poll(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n += len(recs)
			total += len(recs)
			polls++
		}
		task.Stop()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(total)/float64(polls), "records/round-trip")
}

// BenchmarkSequenceSourceThroughTheHost measures a source whose poll() costs nothing, returning
// records.per.poll records: with 1, every record is a round trip over the channel (what a
// plugin like connect-test-plugins' VerifiableSource, one record per poll(), costs).
//
//	go test -run '^$' -bench SequenceSourceThroughTheHost -benchtime 5x ./connectors/javaplugin
func BenchmarkSequenceSourceThroughTheHost(b *testing.B) {
	h := newFailingHost(b, Config{})
	ctx := testContext(b)
	if _, err := h.Hello(ctx); err != nil {
		b.Fatal(err)
	}
	conn := h.NewConnector(sequenceSource, pb.PluginType_PLUGIN_TYPE_SOURCE, "").(connectors.SourceConnector)
	for _, perPoll := range []int{1, 100, 2000} {
		b.Run(fmt.Sprintf("records.per.poll=%d", perPoll), func(b *testing.B) {
			const records = 100_000
			total, polls := 0, 0
			for range b.N {
				task := conn.NewTask()
				if err := task.Start(offsetMap{}, map[string]string{"topic": "t", "records.per.poll": strconv.Itoa(perPoll)}); err != nil {
					b.Fatal(err)
				}
				for n := 0; n < records; {
					recs, err := task.Poll(ctx)
					if err != nil {
						b.Fatal(err)
					}
					n += len(recs)
					total += len(recs)
					polls++
				}
				task.Stop()
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(total)/float64(polls), "records/round-trip")
		})
	}
}

// BenchmarkJavaHeaderConverter measures a poll batch's headers (2 000 records with 2 headers
// each) through a Java header converter and back, one call each way, and a Java value
// converter's batch of the same records with and without their headers, which cross only
// when a record has some.
func BenchmarkJavaHeaderConverter(b *testing.B) {
	const records = 2000
	h := newContextHost(b)
	hc := h.NewHeaderConverter("com.example.contextual.PrefixHeaderConverter", "")
	if err := hc.Configure(nil); err != nil {
		b.Fatal(err)
	}
	bh := hc.(connectors.BatchHeaderConverter)
	items := make([]connectors.HeaderData, 0, 2*records)
	for i := range records {
		items = append(items, connectors.HeaderData{Topic: "t", Key: "id", Schema: connectors.StringSchema, Value: fmt.Sprintf("id-%08d", i)},
			connectors.HeaderData{Topic: "t", Key: "source", Schema: connectors.StringSchema, Value: "some-service"})
	}
	b.Run("fromConnectHeader", func(b *testing.B) {
		for range b.N {
			if _, _, err := bh.FromConnectHeaderBatch(items); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(items))/b.Elapsed().Seconds(), "headers/s")
	})
	data, _, err := bh.FromConnectHeaderBatch(items)
	if err != nil {
		b.Fatal(err)
	}
	raw := make([]connectors.HeaderData, len(items))
	for i, it := range items {
		raw[i] = connectors.HeaderData{Topic: it.Topic, Key: it.Key, Data: data[i]}
	}
	b.Run("toConnectHeader", func(b *testing.B) {
		for range b.N {
			if _, _, err := bh.ToConnectHeaderBatch(raw); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(raw))/b.Elapsed().Seconds(), "headers/s")
	})
	vc := h.NewConverter("com.example.contextual.ReverseConverter", "")
	if err := vc.Configure(nil, false); err != nil {
		b.Fatal(err)
	}
	bv := vc.(connectors.BatchConverter)
	for _, withHeaders := range []bool{false, true} {
		b.Run(fmt.Sprintf("fromConnectData/headers=%v", withHeaders), func(b *testing.B) {
			for range b.N {
				hdrs := make([][]connectors.RawHeader, records)
				values := make([]connectors.ConnectData, records)
				for i := range values {
					if withHeaders {
						hdrs[i] = []connectors.RawHeader{{Key: "id", Value: data[2*i]}, {Key: "source", Value: data[2*i+1]}}
					}
					values[i] = connectors.ConnectData{Topic: "t", Schema: connectors.StringSchema, Value: "line some payload to make it a realistic length", Headers: &hdrs[i]}
				}
				if _, _, err := bv.FromConnectDataBatch(values); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkFileStreamSinkThroughTheHost measures records/s of Apache's FileStream sink fed
// through the host: put batches of max.poll.records' default (500) records as the pipeline
// makes them with the StringConverter (a 100-byte string value with its schema, no key, a
// timestamp), each batch one round trip over the channel. No Kafka: this is the boundary's
// cost, with the sink's own (a line written per record), alone.
//
//	go test -run '^$' -bench FileStreamSinkThroughTheHost -benchtime 5x ./connectors/javaplugin
func BenchmarkFileStreamSinkThroughTheHost(b *testing.B) {
	const batches, perBatch = 400, 500
	h := newTestHost(b, Config{})
	ctx := testContext(b)
	conn := h.NewConnector(fileSink, pb.PluginType_PLUGIN_TYPE_SINK, "").(connectors.SinkConnector)
	if _, err := h.Hello(ctx); err != nil {
		b.Fatal(err)
	}
	str := &connectors.Schema{Type: connectors.TypeString, Optional: true}
	batch := make([]connectors.SinkRecord, perBatch)
	start := time.UnixMilli(1_700_000_000_000)
	for i := range batch {
		batch[i] = connectors.SinkRecord{Topic: "lines", KeySchema: str, ValueSchema: str,
			Value: fmt.Sprintf("line-%08d %s", i, strings.Repeat("x", 86)), Timestamp: start.Add(time.Duration(i) * time.Millisecond)}
	}
	b.ResetTimer()
	total := 0
	for n := range b.N {
		task := conn.NewTask()
		file := filepath.Join(b.TempDir(), "out-"+strconv.Itoa(n)+".txt")
		if err := task.Start(&sinkContext{}, map[string]string{"file": file, "topics": "lines"}); err != nil {
			b.Fatal(err)
		}
		for i := range batches {
			for j := range batch {
				batch[j].Offset = int64(i*perBatch + j)
			}
			if err := task.Put(ctx, batch); err != nil {
				b.Fatal(err)
			}
			total += len(batch)
		}
		if err := task.Stop(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "records/s")
}
