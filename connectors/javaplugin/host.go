package javaplugin

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
	"google.golang.org/protobuf/encoding/protodelim"
)

// DefaultKafkaVersion is the Connect API and Kafka clients version the host gives plugins
// unless the worker asks for another: Debezium 3.6 and Apache's own 4.3.1 connectors fail on
// the 4.4.0 client jars (classes they use moved), and run on 4.3.1.
const DefaultKafkaVersion = "4.3.1"

// Config says where the plugins are and how to run the host. A zero Config has no plugin.path.
type Config struct {
	// PluginPath is the worker's plugin.path, as Kafka Connect reads it.
	PluginPath []string
	// KafkaVersion is the Connect API and Kafka clients version plugins see; "" means
	// DefaultKafkaVersion.
	KafkaVersion string
	// Java is the java executable; "" means $JAVA_HOME/bin/java, else java on the PATH.
	Java string
	// Maven is the mvn executable that builds the host for a Kafka version whose dependencies
	// connectd does not pin (see hostDeps); "" means mvn on the PATH. The pinned versions need
	// no Maven.
	Maven string
	// MavenRepository is where the host's jars (and ecj) are fetched from: a Maven Central
	// mirror's URL, or a directory or file:// URL laid out as a Maven repository (such as
	// ~/.m2/repository); "" means $CONNECTD_MAVEN_REPOSITORY, else Maven Central.
	MavenRepository string
	// Compiler compiles the host: "javac" (beside Java), "ecj" (the Eclipse compiler, fetched
	// from the repository and run on Java), or "" for javac when Java is a JDK's, else ecj.
	Compiler string
	// CacheDir holds built hosts and, in repository/, the jars fetched for them; "" means
	// connectd/pluginhost under the user's cache directory.
	CacheDir string
	// JVMOptions are given to the host's JVM before its class (heap size, GC); nil means none.
	JVMOptions []string
	// PingInterval is how often a running host is asked whether it is alive; 0 means 5 s.
	PingInterval time.Duration
	// PingTimeout is how long a host may leave a ping unanswered before it is killed as hung
	// (its calls then fail); 0 means 20 s.
	PingTimeout time.Duration
	// CallTimeout bounds plugin calls the connectors API gives no context (Connector.Start,
	// TaskConfigs, Stop, Config); 0 means 90 s, Kafka Connect's REST request timeout.
	CallTimeout time.Duration
	// RestartBackoff is the first wait before a host that died is started again, doubling up to
	// a minute while it keeps dying; 0 means 1 s.
	RestartBackoff time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.KafkaVersion == "" {
		c.KafkaVersion = DefaultKafkaVersion
	}
	if c.Java == "" {
		c.Java = "java"
		if home := os.Getenv("JAVA_HOME"); home != "" {
			c.Java = filepath.Join(home, "bin", "java")
		}
	}
	if c.Maven == "" {
		c.Maven = "mvn"
	}
	if c.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return c, fmt.Errorf("plugin host cache directory: %w", err)
		}
		c.CacheDir = filepath.Join(dir, "connectd", "pluginhost")
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 5 * time.Second
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = 20 * time.Second
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = 90 * time.Second
	}
	if c.RestartBackoff <= 0 {
		c.RestartBackoff = time.Second
	}
	return c, nil
}

// Host is the worker's one JVM plugin host, supervised: started by the first call that needs
// it (never before), and started again, after a backoff, by the first call after it died. A
// host that exits, is killed or stops answering pings fails every call in flight and every
// instance it held with ErrHostDown; the instances are gone with it, and whoever owns them
// (a task's runner) makes new ones when it is restarted.
type Host struct {
	cfg      Config
	log      *slog.Logger
	startSem chan struct{} // one start at a time, waitable with a context

	mu        sync.Mutex
	proc      *process
	closed    bool
	backoff   time.Duration
	notBefore time.Time
	lastErr   error // why the last host ended, or its last start failed
}

// New returns the Host for cfg. It starts nothing.
func New(cfg Config, log *slog.Logger) (*Host, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Host{cfg: cfg, log: log.With("component", "pluginhost"), startSem: make(chan struct{}, 1)}, nil
}

// Close stops the host process, if one runs, and fails later calls with ErrClosed. It is safe
// to call twice.
func (h *Host) Close() error {
	h.mu.Lock()
	p := h.proc
	h.closed, h.proc = true, nil
	h.mu.Unlock()
	if p != nil {
		p.stop(fmt.Errorf("%w", ErrClosed))
	}
	return nil
}

// Hello starts the host if needed and returns what it found on plugin.path.
func (h *Host) Hello(ctx context.Context) (*pb.Hello, error) {
	p, err := h.process(ctx)
	if err != nil {
		return nil, err
	}
	return p.hello, nil
}

// process returns the running host process, starting one if there is none.
func (h *Host) process(ctx context.Context) (*process, error) {
	if p, err := h.current(); p != nil || err != nil {
		return p, err
	}
	select {
	case h.startSem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the plugin host to start: %w", ctx.Err())
	}
	defer func() { <-h.startSem }()
	if p, err := h.current(); p != nil || err != nil {
		return p, err
	}
	h.mu.Lock()
	wait, last := time.Until(h.notBefore), h.lastErr
	h.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("plugin host restart backoff, after %w: %w", last, ctx.Err())
		}
	}
	p, err := h.start(ctx)
	if err != nil {
		if ctx.Err() == nil { // a caller that gave up is no failure of the host's
			h.mu.Lock()
			if !h.closed {
				h.wentDown(err, 0)
			}
			h.mu.Unlock()
		}
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		p.stop(ErrClosed)
		return nil, ErrClosed
	}
	h.proc = p
	go h.supervise(p)
	return p, nil
}

// current is the running process, nil if there is none (or it died), or ErrClosed.
func (h *Host) current() (*process, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if h.proc != nil && !h.proc.isDone() {
		return h.proc, nil
	}
	return nil, nil
}

// supervise pings p until it ends, kills it when it stops answering, and sets the backoff
// before the next start.
func (h *Host) supervise(p *process) {
	started := time.Now()
	t := time.NewTicker(h.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			h.mu.Lock()
			if h.proc == p {
				h.proc = nil
			}
			if !h.closed {
				h.wentDown(p.err, time.Since(started))
			}
			h.mu.Unlock()
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), h.cfg.PingTimeout)
			_, err := p.call(ctx, &pb.Request{Call: &pb.Request_Ping{Ping: &pb.Ping{}}})
			cancel()
			if err != nil && !p.isDone() {
				p.stop(fmt.Errorf("%w: it did not answer a ping within %s and was killed", ErrHostDown, h.cfg.PingTimeout))
			}
		}
	}
}

// wentDown sets the wait before the next start after a host that ran for up (0: it never
// answered its start) ended with err: the first wait after a host ran a while, doubling up to
// a minute while starts keep failing, so that a host that cannot start is not started back to
// back by every call that needs it. h.mu is held.
func (h *Host) wentDown(err error, up time.Duration) {
	if up > 5*time.Minute || h.backoff == 0 {
		h.backoff = h.cfg.RestartBackoff
	} else {
		h.backoff = min(2*h.backoff, time.Minute)
	}
	h.notBefore = time.Now().Add(h.backoff)
	h.lastErr = err
	h.log.Warn("plugin host is down; the next call starts it again", "err", err, "backoff", h.backoff)
}

// start checks Java, builds the host if needed, starts it and waits for its Hello.
func (h *Host) start(ctx context.Context) (*process, error) {
	java, err := exec.LookPath(h.cfg.Java)
	if err != nil {
		return nil, fmt.Errorf("%w: no %s found: %w", ErrNoJava, h.cfg.Java, err)
	}
	v, err := javaVersion(ctx, java)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoJava, err)
	}
	if v < 17 {
		return nil, fmt.Errorf("%w: %s is Java %d", ErrNoJava, java, v)
	}
	b, err := h.build(ctx)
	if err != nil {
		return nil, err
	}
	args := jvmArgs(h.cfg.JVMOptions)
	args = append(args, "-cp", b.classpath(), "com.github.connectd.pluginhost.Main")
	args = append(args, h.cfg.PluginPath...)
	cmd := exec.Command(java, args...)
	// The host dies with its worker: EOF on its input ends it, and the kernel kills it if the
	// worker dies before it could close that input.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p, err := startProcess(cmd, h.log)
	if err != nil {
		return nil, err
	}
	select {
	case <-p.helloed:
	case <-p.done:
		return nil, p.err
	case <-ctx.Done():
		p.stop(fmt.Errorf("%w: start abandoned: %w", ErrHostDown, ctx.Err()))
		return nil, fmt.Errorf("wait for the plugin host to scan plugin.path: %w", ctx.Err())
	}
	for _, w := range p.hello.GetWarnings() {
		h.log.Warn(w)
	}
	h.log.Info("plugin host started", "pid", cmd.Process.Pid, "plugins", len(p.hello.GetPlugins()),
		"kafka", p.hello.GetKafkaVersion(), "java", p.hello.GetJavaVersion())
	return p, nil
}

// jvmArgs are the host JVM's options: the user's, after a default that keeps the JVM's own log
// to its warnings. Whatever the JVM prints, on either stream, is the host's log: the channel is
// a pipe of its own (startProcess), so no option can corrupt it. While the channel was standard
// output, a JVM warning there (-Xmn above -Xms prints one at start) or JFR's start-up lines
// (-XX:StartFlightRecording prints them to standard output whatever -Xlog says) were read as
// messages, and the host was killed for them.
func jvmArgs(user []string) []string {
	return append([]string{"-Xlog:disable", "-Xlog:all=warning:stderr"}, user...)
}

// process is one running host JVM and its channel.
type process struct {
	cmd     *exec.Cmd
	log     *slog.Logger
	stdin   io.WriteCloser
	wmu     sync.Mutex
	w       *bufio.Writer
	nextID  atomic.Uint64
	hello   *pb.Hello
	helloed chan struct{}
	output  *lineRing

	mu       sync.Mutex
	pending  map[uint64]chan *pb.Response
	handlers map[uint64]*handlers

	stopOnce sync.Once
	done     chan struct{} // closed once the process is gone and err is set
	err      error
}

// handlers answer what the host asks or reports about one instance.
type handlers struct {
	offsets func(partitions []map[string]any) ([]map[string]any, error)
	event   func(*pb.Event)
	errant  func(*pb.ReportErrant) error // a sink task's errant record report
}

func startProcess(cmd *exec.Cmd, log *slog.Logger) (*process, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	// The host writes its channel to file descriptor 3 (Main.java) and its log, what it and
	// the JVM print, to standard output and standard error, one pipe for both.
	channel, channelW, err := os.Pipe()
	if err != nil {
		stdin.Close()
		return nil, err
	}
	output, outputW, err := os.Pipe()
	if err != nil {
		stdin.Close()
		channel.Close()
		channelW.Close()
		return nil, err
	}
	growPipe(output, log)
	cmd.Stdout, cmd.Stderr = outputW, outputW
	cmd.ExtraFiles = []*os.File{channelW}
	err = cmd.Start()
	channelW.Close() // the host's ends: the reads below end when the host does
	outputW.Close()
	if err != nil {
		stdin.Close()
		channel.Close()
		output.Close()
		return nil, fmt.Errorf("%w: start %s: %w", ErrHostDown, cmd.Path, err)
	}
	p := &process{cmd: cmd, log: log.With("pid", cmd.Process.Pid), stdin: stdin, w: bufio.NewWriterSize(stdin, 1<<16),
		helloed: make(chan struct{}), output: &lineRing{max: 40}, pending: map[uint64]chan *pb.Response{},
		handlers: map[uint64]*handlers{}, done: make(chan struct{})}
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		defer output.Close()
		p.readOutput(output)
	}()
	go func() {
		readErr := p.read(channel)
		channel.Close()
		if readErr != nil {
			// A host whose output cannot be read would block writing to a pipe nobody reads
			// until the pings gave up on it: end it now, and say why.
			p.cmd.Process.Kill()
		}
		<-logged
		waitErr := cmd.Wait()
		p.finish(readErr, waitErr)
	}()
	return p, nil
}

// readOutput logs the host's output, what it and its JVM print on standard output and error
// (its plugins' logs among it), and keeps the last lines for traces.
//
// A plugin may print a line per record (Kafka's VerifiableSink prints two), so this is on the
// path of every record: the host's task thread blocks in its write whenever the pipe is full.
// Lines are therefore read in large chunks and not copied into a string apiece unless the log
// takes them (at debug level; the logger's level may change at run time, admin/loggers).
func (p *process) readOutput(r io.Reader) {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, outputBuffer), outputBuffer)
	ctx := context.Background()
	for s.Scan() {
		line := s.Bytes()
		p.output.add(line)
		if p.log.Enabled(ctx, slog.LevelDebug) {
			p.log.Debug(string(line))
		}
	}
}

// outputBuffer is the size of the host's output pipe and of the buffer it is read
// into, which is also the longest line kept: a pipe the size of Linux's default (64 KiB) holds
// one write of the host's log buffer, so the host's next write waited for the worker's reader to
// be scheduled; 1 MiB is the most an unprivileged process may ask for (fs.pipe-max-size's
// default).
const outputBuffer = 1 << 20

// growPipe asks the kernel for a pipe of outputBuffer bytes behind f; the default stays where
// it cannot (a lower fs.pipe-max-size).
func growPipe(f any, log *slog.Logger) {
	sc, ok := f.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, fSetPipeSize, outputBuffer)
	}); err == nil && errno != 0 {
		log.Debug("could not grow the plugin host's output pipe", "err", errno)
	}
}

// fSetPipeSize and fGetPipeSize are Linux's F_SETPIPE_SZ and F_GETPIPE_SZ (linux/fcntl.h),
// which the syscall package does not name.
const (
	fSetPipeSize = 1031
	fGetPipeSize = 1032
)

// read serves the host's frames until its output ends.
// frameReader reads the host's frames whatever their size. protodelim's default limit (4 MiB)
// is less than one batch of polled-ahead records can be (5 000 Debezium change events with their
// schemas are more), and the host is the worker's own child, not a peer to guard against.
var frameReader = protodelim.UnmarshalOptions{MaxSize: -1}

func (p *process) read(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		f := &pb.Frame{}
		if err := frameReader.UnmarshalFrom(br, f); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read from the plugin host: %w", err)
		}
		switch k := f.GetKind().(type) {
		case *pb.Frame_Hello:
			p.hello = k.Hello
			close(p.helloed)
		case *pb.Frame_Response:
			p.mu.Lock()
			ch := p.pending[k.Response.GetId()]
			delete(p.pending, k.Response.GetId())
			p.mu.Unlock()
			if ch != nil {
				ch <- k.Response
			}
		case *pb.Frame_HostRequest:
			go p.serve(k.HostRequest)
		case *pb.Frame_Event:
			if h := p.handlersOf(k.Event.GetInstance()); h != nil && h.event != nil {
				go h.event(k.Event)
			}
		}
	}
}

func (p *process) handlersOf(instance uint64) *handlers {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.handlers[instance]
}

func (p *process) setHandlers(instance uint64, h *handlers) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h == nil {
		delete(p.handlers, instance)
		return
	}
	p.handlers[instance] = h
}

// serve answers a HostRequest: a task's offset storage reader or errant record reporter.
func (p *process) serve(req *pb.HostRequest) {
	resp := &pb.HostResponse{Id: req.GetId()}
	switch c := req.GetCall().(type) {
	case *pb.HostRequest_ReadOffsets:
		if err := p.readOffsets(c.ReadOffsets, resp); err != nil {
			resp.Error = err.Error()
		}
	case *pb.HostRequest_ReportErrant:
		h := p.handlersOf(c.ReportErrant.GetInstance())
		switch {
		case h == nil || h.errant == nil:
			resp.Error = fmt.Sprintf("instance %d has no errant record reporter", c.ReportErrant.GetInstance())
		default:
			if err := h.errant(c.ReportErrant); err != nil {
				resp.Error = err.Error()
			} else {
				resp.Result = &pb.HostResponse_Done{Done: &pb.Done{}}
			}
		}
	default:
		resp.Error = fmt.Sprintf("the worker does not serve %T", req.GetCall())
	}
	p.send(&pb.Frame{Kind: &pb.Frame_HostResponse{HostResponse: resp}})
}

func (p *process) readOffsets(req *pb.ReadOffsets, resp *pb.HostResponse) error {
	h := p.handlersOf(req.GetInstance())
	if h == nil || h.offsets == nil {
		return fmt.Errorf("instance %d reads no offsets", req.GetInstance())
	}
	parts := make([]map[string]any, len(req.GetPartitions()))
	for i, v := range req.GetPartitions() {
		var err error
		if parts[i], err = mapFromProto(v); err != nil {
			return fmt.Errorf("source partition: %w", err)
		}
	}
	offs, err := h.offsets(parts)
	if err != nil {
		return err
	}
	out := &pb.Offsets{}
	for i, part := range req.GetPartitions() {
		e := &pb.OffsetEntry{Partition: part}
		if offs[i] != nil {
			if e.Offset, err = valueToProto(offs[i], nil); err != nil {
				return fmt.Errorf("source offset: %w", err)
			}
		}
		out.Entries = append(out.Entries, e)
	}
	resp.Result = &pb.HostResponse_Offsets{Offsets: out}
	return nil
}

func (p *process) send(f *pb.Frame) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if _, err := protodelim.MarshalTo(p.w, f); err != nil {
		return err
	}
	return p.w.Flush()
}

// call sends req and waits for its response, the host's end, or ctx. A Java exception is a
// *JavaError.
func (p *process) call(ctx context.Context, req *pb.Request) (*pb.Response, error) {
	wait, err := p.start(req)
	if err != nil {
		return nil, err
	}
	return wait(ctx)
}

// start sends req and returns once it is written; wait waits for its response as call does.
// Calls on one instance run in the host in the order they were sent.
func (p *process) start(req *pb.Request) (wait func(context.Context) (*pb.Response, error), err error) {
	id := p.nextID.Add(1)
	req.Id = id
	ch := make(chan *pb.Response, 1)
	p.mu.Lock()
	p.pending[id] = ch
	p.mu.Unlock()
	forget := func() {
		p.mu.Lock()
		delete(p.pending, id)
		p.mu.Unlock()
	}
	select {
	case <-p.done:
		forget()
		return nil, p.err
	default:
	}
	if err := p.send(&pb.Frame{Kind: &pb.Frame_Request{Request: req}}); err != nil {
		forget()
		select {
		case <-p.done:
			return nil, p.err
		default:
			return nil, fmt.Errorf("%w: write: %w", ErrHostDown, err)
		}
	}
	return func(ctx context.Context) (*pb.Response, error) {
		select {
		case r := <-ch:
			if f := r.GetFailure(); f != nil {
				// The response comes along: a sink call's reply says what the task asked of its
				// context before it threw.
				return r, &JavaError{Class: f.GetExceptionClass(), Message: f.GetMessage(), Trace: f.GetStackTrace(), Retriable: f.GetRetriable()}
			}
			return r, nil
		case <-p.done:
			forget()
			return nil, p.err
		case <-ctx.Done():
			forget()
			return nil, ctx.Err()
		}
	}, nil
}

func (p *process) isDone() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the process: closes its input (the host exits on EOF) and kills it. err is what
// calls in flight and later calls fail with.
func (p *process) stop(err error) {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		p.stdin.Close()
		p.cmd.Process.Kill()
	})
	<-p.done
}

// finish records why the process ended and fails everything waiting on it.
func (p *process) finish(readErr, waitErr error) {
	p.mu.Lock()
	if p.err == nil {
		why := "exited"
		if waitErr != nil {
			why = "exited: " + waitErr.Error()
		}
		if readErr != nil {
			why += " (" + readErr.Error() + ")"
		}
		p.err = fmt.Errorf("%w: process %d %s; its last output:\n%s", ErrHostDown, p.cmd.Process.Pid, why, p.output.String())
	}
	p.pending = map[uint64]chan *pb.Response{}
	p.mu.Unlock()
	p.stopOnce.Do(func() {}) // a later stop only waits
	close(p.done)
}

// JavaError is an exception a plugin threw in the host. Its text is the Java stack trace, the
// trace Kafka Connect shows for a FAILED task.
type JavaError struct {
	Class     string // the exception's class
	Message   string
	Trace     string // as printStackTrace writes it
	Retriable bool   // an org.apache.kafka.connect.errors.RetriableException
}

// The runtime recognises a Java exception by this interface alone.
var _ connectors.JavaException = (*JavaError)(nil)

// ExceptionClass is the Java exception's class, for the runtime's error reports.
func (e *JavaError) ExceptionClass() string { return e.Class }

// ExceptionMessage is the Java exception's message.
func (e *JavaError) ExceptionMessage() string { return e.Message }

func (e *JavaError) Error() string {
	if e.Trace != "" {
		return strings.TrimRight(e.Trace, "\n")
	}
	return e.Class + ": " + e.Message
}

// lineRing keeps the last max lines written to it, each in a buffer of its own that the line
// max lines later is copied into: no allocation per line once the ring went round.
type lineRing struct {
	mu    sync.Mutex
	max   int
	lines [][]byte
	next  int // the slot the next line goes to, once all max are in use
}

func (r *lineRing) add(line []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.lines) < r.max {
		r.lines = append(r.lines, slices.Clone(line))
		return
	}
	r.lines[r.next] = append(r.lines[r.next][:0], line...)
	r.next = (r.next + 1) % r.max
}

func (r *lineRing) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for i := range r.lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.Write(r.lines[(r.next+i)%len(r.lines)])
	}
	return b.String()
}
