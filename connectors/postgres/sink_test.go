package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/internal/pgserver"
)

// TestTypeMapping writes one field of each Connect type into an auto-created table and
// reads back the column type Confluent's PostgreSQL dialect gives it and the value stored;
// a second record leaves every optional field null.
func TestTypeMapping(t *testing.T) {
	ts := time.Date(2024, 2, 29, 13, 45, 30, 123_000_000, time.UTC)
	opt := func(s *connectors.Schema) *connectors.Schema { c := *s; c.Optional = true; return &c }
	tests := []struct {
		field    string
		schema   *connectors.Schema
		value    any
		wantType string
		want     string
	}{
		{"i8", &connectors.Schema{Type: connectors.TypeInt8}, int8(-8), "smallint", "-8"},
		{"i16", &connectors.Schema{Type: connectors.TypeInt16}, int16(-1600), "smallint", "-1600"},
		{"i32", &connectors.Schema{Type: connectors.TypeInt32}, int32(320000), "integer", "320000"},
		{"i64", &connectors.Schema{Type: connectors.TypeInt64}, int64(6_400_000_000), "bigint", "6400000000"},
		{"f32", &connectors.Schema{Type: connectors.TypeFloat32}, float32(1.1), "real", "1.1"},
		{"f64", &connectors.Schema{Type: connectors.TypeFloat64}, 2.25, "double precision", "2.25"},
		{"flag", &connectors.Schema{Type: connectors.TypeBoolean}, true, "boolean", "true"},
		{"text", &connectors.Schema{Type: connectors.TypeString}, "héllo 'quoted' \"x\"", "text", "héllo 'quoted' \"x\""},
		{"raw", &connectors.Schema{Type: connectors.TypeBytes}, []byte{0, 1, 0xff}, "bytea", `\x0001ff`},
		{"amount", connectors.DecimalSchema(2), big.NewRat(-12345, 100), "numeric", "-123.45"},
		{"big", connectors.DecimalSchema(0), new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil)), "numeric", "1" + strings.Repeat("0", 30)},
		{"day", connectors.DateSchema, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "date", "2024-02-29"},
		{"at", connectors.TimeSchema, time.Date(1970, 1, 1, 13, 45, 30, 123_000_000, time.UTC), "time without time zone", "13:45:30.123"},
		{"ts", connectors.TimestampSchema, ts, "timestamp without time zone", "2024-02-29 13:45:30.123"},
		{"ts_zone", connectors.TimestampSchema, ts.In(time.FixedZone("X", 5*3600)), "timestamp without time zone", "2024-02-29 13:45:30.123"},
	}
	value := &connectors.Schema{Type: connectors.TypeStruct, Fields: []connectors.Field{{Name: "id", Schema: connectors.Int32Schema}}}
	var values, nulls []any
	values, nulls = append(values, int32(1)), append(nulls, int32(2))
	for _, tc := range tests {
		value.Fields = append(value.Fields, connectors.Field{Name: tc.field, Schema: opt(tc.schema)})
		values, nulls = append(values, tc.value), append(nulls, nil)
	}
	db := newDatabase(t, server)
	task := startTask(t, props(db, "auto.create", "true", "pk.mode", "record_value", "pk.fields", "id", "table.name.format", "typed"), nil)
	mustPut(t, task,
		connectors.SinkRecord{Topic: "types", ValueSchema: value, Value: &connectors.Struct{Schema: value, Values: values}},
		connectors.SinkRecord{Topic: "types", Offset: 1, ValueSchema: value, Value: &connectors.Struct{Schema: value, Values: nulls}})
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			typ := query(t, server, db, `SELECT format_type(atttypid, atttypmod), NOT attnotnull FROM pg_attribute
				WHERE attrelid = 'typed'::regclass AND attname = $1`, tc.field)
			if len(typ) != 1 || typ[0][0] != tc.wantType || typ[0][1] != "true" {
				t.Errorf("column %s: (type, nullable) = %v, want (%s, true)", tc.field, typ, tc.wantType)
			}
			got := query(t, server, db, fmt.Sprintf(`SELECT %q::text FROM typed ORDER BY id`, tc.field))
			if len(got) != 2 || got[0][0] != tc.want || got[1][0] != "NULL" {
				t.Errorf("column %s = %v, want [%s NULL]", tc.field, got, tc.want)
			}
		})
	}
}

// TestUnmappableTypes: a field with no column type (array, map, struct) is a record the sink
// cannot write, with Confluent's text, reported without retries.
func TestUnmappableTypes(t *testing.T) {
	for _, typ := range []connectors.SchemaType{connectors.TypeArray, connectors.TypeMap, connectors.TypeStruct} {
		t.Run(string(typ), func(t *testing.T) {
			db := newDatabase(t, server)
			s := &connectors.Schema{Type: connectors.TypeStruct, Fields: []connectors.Field{
				{Name: "id", Schema: connectors.Int32Schema}, {Name: "bad", Schema: &connectors.Schema{Type: typ, Optional: true}}}}
			task := startTask(t, props(db, "auto.create", "true", "max.retries", "5", "retry.backoff.ms", "60000"), nil)
			err := put(t, task, connectors.SinkRecord{Topic: "x", ValueSchema: s, Value: &connectors.Struct{Schema: s, Values: []any{int32(1), nil}}})
			want := "null (" + string(typ) + ") type doesn't have a mapping to the SQL database column type"
			if err == nil || err.Error() != want {
				t.Fatalf("put: %v, want %q", err, want)
			}
		})
	}
}

// TestInsertModes writes over an existing row (id 1) and a new one (id 2) in each mode.
func TestInsertModes(t *testing.T) {
	tests := []struct {
		mode    string
		want    string // rows after
		wantErr string
	}{
		{ModeInsert, "", `duplicate key value violates unique constraint "people_pkey"`},
		{ModeUpsert, "1|one again\n2|two", ""},
		{ModeUpdate, "1|one again", ""},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			db := newDatabase(t, server)
			exec(t, server, db, `CREATE TABLE people (id int PRIMARY KEY, name text); INSERT INTO people VALUES (1, 'one')`)
			task := startTask(t, props(db, "insert.mode", tc.mode, "pk.mode", "record_key"), nil)
			err := put(t, task, person(0, 1, "one again"), person(1, 2, "two"))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "(topic='people',partition=0,offset=0") {
					t.Fatalf("put: %v, want an error naming the record and containing %q", err, tc.wantErr)
				}
				if got := rowsText(t, db, "SELECT * FROM people ORDER BY id"); got != "1|one" {
					t.Fatalf("rows after a failed put:\n%s\nwant the row before only (one transaction)", got)
				}
				mustPut(t, task, person(2, 3, "three"))
				if got := rowsText(t, db, "SELECT * FROM people ORDER BY id"); got != "1|one\n3|three" {
					t.Fatalf("rows:\n%s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rowsText(t, db, "SELECT * FROM people ORDER BY id"); got != tc.want {
				t.Fatalf("rows:\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestPKModes: each pk.mode creates its primary key and fills it from where it says.
func TestPKModes(t *testing.T) {
	primitiveKey := person(7, 5, "five")
	primitiveKey.KeySchema, primitiveKey.Key = connectors.Int64Schema, int64(500)
	primitiveKey.Partition = 3
	tests := []struct {
		name     string
		kv       []string
		record   connectors.SinkRecord
		wantPK   string
		wantRows string
	}{
		{"none", []string{"pk.mode", "none"}, person(7, 5, "five"), "", "5|five"},
		{"kafka", []string{"pk.mode", "kafka"}, primitiveKey, "__connect_topic,__connect_partition,__connect_offset", "people|3|7|5|five"},
		{"kafka named", []string{"pk.mode", "kafka", "pk.fields", "t,p,o"}, primitiveKey, "t,p,o", "people|3|7|5|five"},
		{"record_key struct", []string{"pk.mode", "record_key"}, person(7, 5, "five"), "id", "5|five"},
		{"record_key primitive", []string{"pk.mode", "record_key", "pk.fields", "k"}, primitiveKey, "k", "500|5|five"},
		{"record_value all", []string{"pk.mode", "record_value"}, person(7, 5, "five"), "id,name", "5|five"},
		{"record_value fields", []string{"pk.mode", "record_value", "pk.fields", "name"}, person(7, 5, "five"), "name", "five|5"},
		{"whitelist", []string{"pk.mode", "record_key", "fields.whitelist", "id"}, person(7, 5, "five"), "id", "5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := newDatabase(t, server)
			task := startTask(t, props(db, append([]string{"auto.create", "true"}, tc.kv...)...), nil)
			mustPut(t, task, tc.record)
			pk := query(t, server, db, `SELECT coalesce(string_agg(a.attname, ',' ORDER BY array_position(i.indkey, a.attnum)), '')
				FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
				WHERE i.indrelid = 'people'::regclass AND i.indisprimary`)
			if pk[0][0] != tc.wantPK {
				t.Errorf("primary key (%s), want (%s)", pk[0][0], tc.wantPK)
			}
			if got := rowsText(t, db, "SELECT * FROM people"); got != tc.wantRows {
				t.Errorf("rows:\n%s\nwant\n%s", got, tc.wantRows)
			}
		})
	}
}

// TestPKModeRecordErrors: records that do not fit the pk.mode fail with Confluent's texts.
func TestPKModeRecordErrors(t *testing.T) {
	noKey := person(4, 1, "x")
	noKey.Key, noKey.KeySchema = nil, nil
	tests := []struct {
		name string
		kv   []string
		rec  connectors.SinkRecord
		want string
	}{
		{"primitive key without one pk field", []string{"pk.mode", "record_key"}, func() connectors.SinkRecord {
			r := person(0, 1, "x")
			r.KeySchema, r.Key = connectors.StringSchema, "k"
			return r
		}(), "Need exactly one PK column defined since the key schema for records is a primitive type, defined columns are: []"},
		{"key field missing", []string{"pk.mode", "record_key", "pk.fields", "nope"}, person(0, 1, "x"),
			`PK mode for table '"people"' is record_key with configured PK fields [nope], but record key schema does not contain field: nope`},
		{"no key", []string{"pk.mode", "record_key"}, noKey,
			"Sink connector 'pg' is configured with 'delete.enabled=false' and 'pk.mode=record_key' and therefore requires records with a non-null key and non-null Struct or primitive key schema, but found record at (topic='people',partition=0,offset=4,timestamp=-62135596800000) with a null key and null key schema."},
		{"no value schema", []string{"pk.mode", "none"}, connectors.SinkRecord{Topic: "people", Value: map[string]any{"id": 1}},
			"Sink connector 'pg' is configured with 'delete.enabled=false' and 'pk.mode=none' and therefore requires records with a non-null Struct value and non-null Struct schema, but found record at (topic='people',partition=0,offset=0,timestamp=-62135596800000) with a non-null value and null value schema."},
		{"tombstone without delete.enabled", []string{"pk.mode", "record_key"}, deletion(9, 1, false),
			"Sink connector 'pg' is configured with 'delete.enabled=false' and 'pk.mode=record_key' and therefore requires records with a non-null Struct value and non-null Struct schema, but found record at (topic='people',partition=0,offset=9,timestamp=-62135596800000) with a null value and null value schema."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := newDatabase(t, server)
			task := startTask(t, props(db, append([]string{"auto.create", "true"}, tc.kv...)...), nil)
			if err := put(t, task, tc.rec); err == nil || err.Error() != tc.want {
				t.Fatalf("put: %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestAutoCreateAndEvolve: a missing table or column is an error unless auto.create or
// auto.evolve; evolving adds optional columns (and required ones with a default) only.
func TestAutoCreateAndEvolve(t *testing.T) {
	db := newDatabase(t, server)
	task := startTask(t, props(db, "pk.mode", "record_key"), nil)
	if err := put(t, task, person(0, 1, "a")); err == nil || err.Error() != `Table "people" is missing and auto-creation is disabled` {
		t.Fatalf("put to a missing table: %v", err)
	}
	task = startTask(t, props(db, "pk.mode", "record_key", "auto.create", "true"), nil)
	mustPut(t, task, person(0, 1, "a"))

	wider := &connectors.Schema{Type: connectors.TypeStruct, Fields: append(append([]connectors.Field{}, personSchema.Fields...),
		connectors.Field{Name: "age", Schema: &connectors.Schema{Type: connectors.TypeInt16, Optional: true}},
		connectors.Field{Name: "country", Schema: &connectors.Schema{Type: connectors.TypeString, Default: "it's here"}})}
	rec := person(1, 2, "b")
	rec.ValueSchema, rec.Value = wider, &connectors.Struct{Schema: wider, Values: []any{int32(2), "b", int16(40), "NL"}}
	if err := put(t, task, rec); err == nil || err.Error() != `Table "people" is missing fields (age, country) and auto-evolution is disabled` {
		t.Fatalf("put with new fields: %v", err)
	}
	task = startTask(t, props(db, "pk.mode", "record_key", "auto.evolve", "true"), nil)
	mustPut(t, task, rec, person(2, 3, "c"))
	if got := rowsText(t, db, "SELECT * FROM people ORDER BY id"); got != "1|a|NULL|it's here\n2|b|40|NL\n3|c|NULL|it's here" {
		t.Fatalf("rows:\n%s", got)
	}
	required := &connectors.Schema{Type: connectors.TypeStruct, Fields: append(append([]connectors.Field{}, wider.Fields...),
		connectors.Field{Name: "must", Schema: connectors.StringSchema})}
	rec = person(3, 4, "d")
	rec.ValueSchema, rec.Value = required, &connectors.Struct{Schema: required, Values: []any{int32(4), "d", nil, "x", "m"}}
	if err := put(t, task, rec); err == nil || err.Error() != `Cannot ALTER TABLE "people" to add missing field must, as the field is not optional and does not have a default value` {
		t.Fatalf("put with a required new field: %v", err)
	}
}

// TestDeletes: with delete.enabled, a null value deletes the key's row whether its value
// schema is null (a tombstone) or an optional struct (ExtractNewRecordState through
// JsonConverter), in record order within a Put, also on a table that does not exist yet.
func TestDeletes(t *testing.T) {
	for _, withSchema := range []bool{false, true} {
		t.Run(fmt.Sprintf("value schema %t", withSchema), func(t *testing.T) {
			db := newDatabase(t, server)
			task := startTask(t, props(db, "pk.mode", "record_key", "insert.mode", "upsert", "delete.enabled", "true", "auto.create", "true"), nil)
			mustPut(t, task, deletion(0, 9, withSchema)) // no table yet: nothing to delete
			mustPut(t, task, person(1, 1, "a"), person(2, 2, "b"), person(3, 3, "c"))
			mustPut(t, task, deletion(4, 2, withSchema), person(5, 3, "c2"), deletion(6, 3, withSchema), person(7, 4, "d"),
				deletion(8, 4, withSchema), person(9, 4, "d again"))
			if got := rowsText(t, db, "SELECT * FROM people ORDER BY id"); got != "1|a\n4|d again" {
				t.Fatalf("rows:\n%s", got)
			}
		})
	}
	t.Run("delete then create in one put", func(t *testing.T) {
		db := newDatabase(t, server)
		task := startTask(t, props(db, "pk.mode", "record_key", "delete.enabled", "true", "auto.create", "true"), nil)
		mustPut(t, task, deletion(0, 1, true), person(1, 1, "a"), deletion(2, 1, false), person(3, 2, "b"))
		if got := rowsText(t, db, "SELECT * FROM people ORDER BY id"); got != "2|b" {
			t.Fatalf("rows:\n%s", got)
		}
	})
}

// TestBatches writes many records in batches of several sizes, over two tables in one Put.
func TestBatches(t *testing.T) {
	for _, size := range []string{"1", "7", "3000"} {
		t.Run(size, func(t *testing.T) {
			db := newDatabase(t, server)
			task := startTask(t, props(db, "pk.mode", "record_key", "auto.create", "true", "batch.size", size), nil)
			var recs []connectors.SinkRecord
			for i := range 1000 {
				r := person(int64(i), int32(i), fmt.Sprint("n", i))
				if i%3 == 0 {
					r.Topic = "others"
				}
				recs = append(recs, r)
			}
			mustPut(t, task, recs...)
			if got := rowsText(t, db, "SELECT count(*), sum(id), count(DISTINCT name) FROM people"); got != "666|332667|666" {
				t.Errorf("people: %s", got)
			}
			if got := rowsText(t, db, "SELECT count(*), sum(id) FROM others"); got != "334|166833" {
				t.Errorf("others: %s", got)
			}
		})
	}
}

// TestRetryAfterRestart: PostgreSQL stops for 2 s during a Put; the sink retries on a new
// connection and writes everything once the server is back.
func TestRetryAfterRestart(t *testing.T) {
	s := pgserver.ForTest(t)
	db := newDatabase(t, s)
	p := props(db, "pk.mode", "record_key", "auto.create", "true", "max.retries", "100", "retry.backoff.ms", "100",
		"connection.attempts", "1")
	p["connection.url"], p["connection.password"] = s.JDBCURL(db), s.Password
	task := startTask(t, p, nil)
	mustPut(t, task, person(0, 1, "before"))
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := make(chan error, 1)
	go func() {
		time.Sleep(2 * time.Second) // the outage itself, not a synchronisation
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		restarted <- s.Start(ctx)
	}()
	mustPut(t, task, person(1, 2, "during"), person(2, 3, "during"))
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	if got := rowsTextOn(t, s, db, "SELECT * FROM people ORDER BY id"); got != "1|before\n2|during\n3|during" {
		t.Fatalf("rows:\n%s", got)
	}
}

// TestRetriesExhausted: with the server down, a Put fails after max.retries+1 attempts,
// naming the connection failure.
func TestRetriesExhausted(t *testing.T) {
	s := pgserver.ForTest(t)
	db := newDatabase(t, s)
	p := props(db, "pk.mode", "record_key", "auto.create", "true", "max.retries", "2", "retry.backoff.ms", "10", "connection.attempts", "2", "connection.backoff.ms", "10")
	p["connection.url"], p["connection.password"] = s.JDBCURL(db), s.Password
	task := startTask(t, p, nil)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	err := put(t, task, person(0, 1, "x"))
	if err == nil || !strings.Contains(err.Error(), "connect to PostgreSQL at 127.0.0.1:") || !strings.Contains(err.Error(), "(attempt 2 of 2)") {
		t.Fatalf("put: %v", err)
	}
}

// TestErrantRecords: with a reporter, a record that cannot be written (no schema, a NOT NULL
// violation) is reported and the rest of the Put is written; a reporter that refuses
// (errors.tolerance=none) fails the Put and nothing of it is written.
func TestErrantRecords(t *testing.T) {
	db := newDatabase(t, server)
	exec(t, server, db, `CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL)`)
	tc := &taskContext{report: true}
	task := startTask(t, props(db, "pk.mode", "record_key", "max.retries", "1"), tc)
	schemaless := connectors.SinkRecord{Topic: "people", Offset: 1, Value: map[string]any{"id": 2}}
	mustPut(t, task, person(0, 1, "a"), schemaless, person(2, 3, nil), person(3, 4, "d"))
	if got := rowsText(t, db, "SELECT * FROM people ORDER BY id"); got != "1|a\n4|d" {
		t.Fatalf("rows:\n%s", got)
	}
	if len(tc.reported) != 2 || tc.reported[0].rec.Offset != 2 || tc.reported[1].rec.Offset != 1 ||
		!strings.Contains(tc.reported[1].err.Error(), "requires records with a non-null Struct value") ||
		!strings.Contains(tc.reported[0].err.Error(), `null value in column "name"`) {
		t.Fatalf("reported %v", tc.reported)
	}

	tc.refuse = errors.New("Tolerance exceeded in error handler")
	if err := put(t, task, person(4, 5, "e"), person(5, 6, nil)); err == nil || !strings.Contains(err.Error(), "Tolerance exceeded") {
		t.Fatalf("put: %v", err)
	}
	if got := rowsText(t, db, "SELECT * FROM people ORDER BY id"); got != "1|a\n4|d" {
		t.Fatalf("rows after a refused report:\n%s", got)
	}
}

// TestConfigValidation: the rules that span keys, the URL, and the Confluent keys this sink
// supports one value of.
func TestConfigValidation(t *testing.T) {
	tests := []struct {
		kv   []string
		want map[string]string // key → error
	}{
		{nil, nil},
		{[]string{"delete.enabled", "true"}, map[string]string{"delete.enabled": msgDeleteNeedsRecordKey, "pk.mode": msgDeleteNeedsRecordKey}},
		{[]string{"delete.enabled", "true", "pk.mode", "RECORD_KEY"}, nil},
		{[]string{"insert.mode", "upsert"}, map[string]string{"insert.mode": fmt.Sprintf(msgModeNeedsPK, "upsert")}},
		{[]string{"insert.mode", "merge"}, map[string]string{"insert.mode": "Invalid value merge for configuration insert.mode: String must be one of (case insensitive): INSERT, UPSERT, UPDATE"}},
		{[]string{"pk.fields", "id"}, map[string]string{"pk.fields": msgPKFieldsUnused}},
		{[]string{"pk.mode", "kafka", "pk.fields", "a,b"}, map[string]string{"pk.fields": msgKafkaPKFields}},
		{[]string{"connection.url", "jdbc:mysql://h/db"}, map[string]string{"connection.url": `"jdbc:mysql://h/db" is not a PostgreSQL JDBC URL: it must start with jdbc:postgresql:`}},
		{[]string{"connection.url", "jdbc:postgresql://h/db?loginTimeout=3"}, map[string]string{"connection.url": "the JDBC URL parameter loginTimeout is not supported"}},
		{[]string{"dialect.name", "MySqlDatabaseDialect"}, map[string]string{"dialect.name": "Invalid value MySqlDatabaseDialect for configuration dialect.name"}},
		{[]string{"db.timezone", "Europe/Paris"}, map[string]string{"db.timezone": "Invalid value Europe/Paris for configuration db.timezone"}},
		{[]string{"quote.sql.identifiers", "never"}, map[string]string{"quote.sql.identifiers": "Invalid value never"}},
		{[]string{"table.types", "VIEW"}, map[string]string{"table.types": "This sink writes to tables only"}},
		{[]string{"batch.size", "-1"}, map[string]string{"batch.size": "Value must be at least 0"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.kv, "="), func(t *testing.T) {
			p := map[string]string{"connection.url": "jdbc:postgresql://localhost/db"}
			for i := 0; i < len(tc.kv); i += 2 {
				p[tc.kv[i]] = tc.kv[i+1]
			}
			c := &SinkConnector{}
			got := map[string]string{}
			for _, v := range append(c.Config().Validate(p), c.ValidateConfig(p)...) {
				if len(v.Errors) > 0 {
					got[v.Name] = strings.Join(v.Errors, "; ")
				}
			}
			for k, want := range tc.want {
				if !strings.Contains(got[k], want) {
					t.Errorf("%s: errors %q, want %q", k, got[k], want)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("errors %v, want only %v", got, tc.want)
			}
			_, perr := parseConfig(p)
			if (perr == nil) != (len(tc.want) == 0) {
				t.Errorf("parseConfig: %v", perr)
			}
		})
	}
}

// TestParseJDBCURL: PgJDBC's URL forms and the parameters this sink maps to libpq's.
func TestParseJDBCURL(t *testing.T) {
	tests := []struct {
		url, wantDSN string
	}{
		{"jdbc:postgresql:shop", "host='localhost' port='5432' dbname='shop'"},
		{"jdbc:postgresql:/", "host='localhost' port='5432'"},
		{"jdbc:postgresql://db.example/shop", "host='db.example' port='5432' dbname='shop'"},
		{"jdbc:postgresql://db:6543,db2/shop?user=u&password=p%27w&sslmode=require", "host='db,db2' port='6543,5432' dbname='shop' user='u' password='p\\'w' sslmode='require'"},
		{"jdbc:postgresql://[::1]:5740/accounting?ssl=true", "host='::1' port='5740' dbname='accounting' sslmode='verify-full'"},
		{"jdbc:postgresql://h/d?ApplicationName=app&connectTimeout=5", "host='h' port='5432' dbname='d' application_name='app' connect_timeout='5'"},
		{"jdbc:postgresql://h/d?targetServerType=preferSecondary", "host='h' port='5432' dbname='d' target_session_attrs='prefer-standby'"},
	}
	for _, tc := range tests {
		c, err := parseJDBCURL(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		// Parameters come from a map: compare as sets of words.
		if got := sortedWords(c.dsn()); got != sortedWords(tc.wantDSN) {
			t.Errorf("%s: dsn %s, want %s", tc.url, c.dsn(), tc.wantDSN)
		}
	}
	c, err := parseJDBCURL("jdbc:postgresql://h/d?currentSchema=sales")
	if err != nil || c.runtime["search_path"] != "sales" {
		t.Errorf("currentSchema: %v %v", c.runtime, err)
	}
	for _, bad := range []string{"jdbc:postgresql://h:0/d", "jdbc:postgresql://h:x/d", "postgres://h/d", "jdbc:postgresql://h/d?connectTimeout=soon", "jdbc:postgresql://[::1/d"} {
		if _, err := parseJDBCURL(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func sortedWords(s string) string {
	w := strings.Fields(s)
	for i := range w {
		for j := i + 1; j < len(w); j++ {
			if w[j] < w[i] {
				w[i], w[j] = w[j], w[i]
			}
		}
	}
	return strings.Join(w, " ")
}

// TestCurrentSchema: currentSchema in the URL and schema.table in table.name.format.
func TestCurrentSchema(t *testing.T) {
	db := newDatabase(t, server)
	exec(t, server, db, "CREATE SCHEMA sales; CREATE SCHEMA other")
	p := props(db, "pk.mode", "record_key", "auto.create", "true")
	p["connection.url"] += "?currentSchema=sales"
	mustPut(t, startTask(t, p, nil), person(0, 1, "a"))
	mustPut(t, startTask(t, props(db, "pk.mode", "record_key", "auto.create", "true", "table.name.format", "other.kafka_${topic}"), nil), person(0, 2, "b"))
	if got := rowsText(t, db, "SELECT 'sales', * FROM sales.people UNION ALL SELECT 'other', * FROM other.kafka_people"); got != "sales|1|a\nother|2|b" {
		t.Fatalf("rows:\n%s", got)
	}
}

var _ = context.Background
