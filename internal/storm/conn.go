package storm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"time"
)

// ProbeCommand is the echo probe's command; the answer starts with
// ProbeCommand + ":" + token + "," (see the package doc).
const ProbeCommand = "dummyrunner_echo_response"

// queuedNotice is in the message of a session that joined a non-empty
// throttle queue (Evennia's, and the portal's, DoS message).
var queuedNotice = []byte("DoS protection is active")

// conn is one storm connection.
type conn struct {
	nc     net.Conn
	start  time.Time
	token  string
	seen   []byte // the tail of what came, for markers split across reads
	queued bool   // the queue notice came
	buf    []byte
}

// dial opens connection seq from src (invalid: the system's choice) and
// waits for the portal's first byte. The Result has Connect and, once it
// came, Banner set, or Err and Stage.
func dial(ctx context.Context, target string, src netip.Addr, seq int, timeout time.Duration) (*conn, Result) {
	r := Result{Seq: seq, Start: time.Now()}
	d := net.Dialer{Timeout: timeout}
	if src.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: src.AsSlice()}
	}
	nc, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		r.Stage, r.Err = StageDial, err
		return nil, r
	}
	r.Connect = time.Since(r.Start)
	c := &conn{nc: nc, start: r.Start, token: "storm-" + strconv.Itoa(seq), buf: make([]byte, 2048)}
	_ = nc.SetReadDeadline(r.Start.Add(timeout))
	n, err := nc.Read(c.buf)
	if n == 0 {
		if err == nil {
			err = errors.New("empty read")
		}
		r.Stage, r.Err = StageBanner, err
		c.close()
		return nil, r
	}
	r.Banner = time.Since(r.Start)
	c.keep(c.buf[:n])
	return c, r
}

// probe sends the echo probe and waits for its answer, until timeout;
// it sets r.Answer (from the dial), or r.Err and r.Stage. The wait for
// the answer is r.Answer minus the time the probe went.
func (c *conn) probe(r *Result, timeout time.Duration) {
	sent := time.Now()
	_ = c.nc.SetDeadline(sent.Add(timeout))
	if _, err := fmt.Fprintf(c.nc, "%s %s\r\n", ProbeCommand, c.token); err != nil {
		r.Stage, r.Err = StageAnswer, err
		return
	}
	want := []byte(ProbeCommand + ":" + c.token + ",")
	for !bytes.Contains(c.seen, want) {
		n, err := c.nc.Read(c.buf)
		c.keep(c.buf[:n])
		if err != nil && !bytes.Contains(c.seen, want) {
			r.Stage, r.Err = StageAnswer, err
			r.Queued = c.queued
			return
		}
	}
	r.Answer = time.Since(c.start)
	r.ProbeWait = time.Since(sent)
	r.Queued = c.queued
}

// keep appends b to what came, keeping only a tail long enough for the
// markers looked for, and notes the queue notice.
func (c *conn) keep(b []byte) {
	c.seen = append(c.seen, b...)
	if !c.queued && bytes.Contains(c.seen, queuedNotice) {
		c.queued = true
	}
	if len(c.seen) > 4096 {
		c.seen = append(c.seen[:0], c.seen[len(c.seen)-256:]...)
	}
}

// close closes with a reset (SO_LINGER 0): no TIME_WAIT on either side,
// so a storm of tens of thousands of connections does not run out of
// ports; the portal sees the client hang up.
func (c *conn) close() {
	if tc, ok := c.nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.nc.Close()
}

// failure names the cause of err for the counts: a timeout, a refusal,
// a reset, the end of the stream, or the error's own text.
func failure(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no local port"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "out of descriptors"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, io.EOF):
		return "closed"
	}
	return err.Error()
}
