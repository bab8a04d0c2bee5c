package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawGET is the load generator's client for GET cells: one keep-alive HTTP/1.1 connection, the
// request's bytes built once, each answer's status line and headers parsed in place and its
// body (Content-Length or chunked) discarded. The load generator shares this machine's cores
// with the server it measures, so what the client spends per request is taken from the
// server: net/http's client runs two goroutines per connection and allocates a Request, a
// Response and header maps per call, several times what this costs. A cheaper client makes
// the figure say more about the server (and is why wrk exists); both servers of a comparison
// get the same client.
type rawGET struct {
	addr    string // host:port
	request []byte
	timeout time.Duration // of one request

	conn net.Conn
	br   *bufio.Reader
	stop func() bool // ends the context.AfterFunc that unblocks conn when the run's context ends
}

// newRawGET prepares GETs of path at base (http://host:port).
func newRawGET(base, path string) (*rawGET, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("raw GET client: %s: only http:// is supported", base)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	req := fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\nUser-Agent: connectd-benchmarks\r\n\r\n", path, u.Host)
	return &rawGET{addr: host, request: req, timeout: 30 * time.Second}, nil
}

var errConnClose = errors.New("server closes the connection")

// get sends the request and reads the answer, which must have status want.
func (c *rawGET) get(ctx context.Context, want int) error {
	if c.conn == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 64<<10)
		// The run's context ends the request in flight, as net/http's client would.
		c.stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	}
	if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return c.drop(err)
	}
	if err := ctx.Err(); err != nil { // checked after the deadline is set, which it may have undone
		return c.drop(err)
	}
	if _, err := c.conn.Write(c.request); err != nil {
		return c.drop(err)
	}
	code, err := c.readAnswer()
	if err != nil {
		if errors.Is(err, errConnClose) {
			c.close()
			err = nil
		} else {
			return c.drop(err)
		}
	}
	if code != want {
		return fmt.Errorf("GET: %w %d", errStatus, code)
	}
	return nil
}

// readAnswer reads one response; errConnClose (with the status) when the server said it
// closes the connection after it.
func (c *rawGET) readAnswer() (int, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("malformed status line %q", line)
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("malformed status line %q", line)
	}
	length, chunked, closing := -1, false, false
	for {
		h, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, fmt.Errorf("malformed header %q", h)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		err = c.discardChunks()
	case length >= 0:
		_, err = c.br.Discard(length)
	case code == 204 || code == 304 || code < 200:
	default:
		_, err = io.Copy(io.Discard, c.br) // the body ends with the connection
		closing = true
	}
	if err != nil {
		return 0, err
	}
	if closing {
		return code, errConnClose
	}
	return code, nil
}

// discardChunks reads a chunked body and its trailer.
func (c *rawGET) discardChunks() error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if n == 0 {
			for { // trailer, then the blank line
				t, err := c.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := c.br.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}

// drop closes the connection after a failed request, so the next one dials afresh.
func (c *rawGET) drop(err error) error {
	c.close()
	return err
}

func (c *rawGET) close() {
	if c.conn != nil {
		c.stop()
		_ = c.conn.Close()
		c.conn, c.br, c.stop = nil, nil, nil
	}
}
