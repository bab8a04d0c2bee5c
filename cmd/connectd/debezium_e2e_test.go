package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/connectd/connectd/internal/pgserver"
	"github.com/connectd/connectd/internal/pluginfixture"
	"github.com/connectd/connectd/internal/wait"
)

// debeziumConfig is a Debezium PostgreSQL source of database db's public.customers with its
// own replication slot and publication.
func debeziumConfig(pg *pgserver.Server, db, prefix, slot string) map[string]any {
	return map[string]any{
		"connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
		"database.hostname": "127.0.0.1", "database.port": strconv.Itoa(pg.Port), "database.user": pg.User,
		"database.password": pg.Password, "database.dbname": db, "topic.prefix": prefix,
		"plugin.name": "pgoutput", "slot.name": slot, "publication.name": slot + "_pub",
		"publication.autocreate.mode": "filtered", "table.include.list": "public.customers",
	}
}

// pgExec runs statements on db.
func pgExec(t testing.TB, pg *pgserver.Server, db string, stmts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pg.URL(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// change is one row change of the test's history: op c, u or d on id, with the row before
// and after ("" when there is none).
type change struct {
	op            string
	id            int
	before, after string
}

// TestDebeziumPostgres runs Debezium's PostgreSQL connector (3.6.1.Final, its plugin archive
// from Maven Central in plugin.path) under connectd against a real PostgreSQL: a snapshot of
// the rows that exist, then streaming of inserts, updates and deletes. The change events read
// back with an independent client match the table's history exactly: count, order per key,
// before and after images. A second Debezium connector with Debezium's own Java SMT
// ExtractNewRecordState (JsonConverter with schemas) feeds PostgresSinkConnector, and the
// target table ends equal to the source row for row, deletes included.
func TestDebeziumPostgres(t *testing.T) {
	pg := pgserver.ForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, db := range []string{"source", "target"} {
		if err := pg.CreateDatabase(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	pgExec(t, pg, "source", "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, score int)",
		"ALTER TABLE customers REPLICA IDENTITY FULL", // updates and deletes carry the whole row before
		"INSERT INTO customers SELECT g, 'snap ' || g, g * 10 FROM generate_series(0, 19) g")
	row := func(id int, name string, score int) string { return fmt.Sprintf("%d|%s|%d", id, name, score) }

	w := startJavaWorker(t, map[string]string{"plugin.path": pluginfixture.DebeziumPostgres(t)})
	raw, flat := w.topic("raw"), w.topic("flat")
	rawConfig := debeziumConfig(pg, "source", raw, "raw_slot")
	rawConfig["key.converter"], rawConfig["key.converter.schemas.enable"] = "org.apache.kafka.connect.json.JsonConverter", "false"
	rawConfig["value.converter"], rawConfig["value.converter.schemas.enable"] = "org.apache.kafka.connect.json.JsonConverter", "false"
	w.mustDo("PUT", "/connectors/dbz-raw/config", rawConfig, 201, nil)
	flatConfig := debeziumConfig(pg, "source", flat, "flat_slot")
	flatConfig["transforms"], flatConfig["transforms.unwrap.type"] = "unwrap", "io.debezium.transforms.ExtractNewRecordState"
	w.mustDo("PUT", "/connectors/dbz-flat/config", flatConfig, 201, nil)
	w.waitState("dbz-raw", "RUNNING", 1)
	w.waitState("dbz-flat", "RUNNING", 1)
	rawTopic, flatTopic := raw+".public.customers", flat+".public.customers"
	w.mustDo("PUT", "/connectors/pg-sink/config", map[string]any{
		"connector.class": "PostgresSink", "topics": flatTopic, "connection.url": pg.JDBCURL("target"),
		"connection.user": pg.User, "connection.password": pg.Password, "table.name.format": "customers",
		"insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true", "auto.create": "true",
	}, 201, nil)
	w.waitState("pg-sink", "RUNNING", 1)

	// The snapshot: one read event per row.
	var history []change
	for id := range 20 {
		history = append(history, change{"r", id, "", row(id, "snap "+strconv.Itoa(id), id*10)})
	}
	wait.For(t, 120*time.Second, "the snapshot's 20 events", func() bool { return len(readTopic(t, w.broker, rawTopic, 20)) >= 20 })

	// Streaming: inserts, updates (one row twice), deletes, and a deleted id inserted again.
	var stmts []string
	for id := 20; id < 30; id++ {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO customers VALUES (%d, 'new %d', %d)", id, id, id))
		history = append(history, change{"c", id, "", row(id, "new "+strconv.Itoa(id), id)})
	}
	current := map[int]string{}
	for _, c := range history {
		current[c.id] = c.after
	}
	for _, id := range []int{0, 1, 2, 3, 21, 2} {
		before := current[id]
		parts := strings.Split(before, "|")
		score, _ := strconv.Atoi(parts[2])
		stmts = append(stmts, fmt.Sprintf("UPDATE customers SET score = %d WHERE id = %d", score+1, id))
		current[id] = row(id, parts[1], score+1)
		history = append(history, change{"u", id, before, current[id]})
	}
	for _, id := range []int{5, 6, 22, 1} {
		stmts = append(stmts, fmt.Sprintf("DELETE FROM customers WHERE id = %d", id))
		history = append(history, change{"d", id, current[id], ""})
		delete(current, id)
	}
	stmts = append(stmts, "INSERT INTO customers VALUES (5, 'back', 55)")
	history = append(history, change{"c", 5, "", row(5, "back", 55)})
	current[5] = row(5, "back", 55)
	pgExec(t, pg, "source", stmts...)

	// Every change is one event, a delete one event and a tombstone (tombstones.on.delete).
	deletes := 4
	want := len(history) + deletes
	var events []change
	wait.ForNil(t, 120*time.Second, "every change event", func() error {
		recs := readTopic(t, w.broker, rawTopic, want)
		events = events[:0]
		for _, r := range recs {
			var key struct{ ID int }
			if err := json.Unmarshal(r.Key, &key); err != nil {
				return fmt.Errorf("key %s: %w", r.Key, err)
			}
			if r.Value == nil {
				events = append(events, change{"tombstone", key.ID, "", ""})
				continue
			}
			var v struct {
				Op            string
				Before, After *struct {
					ID    int
					Name  string
					Score int
				}
			}
			if err := json.Unmarshal(r.Value, &v); err != nil {
				return fmt.Errorf("value %s: %w", r.Value, err)
			}
			c := change{op: v.Op, id: key.ID}
			if v.Before != nil {
				c.before = row(v.Before.ID, v.Before.Name, v.Before.Score)
			}
			if v.After != nil {
				c.after = row(v.After.ID, v.After.Name, v.After.Score)
			}
			events = append(events, c)
		}
		if len(events) < want {
			return fmt.Errorf("%d events of %d", len(events), want)
		}
		return nil
	})
	if len(events) != want {
		t.Fatalf("%d events, want %d", len(events), want)
	}
	// Per key, the events are the key's history in order (a delete followed by its tombstone).
	perKey := func(cs []change, tombstones bool) map[int][]change {
		m := map[int][]change{}
		for _, c := range cs {
			m[c.id] = append(m[c.id], c)
			if tombstones && c.op == "d" {
				m[c.id] = append(m[c.id], change{"tombstone", c.id, "", ""})
			}
		}
		return m
	}
	got, exp := perKey(events, false), perKey(history, true)
	for id, cs := range exp {
		if !slices.Equal(got[id], cs) {
			t.Errorf("events of id %d:\n got %v\nwant %v", id, got[id], cs)
		}
	}
	if len(got) != len(exp) {
		t.Errorf("events for %d keys, want %d", len(got), len(exp))
	}

	// The pipeline: the target table equals the source, deletes included.
	wait.ForNil(t, 120*time.Second, "the target table to equal the source", func() error {
		src, err := pgRows(ctx, pg, "source", "SELECT id, name, score FROM customers ORDER BY id")
		if err != nil {
			return err
		}
		dst, err := pgRows(ctx, pg, "target", "SELECT id, name, score FROM customers ORDER BY id")
		if err != nil {
			return err
		}
		if !slices.Equal(src, dst) {
			return fmt.Errorf("source %d rows, target %d rows: %v / %v", len(src), len(dst), src, dst)
		}
		return nil
	})
	ids := make([]int, 0, len(current))
	for id := range current {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	src, _ := pgRows(ctx, pg, "source", "SELECT id, name, score FROM customers ORDER BY id")
	var wantRows []string
	for _, id := range ids {
		wantRows = append(wantRows, current[id])
	}
	if !slices.Equal(src, wantRows) { // the history the test kept is the table's
		t.Errorf("source table %v, want %v", src, wantRows)
	}
}

// TestDebeziumFailover runs Debezium's PostgreSQL connector on a cluster of three workers while
// rows are inserted without pause: the worker running its task is killed with SIGKILL, the
// source database is stopped for 10 s, the worker then running the task is stopped with
// SIGTERM, and the whole cluster restarts. After each, the task runs again (the time is logged)
// and every row inserted so far has its change event; duplicates, within at-least-once, are
// counted and logged at the end. Beside it, the pipeline ExtractNewRecordState → PostgresSink
// copies the table (with updates and deletes) into a second database, equal to the source at
// the end.
func TestDebeziumFailover(t *testing.T) {
	pg := pgserver.ForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	for _, db := range []string{"source", "target"} {
		if err := pg.CreateDatabase(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	pgExec(t, pg, "source", "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, score int)")
	plugins := pluginfixture.DebeziumPostgres(t)
	c := newCluster(t)
	c.props["plugin.path"] = plugins
	for range 3 {
		c.workers = append(c.workers, startWorker(t, c.props, withStartTimeout(javaStart)))
	}
	t.Cleanup(func() { // registered after the workers': runs before they stop and their logs go
		if t.Failed() {
			for _, w := range c.workers {
				logProblems(t, w)
			}
		}
	})
	prefix := c.workers[0].topic("dbz")
	config := debeziumConfig(pg, "source", prefix, "failover_slot")
	config["key.converter"], config["key.converter.schemas.enable"] = "org.apache.kafka.connect.json.JsonConverter", "false"
	config["value.converter"], config["value.converter.schemas.enable"] = "org.apache.kafka.connect.json.JsonConverter", "false"
	c.workers[0].mustDo("PUT", "/connectors/dbz/config", config, 201, nil)
	topic := prefix + ".public.customers"
	// The pipeline beside it: ExtractNewRecordState, then PostgresSink into the target database.
	flat := c.workers[0].topic("flat")
	flatConfig := debeziumConfig(pg, "source", flat, "failover_flat_slot")
	flatConfig["transforms"], flatConfig["transforms.unwrap.type"] = "unwrap", "io.debezium.transforms.ExtractNewRecordState"
	c.workers[0].mustDo("PUT", "/connectors/dbz-flat/config", flatConfig, 201, nil)
	c.workers[0].mustDo("PUT", "/connectors/pg-sink/config", map[string]any{
		"connector.class": "PostgresSink", "topics": flat + ".public.customers", "connection.url": pg.JDBCURL("target"),
		"connection.user": pg.User, "connection.password": pg.Password, "table.name.format": "customers",
		"insert.mode": "upsert", "pk.mode": "record_key", "delete.enabled": "true", "auto.create": "true",
		"max.retries": "1000", "retry.backoff.ms": "500", "connection.attempts": "1",
	}, 201, nil)

	// taskWorker waits until the task is RUNNING on a live worker and returns that worker.
	taskWorker := func(what string) *worker {
		t.Helper()
		var on *worker
		wait.For(t, 120*time.Second, what, func() bool {
			for _, w := range c.alive() {
				st, ok := w.status("dbz") // a fresh connector may have no status yet on every worker
				if !ok || len(st.Tasks) != 1 || st.Tasks[0].State != "RUNNING" {
					return false
				}
				for _, x := range c.alive() {
					if x.url == "http://"+st.Tasks[0].WorkerID {
						on = x
					}
				}
			}
			return on != nil
		})
		return on
	}
	running := taskWorker("the Debezium task RUNNING")

	// The writer inserts rows one by one, retrying an insert until it commits (the database is
	// stopped for a while), so the committed ids are 0..n-1.
	var inserted atomic32
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		writerDone <- func() error {
			var conn *pgx.Conn
			defer func() {
				if conn != nil {
					conn.Close(context.Background())
				}
			}()
			updated, deleted := false, false // the update and delete before the insert of id are done
			for id := 0; ; {
				select {
				case <-stop:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(5 * time.Millisecond):
				}
				if conn == nil || conn.IsClosed() {
					var err error
					if conn, err = pgx.Connect(ctx, pg.URL("source")); err != nil {
						conn = nil
						continue
					}
				}
				// Each statement is retried until it commits, so each must be harmless twice.
				sql, args := "INSERT INTO customers VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", []any{id, fmt.Sprint("row ", id), id}
				switch {
				case id%10 == 9 && !updated:
					sql, args = "UPDATE customers SET score = score + 1 WHERE id = $1", []any{id - 5}
				case id%15 == 14 && !deleted:
					sql, args = "DELETE FROM customers WHERE id = $1", []any{id - 7}
				}
				if _, err := conn.Exec(ctx, sql, args...); err != nil {
					conn.Close(context.Background())
					conn = nil
					continue
				}
				switch {
				case id%10 == 9 && !updated:
					updated = true
					continue
				case id%15 == 14 && !deleted:
					deleted = true
					continue
				}
				updated, deleted = false, false
				id++
				inserted.store(id)
			}
		}()
	}()
	// eventsFor reads the topic until it holds an insert event of every id below n. It reads
	// the whole topic each time: besides the n inserts it holds updates, deletes and the
	// duplicates of every failover, so the first n records may miss the newest inserts.
	eventsFor := func(n int, what string) (ids map[int]int) {
		t.Helper()
		wait.ForNil(t, 120*time.Second, what, func() error {
			ids = map[int]int{}
			for _, r := range readTopicToEnd(t, c.broker, topic) {
				var v struct {
					Op    string
					After *struct{ ID int }
				}
				if r.Value == nil || json.Unmarshal(r.Value, &v) != nil || v.After == nil || v.Op != "c" {
					continue
				}
				ids[v.After.ID]++
			}
			for id := range n {
				if ids[id] == 0 {
					return fmt.Errorf("no event for id %d (%d ids of %d)", id, len(ids), n)
				}
			}
			return nil
		})
		return ids
	}
	wait.For(t, 60*time.Second, "rows inserted", func() bool { return inserted.load() >= 100 })
	eventsFor(inserted.load(), "the first events")

	// SIGKILL the worker running the task.
	killedAt := time.Now()
	running.kill(syscall.SIGKILL)
	again := taskWorker("the Debezium task RUNNING again after SIGKILL")
	t.Logf("SIGKILL of the worker running the Debezium task: RUNNING again on %s after %v", again.url, time.Since(killedAt).Round(time.Millisecond))
	n := inserted.load()
	eventsFor(n, "the events of rows inserted before and during the kill")
	t.Logf("SIGKILL: events of all %d rows inserted so far after %v", n, time.Since(killedAt).Round(time.Millisecond))

	// Stop the source database for 10 s.
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	stoppedAt := time.Now()
	time.Sleep(10 * time.Second) // the outage itself, not a synchronisation
	if err := pg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	before := inserted.load()
	wait.For(t, 60*time.Second, "inserts after the database restart", func() bool { return inserted.load() >= before+50 })
	taskWorker("the Debezium task RUNNING after the database restart")
	n = inserted.load()
	eventsFor(n, "the events of rows inserted around the database restart")
	t.Logf("database stopped 10 s: events of all %d rows %v after it stopped", n, time.Since(stoppedAt).Round(time.Millisecond))

	// SIGTERM the worker now running the task: it hands over.
	running = taskWorker("the Debezium task RUNNING before SIGTERM")
	termAt := time.Now()
	running.kill(syscall.SIGTERM)
	again = taskWorker("the Debezium task RUNNING again after SIGTERM")
	t.Logf("SIGTERM of the worker running the Debezium task: RUNNING again on %s after %v", again.url, time.Since(termAt).Round(time.Millisecond))
	n = inserted.load()
	eventsFor(n, "the events of rows inserted around the SIGTERM")
	t.Logf("SIGTERM: events of all %d rows %v after it", n, time.Since(termAt).Round(time.Millisecond))

	// The whole cluster restarts.
	restartAt := time.Now()
	for _, w := range c.alive() {
		w.kill(syscall.SIGTERM)
	}
	for _, w := range c.workers {
		w.start()
	}
	taskWorker("the Debezium task RUNNING after the whole cluster restarted")
	t.Logf("whole cluster restarted: the Debezium task RUNNING %v after the first SIGTERM", time.Since(restartAt).Round(time.Millisecond))
	before = inserted.load()
	wait.For(t, 60*time.Second, "inserts after the cluster restart", func() bool { return inserted.load() >= before+50 })
	n = inserted.load()
	eventsFor(n, "the events of rows inserted around the cluster restart")
	t.Logf("whole cluster restarted: events of all %d rows %v after the first SIGTERM", n, time.Since(restartAt).Round(time.Millisecond))

	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}
	n = inserted.load()
	ids := eventsFor(n, "the events of every row inserted")
	dups := 0
	for _, k := range ids {
		dups += k - 1
	}
	t.Logf("%d rows inserted, %d insert events, %d duplicates (at-least-once)", n, n+dups, dups)

	// The target table, written by PostgresSink from ExtractNewRecordState's records through
	// every fault, equals the source.
	wait.ForNil(t, 120*time.Second, "the target table to equal the source", func() error {
		src, err := pgRows(ctx, pg, "source", "SELECT id, name, score FROM customers ORDER BY id")
		if err != nil {
			return err
		}
		dst, err := pgRows(ctx, pg, "target", "SELECT id, name, score FROM customers ORDER BY id")
		if err != nil {
			return err
		}
		if !slices.Equal(src, dst) {
			return fmt.Errorf("source %d rows, target %d rows", len(src), len(dst))
		}
		return nil
	})
}

// atomic32 is an int shared by the writer and the test.
type atomic32 struct{ v atomic.Int64 }

func (a *atomic32) store(n int) { a.v.Store(int64(n)) }
func (a *atomic32) load() int   { return int(a.v.Load()) }

// logProblems logs the warnings, errors and exceptions of a worker's whole log (the plugin
// host's included), which a log tail misses when a task went quiet long before the end.
func logProblems(t testing.TB, w *worker) {
	b, err := os.ReadFile(w.logPath)
	if err != nil {
		return
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") || strings.Contains(l, "Exception") ||
			strings.Contains(l, " WARN ") || strings.Contains(l, " ERROR ") || strings.Contains(l, "state=") {
			lines = append(lines, l)
		}
	}
	if len(lines) > 60 {
		lines = append(lines[:30], lines[len(lines)-30:]...)
	}
	t.Logf("problems in %s:\n%s", w.logPath, strings.Join(lines, "\n"))
}
