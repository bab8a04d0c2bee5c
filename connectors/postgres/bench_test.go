package postgres

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/connectors/converters"
)

// BenchmarkPut writes batches of 1000 JSON records with schemas, converted by JsonConverter as
// the runtime converts them, through Put into PostgreSQL: rows/s of the sink without Kafka.
// With -cpuprofile it shows where a record's time goes (conversion, binding, the database).
func BenchmarkPut(b *testing.B) {
	const schema = `{"type":"struct","name":"order","fields":[{"field":"id","type":"int32"},{"field":"customer","type":"string","optional":true},` +
		`{"field":"qty","type":"int32"},{"field":"price","type":"double"},{"field":"created","type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1}]}`
	kc, vc := &converters.JSONConverter{}, &converters.JSONConverter{}
	if err := kc.Configure(map[string]string{}, true); err != nil {
		b.Fatal(err)
	}
	if err := vc.Configure(map[string]string{}, false); err != nil {
		b.Fatal(err)
	}
	db := newDatabase(b, server)
	task := startTask(b, props(db, "pk.mode", "record_key", "auto.create", "true", "insert.mode", "upsert", "batch.size", "1000"), nil)
	const batch = 1000
	keys, values := make([][]byte, batch), make([][]byte, batch)
	for i := range batch {
		payload, _ := json.Marshal(map[string]any{"id": i, "customer": "customer " + strconv.Itoa(i), "qty": i % 97, "price": float64(i) / 4, "created": 1700000000000})
		keys[i] = []byte(`{"schema":{"type":"struct","fields":[{"field":"id","type":"int32"}]},"payload":{"id":` + strconv.Itoa(i) + `}}`)
		values[i] = []byte(`{"schema":` + schema + `,"payload":` + string(payload) + `}`)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		recs := make([]connectors.SinkRecord, batch)
		for i := range recs {
			r := &recs[i]
			var err error
			if r.KeySchema, r.Key, err = kc.ToConnectData("orders", keys[i]); err != nil {
				b.Fatal(err)
			}
			if r.ValueSchema, r.Value, err = vc.ToConnectData("orders", values[i]); err != nil {
				b.Fatal(err)
			}
			r.Topic, r.Offset = "orders", int64(n*batch+i)
		}
		mustPut(b, task, recs...)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
}
