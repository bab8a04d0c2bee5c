package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/pgserver"
	"github.com/connectd/connectd/internal/pluginfixture"
)

// debeziumFlags is the debezium scenario: change events per second from PostgreSQL to Kafka
// through Debezium's PostgreSQL connector (the same plugin directory) under connectd and under
// Apache Kafka Connect 4.3.1, on one Apache Kafka broker in one run: the snapshot of a table of
// --rows rows, then the streaming of --rows inserts.
func debeziumFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	bootstrap := fs.String("bootstrap", "", "Apache Kafka broker to use (default: start one with scripts/apache-kafka.sh)")
	rows := fs.Int("rows", 200_000, "rows snapshotted, then rows inserted while streaming")
	timeout := fs.Duration("timeout", 10*time.Minute, "longest wait for one phase")
	return func(ctx context.Context) (*result, error) {
		if c.smoke {
			*rows = 2000
		}
		bin, err := connectdBinary(ctx, *c)
		if err != nil {
			return nil, err
		}
		lib, err := apacheConnectLib(ctx)
		if err != nil {
			return nil, err
		}
		plugins, err := pluginfixture.DebeziumPostgresDir()
		if err != nil {
			return nil, err
		}
		broker := *bootstrap
		if broker == "" {
			if broker, err = startApacheKafka(ctx); err != nil {
				return nil, err
			}
		}
		progress("starting PostgreSQL (initdb)")
		pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		pg, err := pgserver.Start(pctx, pgserver.Options{})
		cancel()
		if err != nil {
			return nil, err
		}
		atExit(func() { _ = pg.Close() })
		cl, err := kgo.NewClient(kgo.SeedBrokers(broker))
		if err != nil {
			return nil, err
		}
		defer cl.Close()
		admin := kadm.NewClient(cl)
		run := fmt.Sprintf("dbz%d", time.Now().Unix())

		res := &result{Target: broker, Figures: map[string]stats{}, Samples: map[string][]float64{}}
		var names []string
		for _, rt := range []string{"connectd", "apache"} {
			db := rt + "_src"
			if err := pg.CreateDatabase(ctx, db); err != nil {
				return nil, err
			}
			conn, err := pgx.Connect(ctx, pg.URL(db))
			if err != nil {
				return nil, err
			}
			if _, err := conn.Exec(ctx, `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, score int, created timestamptz NOT NULL DEFAULT now())`); err != nil {
				conn.Close(ctx)
				return nil, err
			}
			if _, err := conn.Exec(ctx, `INSERT INTO customers (id, name, score) SELECT g, 'customer ' || g, g FROM generate_series(0, $1::int - 1) g`, *rows); err != nil {
				conn.Close(ctx)
				return nil, err
			}
			group := run + "-" + rt
			props := externalProps(broker, group)
			props["plugin.path"] = plugins
			props["offset.flush.interval.ms"] = "1000"
			props["key.converter"] = "org.apache.kafka.connect.json.JsonConverter" // Apache's worker requires them
			props["value.converter"] = "org.apache.kafka.connect.json.JsonConverter"
			var w *worker
			if rt == "connectd" {
				w, err = startWorkerWith(ctx, bin, 3*time.Minute, props)
			} else {
				w, err = startApacheWorker(ctx, lib, props, "/", 3*time.Minute)
			}
			if err != nil {
				conn.Close(ctx)
				return nil, fmt.Errorf("%s worker: %w", rt, err)
			}
			prefix := group
			topic := prefix + ".public.customers"
			b := &bench{base: w.url, client: &http.Client{Timeout: 30 * time.Second}}
			t0 := time.Now()
			if _, _, err := b.createOne(ctx, "dbz-"+rt, map[string]string{
				"connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
				"database.hostname": "127.0.0.1", "database.port": strconv.Itoa(pg.Port), "database.user": pg.User,
				"database.password": pg.Password, "database.dbname": db, "topic.prefix": prefix,
				"plugin.name": "pgoutput", "slot.name": rt + "_slot", "publication.name": rt + "_pub",
				"publication.autocreate.mode": "filtered", "table.include.list": "public.customers",
				"key.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
			}, *timeout); err != nil {
				conn.Close(ctx)
				return nil, fmt.Errorf("%s: create the Debezium connector: %w\n%s", rt, err, w.logTail())
			}
			snap, err := waitEvents(ctx, admin, topic, 0, int64(*rows), t0, true, *timeout)
			if err != nil {
				conn.Close(ctx)
				return nil, fmt.Errorf("%s snapshot: %w", rt, err)
			}
			progress("%s: snapshot %.0f events/s", rt, snap)

			// Streaming: the inserts go in transactions of 1 000 rows, as fast as PostgreSQL takes them.
			t1 := time.Now()
			for from := *rows; from < 2**rows; from += 1000 {
				if _, err := conn.Exec(ctx, `INSERT INTO customers (id, name, score) SELECT g, 'new ' || g, g FROM generate_series($1::int, $2::int) g`,
					from, min(from+1000, 2**rows)-1); err != nil {
					conn.Close(ctx)
					return nil, err
				}
			}
			progress("%s: %d rows inserted in %v", rt, *rows, time.Since(t1).Round(time.Millisecond))
			stream, err := waitEvents(ctx, admin, topic, int64(*rows), int64(2**rows), t1, false, *timeout)
			conn.Close(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s streaming: %w", rt, err)
			}
			progress("%s: streaming %.0f events/s", rt, stream)
			if _, err := b.deleteOne(ctx, "dbz-"+rt); err != nil {
				return nil, err
			}
			w.stop()
			for phase, v := range map[string]float64{"snapshot": snap, "streaming": stream} {
				key := rt + "_" + phase
				res.Figures[key] = summarize("events/s", []float64{v})
				res.Samples[key+"_events_per_s"] = []float64{v}
			}
			names = append(names, rt+"_snapshot", rt+"_streaming")
		}
		res.Notes = []string{
			fmt.Sprintf("Debezium %s (the same plugin directory) under connectd and under Apache Kafka Connect 4.3.1, one worker each, on one Apache Kafka broker; PostgreSQL 15 with its defaults", pluginfixture.DebeziumVersion),
			fmt.Sprintf("snapshot: %d rows, events/s from the first event in the topic until all are; streaming: %d inserts in transactions of 1 000 rows, events/s from the first insert until all events are in the topic (end offset polled every 20 ms); JsonConverter with schemas", *rows, *rows),
		}
		printTable(fmt.Sprintf("debezium: %d rows snapshotted, %d streamed", *rows, *rows), names, res.Figures, []string{"mean"})
		return res, nil
	}
}

// waitEvents polls topic's end offsets until they sum to n. With sinceFirst it returns
// events/s from the first event seen (all at once: from t0); otherwise (n-from)/s from t0.
func waitEvents(ctx context.Context, admin *kadm.Client, topic string, from, n int64, t0 time.Time, sinceFirst bool, timeout time.Duration) (float64, error) {
	var first time.Time
	var firstN int64
	for {
		ends, err := admin.ListEndOffsets(ctx, topic)
		var total int64
		if err == nil {
			ends.Each(func(o kadm.ListedOffset) {
				if o.Err == nil {
					total += o.Offset
				}
			})
		}
		now := time.Now()
		if total > from && first.IsZero() {
			first, firstN = now, total
		}
		if total >= n {
			if !sinceFirst || firstN >= n {
				return round3(float64(n-from) / now.Sub(t0).Seconds()), nil
			}
			return round3(float64(n-firstN) / now.Sub(first).Seconds()), nil
		}
		if now.Sub(t0) > timeout {
			return 0, fmt.Errorf("%s: %d of %d events after %v", topic, total, n, timeout)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return 0, err
		}
	}
}
