// Package pgserver starts a throwaway PostgreSQL server from Debian's postgresql package for
// tests and benchmarks: initdb into a fresh directory, then the postgres process itself on a
// free 127.0.0.1 port with wal_level=logical (what change data capture needs), stopped by its
// PID. Tests of several packages, the end-to-end tests and the benchmarks share it.
//
// It imports the standard library and pgx only. Invariants:
//   - PostgreSQL refuses to run as root, so under root the server runs as an unprivileged
//     system user (postgres if it exists, else nobody) and its data directory is owned by it;
//   - the server listens on TCP only (no Unix socket), with scram-sha-256 passwords for every
//     connection, so a client's user and password are really checked;
//   - every wait has a deadline; Stop signals the postgres PID (fast shutdown) and kills it
//     if it outlives the deadline;
//   - the binaries come from $PG_BIN, else the newest /usr/lib/postgresql/*/bin, else PATH.
package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotInstalled is returned by Start when no PostgreSQL server binaries are found.
var ErrNotInstalled = errors.New("PostgreSQL server binaries (initdb, postgres) not found: install Debian's postgresql package")

// Options tunes a server; the zero value is a durable server with PostgreSQL's defaults.
type Options struct {
	// Settings are extra postgresql.conf settings (-c name=value), e.g. fsync=off for tests
	// that do not measure anything.
	Settings map[string]string
}

// Server is one running (or stopped) PostgreSQL server.
type Server struct {
	Port     int
	User     string // the superuser, created by initdb
	Password string

	bin     string
	dataDir string // owned by the server's user
	root    string // the temporary directory holding dataDir and the log
	cred    *syscall.Credential
	opts    Options

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	log  *os.File
}

// stopTimeout bounds a fast shutdown before the process is killed.
const stopTimeout = 20 * time.Second

// Start makes a new cluster and starts it. ctx bounds initdb and the wait until the server
// accepts connections.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "connectd-pg-")
	if err != nil {
		return nil, fmt.Errorf("postgres temp dir: %w", err)
	}
	s := &Server{User: "connectd", Password: "connectd-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		bin: bin, root: root, dataDir: filepath.Join(root, "data"), cred: cred, opts: opts}
	if err := s.initdb(ctx); err != nil {
		_ = os.RemoveAll(root)
		return nil, err
	}
	if err := s.Start(ctx); err != nil {
		_ = os.RemoveAll(root)
		return nil, err
	}
	return s, nil
}

// ForTest starts a server for tb (fsync off: tests measure nothing) and removes it when tb
// ends; a server that cannot start fails tb with the reason.
func ForTest(tb testing.TB) *Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := Start(ctx, Options{Settings: map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}})
	if err != nil {
		tb.Fatalf("start PostgreSQL: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("stop PostgreSQL: %v", err)
		}
	})
	return s
}

// binDir finds the directory of initdb and postgres.
func binDir() (string, error) {
	has := func(dir string) bool {
		for _, f := range []string{"initdb", "postgres"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv("PG_BIN"); dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("PG_BIN=%s: %w", dir, ErrNotInstalled)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) }) // newest first
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
	}
	return "", ErrNotInstalled
}

// version is the major version in a /usr/lib/postgresql/<v>/bin path, 0 if none.
func version(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

// credential is who the server runs as: nil (this process's user) unless this is root, which
// PostgreSQL refuses.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, errors.New("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as")
}

// command builds a command of the server's binaries, run as the server's user.
func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.root
	cmd.Env = []string{"LANG=C", "LC_ALL=C", "PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
	return cmd
}

// chown gives path to the server's user.
func (s *Server) chown(path string) error {
	if s.cred == nil {
		return nil
	}
	return os.Chown(path, int(s.cred.Uid), int(s.cred.Gid))
}

func (s *Server) initdb(ctx context.Context) error {
	// The server's user must reach its data directory: the temp dir is made by this process
	// (mode 0700), so it is handed over too.
	if err := s.chown(s.root); err != nil {
		return fmt.Errorf("postgres: chown %s: %w", s.root, err)
	}
	pwfile := filepath.Join(s.root, "pwfile")
	if err := os.WriteFile(pwfile, []byte(s.Password+"\n"), 0o600); err != nil {
		return fmt.Errorf("postgres: password file: %w", err)
	}
	defer os.Remove(pwfile)
	if err := s.chown(pwfile); err != nil {
		return fmt.Errorf("postgres: chown %s: %w", pwfile, err)
	}
	out, err := s.command(ctx, "initdb", "-D", s.dataDir, "-U", s.User, "--pwfile="+pwfile,
		"--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput()
	if err != nil {
		return fmt.Errorf("postgres: initdb: %w: %s", err, out)
	}
	return nil
}

// Start starts the server (again, after Stop) on its port; a fresh server picks a free port.
// It returns once the server accepts connections, or with ctx's error.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("postgres: already running")
	}
	fresh := s.Port == 0
	for attempt := 0; ; attempt++ {
		if fresh {
			port, err := freePort()
			if err != nil {
				return err
			}
			s.Port = port
		}
		err := s.launch(ctx)
		if err == nil {
			return nil
		}
		// A free port may be taken between picking and binding; a fresh server tries another.
		if !fresh || attempt == 3 || ctx.Err() != nil {
			return err
		}
	}
}

// launch runs postgres and waits until it accepts a connection or exits; callers hold s.mu.
func (s *Server) launch(ctx context.Context) error {
	args := []string{"-D", s.dataDir, "-c", "listen_addresses=127.0.0.1", "-c", "port=" + strconv.Itoa(s.Port),
		"-c", "unix_socket_directories=", "-c", "wal_level=logical", "-c", "max_wal_senders=10",
		"-c", "max_replication_slots=10", "-c", "max_connections=200"}
	keys := make([]string, 0, len(s.opts.Settings))
	for k := range s.opts.Settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+s.opts.Settings[k])
	}
	logPath := filepath.Join(s.root, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("postgres: log: %w", err)
	}
	// Not CommandContext: the server outlives the start's context; Stop ends it by PID.
	cmd := s.command(context.Background(), "postgres", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("postgres: start: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.cmd, s.done, s.log = cmd, done, logf
	for {
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := s.ping(pingCtx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			s.cmd, s.done, s.log = nil, nil, nil
			logf.Close()
			return fmt.Errorf("postgres exited at start: %s", s.logTail())
		case <-ctx.Done():
			s.stopLocked()
			return fmt.Errorf("postgres: not accepting connections: %w (last: %v) %s", ctx.Err(), err, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) ping(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// logTail is the end of the server's log, for errors.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.root, "postgres.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Stop shuts the server down (SIGINT: fast shutdown), killing it if it has not exited within
// 20 s. The data directory stays, for Start.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

func (s *Server) stopLocked() error {
	if s.cmd == nil {
		return nil
	}
	pid := s.cmd.Process.Pid
	var err error
	if serr := syscall.Kill(pid, syscall.SIGINT); serr != nil && !errors.Is(serr, syscall.ESRCH) {
		err = fmt.Errorf("postgres: signal %d: %w", pid, serr)
	}
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(pid, syscall.SIGKILL)
		// Its children (backends) are in its process group.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-s.done
		err = errors.Join(err, fmt.Errorf("postgres %d did not stop within %v; killed", pid, stopTimeout))
	}
	s.log.Close()
	s.cmd, s.done, s.log = nil, nil, nil
	return err
}

// Close stops the server and removes its files.
func (s *Server) Close() error {
	err := s.Stop()
	return errors.Join(err, os.RemoveAll(s.root))
}

// URL is a pgx/libpq connection URL of database db as the superuser.
func (s *Server) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(s.User, s.Password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// JDBCURL is the JDBC URL of database db, as a JDBC connector's connection.url (without
// credentials: those are connection.user and connection.password).
func (s *Server) JDBCURL(db string) string {
	return "jdbc:postgresql://127.0.0.1:" + strconv.Itoa(s.Port) + "/" + db
}

// CreateDatabase creates database name.
func (s *Server) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: create database %s: %w", name, err)
	}
	return nil
}

// freePort is a TCP port on 127.0.0.1 free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
