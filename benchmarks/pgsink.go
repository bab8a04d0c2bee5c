package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/pgserver"
)

// pgsinkFlags is the pgsink scenario: PostgresSinkConnector's rows/s into a real PostgreSQL
// (durable: fsync and synchronous_commit on), per insert.mode and batch.size, beside pgx alone
// writing the same rows with the same statements in the same batches (the ceiling). Records
// are JSON with schemas, pre-filled in one partition, so one task reads a full backlog.
func pgsinkFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	rows := fs.Int("rows", 100_000, "records per run (distinct keys)")
	batches := fs.String("batch-sizes", "100,1000,3000", "comma-separated batch.size values")
	modes := fs.String("modes", "insert,upsert", "comma-separated insert.mode values (upsert updates rows that exist)")
	timeout := fs.Duration("timeout", 10*time.Minute, "longest wait for one run")
	return func(ctx context.Context) (*result, error) {
		if c.smoke {
			*rows, *batches = 2000, "500"
		}
		var sizes []int
		for _, s := range strings.Split(*batches, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 {
				return nil, fmt.Errorf("--batch-sizes: %q", s)
			}
			sizes = append(sizes, n)
		}
		bin, err := connectdBinary(ctx, *c)
		if err != nil {
			return nil, err
		}
		progress("starting PostgreSQL (initdb)")
		pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		pg, err := pgserver.Start(pctx, pgserver.Options{})
		cancel()
		if err != nil {
			return nil, err
		}
		atExit(func() { _ = pg.Close() })
		w, err := startWorkerWith(ctx, bin, 60*time.Second, map[string]string{"offset.flush.interval.ms": "1000"})
		if err != nil {
			return nil, err
		}
		b := &bench{base: w.url, client: &http.Client{Timeout: 30 * time.Second}}
		cl, err := kgo.NewClient(kgo.SeedBrokers(w.broker), kgo.ProducerLinger(5*time.Millisecond))
		if err != nil {
			return nil, err
		}
		defer cl.Close()

		res := &result{Figures: map[string]stats{}, Samples: map[string][]float64{}}
		var names []string
		for _, mode := range strings.Split(*modes, ",") {
			mode = strings.TrimSpace(mode)
			for _, size := range sizes {
				run := fmt.Sprintf("%s_b%d", mode, size)
				db := "bench_" + run
				if err := pg.CreateDatabase(ctx, db); err != nil {
					return nil, err
				}
				topic := "pgsink-" + run
				if err := prefillOrders(ctx, cl, topic, *rows); err != nil {
					return nil, err
				}
				conn, err := pgx.Connect(ctx, pg.URL(db))
				if err != nil {
					return nil, err
				}
				if _, err := conn.Exec(ctx, ordersDDL); err != nil {
					conn.Close(ctx)
					return nil, err
				}
				if mode == "upsert" { // every record updates a row that exists
					if _, err := conn.Exec(ctx, `INSERT INTO orders SELECT g, 'before', 0, 0, now() FROM generate_series(0, $1 - 1) g`, *rows); err != nil {
						conn.Close(ctx)
						return nil, err
					}
				}
				name := "pg-" + run
				t0 := time.Now()
				if _, _, err := b.createOne(ctx, name, map[string]string{
					"connector.class": "PostgresSink", "tasks.max": "1", "topics": topic,
					"connection.url": pg.JDBCURL(db), "connection.user": pg.User, "connection.password": pg.Password,
					"insert.mode": mode, "pk.mode": "record_key", "table.name.format": "orders", "batch.size": strconv.Itoa(size),
					"consumer.override.max.poll.records": strconv.Itoa(max(size, 500)),
					"key.converter":                      "org.apache.kafka.connect.json.JsonConverter", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
				}, *timeout); err != nil {
					conn.Close(ctx)
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				window, first, err := waitRows(ctx, conn, *rows, t0, *timeout)
				if err != nil {
					conn.Close(ctx)
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				rate := round3(float64(*rows-first) / window.Seconds())
				progress("%s: %.0f rows/s (%d rows in %v after the first were visible)", name, rate, *rows-first, window.Round(time.Millisecond))
				if _, err := b.deleteOne(ctx, name); err != nil {
					conn.Close(ctx)
					return nil, err
				}

				// The ceiling: pgx alone, the same statement, batches and one transaction per batch.
				if _, err := conn.Exec(ctx, "TRUNCATE orders"); err != nil {
					conn.Close(ctx)
					return nil, err
				}
				if mode == "upsert" {
					if _, err := conn.Exec(ctx, `INSERT INTO orders SELECT g, 'before', 0, 0, now() FROM generate_series(0, $1 - 1) g`, *rows); err != nil {
						conn.Close(ctx)
						return nil, err
					}
				}
				rawRate, err := rawPgx(ctx, conn, mode, size, *rows)
				conn.Close(ctx)
				if err != nil {
					return nil, fmt.Errorf("%s raw pgx: %w", run, err)
				}
				progress("%s: pgx alone %.0f rows/s", run, rawRate)
				res.Figures[run+"_sink"] = summarize("rows/s", []float64{rate})
				res.Figures[run+"_pgx"] = summarize("rows/s", []float64{rawRate})
				res.Samples[run+"_sink_rows_per_s"] = []float64{rate}
				res.Samples[run+"_pgx_rows_per_s"] = []float64{rawRate}
				names = append(names, run+"_sink", run+"_pgx")
			}
		}
		res.Notes = []string{
			fmt.Sprintf("%d records per run, JSON with schemas (key {id int32}, value {id int32, customer string, qty int32, price double, created Timestamp}), one partition, one task", *rows),
			"sink: rows/s from the first rows visible in PostgreSQL until all are (count(*) polled every 20 ms; upsert: rows with the new customer); pgx: the same INSERT / INSERT … ON CONFLICT statements in pgx batches of batch.size, one transaction each, from this process",
			"PostgreSQL with its defaults (fsync, synchronous_commit on) on this machine, beside the worker and its embedded broker",
		}
		printTable(fmt.Sprintf("pgsink: %d rows per run into PostgreSQL", *rows), names, res.Figures, []string{"mean"})
		return res, nil
	}
}

const ordersDDL = `CREATE TABLE orders (id int PRIMARY KEY, customer text, qty int NOT NULL, price double precision NOT NULL, created timestamp NOT NULL)`

const benchOrderSchema = `{"type":"struct","name":"order","fields":[{"field":"id","type":"int32"},{"field":"customer","type":"string","optional":true},` +
	`{"field":"qty","type":"int32"},{"field":"price","type":"double"},{"field":"created","type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1}]}`

// prefillOrders creates topic (one partition) and produces n orders with distinct keys.
func prefillOrders(ctx context.Context, cl *kgo.Client, topic string, n int) error {
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, topic); err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	progress("pre-filling %s with %d records", topic, n)
	created := time.Now().UnixMilli()
	const chunk = 5000
	for from := 0; from < n; from += chunk {
		recs := make([]*kgo.Record, 0, chunk)
		for i := from; i < min(n, from+chunk); i++ {
			payload, _ := json.Marshal(map[string]any{"id": i, "customer": "customer " + strconv.Itoa(i%1000), "qty": i % 97, "price": float64(i) / 4, "created": created})
			recs = append(recs, &kgo.Record{Topic: topic,
				Key:   []byte(`{"schema":{"type":"struct","fields":[{"field":"id","type":"int32"}]},"payload":{"id":` + strconv.Itoa(i) + `}}`),
				Value: []byte(`{"schema":` + benchOrderSchema + `,"payload":` + string(payload) + `}`)})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return fmt.Errorf("produce to %s: %w", topic, err)
		}
	}
	return nil
}

// waitRows polls until n rows carry the sink's values; it returns the time from the first
// such rows until all, and how many there were at first.
func waitRows(ctx context.Context, conn *pgx.Conn, n int, t0 time.Time, timeout time.Duration) (time.Duration, int, error) {
	var first time.Time
	firstN := 0
	for {
		var c int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM orders WHERE customer <> 'before'`).Scan(&c); err != nil {
			return 0, 0, err
		}
		now := time.Now()
		if c > 0 && first.IsZero() {
			first, firstN = now, c
		}
		if c >= n {
			if firstN >= n { // everything at once: the rate is from the POST
				return now.Sub(t0), 0, nil
			}
			return now.Sub(first), firstN, nil
		}
		if now.Sub(t0) > timeout {
			return 0, 0, fmt.Errorf("%d of %d rows after %v", c, n, timeout)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return 0, 0, err
		}
	}
}

// rawPgx writes n orders with pgx alone, batch rows per transaction, and returns rows/s.
func rawPgx(ctx context.Context, conn *pgx.Conn, mode string, batch, n int) (float64, error) {
	sql := `INSERT INTO "orders" ("id", "customer", "qty", "price", "created") VALUES ($1, $2, $3, $4, $5)`
	if mode == "upsert" {
		sql += ` ON CONFLICT ("id") DO UPDATE SET "customer" = EXCLUDED."customer", "qty" = EXCLUDED."qty", "price" = EXCLUDED."price", "created" = EXCLUDED."created"`
	}
	created := time.Now().UTC()
	start := time.Now()
	for from := 0; from < n; from += batch {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return 0, err
		}
		b := &pgx.Batch{}
		for i := from; i < min(n, from+batch); i++ {
			b.Queue(sql, int64(i), "customer "+strconv.Itoa(i%1000), int64(i%97), float64(i)/4, created)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			_ = tx.Rollback(ctx)
			return 0, err
		}
		if err := tx.Commit(ctx); err != nil {
			return 0, err
		}
	}
	return round3(float64(n) / time.Since(start).Seconds()), nil
}
