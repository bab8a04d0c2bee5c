package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/connectd/connectd/connectors"
)

// tableID is a destination table: table.name.format with ${topic} replaced, read as
// [database.][schema.]table; an empty schema is the connection's current schema.
type tableID struct {
	database, schema, name string
}

func parseTableID(s string) tableID {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(p, `"`)
	}
	switch len(parts) {
	case 1:
		return tableID{name: parts[0]}
	case 2:
		return tableID{schema: parts[0], name: parts[1]}
	}
	n := len(parts)
	return tableID{database: strings.Join(parts[:n-2], "."), schema: parts[n-2], name: parts[n-1]}
}

// quoted is the table's name for SQL.
func (t tableID) quoted() string {
	if t.schema == "" {
		return pgx.Identifier{t.name}.Sanitize()
	}
	return pgx.Identifier{t.schema, t.name}.Sanitize()
}

func (t tableID) String() string {
	if t.schema == "" {
		return `"` + t.name + `"`
	}
	return `"` + t.schema + `"."` + t.name + `"`
}

// tableInfo is what the sink knows of a table: whether it exists and its column names.
type tableInfo struct {
	exists  bool
	columns map[string]bool
}

// describeTable reads a table's columns from the catalog.
func describeTable(ctx context.Context, q querier, t tableID) (*tableInfo, error) {
	rows, err := q.Query(ctx, `SELECT a.attname FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE c.relname = $1 AND n.nspname = COALESCE(NULLIF($2, ''), current_schema()) AND c.relkind IN ('r', 'p')`,
		t.name, t.schema)
	if err != nil {
		return nil, fmt.Errorf("describe table %s: %w", t, err)
	}
	info := &tableInfo{columns: map[string]bool{}}
	for rows.Next() {
		var name *string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("describe table %s: %w", t, err)
		}
		info.exists = true
		if name != nil {
			info.columns[*name] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe table %s: %w", t, err)
	}
	return info, nil
}

// querier is a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// columnDef is one column of CREATE TABLE or ALTER TABLE ADD.
func columnDef(col column, key bool) string {
	typ, _ := sqlType(col.schema) // checked by extractLayout
	def := pgx.Identifier{col.name}.Sanitize() + " " + typ
	if d := literal(col.schema); d != "" {
		def += " DEFAULT " + d
	}
	if key || !col.schema.Optional {
		def += " NOT NULL"
	} else {
		def += " NULL"
	}
	return def
}

// createTableSQL is Confluent's CREATE TABLE: the key columns first, then the value's, and
// the primary key.
func createTableSQL(t tableID, l *layout) string {
	var defs []string
	for _, c := range l.keys {
		defs = append(defs, columnDef(c, true))
	}
	for _, c := range l.values {
		defs = append(defs, columnDef(c, false))
	}
	if len(l.keys) > 0 {
		defs = append(defs, "PRIMARY KEY("+joinColumns(l.keys, "")+")")
	}
	return "CREATE TABLE IF NOT EXISTS " + t.quoted() + " (\n" + strings.Join(defs, ",\n") + ")"
}

// alterTableSQL adds the missing columns, refusing a required one without a default as
// Confluent's DbStructure.amendIfNecessary does.
func alterTableSQL(t tableID, missing []column) (string, error) {
	var adds []string
	for _, c := range missing {
		if !c.schema.Optional && c.schema.Default == nil {
			return "", recordErrorf("Cannot ALTER TABLE %s to add missing field %s, as the field is not optional and does not have a default value", t, c.name)
		}
		adds = append(adds, "ADD COLUMN IF NOT EXISTS "+columnDef(c, false))
	}
	return "ALTER TABLE " + t.quoted() + " " + strings.Join(adds, ", "), nil
}

func joinColumns(cols []column, prefix string) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = prefix + pgx.Identifier{c.name}.Sanitize()
	}
	return strings.Join(names, ", ")
}

// statement is a prepared write: its SQL and the columns whose values it binds, in order.
type statement struct {
	sql  string
	args []column
}

// writeStatement is the insert.mode statement of a layout, nil when there is nothing to
// write (update mode with no non-key column).
func writeStatement(t tableID, l *layout, mode string) *statement {
	all := slices.Concat(l.keys, l.values)
	placeholders := func(cols []column, from int, sep string, eq bool) string {
		parts := make([]string, len(cols))
		for i, c := range cols {
			p := fmt.Sprintf("$%d", from+i)
			if eq {
				p = pgx.Identifier{c.name}.Sanitize() + " = " + p
			}
			parts[i] = p
		}
		return strings.Join(parts, sep)
	}
	switch mode {
	case ModeUpdate:
		if len(l.values) == 0 {
			return nil
		}
		return &statement{
			sql: "UPDATE " + t.quoted() + " SET " + placeholders(l.values, 1, ", ", true) +
				" WHERE " + placeholders(l.keys, len(l.values)+1, " AND ", true),
			args: slices.Concat(l.values, l.keys),
		}
	case ModeUpsert:
		sql := "INSERT INTO " + t.quoted() + " (" + joinColumns(all, "") + ") VALUES (" + placeholders(all, 1, ", ", false) +
			") ON CONFLICT (" + joinColumns(l.keys, "") + ") DO "
		if len(l.values) == 0 {
			sql += "NOTHING"
		} else {
			sets := make([]string, len(l.values))
			for i, c := range l.values {
				id := pgx.Identifier{c.name}.Sanitize()
				sets[i] = id + " = EXCLUDED." + id
			}
			sql += "UPDATE SET " + strings.Join(sets, ", ")
		}
		return &statement{sql: sql, args: all}
	}
	return &statement{sql: "INSERT INTO " + t.quoted() + " (" + joinColumns(all, "") + ") VALUES (" + placeholders(all, 1, ", ", false) + ")", args: all}
}

// deleteStatement deletes the row of a record's key.
func deleteStatement(t tableID, l *layout) *statement {
	where := make([]string, len(l.keys))
	for i, c := range l.keys {
		where[i] = fmt.Sprintf("%s = $%d", pgx.Identifier{c.name}.Sanitize(), i+1)
	}
	return &statement{sql: "DELETE FROM " + t.quoted() + " WHERE " + strings.Join(where, " AND "), args: l.keys}
}

// bind reads a statement's arguments from a record.
func (s *statement) bind(r *connectors.SinkRecord) ([]any, error) {
	args := make([]any, len(s.args))
	for i, c := range s.args {
		v, err := bindValue(c.schema, c.get(r))
		if err != nil {
			return nil, recordErrorf("record at %s, column %s: %v", where(r), c.name, err)
		}
		args[i] = v
	}
	return args, nil
}
