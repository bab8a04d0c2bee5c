package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/pgserver"
	"github.com/connectd/connectd/internal/wait"
)

// orderValueSchema is the JsonConverter schema of the orders the PostgreSQL tests produce:
// every type the sink maps that JSON carries (Decimal as base64, Kafka's default
// decimal.format), the Timestamp and Date logical types among them.
const orderValueSchema = `{"type":"struct","name":"order","optional":%t,"fields":[
	{"field":"id","type":"int32","optional":false},
	{"field":"customer","type":"string","optional":true},
	{"field":"qty","type":"int16","optional":false},
	{"field":"price","type":"double","optional":false},
	{"field":"amount","type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},
	{"field":"paid","type":"boolean","optional":false},
	{"field":"created","type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},
	{"field":"day","type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1}]}`

const orderKeySchema = `{"type":"struct","name":"orderkey","optional":false,"fields":[{"field":"id","type":"int32","optional":false}]}`

// order is one row of the source of truth the test keeps beside what it produces.
type order struct {
	id       int32
	customer string // "" is null
	qty      int16
	price    float64
	cents    int64
	paid     bool
	created  time.Time
	day      time.Time
}

// json is the order as a JsonConverter value with its schema.
func (o order) json() []byte {
	unscaled := big.NewInt(o.cents).Bytes() // positive amounts: the big-endian two's complement is the magnitude with a 0 sign byte
	if len(unscaled) == 0 || unscaled[0]&0x80 != 0 {
		unscaled = append([]byte{0}, unscaled...)
	}
	customer := any(nil)
	if o.customer != "" {
		customer = o.customer
	}
	payload, _ := json.Marshal(map[string]any{"id": o.id, "customer": customer, "qty": o.qty, "price": o.price,
		"amount": base64.StdEncoding.EncodeToString(unscaled), "paid": o.paid, "created": o.created.UnixMilli(),
		"day": int32(o.day.Unix() / 86400)})
	return []byte(fmt.Sprintf(`{"schema":%s,"payload":%s}`, fmt.Sprintf(orderValueSchema, false), payload))
}

// row is the order as the test reads it back from PostgreSQL.
func (o order) row() string {
	customer := "NULL"
	if o.customer != "" {
		customer = o.customer
	}
	return fmt.Sprintf("%d|%s|%d|%v|%s|%t|%s|%s", o.id, customer, o.qty, o.price, new(big.Rat).SetFrac64(o.cents, 100).FloatString(2),
		o.paid, o.created.UTC().Format("2006-01-02 15:04:05.000"), o.day.Format("2006-01-02"))
}

func orderKey(id int32) []byte {
	return []byte(fmt.Sprintf(`{"schema":%s,"payload":{"id":%d}}`, orderKeySchema, id))
}

// TestPostgresSink runs PostgresSinkConnector in a worker process, configured through REST as
// a JDBC sink user writes it: JSON records with schemas (inserts, updates, deletes as
// tombstones and as ExtractNewRecordState writes them, one record no column can hold) go
// through the sink into a real PostgreSQL, whose table then equals what was produced; the
// record that cannot be written is in the dead letter queue, stage TASK_PUT. The same record
// without errors.tolerance fails the task with a trace that says why.
func TestPostgresSink(t *testing.T) {
	pg := pgserver.ForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := pg.CreateDatabase(ctx, "target"); err != nil {
		t.Fatal(err)
	}
	w := startWorker(t, nil)
	topic, dlq := w.topic("orders"), w.topic("orders-dlq")

	cl, err := kgo.NewClient(append(rawClientOpts(t, w.broker), kgo.DefaultProduceTopic(topic))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, topic); err != nil { // one partition: one order of events
		t.Fatal(err)
	}

	// The history: 300 orders, then every third updated, every fifth deleted (tombstones and
	// null payloads with a schema, alternately), a few deleted ids created again, and one
	// record whose array field no column type can hold.
	want := map[int32]order{}
	var recs []*kgo.Record
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	write := func(o order) {
		want[o.id] = o
		recs = append(recs, &kgo.Record{Key: orderKey(o.id), Value: o.json()})
	}
	for i := range int32(300) {
		customer := fmt.Sprintf("customer %d 'ü'", i%17)
		if i%11 == 0 {
			customer = ""
		}
		write(order{id: i, customer: customer, qty: int16(i % 50), price: float64(i) + 0.25, cents: int64(i)*1999 + 1,
			paid: i%2 == 0, created: base.Add(time.Duration(i) * 1537 * time.Millisecond), day: base.AddDate(0, 0, int(i%40)).Truncate(24 * time.Hour)})
	}
	recs = append(recs, &kgo.Record{Key: orderKey(1000), Value: []byte(`{"schema":{"type":"struct","fields":[{"field":"id","type":"int32"},` +
		`{"field":"tags","type":"array","items":{"type":"string"}}]},"payload":{"id":1000,"tags":["a"]}}`)})
	for i := int32(0); i < 300; i += 3 {
		o := want[i]
		o.qty, o.paid, o.customer = o.qty+100, !o.paid, "updated"
		write(o)
	}
	for i := int32(0); i < 300; i += 5 {
		delete(want, i)
		value := []byte(nil) // a tombstone
		if i%10 == 0 {
			value = []byte(fmt.Sprintf(`{"schema":%s,"payload":null}`, fmt.Sprintf(orderValueSchema, true)))
		}
		recs = append(recs, &kgo.Record{Key: orderKey(i), Value: value})
	}
	for i := int32(0); i < 300; i += 25 {
		o := order{id: i, customer: "again", qty: 1, price: 1, cents: 100, paid: true, created: base, day: base}
		write(o)
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	config := map[string]any{
		"connector.class": "PostgresSink", "tasks.max": "1", "topics": topic,
		"connection.url": pg.JDBCURL("target") + "?ApplicationName=connectd-e2e", "connection.user": pg.User, "connection.password": pg.Password,
		"insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true", "auto.create": "true", "table.name.format": "orders",
		"batch.size": "64", "max.retries": "100", "retry.backoff.ms": "200", "connection.attempts": "1",
		"key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "true",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "true",
		"errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq, "errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable": "true",
	}
	w.mustDo("PUT", "/connectors/pg/config", config, 201, nil)
	w.waitState("pg", "RUNNING", 1)

	waitForOrders := func(what string) {
		t.Helper()
		ids := make([]int32, 0, len(want))
		for id := range want {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		var wantRows []string
		for _, id := range ids {
			wantRows = append(wantRows, want[id].row())
		}
		wait.ForNil(t, 60*time.Second, what, func() error {
			got, err := pgRows(ctx, pg, "target", `SELECT id::text, coalesce(customer, 'NULL'), qty::text, price::text, amount::text, paid::text,
				to_char(created, 'YYYY-MM-DD HH24:MI:SS.MS'), day::text FROM orders ORDER BY orders.id`)
			if err != nil {
				return err
			}
			if !slices.Equal(got, wantRows) {
				for i := range min(len(got), len(wantRows)) {
					if got[i] != wantRows[i] {
						return fmt.Errorf("%d rows, want %d; row %d is %s, want %s", len(got), len(wantRows), i, got[i], wantRows[i])
					}
				}
				return fmt.Errorf("%d rows, want %d", len(got), len(wantRows))
			}
			return nil
		})
	}
	waitForOrders("the orders table to equal what was produced")

	// PostgreSQL stops for 2 s while records arrive: the sink retries (Retriable, the batch
	// delivered again) and writes them once it is back.
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	recs = recs[:0]
	for i := int32(1); i < 300; i += 7 {
		if o, ok := want[i]; ok {
			o.customer, o.cents = "during the outage", o.cents+7
			write(o)
		}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // the outage itself, not a synchronisation
	if err := pg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitForOrders("the orders table to have the updates made while PostgreSQL was down")
	if st, _ := w.status("pg"); len(st.Tasks) != 1 || st.Tasks[0].State != "RUNNING" {
		t.Errorf("after the outage: %+v", st)
	}

	types, err := pgRows(ctx, pg, "target", `SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = 'orders'::regclass AND attnum > 0 ORDER BY attnum`)
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []string{"id integer", "customer text", "qty smallint", "price double precision", "amount numeric", "paid boolean",
		"created timestamp without time zone", "day date"}
	if !slices.Equal(types, wantTypes) {
		t.Errorf("columns %q, want %q", types, wantTypes)
	}

	dead := readTopic(t, w.broker, dlq, 1)
	// Kafka's reporter writes the record as the task saw it, through the connector's converters.
	var deadValue struct {
		Payload struct {
			ID   int      `json:"id"`
			Tags []string `json:"tags"`
		} `json:"payload"`
	}
	var deadKey struct {
		Payload struct {
			ID int `json:"id"`
		} `json:"payload"`
	}
	if len(dead) != 1 || json.Unmarshal(dead[0].Value, &deadValue) != nil || deadValue.Payload.ID != 1000 || !slices.Equal(deadValue.Payload.Tags, []string{"a"}) ||
		json.Unmarshal(dead[0].Key, &deadKey) != nil || deadKey.Payload.ID != 1000 {
		t.Fatalf("dead letter queue: %d records (%s → %s), want the one that cannot be written", len(dead), dead[0].Key, dead[0].Value)
	}
	headers := map[string]string{}
	for _, h := range dead[0].Headers {
		headers[h.Key] = string(h.Value)
	}
	if headers["__connect.errors.stage"] != "TASK_PUT" || headers["__connect.errors.offset"] != "300" ||
		!strings.Contains(headers["__connect.errors.exception.message"], "null (array) type doesn't have a mapping to the SQL database column type") {
		t.Errorf("dead letter headers %v", headers)
	}

	// The plugin says what it is.
	var plugins []map[string]string
	w.mustDo("GET", "/connector-plugins", nil, 200, &plugins)
	if !slices.ContainsFunc(plugins, func(p map[string]string) bool {
		return p["class"] == "io.connectd.postgres.PostgresSinkConnector" && p["type"] == "sink" && p["version"] == "1.0.0"
	}) {
		t.Errorf("GET /connector-plugins: no io.connectd.postgres.PostgresSinkConnector sink 1.0.0 in %v", plugins)
	}
	var keys []map[string]any
	w.mustDo("GET", "/connector-plugins/PostgresSink/config", nil, 200, &keys)
	var names []string
	for _, k := range keys {
		names = append(names, fmt.Sprint(k["name"]))
	}
	for _, k := range []string{"connection.url", "connection.user", "connection.password", "insert.mode", "pk.mode", "pk.fields",
		"fields.whitelist", "auto.create", "auto.evolve", "delete.enabled", "batch.size", "max.retries", "retry.backoff.ms", "table.name.format"} {
		if !slices.Contains(names, k) {
			t.Errorf("GET /connector-plugins/PostgresSink/config lacks %s", k)
		}
	}

	// Refused settings are 400s that say why.
	refused := map[string]any{}
	for k, v := range config {
		refused[k] = v
	}
	refused["pk.mode"] = "record_value"
	if code, _, b := w.do("PUT", "/connectors/pg-refused/config", refused); code != 400 || !strings.Contains(string(b), "Primary key mode must be 'record_key' when delete support is enabled") {
		t.Errorf("delete.enabled with pk.mode=record_value: %d %s", code, b)
	}

	// No errors.* settings, so no errant record reporter: the record fails the task, with the
	// reason in its trace.
	strict := map[string]any{}
	for k, v := range config {
		if !strings.HasPrefix(k, "errors.") {
			strict[k] = v
		}
	}
	strict["table.name.format"] = "orders_strict"
	w.mustDo("PUT", "/connectors/pg-strict/config", strict, 201, nil)
	var st connectorStatus
	wait.For(t, 60*time.Second, "pg-strict's task to fail", func() bool {
		st, _ = w.status("pg-strict")
		return len(st.Tasks) == 1 && st.Tasks[0].State == "FAILED"
	})
	if tr := st.Tasks[0].Trace; !strings.Contains(tr, "null (array) type doesn't have a mapping to the SQL database column type") {
		t.Errorf("trace of the failed task: %s", tr)
	}
}

// pgRows runs sql and returns each row as its columns' text joined with "|".
func pgRows(ctx context.Context, pg *pgserver.Server, db, sql string) ([]string, error) {
	conn, err := pgx.Connect(ctx, pg.URL(db))
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out, rows.Err()
}
