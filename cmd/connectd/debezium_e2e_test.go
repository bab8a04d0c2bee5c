package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
// before and after images.
func TestDebeziumPostgres(t *testing.T) {
	pg := pgserver.ForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := pg.CreateDatabase(ctx, "source"); err != nil {
		t.Fatal(err)
	}
	pgExec(t, pg, "source", "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, score int)",
		"ALTER TABLE customers REPLICA IDENTITY FULL", // updates and deletes carry the whole row before
		"INSERT INTO customers SELECT g, 'snap ' || g, g * 10 FROM generate_series(0, 19) g")
	row := func(id int, name string, score int) string { return fmt.Sprintf("%d|%s|%d", id, name, score) }

	w := startJavaWorker(t, map[string]string{"plugin.path": pluginfixture.DebeziumPostgres(t)})
	raw := w.topic("raw")
	rawConfig := debeziumConfig(pg, "source", raw, "raw_slot")
	rawConfig["key.converter"], rawConfig["key.converter.schemas.enable"] = "org.apache.kafka.connect.json.JsonConverter", "false"
	rawConfig["value.converter"], rawConfig["value.converter.schemas.enable"] = "org.apache.kafka.connect.json.JsonConverter", "false"
	w.mustDo("PUT", "/connectors/dbz-raw/config", rawConfig, 201, nil)
	w.waitState("dbz-raw", "RUNNING", 1)
	rawTopic := raw + ".public.customers"

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
