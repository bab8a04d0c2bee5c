package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connectd/connectd/internal/pgserver"
	"github.com/connectd/connectd/internal/pluginfixture"
)

// debeziumFailoverFlags is the debezium-failover scenario: on a cluster of two workers of one
// runtime, Debezium's PostgreSQL connector streams a table receiving a row every few
// milliseconds; the worker running its task is killed with SIGKILL, and the figure is the time
// from the kill until change events flow again. connectd, and Apache Kafka Connect 4.3.1 with
// its defaults and with scheduled.rebalance.max.delay.ms=0, on one Apache Kafka broker.
func debeziumFailoverFlags(fs *flag.FlagSet, c *common) func(ctx context.Context) (*result, error) {
	bootstrap := fs.String("bootstrap", "", "Apache Kafka broker to use (default: start one with scripts/apache-kafka.sh)")
	runtimes := fs.String("runtimes", "connectd,apache-delay0,apache-default", "comma-separated: connectd, apache-delay0, apache-default")
	every := fs.Duration("every", 10*time.Millisecond, "pause between two inserts of the writer")
	timeout := fs.Duration("timeout", 10*time.Minute, "longest wait for events to flow again (Apache's default delay is 5 minutes)")
	return func(ctx context.Context) (*result, error) {
		if c.smoke {
			*runtimes, *timeout = "connectd", 3*time.Minute
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
		run := fmt.Sprintf("dbzfo%d", time.Now().Unix())
		res := &result{Target: broker, Figures: map[string]stats{}, Samples: map[string][]float64{}}
		var names []string
		for _, rt := range strings.Split(*runtimes, ",") {
			start := func(ctx context.Context, props map[string]string) (*worker, error) {
				return startWorkerWith(ctx, bin, 3*time.Minute, props)
			}
			group := run + "-" + strings.ReplaceAll(rt, "-", "")
			props := externalProps(broker, group)
			props["plugin.path"] = plugins
			props["offset.flush.interval.ms"] = "1000"
			props["key.converter"] = "org.apache.kafka.connect.json.JsonConverter" // Apache's worker requires them
			props["value.converter"] = "org.apache.kafka.connect.json.JsonConverter"
			switch rt {
			case "connectd":
			case "apache-default", "apache-delay0":
				start = func(ctx context.Context, props map[string]string) (*worker, error) {
					return startApacheWorker(ctx, lib, props, "/", 3*time.Minute)
				}
				if rt == "apache-delay0" {
					props["scheduled.rebalance.max.delay.ms"] = "0"
				}
			default:
				return nil, fmt.Errorf("unknown runtime %q", rt)
			}
			d, err := debeziumKill(ctx, pg, admin, group, start, props, *every, *timeout)
			if err != nil {
				if ctx.Err() != nil {
					return nil, err
				}
				// The figures measured so far are kept: Apache's default case is minutes long.
				progress("%s failed: %v", rt, err)
				continue
			}
			progress("%s: change events flow again %.0f ms after kill -9 of the worker running the Debezium task", rt, ms(d))
			key := rt + "_kill_to_events_flowing"
			res.Figures[key] = summarize("ms", []float64{ms(d)})
			res.Samples[key+"_ms"] = []float64{ms(d)}
			names = append(names, key)
		}
		res.Notes = []string{
			fmt.Sprintf("Debezium %s (the same plugin directory), two workers of each runtime in distributed mode on one Apache Kafka broker; PostgreSQL 15 with its defaults; Apache Kafka Connect 4.3.1 with its defaults (apache-default: scheduled.rebalance.max.delay.ms 300 000) and with scheduled.rebalance.max.delay.ms=0 (apache-delay0)", pluginfixture.DebeziumVersion),
			fmt.Sprintf("a writer inserts one row every %v (one change event each); kill_to_events_flowing: from kill -9 of the worker running the Debezium task until the topic holds more events than rows had been inserted at the kill (end offsets polled every 20 ms), i.e. the task runs on the survivor and streams", *every),
		}
		printTable("debezium-failover: kill -9 of the worker running the Debezium task", names, res.Figures, []string{"mean"})
		return res, nil
	}
}

// debeziumKill starts two workers with props, runs a Debezium connector on a fresh database
// while a writer inserts rows, kills the worker running its task with SIGKILL and returns the
// time until the topic holds more events than rows had been inserted at the kill.
func debeziumKill(ctx context.Context, pg *pgserver.Server, admin *kadm.Client, group string,
	start func(context.Context, map[string]string) (*worker, error), props map[string]string,
	every, timeout time.Duration) (time.Duration, error) {
	db := group
	if err := pg.CreateDatabase(ctx, db); err != nil {
		return 0, err
	}
	conn, err := pgx.Connect(ctx, pg.URL(db))
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, score int)`); err != nil {
		return 0, err
	}
	ws := make([]*worker, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws[i], errs[i] = start(ctx, props)
		}()
	}
	wg.Wait()
	defer func() {
		for _, w := range ws {
			if w != nil {
				w.stop()
			}
		}
	}()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	b := &bench{base: ws[0].url, client: &http.Client{Timeout: 30 * time.Second}}
	topic := group + ".public.customers"
	slot := strings.ReplaceAll(group, "-", "_") // a slot name is digits, lowercase letters and _
	if _, _, err := b.createOne(ctx, "dbz", map[string]string{
		"connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
		"database.hostname": "127.0.0.1", "database.port": strconv.Itoa(pg.Port), "database.user": pg.User,
		"database.password": pg.Password, "database.dbname": db, "topic.prefix": group,
		"plugin.name": "pgoutput", "slot.name": slot, "publication.name": slot + "_pub",
		"publication.autocreate.mode": "filtered", "table.include.list": "public.customers",
	}, timeout); err != nil {
		return 0, fmt.Errorf("create the Debezium connector: %w\n%s", err, ws[0].logTail())
	}

	// The writer: one row per insert, each committed before the count goes up.
	var inserted atomic.Int64
	wctx, stopWriter := context.WithCancel(ctx)
	writerDone := make(chan error, 1)
	go func() {
		for id := 0; ; id++ {
			if err := sleepCtx(wctx, every); err != nil {
				writerDone <- nil
				return
			}
			if _, err := conn.Exec(wctx, `INSERT INTO customers VALUES ($1, $2, $3)`, id, "row "+strconv.Itoa(id), id); err != nil {
				if wctx.Err() != nil {
					writerDone <- nil
				} else {
					writerDone <- err
				}
				return
			}
			inserted.Store(int64(id + 1))
		}
	}()
	defer func() { stopWriter(); <-writerDone }()
	events := func() int64 {
		ends, err := admin.ListEndOffsets(ctx, topic)
		var total int64
		if err == nil {
			ends.Each(func(o kadm.ListedOffset) {
				if o.Err == nil {
					total += o.Offset
				}
			})
		}
		return total
	}
	// Streaming has begun once 200 events are in the topic.
	if err := waitFor(ctx, timeout, "200 change events", func() bool { return events() >= 200 }); err != nil {
		return 0, err
	}
	var victim *worker
	if err := waitFor(ctx, timeout, "the task's worker", func() bool {
		st := readStatus(ctx, b.client, ws[0].url, "dbz")
		if st == nil || len(st.Tasks) != 1 || st.Tasks[0].State != "RUNNING" {
			return false
		}
		for _, w := range ws {
			if w.workerID() == st.Tasks[0].WorkerID {
				victim = w
			}
		}
		return victim != nil
	}); err != nil {
		return 0, err
	}
	n := inserted.Load() // every event so far is of one of these rows: the topic holds at most n
	t0 := time.Now()
	if err := syscall.Kill(victim.pid(), syscall.SIGKILL); err != nil {
		return 0, err
	}
	progress("%s: kill -9 of %s (the Debezium task's worker) with %d rows inserted", group, victim.workerID(), n)
	// An event beyond n comes from the task on the survivor: a new row's, or one replayed
	// from the last committed offset (at-least-once); either way events flow again.
	if err := waitFor(ctx, timeout, "events after the kill", func() bool { return events() > n }); err != nil {
		return 0, err
	}
	d := time.Since(t0)
	<-victim.done
	return d, nil
}

// waitFor polls cond every 20 ms until it holds, for at most timeout.
func waitFor(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not after %v", what, timeout)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}
