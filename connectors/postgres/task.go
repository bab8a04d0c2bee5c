package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/connectd/connectd/connectors"
)

// sinkTask writes each Put in one transaction on one connection, which it opens on first use
// and again after a failure. Put, Flush and Stop come from one goroutine at a time.
type sinkTask struct {
	log      *slog.Logger
	cfg      *config
	pgcfg    *pgx.ConnConfig
	ctx      connectors.SinkTaskContext
	reporter connectors.ErrantRecordReporter // nil: the runtime offers none, failures fail the task
	// remainingRetries counts the retries left before the records of a failing batch are
	// written one by one (or the task fails); a successful Put resets it to max.retries.
	remainingRetries int
	conn             *pgx.Conn
	tables           map[string]*tableInfo // what the catalog said, by table; cleared after any failure
	gen              int                   // counts clearings of tables: a prepared of an older gen re-checks its table
	prepared         map[string]*prepared  // the statements of each table's latest schemas
}

var _ connectors.SinkTask = (*sinkTask)(nil)

// prepared is what records of one table with one key and value schema write.
type prepared struct {
	table                  tableID
	keySchema, valueSchema *connectors.Schema
	layout                 *layout
	write, del             *statement
	exists                 bool // the table exists (else a delete has nothing to do)
	gen                    int  // the table was checked against layout in this gen
}

// Start parses the configuration; the connection is opened by the first Put, so that a
// database that is down is retried like any write.
func (t *sinkTask) Start(ctx connectors.SinkTaskContext, props map[string]string) error {
	cfg, err := parseConfig(props)
	if err != nil {
		return fmt.Errorf("start PostgresSinkTask: %w", err)
	}
	pgcfg, err := pgx.ParseConfig(cfg.conn.dsn())
	if err != nil {
		return fmt.Errorf("start PostgresSinkTask: %s: %w", ConnectionURLKey, err)
	}
	for k, v := range cfg.conn.runtime {
		pgcfg.RuntimeParams[k] = v
	}
	t.cfg, t.pgcfg, t.ctx = cfg, pgcfg, ctx
	t.reporter = ctx.ErrantRecords()
	t.remainingRetries = cfg.maxRetries
	t.tables, t.prepared = map[string]*tableInfo{}, map[string]*prepared{}
	t.log = t.log.With("connector", cfg.connectorName)
	return nil
}

// errantRecord is a record the sink cannot write by its nature, found before writing.
type errantRecord struct {
	rec connectors.SinkRecord
	err error
}

// Put writes records in one transaction, as Confluent's JdbcSinkTask: a database failure asks
// the runtime to deliver the batch again after retry.backoff.ms (a Retriable error), on a new
// connection, max.retries times in a row; after that the records are written one by one and
// each that still fails is reported as errant (or the Put fails without a reporter). Records
// that cannot be written by their nature are reported when the rest is about to be
// committed, so a batch delivered again reports them once.
func (t *sinkTask) Put(ctx context.Context, records []connectors.SinkRecord) error {
	good := make([]connectors.SinkRecord, 0, len(records))
	var bad []errantRecord
	for i := range records {
		if err := t.cfg.checkRecord(&records[i]); err != nil {
			if t.reporter == nil {
				return err
			}
			bad = append(bad, errantRecord{records[i], err})
			continue
		}
		good = append(good, records[i])
	}
	err := t.writeAll(ctx, good, bad)
	switch {
	case err == nil:
		t.remainingRetries = t.cfg.maxRetries
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case retriable(err) && t.remainingRetries > 0:
		t.remainingRetries--
		t.log.Warn("write failed, retrying", "remaining", t.remainingRetries, "backoff", t.cfg.retryBackoff, "err", err)
		t.closeConn()
		t.ctx.RetryAfter(t.cfg.retryBackoff)
		return connectors.Retriable(err)
	case t.reporter == nil:
		return err
	}
	t.log.Warn("write failed, writing the records one by one to report those that fail", "records", len(good), "err", err)
	t.closeConn()
	if err := t.writeEach(ctx, good, bad); err != nil {
		return err
	}
	t.remainingRetries = t.cfg.maxRetries
	return nil
}

// retriable: a database or connection failure, not a record that cannot be written.
func retriable(err error) bool {
	var re *recordError
	return !errors.As(err, &re)
}

// errant hands r to the runtime's reporter and waits for it, or returns err to fail the task
// when there is none.
func (t *sinkTask) errant(ctx context.Context, r connectors.SinkRecord, err error) error {
	if t.reporter == nil {
		return err
	}
	select {
	case rerr := <-t.reporter.Report(r, err):
		return rerr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reportAll reports records found errant before writing.
func (t *sinkTask) reportAll(ctx context.Context, bad []errantRecord) error {
	for _, b := range bad {
		if err := t.errant(ctx, b.rec, b.err); err != nil {
			return err
		}
	}
	return nil
}

// connect returns the open connection or opens one, connection.attempts times at most.
func (t *sinkTask) connect(ctx context.Context) (*pgx.Conn, error) {
	if t.conn != nil && !t.conn.IsClosed() {
		return t.conn, nil
	}
	for attempt := 1; ; attempt++ {
		conn, err := pgx.ConnectConfig(ctx, t.pgcfg)
		if err == nil {
			t.conn = conn
			t.forget()
			return conn, nil
		}
		if attempt >= t.cfg.attempts || ctx.Err() != nil {
			return nil, fmt.Errorf("connect to PostgreSQL at %s (attempt %d of %d): %w", strings.Join(t.cfg.conn.hosts, ","), attempt, t.cfg.attempts, err)
		}
		t.log.Warn("connect failed, retrying", "attempt", attempt, "backoff", t.cfg.connBackoff, "err", err)
		if !sleep(ctx, t.cfg.connBackoff) {
			return nil, ctx.Err()
		}
	}
}

// forget drops what the sink knows of the tables: after a failure, a rolled-back CREATE or
// ALTER may have left it wrong.
func (t *sinkTask) forget() {
	clear(t.tables)
	t.gen++
}

func (t *sinkTask) closeConn() {
	if t.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = t.conn.Close(ctx)
	t.conn = nil
	t.forget()
}

// writeAll writes records in one transaction, batch.size statements per round trip.
func (t *sinkTask) writeAll(ctx context.Context, records []connectors.SinkRecord, bad []errantRecord) (err error) {
	if len(records) == 0 {
		return t.reportAll(ctx, bad)
	}
	conn, err := t.connect(ctx)
	if err != nil {
		return err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.Background())
			t.forget()
		}
	}()
	b := &pgx.Batch{}
	var queued []*connectors.SinkRecord
	for i := range records {
		n, err := t.queue(ctx, tx, b, &records[i])
		if err != nil {
			return err
		}
		if n > 0 {
			queued = append(queued, &records[i])
		}
		if b.Len() >= t.cfg.batchSize {
			if err := sendBatch(ctx, tx, b, queued); err != nil {
				return err
			}
			b, queued = &pgx.Batch{}, queued[:0]
		}
	}
	if err := sendBatch(ctx, tx, b, queued); err != nil {
		return err
	}
	if err := t.reportAll(ctx, bad); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit %d records: %w", len(records), err)
	}
	return nil
}

// writeEach writes records in one transaction, each under a savepoint: a record that fails is
// rolled back alone and reported; an error of the reporter (or of the transaction itself)
// rolls everything back and fails the Put.
func (t *sinkTask) writeEach(ctx context.Context, records []connectors.SinkRecord, bad []errantRecord) (err error) {
	conn, err := t.connect(ctx)
	if err != nil {
		return err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.Background())
			t.forget()
		}
	}()
	for i := range records {
		r := &records[i]
		sp, err := tx.Begin(ctx) // a savepoint
		if err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		b := &pgx.Batch{}
		_, werr := t.queue(ctx, sp, b, r)
		if werr == nil {
			werr = sendBatch(ctx, sp, b, []*connectors.SinkRecord{r})
		}
		if werr == nil {
			werr = sp.Commit(ctx)
		}
		if werr == nil {
			continue
		}
		if rerr := sp.Rollback(ctx); rerr != nil {
			return fmt.Errorf("roll back to the savepoint after %w: %w", werr, rerr)
		}
		t.forget()
		if rerr := t.errant(ctx, *r, werr); rerr != nil {
			return rerr
		}
	}
	if err := t.reportAll(ctx, bad); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit %d records: %w", len(records), err)
	}
	return nil
}

// sendBatch runs the queued statements and names the record whose statement failed.
func sendBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch, records []*connectors.SinkRecord) error {
	if b.Len() == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, b)
	for i := range b.Len() {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("write record at %s: %w", where(records[i]), err)
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("write %d records: %w", b.Len(), err)
	}
	return nil
}

// queue adds r's statement to b, creating or altering its table first if needed; it returns
// how many statements it queued (0 or 1).
func (t *sinkTask) queue(ctx context.Context, tx pgx.Tx, b *pgx.Batch, r *connectors.SinkRecord) (int, error) {
	p, err := t.prepare(ctx, tx, r)
	if err != nil {
		return 0, err
	}
	st := p.write
	if r.Value == nil {
		if !p.exists {
			return 0, nil // no table, nothing to delete
		}
		st = p.del
	}
	if st == nil {
		return 0, nil
	}
	args, err := st.bind(r)
	if err != nil {
		return 0, err
	}
	b.Queue(st.sql, args...)
	return 1, nil
}

func sameSchema(a, b *connectors.Schema) bool { return a == b || reflect.DeepEqual(a, b) }

// prepare finds the statements of r's table and schemas, making sure the table has the
// columns (auto.create, auto.evolve).
func (t *sinkTask) prepare(ctx context.Context, tx pgx.Tx, r *connectors.SinkRecord) (*prepared, error) {
	name := strings.ReplaceAll(t.cfg.tableFormat, "${topic}", r.Topic)
	valueSchema := r.ValueSchema
	if r.Value == nil {
		valueSchema = nil // a delete needs only the key columns, and never changes the table
	}
	key := name
	if r.Value == nil {
		key += "\x00delete" // deletes and writes alternate: each keeps its statements
	}
	p := t.prepared[key]
	if p == nil || !sameSchema(p.keySchema, r.KeySchema) || !sameSchema(p.valueSchema, valueSchema) {
		table := parseTableID(name)
		if table.database != "" && table.database != t.pgcfg.Database {
			return nil, recordErrorf("table %s is in database %s, but connection.url connects to %s", name, table.database, t.pgcfg.Database)
		}
		l, err := t.cfg.extractLayout(table.String(), r.KeySchema, valueSchema)
		if err != nil {
			return nil, err
		}
		p = &prepared{table: table, keySchema: r.KeySchema, valueSchema: valueSchema, layout: l, gen: -1,
			write: writeStatement(table, l, t.cfg.insertMode)}
		if len(l.keys) > 0 {
			p.del = deleteStatement(table, l)
		}
		t.prepared[key] = p
	}
	if p.gen == t.gen {
		return p, nil
	}
	if err := t.ensureTable(ctx, tx, name, p); err != nil {
		return nil, err
	}
	p.gen = t.gen
	return p, nil
}

// ensureTable makes sure p's table exists and has p's columns, as Confluent's DbStructure.
func (t *sinkTask) ensureTable(ctx context.Context, tx pgx.Tx, name string, p *prepared) error {
	info := t.tables[name]
	if info == nil {
		var err error
		if info, err = describeTable(ctx, tx, p.table); err != nil {
			return err
		}
		t.tables[name] = info
	}
	deleting := p.valueSchema == nil && p.layout.values == nil
	if !info.exists {
		if deleting {
			p.exists = false
			return nil
		}
		if !t.cfg.autoCreate {
			return recordErrorf("Table %s is missing and auto-creation is disabled", p.table)
		}
		sql := createTableSQL(p.table, p.layout)
		t.log.Info("creating table", "table", p.table.String())
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("create table %s: %w", p.table, err)
		}
		return t.redescribe(ctx, tx, name, p)
	}
	var missing []column
	for _, c := range slices.Concat(p.layout.keys, p.layout.values) {
		if !info.columns[c.name] {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		p.exists = true
		return nil
	}
	names := make([]string, len(missing))
	for i, c := range missing {
		names[i] = c.name
	}
	if !t.cfg.autoEvolve {
		return recordErrorf("Table %s is missing fields (%s) and auto-evolution is disabled", p.table, strings.Join(names, ", "))
	}
	sql, err := alterTableSQL(p.table, missing)
	if err != nil {
		return err
	}
	t.log.Info("adding columns", "table", p.table.String(), "columns", names)
	if _, err := tx.Exec(ctx, sql); err != nil {
		return fmt.Errorf("alter table %s: %w", p.table, err)
	}
	return t.redescribe(ctx, tx, name, p)
}

// redescribe reads the table again after a CREATE or ALTER; the statements of other schemas
// of the table (a delete's, which skipped a missing table) check it again too.
func (t *sinkTask) redescribe(ctx context.Context, tx pgx.Tx, name string, p *prepared) error {
	info, err := describeTable(ctx, tx, p.table)
	if err != nil {
		return err
	}
	t.tables[name] = info
	t.gen++
	p.exists = info.exists
	return nil
}

// Flush has nothing to do: every Put committed its transaction.
func (*sinkTask) Flush(context.Context, map[connectors.TopicPartition]int64) error { return nil }

// Stop closes the connection.
func (t *sinkTask) Stop() error {
	t.closeConn()
	return nil
}

// sleep waits d or until ctx ends; false means ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
