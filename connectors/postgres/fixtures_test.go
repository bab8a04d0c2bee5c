package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/pgserver"
)

// server is the package's PostgreSQL; each test writes to a database of its own.
var server *pgserver.Server

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	s, err := pgserver.Start(ctx, pgserver.Options{Settings: map[string]string{"fsync": "off"}})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server = s
	slog.SetDefault(slog.New(slog.DiscardHandler)) // the sink logs through the default logger; -v output stays readable
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

var databases atomic.Int64

// newDatabase creates a database for one test and returns its name.
func newDatabase(t testing.TB, s *pgserver.Server) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", databases.Add(1), strings.ToLower(strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())))
	if len(name) > 60 {
		name = name[:60]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.CreateDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	return name
}

// taskContext is the runtime's side of a sink task in these tests: no assignment, the last
// RetryAfter, and (when report is set) an errant record reporter that records what it is
// given, or refuses it as errors.tolerance=none does.
type taskContext struct {
	report     bool
	mu         sync.Mutex
	reported   []reported
	refuse     error
	retryAfter time.Duration
}

type reported struct {
	rec connectors.SinkRecord
	err error
}

func (*taskContext) Assignment() []connectors.TopicPartition { return nil }
func (*taskContext) Seek(connectors.TopicPartition, int64)   {}
func (*taskContext) Pause(...connectors.TopicPartition)      {}
func (*taskContext) Resume(...connectors.TopicPartition)     {}
func (*taskContext) RequestCommit()                          {}
func (c *taskContext) RetryAfter(d time.Duration)            { c.mu.Lock(); c.retryAfter = d; c.mu.Unlock() }

func (c *taskContext) ErrantRecords() connectors.ErrantRecordReporter {
	if !c.report {
		return nil
	}
	return c
}

func (c *taskContext) Report(rec connectors.SinkRecord, err error) <-chan error {
	c.mu.Lock()
	defer c.mu.Unlock()
	done := make(chan error, 1)
	if c.refuse != nil {
		done <- fmt.Errorf("%w: %w", c.refuse, err)
		return done
	}
	c.reported = append(c.reported, reported{rec, err})
	done <- nil
	return done
}

// props is a sink configuration writing to db, with overrides.
func props(db string, kv ...string) map[string]string {
	p := map[string]string{
		"name": "pg", "connection.url": server.JDBCURL(db), "connection.user": server.User,
		"connection.password": server.Password, "max.retries": "0", "retry.backoff.ms": "10",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

// startTask starts a task of the connector with p; ctx may be nil (no reporter).
func startTask(t testing.TB, p map[string]string, ctx connectors.SinkTaskContext) *sinkTask {
	t.Helper()
	c := &SinkConnector{}
	if err := c.Start(nil, p); err != nil {
		t.Fatal(err)
	}
	cfgs, err := c.TaskConfigs(1)
	if err != nil {
		t.Fatal(err)
	}
	task := c.NewTask().(*sinkTask)
	if ctx == nil {
		ctx = &taskContext{}
	}
	if err := task.Start(ctx, cfgs[0]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = task.Stop() })
	return task
}

// put hands records to Put as the runtime does: a Retriable error delivers the same batch
// again after the task's RetryAfter.
func put(t testing.TB, task *sinkTask, records ...connectors.SinkRecord) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		err := task.Put(ctx, records)
		if !connectors.IsRetriable(err) {
			return err
		}
		tc := task.ctx.(*taskContext)
		tc.mu.Lock()
		d := tc.retryAfter
		tc.mu.Unlock()
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return fmt.Errorf("retrying: %w (last: %w)", ctx.Err(), err)
		}
	}
}

func mustPut(t testing.TB, task *sinkTask, records ...connectors.SinkRecord) {
	t.Helper()
	if err := put(t, task, records...); err != nil {
		t.Fatalf("put: %v", err)
	}
}

// query runs sql on db and returns its rows with every value as text ("NULL" for null).
func query(t testing.TB, s *pgserver.Server, db, sql string, args ...any) [][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func exec(t testing.TB, s *pgserver.Server, db, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// rowsText is the rows of a query as "a|b|c" lines, for compact comparisons.
func rowsText(t testing.TB, db, sql string) string {
	t.Helper()
	return rowsTextOn(t, server, db, sql)
}

func rowsTextOn(t testing.TB, s *pgserver.Server, db, sql string) string {
	t.Helper()
	var lines []string
	for _, r := range query(t, s, db, sql) {
		lines = append(lines, strings.Join(r, "|"))
	}
	return strings.Join(lines, "\n")
}

// Schemas and records of the tests: a value struct {id int32, name string (optional)} on
// topic "people".
var (
	personSchema = &connectors.Schema{Type: connectors.TypeStruct, Name: "person", Fields: []connectors.Field{
		{Name: "id", Schema: connectors.Int32Schema},
		{Name: "name", Schema: connectors.OptionalStringSchema},
	}}
	idKeySchema = &connectors.Schema{Type: connectors.TypeStruct, Name: "key", Fields: []connectors.Field{
		{Name: "id", Schema: connectors.Int32Schema},
	}}
)

func person(offset int64, id int32, name any) connectors.SinkRecord {
	return connectors.SinkRecord{Topic: "people", Offset: offset,
		KeySchema: idKeySchema, Key: &connectors.Struct{Schema: idKeySchema, Values: []any{id}},
		ValueSchema: personSchema, Value: &connectors.Struct{Schema: personSchema, Values: []any{id, name}}}
}

// deletion is a delete of id: a tombstone (nil value schema) or, with schema, a null value
// with an optional struct schema, as ExtractNewRecordState's deletes arrive through
// JsonConverter.
func deletion(offset int64, id int32, withSchema bool) connectors.SinkRecord {
	r := connectors.SinkRecord{Topic: "people", Offset: offset,
		KeySchema: idKeySchema, Key: &connectors.Struct{Schema: idKeySchema, Values: []any{id}}}
	if withSchema {
		s := *personSchema
		s.Optional = true
		r.ValueSchema = &s
	}
	return r
}
