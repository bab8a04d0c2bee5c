package filestream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/connectd/connectd/connectors"
)

// Kafka's FileStreamSourceConnector.CONFIG_DEF, plus a lower bound on batch.size.
var sourceConfig = connectors.ConfigDef{
	{Name: FileKey, Type: connectors.String, Importance: connectors.High,
		Doc: "Source filename. If not specified, the standard input will be used"},
	{Name: TopicKey, Type: connectors.String, Required: true, Validator: connectors.NonEmpty(),
		Importance: connectors.High, Doc: "The topic to publish data to"},
	{Name: BatchSizeKey, Type: connectors.Int, Default: "2000", Validator: connectors.AtLeast(1),
		Importance: connectors.Low,
		Doc:        "The maximum number of records the source task can read from the file each time it is polled"},
}

// SourceConnector is Kafka's FileStreamSourceConnector: one task reading a file, or stdin
// when file is unset or empty, line by line into topic.
type SourceConnector struct {
	props map[string]string
}

var (
	_ connectors.SourceConnector      = (*SourceConnector)(nil)
	_ connectors.OffsetAlterer        = (*SourceConnector)(nil)
	_ connectors.ExactlyOnceSupporter = (*SourceConnector)(nil)
)

// Version is the Kafka release these connectors reproduce.
func (*SourceConnector) Version() string { return version }

// Config returns file, topic and batch.size.
func (*SourceConnector) Config() connectors.ConfigDef { return sourceConfig }

// Start checks the configuration and keeps it for the task.
func (c *SourceConnector) Start(_ connectors.ConnectorContext, props map[string]string) error {
	if _, err := sourceConfig.Parse(props); err != nil {
		return fmt.Errorf("start FileStreamSourceConnector: %w", err)
	}
	c.props = maps.Clone(props)
	return nil
}

// TaskConfigs returns exactly one task config, a copy of the connector's, whatever maxTasks
// is: one reader per file (spec §11.1).
func (c *SourceConnector) TaskConfigs(int) ([]map[string]string, error) {
	return []map[string]string{maps.Clone(c.props)}, nil
}

// Stop has nothing to release.
func (*SourceConnector) Stop() error { return nil }

// ExactlyOnceSupport is Kafka's answer: supported when reading a file (its offsets are
// positions a restarted task seeks to), unsupported for stdin, which has no offsets.
func (*SourceConnector) ExactlyOnceSupport(config map[string]string) (connectors.ExactlyOnceSupport, error) {
	if config[FileKey] == "" {
		return connectors.ExactlyOnceUnsupported, nil
	}
	return connectors.ExactlyOnceSupported, nil
}

// NewTask returns a task that reads lazily: it opens the file on its first poll.
func (*SourceConnector) NewTask() connectors.SourceTask { return newSourceTask() }

// AlterOffsets applies Kafka's checks (spec §11.1): file must be set; every non-null offset
// holds a non-negative int64 position and belongs to a partition with a filename. Whether the
// position fits the file is left to the task. It returns true: this connector keeps no
// offsets of its own.
func (*SourceConnector) AlterOffsets(props map[string]string, offsets []connectors.SourceOffset) (bool, error) {
	vals, err := sourceConfig.Parse(props)
	if err != nil {
		return false, fmt.Errorf("alter offsets: %w", err)
	}
	if vals.String(FileKey) == "" {
		return false, errors.New(msgAlterStdin)
	}
	for _, o := range offsets {
		if o.Offset == nil {
			continue // tombstones are always allowed, so garbage can be cleaned up
		}
		pos, ok := o.Offset[PositionField]
		if !ok {
			return false, errors.New(msgAlterNoPosition)
		}
		n, ok := pos.(int64)
		if !ok {
			return false, errors.New(msgAlterNotLong)
		}
		if n < 0 {
			return false, errors.New(msgAlterNegative)
		}
		if o.Partition == nil {
			return false, errors.New(msgAlterNilPartition)
		}
		if _, ok := o.Partition[FilenameField]; !ok {
			return false, errors.New(msgAlterNoFilename)
		}
	}
	return true, nil
}

// Defaults of the source task; tests shorten them.
const (
	defaultIdleWait   = time.Second // Kafka's wait between empty polls
	defaultBufferSize = 1024        // Kafka's initial line buffer; it doubles as lines need
)

// sourceTask is Kafka's FileStreamSourceTask. Poll runs on one goroutine; Stop may come from
// another, so the open file and buffer are guarded by mu, which Poll never holds while it
// waits.
type sourceTask struct {
	idleWait time.Duration
	stdin    io.Reader
	stop     chan struct{}
	stopOnce sync.Once

	// Set by Start.
	ctx       connectors.SourceTaskContext
	filename  string // "" reads stdin, with no offsets
	topic     string
	batchSize int

	mu        sync.Mutex
	stopped   bool
	file      *os.File // the open file; nil before the first successful open and for stdin
	in        input    // nil until opened
	partition map[string]any
	position  int64  // bytes consumed up to the end of the last emitted line
	buf       []byte // buf[start:end] is read but not yet emitted
	start     int
	end       int
	warned    bool // the missing-file warning was logged
}

var _ connectors.SourceTask = (*sourceTask)(nil)

func newSourceTask() *sourceTask {
	return &sourceTask{
		idleWait: defaultIdleWait,
		stdin:    os.Stdin,
		stop:     make(chan struct{}),
		buf:      make([]byte, defaultBufferSize),
	}
}

// Start parses the task config; the file is opened by the first Poll.
func (t *sourceTask) Start(ctx connectors.SourceTaskContext, props map[string]string) error {
	vals, err := sourceConfig.Parse(props)
	if err != nil {
		return fmt.Errorf("start FileStreamSourceTask: %w", err)
	}
	t.ctx = ctx
	t.filename = vals.String(FileKey)
	t.topic = vals.String(TopicKey)
	t.batchSize = vals.Int(BatchSizeKey)
	return nil
}

// Poll returns up to batch.size lines. With nothing to read it waits about a second (less
// if ctx ends or Stop is called) and returns nil, as Kafka's task does.
func (t *sourceTask) Poll(ctx context.Context) ([]connectors.SourceRecord, error) {
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return nil, nil
	}
	records, idle, err := t.pollLocked()
	t.mu.Unlock()
	if err != nil || !idle {
		return records, err
	}
	timer := time.NewTimer(t.idleWait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-t.stop:
	case <-timer.C:
	}
	return nil, nil
}

// pollLocked reads and splits what is available. idle means nothing at all could be read.
func (t *sourceTask) pollLocked() (records []connectors.SourceRecord, idle bool, err error) {
	if t.in == nil {
		if err := t.open(); err != nil {
			return nil, false, err
		}
		if t.in == nil {
			return nil, true, nil // the file does not exist yet
		}
	}
	readSome := false
	now := time.Now()
	for len(records) < t.batchSize {
		if line, ok := t.extractLine(); ok {
			if records == nil {
				records = make([]connectors.SourceRecord, 0, min(t.batchSize, 4096))
			}
			records = append(records, t.record(line, now))
			continue
		}
		if t.start > 0 {
			t.end = copy(t.buf, t.buf[t.start:t.end])
			t.start = 0
		}
		if t.end == len(t.buf) { // a line longer than the buffer
			t.buf = append(t.buf, make([]byte, len(t.buf))...)
		}
		n, err := t.in.read(t.buf[t.end:])
		if err != nil {
			return nil, false, fmt.Errorf("read %s: %w", t.describe(), err)
		}
		if n == 0 {
			break
		}
		readSome = true
		t.end += n
	}
	if len(records) > 0 || readSome {
		return records, false, nil
	}
	// Idle: an open file that has disappeared will never grow again. Kafka keeps reading the
	// deleted inode forever; reporting it lets the task go FAILED with a trace.
	if t.file != nil {
		if _, err := os.Stat(t.filename); errors.Is(err, fs.ErrNotExist) {
			return nil, false, fmt.Errorf("file %s no longer exists: %w", t.filename, err)
		}
	}
	return nil, true, nil
}

// open opens the file (or stdin) and seeks to the stored position. A file that does not exist
// leaves t.in nil: Kafka waits for it to be created.
func (t *sourceTask) open() error {
	if t.filename == "" {
		t.in = startPump(t.stdin, t.stop)
		return nil
	}
	f, err := os.Open(t.filename)
	if errors.Is(err, fs.ErrNotExist) {
		if !t.warned {
			t.warned = true
			slog.Default().Warn("FileStreamSource file does not exist yet; polling until it is created",
				"component", "filestream")
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", t.filename, err)
	}
	t.partition = map[string]any{FilenameField: t.filename}
	pos, err := t.storedPosition()
	if err == nil && pos > 0 {
		_, err = f.Seek(pos, io.SeekStart)
	}
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("file %s: %w", t.filename, err)
	}
	t.file, t.in, t.position = f, fileInput{bufio.NewReaderSize(f, fileReadSize)}, pos
	return nil
}

// storedPosition reads the committed position: 0 when there is none.
func (t *sourceTask) storedPosition() (int64, error) {
	if t.ctx == nil || t.ctx.Offsets() == nil {
		return 0, nil
	}
	off, err := t.ctx.Offsets().Offset(t.partition)
	if err != nil {
		return 0, fmt.Errorf("read stored offset: %w", err)
	}
	raw, ok := off[PositionField]
	if !ok || raw == nil {
		return 0, nil
	}
	pos, ok := raw.(int64)
	if !ok {
		return 0, fmt.Errorf("%w (got %T)", ErrOffsetType, raw)
	}
	if pos < 0 {
		return 0, fmt.Errorf("stored position %d is negative", pos)
	}
	return pos, nil
}

// extractLine takes the next line ending in \n, \r\n or a lone \r. A \r that ends the
// buffered data is held back: the next byte may be its \n (spec §11.1).
func (t *sourceTask) extractLine() (string, bool) {
	data := t.buf[t.start:t.end]
	for i, c := range data {
		if c != '\n' && c != '\r' {
			continue
		}
		next := i + 1
		if c == '\r' {
			if i+1 >= len(data) {
				return "", false
			}
			if data[i+1] == '\n' {
				next = i + 2
			}
		}
		line := string(data[:i])
		if !utf8.ValidString(line) {
			line = strings.ToValidUTF8(line, "\uFFFD") // as Java's decoder replaces bad input
		}
		t.start += next
		t.position += int64(next)
		return line, true
	}
	return "", false
}

func (t *sourceTask) record(line string, now time.Time) connectors.SourceRecord {
	r := connectors.SourceRecord{
		Topic:       t.topic,
		ValueSchema: connectors.StringSchema,
		Value:       line,
		Timestamp:   now,
	}
	if t.file != nil { // stdin has no offsets
		r.SourcePartition = t.partition
		r.SourceOffset = map[string]any{PositionField: t.position}
	}
	return r
}

func (t *sourceTask) describe() string {
	if t.filename == "" {
		return "stdin"
	}
	return t.filename
}

// bufferSize is the line buffer's capacity, as FileStreamSourceTask.bufferSize() in Kafka's
// tests.
func (t *sourceTask) bufferSize() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.buf)
}

// Stop ends a waiting Poll and closes the file. It is safe to call twice.
func (t *sourceTask) Stop() error {
	t.stopOnce.Do(func() { close(t.stop) })
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	f := t.file
	t.file, t.in = nil, nil
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("close %s: %w", t.filename, err)
		}
	}
	return nil
}

// input is what the task reads from; read never blocks and returns 0, nil when nothing is
// available now.
type input interface {
	read(p []byte) (int, error)
}

// fileInput reads the file through a buffer of its own: the line buffer stays Kafka's size
// (1 KiB, grown as lines need), which would otherwise be one read call per ten 100-byte lines.
type fileInput struct{ r *bufio.Reader }

// fileReadSize is how much of the file one read call asks for.
const fileReadSize = 64 << 10

func (in fileInput) read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, nil // the file may still grow
	}
	return n, err
}

// pump reads stdin on its own goroutine, because a read from a terminal or pipe blocks and
// cannot be interrupted; Poll takes what has arrived. The goroutine ends at EOF, on an error,
// or, once its read returns, after Stop.
type pump struct {
	ch      chan []byte
	errc    chan error
	pending []byte
	done    bool
}

func startPump(r io.Reader, stop <-chan struct{}) *pump {
	p := &pump{ch: make(chan []byte, 16), errc: make(chan error, 1)}
	go func() {
		defer close(p.ch)
		for {
			b := make([]byte, 32*1024)
			n, err := r.Read(b)
			if n > 0 {
				select {
				case p.ch <- b[:n]:
				case <-stop:
					return
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					p.errc <- err
				}
				return
			}
		}
	}()
	return p
}

func (p *pump) read(dst []byte) (int, error) {
	for len(p.pending) == 0 && !p.done {
		select {
		case b, ok := <-p.ch:
			if !ok {
				p.done = true
				select {
				case err := <-p.errc:
					return 0, err
				default:
				}
				return 0, nil
			}
			p.pending = b
		default:
			return 0, nil
		}
	}
	n := copy(dst, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}
