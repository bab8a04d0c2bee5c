package postgres

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connectors"
)

// The configuration keys, as Confluent's JDBC sink connector names them.
const (
	ConnectionURLKey      = "connection.url"
	ConnectionUserKey     = "connection.user"
	ConnectionPasswordKey = "connection.password"
	ConnectionAttemptsKey = "connection.attempts"
	ConnectionBackoffKey  = "connection.backoff.ms"
	DialectKey            = "dialect.name"
	InsertModeKey         = "insert.mode"
	BatchSizeKey          = "batch.size"
	DeleteEnabledKey      = "delete.enabled"
	TableNameFormatKey    = "table.name.format"
	PKModeKey             = "pk.mode"
	PKFieldsKey           = "pk.fields"
	FieldsWhitelistKey    = "fields.whitelist"
	DBTimezoneKey         = "db.timezone"
	AutoCreateKey         = "auto.create"
	AutoEvolveKey         = "auto.evolve"
	QuoteIdentifiersKey   = "quote.sql.identifiers"
	TableTypesKey         = "table.types"
	MaxRetriesKey         = "max.retries"
	RetryBackoffKey       = "retry.backoff.ms"
)

// The insert modes and primary key modes.
const (
	ModeInsert = "insert"
	ModeUpsert = "upsert"
	ModeUpdate = "update"

	PKNone        = "none"
	PKKafka       = "kafka"
	PKRecordKey   = "record_key"
	PKRecordValue = "record_value"
)

// The one value this sink supports of each Confluent key that selects between behaviours it
// does not implement; any other value is refused, never silently ignored.
const (
	dialectPostgres = "PostgreSqlDatabaseDialect"
	timezoneUTC     = "UTC"
	quoteAlways     = "always"
	tableTypeTable  = "TABLE"
)

// Multi-key validation texts. The delete one is Confluent's JdbcSinkConfig text.
const (
	msgDeleteNeedsRecordKey = "Primary key mode must be 'record_key' when delete support is enabled"
	msgModeNeedsPK          = "Insert mode %s needs primary key fields: set pk.mode to kafka, record_key or record_value"
	msgPKFieldsUnused       = "pk.fields has no effect with pk.mode=none: remove it or choose a pk.mode"
	msgKafkaPKFields        = "With pk.mode=kafka, pk.fields must be empty (for __connect_topic, __connect_partition, __connect_offset) or name exactly 3 columns"
)

const (
	groupConnection = "Connection"
	groupWrites     = "Writes"
	groupMapping    = "Data Mapping"
	groupDDL        = "DDL Support"
	groupRetries    = "Retries"
)

// oneOfIgnoreCase accepts one value, case-insensitively, or null where nullable.
func only(value string) connectors.Validator {
	v := connectors.OneOfIgnoreCase(value)
	return func(x any) error {
		if x == nil || x == "" {
			return nil
		}
		return v(x)
	}
}

var sinkConfig = connectors.ConfigDef{
	{Name: ConnectionURLKey, Type: connectors.String, Required: true, Validator: connectors.NonEmpty(), Importance: connectors.High,
		Group: groupConnection, Width: connectors.WidthLong, DisplayName: "JDBC URL",
		Doc: "JDBC connection URL of the PostgreSQL database: jdbc:postgresql://host[:port][,host2[:port2]…]/database[?parameters] " +
			"(or jdbc:postgresql:database for localhost:5432). The parameters understood are user, password, sslmode, ssl, " +
			"sslrootcert, sslcert, sslkey (PEM files), ApplicationName, connectTimeout (seconds), currentSchema, options and " +
			"targetServerType; any other parameter is refused. connection.user and connection.password take precedence over " +
			"the URL's user and password."},
	{Name: ConnectionUserKey, Type: connectors.String, Default: nil, Importance: connectors.High, Group: groupConnection,
		Width: connectors.WidthMedium, DisplayName: "JDBC User", Doc: "JDBC connection user."},
	{Name: ConnectionPasswordKey, Type: connectors.Password, Default: nil, Importance: connectors.High, Group: groupConnection,
		Width: connectors.WidthMedium, DisplayName: "JDBC Password", Doc: "JDBC connection password."},
	{Name: ConnectionAttemptsKey, Type: connectors.Int, Default: "3", Validator: connectors.AtLeast(1), Importance: connectors.Low,
		Group: groupConnection, Width: connectors.WidthShort, DisplayName: "JDBC connection attempts",
		Doc: "Maximum number of attempts to open a connection to the database."},
	{Name: ConnectionBackoffKey, Type: connectors.Long, Default: "10000", Validator: connectors.AtLeast(0), Importance: connectors.Low,
		Group: groupConnection, Width: connectors.WidthShort, DisplayName: "JDBC connection backoff (millis)",
		Doc: "Backoff time in milliseconds between connection attempts."},
	{Name: DialectKey, Type: connectors.String, Default: "", Validator: only(dialectPostgres), Importance: connectors.Low,
		Group: groupConnection, Width: connectors.WidthLong, DisplayName: "Database Dialect",
		Doc: "The database dialect. This sink writes to PostgreSQL only: empty or PostgreSqlDatabaseDialect."},
	{Name: InsertModeKey, Type: connectors.String, Default: ModeInsert, Validator: connectors.OneOfIgnoreCase(ModeInsert, ModeUpsert, ModeUpdate),
		Importance: connectors.High, Group: groupWrites, Width: connectors.WidthMedium, DisplayName: "Insert Mode",
		Doc: "The insertion mode to use. insert: standard SQL INSERT statements. upsert: INSERT … ON CONFLICT (primary key) " +
			"DO UPDATE, so a record replaces the row of its key. update: UPDATE statements, which change the row of the " +
			"record's key if there is one. upsert and update need a pk.mode other than none."},
	{Name: BatchSizeKey, Type: connectors.Int, Default: "3000", Validator: connectors.AtLeast(0), Importance: connectors.Medium,
		Group: groupWrites, Width: connectors.WidthShort, DisplayName: "Batch Size",
		Doc: "Specifies how many records to attempt to batch together for insertion into the destination table, when possible: " +
			"that many statements are sent to PostgreSQL as one pipeline."},
	{Name: DeleteEnabledKey, Type: connectors.Boolean, Default: "false", Importance: connectors.Medium, Group: groupWrites,
		Width: connectors.WidthShort, DisplayName: "Enable deletes",
		Doc: "Whether to treat null record values as deletes. Requires pk.mode to be record_key. A null value deletes whether " +
			"its value schema is null (a tombstone) or not (ExtractNewRecordState's deletes through JsonConverter)."},
	{Name: TableNameFormatKey, Type: connectors.String, Default: "${topic}", Validator: connectors.NonEmpty(), Importance: connectors.Medium,
		Group: groupMapping, Width: connectors.WidthLong, DisplayName: "Table Name Format",
		Doc: "A format string for the destination table name, which may contain '${topic}' as a placeholder for the " +
			"originating topic name. For example, kafka_${topic} for the topic 'orders' will map to the table name " +
			"'kafka_orders'. schema.table writes to a table of that schema."},
	{Name: PKModeKey, Type: connectors.String, Default: PKNone, Validator: connectors.OneOfIgnoreCase(PKNone, PKKafka, PKRecordKey, PKRecordValue),
		Importance: connectors.High, Group: groupMapping, Width: connectors.WidthMedium, DisplayName: "Primary Key Mode",
		Doc: "The primary key mode. none: no keys utilized. kafka: Kafka coordinates are used as the PK. record_key: field(s) " +
			"from the record key are used, which may be a primitive or a struct. record_value: field(s) from the record value " +
			"are used, which must be a struct."},
	{Name: PKFieldsKey, Type: connectors.List, Default: "", Importance: connectors.Medium, Group: groupMapping,
		Width: connectors.WidthLong, DisplayName: "Primary Key Fields",
		Doc: "List of comma-separated primary key field names. The runtime interpretation of this config depends on the " +
			"pk.mode. kafka: must be a trio representing the Kafka coordinates, defaults to __connect_topic," +
			"__connect_partition,__connect_offset if empty. record_key: if empty, all fields from the key struct will be " +
			"used, otherwise used to extract the desired fields; for a primitive key only a single field name must be " +
			"configured. record_value: if empty, all fields from the value struct will be used, otherwise used to extract " +
			"the desired fields."},
	{Name: FieldsWhitelistKey, Type: connectors.List, Default: "", Importance: connectors.Medium, Group: groupMapping,
		Width: connectors.WidthLong, DisplayName: "Fields Whitelist",
		Doc: "List of comma-separated record value field names. If empty, all fields from the record value are utilized, " +
			"otherwise used to filter to the desired fields. Note that pk.fields is applied independently in the context " +
			"of which field(s) form the primary key columns in the destination database, while this configuration is " +
			"applicable for the other columns."},
	{Name: DBTimezoneKey, Type: connectors.String, Default: timezoneUTC, Validator: only(timezoneUTC), Importance: connectors.Medium,
		Group: groupMapping, Width: connectors.WidthMedium, DisplayName: "DB Time Zone",
		Doc: "Name of the JDBC timezone used in the connector when inserting time-based values. This sink writes Date, " +
			"Time and Timestamp values in UTC only."},
	{Name: AutoCreateKey, Type: connectors.Boolean, Default: "false", Importance: connectors.Medium, Group: groupDDL,
		Width: connectors.WidthShort, DisplayName: "Auto-Create",
		Doc: "Whether to automatically create the destination table based on record schema if it is found to be missing " +
			"by issuing CREATE."},
	{Name: AutoEvolveKey, Type: connectors.Boolean, Default: "false", Importance: connectors.Medium, Group: groupDDL,
		Width: connectors.WidthShort, DisplayName: "Auto-Evolve",
		Doc: "Whether to automatically add columns in the table schema when found to be missing relative to the record " +
			"schema by issuing ALTER. A missing field that is neither optional nor has a default cannot be added."},
	{Name: QuoteIdentifiersKey, Type: connectors.String, Default: quoteAlways, Validator: only(quoteAlways), Importance: connectors.Medium,
		Group: groupDDL, Width: connectors.WidthMedium, DisplayName: "Quote Identifiers",
		Doc: "When to quote table names, column names, and other identifiers in SQL statements. This sink always quotes."},
	{Name: TableTypesKey, Type: connectors.List, Default: tableTypeTable, Validator: func(v any) error {
		if l, ok := v.([]string); ok && len(l) == 1 && strings.EqualFold(l[0], tableTypeTable) {
			return nil
		}
		return errors.New("This sink writes to tables only: TABLE")
	}, Importance: connectors.Low, Group: groupDDL, Width: connectors.WidthMedium, DisplayName: "Table Types",
		Doc: "The comma-separated types of database tables to which the sink connector can write. This sink writes to TABLE only."},
	{Name: MaxRetriesKey, Type: connectors.Int, Default: "10", Validator: connectors.AtLeast(0), Importance: connectors.Medium,
		Group: groupRetries, Width: connectors.WidthShort, DisplayName: "Maximum Retries",
		Doc: "The maximum number of times to retry on errors before failing the task (or, with an errant record reporter, " +
			"handing the records that still fail to it)."},
	{Name: RetryBackoffKey, Type: connectors.Int, Default: "3000", Validator: connectors.AtLeast(0), Importance: connectors.Medium,
		Group: groupRetries, Width: connectors.WidthShort, DisplayName: "Retry Backoff (millis)",
		Doc: "The time in milliseconds to wait following an error before a retry attempt is made."},
}

// config is the parsed configuration of a task.
type config struct {
	conn          connSettings
	attempts      int
	connBackoff   time.Duration
	insertMode    string
	batchSize     int
	deleteEnabled bool
	tableFormat   string
	pkMode        string
	pkFields      []string
	whitelist     map[string]bool
	autoCreate    bool
	autoEvolve    bool
	maxRetries    int
	retryBackoff  time.Duration
	connectorName string
}

// parseConfig parses and checks props, with the multi-key rules of validate.
func parseConfig(props map[string]string) (*config, error) {
	v, err := sinkConfig.Parse(props)
	if err != nil {
		return nil, err
	}
	if errs := crossCheck(v); len(errs) > 0 {
		for _, cv := range errs {
			return nil, fmt.Errorf("%w: %s: %s", connectors.ErrInvalidConfig, cv.Name, cv.Errors[0])
		}
	}
	c := &config{
		attempts: v.Int(ConnectionAttemptsKey), connBackoff: time.Duration(v.Long(ConnectionBackoffKey)) * time.Millisecond,
		insertMode: strings.ToLower(v.String(InsertModeKey)), batchSize: max(1, v.Int(BatchSizeKey)),
		deleteEnabled: v.Bool(DeleteEnabledKey), tableFormat: v.String(TableNameFormatKey),
		pkMode: strings.ToLower(v.String(PKModeKey)), pkFields: nonEmpty(v.List(PKFieldsKey)),
		autoCreate: v.Bool(AutoCreateKey), autoEvolve: v.Bool(AutoEvolveKey),
		maxRetries: v.Int(MaxRetriesKey), retryBackoff: time.Duration(v.Int(RetryBackoffKey)) * time.Millisecond,
		connectorName: props["name"],
	}
	if wl := nonEmpty(v.List(FieldsWhitelistKey)); len(wl) > 0 {
		c.whitelist = map[string]bool{}
		for _, f := range wl {
			c.whitelist[f] = true
		}
	}
	c.conn, err = parseJDBCURL(v.String(ConnectionURLKey))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", connectors.ErrInvalidConfig, ConnectionURLKey, err)
	}
	if v.Has(ConnectionUserKey) {
		c.conn.user = v.String(ConnectionUserKey)
	}
	if v.Has(ConnectionPasswordKey) {
		c.conn.password = v.String(ConnectionPasswordKey)
	}
	return c, nil
}

func nonEmpty(l []string) []string {
	var out []string
	for _, s := range l {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// crossCheck applies the rules that span keys to parsed values; nil values (keys that did not
// parse) are left to their own errors.
func crossCheck(v connectors.Values) []connectors.ConfigValue {
	var out []connectors.ConfigValue
	add := func(key, msg string) {
		out = append(out, connectors.ConfigValue{Name: key, Errors: []string{msg}, Visible: true})
	}
	pkMode, _ := v[PKModeKey].(string)
	pkMode = strings.ToLower(pkMode)
	mode, _ := v[InsertModeKey].(string)
	mode = strings.ToLower(mode)
	del, _ := v[DeleteEnabledKey].(bool)
	if del && pkMode != PKRecordKey {
		add(DeleteEnabledKey, msgDeleteNeedsRecordKey)
		add(PKModeKey, msgDeleteNeedsRecordKey)
	}
	if pkMode == PKNone && (mode == ModeUpsert || mode == ModeUpdate) {
		add(InsertModeKey, fmt.Sprintf(msgModeNeedsPK, mode))
	}
	fields, _ := v[PKFieldsKey].([]string)
	n := len(nonEmpty(fields))
	if pkMode == PKNone && n > 0 {
		add(PKFieldsKey, msgPKFieldsUnused)
	}
	if pkMode == PKKafka && n != 0 && n != 3 {
		add(PKFieldsKey, msgKafkaPKFields)
	}
	if u, ok := v[ConnectionURLKey].(string); ok && u != "" {
		if _, err := parseJDBCURL(u); err != nil {
			add(ConnectionURLKey, err.Error())
		}
	}
	return out
}

// connSettings is where and how to connect, from connection.url and the credentials.
type connSettings struct {
	hosts    []string // host:port each
	database string
	user     string
	password string
	params   map[string]string // libpq keywords (sslmode, application_name, …)
	runtime  map[string]string // server settings (search_path)
}

// parseJDBCURL reads PgJDBC's URL forms: jdbc:postgresql:db, jdbc:postgresql:/,
// jdbc:postgresql://host[:port][,host[:port]…][/db][?k=v&…].
func parseJDBCURL(raw string) (connSettings, error) {
	const prefix = "jdbc:postgresql:"
	var c connSettings
	if !strings.HasPrefix(raw, prefix) {
		return c, fmt.Errorf("%q is not a PostgreSQL JDBC URL: it must start with %s", raw, prefix)
	}
	rest := raw[len(prefix):]
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	var err error
	if hostsAndDB, ok := strings.CutPrefix(rest, "//"); ok {
		hosts, db, _ := strings.Cut(hostsAndDB, "/")
		if hosts == "" {
			hosts = "localhost"
		}
		for _, h := range strings.Split(hosts, ",") {
			host, port := h, "5432"
			if strings.HasPrefix(h, "[") { // [::1]:5432
				end := strings.IndexByte(h, ']')
				if end < 0 {
					return c, fmt.Errorf("bad host %q in %q", h, raw)
				}
				host = h[:end+1]
				if p, ok := strings.CutPrefix(h[end+1:], ":"); ok {
					port = p
				}
			} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
				host, port = h[:i], h[i+1:]
			}
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return c, fmt.Errorf("bad port %q in %q", port, raw)
			}
			if host == "" {
				host = "localhost"
			}
			c.hosts = append(c.hosts, host+":"+port)
		}
		if c.database, err = url.PathUnescape(db); err != nil {
			return c, fmt.Errorf("bad database name in %q: %w", raw, err)
		}
	} else {
		c.hosts = []string{"localhost:5432"}
		if c.database, err = url.PathUnescape(strings.TrimPrefix(rest, "/")); err != nil {
			return c, fmt.Errorf("bad database name in %q: %w", raw, err)
		}
	}
	c.params, c.runtime = map[string]string{}, map[string]string{}
	if query == "" {
		return c, nil
	}
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		k, val, _ := strings.Cut(kv, "=")
		if val, err = url.QueryUnescape(val); err != nil {
			return c, fmt.Errorf("bad value of parameter %s in the JDBC URL: %w", k, err)
		}
		switch k {
		case "user":
			c.user = val
		case "password":
			c.password = val
		case "sslmode", "sslrootcert", "sslcert", "sslkey", "options":
			c.params[k] = val
		case "ssl":
			// PgJDBC: ssl=true without sslmode verifies the server fully.
			if _, set := c.params["sslmode"]; !set {
				if b, _ := strconv.ParseBool(val); b || val == "" {
					c.params["sslmode"] = "verify-full"
				} else {
					c.params["sslmode"] = "disable"
				}
			}
		case "ApplicationName":
			c.params["application_name"] = val
		case "connectTimeout":
			if _, err := strconv.Atoi(val); err != nil {
				return c, fmt.Errorf("connectTimeout=%s in the JDBC URL is not a number of seconds", val)
			}
			c.params["connect_timeout"] = val
		case "currentSchema":
			c.runtime["search_path"] = val
		case "targetServerType":
			m := map[string]string{"any": "any", "primary": "primary", "master": "primary", "secondary": "standby",
				"slave": "standby", "preferSecondary": "prefer-standby", "preferSlave": "prefer-standby"}
			if m[val] == "" {
				return c, fmt.Errorf("targetServerType=%s in the JDBC URL is not one of any, primary, secondary, preferSecondary", val)
			}
			c.params["target_session_attrs"] = m[val]
		default:
			return c, fmt.Errorf("the JDBC URL parameter %s is not supported by this sink (supported: user, password, sslmode, ssl, "+
				"sslrootcert, sslcert, sslkey, ApplicationName, connectTimeout, currentSchema, options, targetServerType)", k)
		}
	}
	return c, nil
}

// dsn is the libpq keyword/value connection string of c.
func (c connSettings) dsn() string {
	var b strings.Builder
	add := func(k, v string) {
		b.WriteString(k)
		b.WriteString("='")
		b.WriteString(strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v))
		b.WriteString("' ")
	}
	var hosts, ports []string
	for _, hp := range c.hosts {
		i := strings.LastIndexByte(hp, ':')
		hosts = append(hosts, strings.Trim(hp[:i], "[]"))
		ports = append(ports, hp[i+1:])
	}
	add("host", strings.Join(hosts, ","))
	add("port", strings.Join(ports, ","))
	if c.database != "" {
		add("dbname", c.database)
	}
	if c.user != "" {
		add("user", c.user)
	}
	if c.password != "" {
		add("password", c.password)
	}
	for k, v := range c.params {
		add(k, v)
	}
	return strings.TrimSpace(b.String())
}
