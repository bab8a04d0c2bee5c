package api

// LoggerLevel is one logger's level for GET /admin/loggers (spec §2.1): a log4j level name,
// and the epoch milliseconds of its last change through the API (0: never).
type LoggerLevel struct {
	Level        string
	LastModified int64
}
