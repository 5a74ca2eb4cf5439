package ampportal

import (
	"bytes"
	"errors"
	"io"
	"net"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
)

// role is what an AMP connection turned out to be, from its first
// command (AMP has no hello).
type role uint8

const (
	roleUnknown role = iota
	// roleServer: an Evennia Server (its Admin and Msg commands).
	roleServer
	// roleControl: Evennia's launcher or a status query (MsgStatus,
	// MsgLauncher2Portal).
	roleControl
)

// ampConn is one AMP connection. The loop owns every field but nc's
// reading side, which its reader goroutine owns.
type ampConn struct {
	nc      net.Conn
	id      uint64
	role    role
	w       *amp.Writer
	timeout time.Duration
	tags    uint64 // the last tag this side asked with
	closed  bool
}

// classify returns the role a connection's first box gives it.
func classify(b amp.Box) role {
	switch string(b.Command()) {
	case amp.CommandAdminServer2Portal, amp.CommandMsgServer2Portal:
		return roleServer
	}
	return roleControl
}

// read hands every box of c to the loop, cloned, then the error that
// ended the connection. The first box decides the role, and so the
// limits of the boxes after it.
func (b *Bridge) read(c *ampConn, serverLimits amp.Limits) {
	r := amp.NewReader(c.nc, controlLimits)
	first := true
	for {
		box, err := r.ReadBox()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			b.post(event{amp: c, ampErr: err, ampGone: true})
			return
		}
		if first {
			first = false
			if classify(box) == roleServer {
				r.SetLimits(serverLimits)
			}
		}
		if !b.post(event{amp: c, box: box.Clone()}) {
			return
		}
	}
}

// write writes one box, bounded by the connection's timeout. A failed
// write closes the connection: its reader then reports it gone.
func (c *ampConn) write(box amp.Box) error {
	if c.closed {
		return net.ErrClosed
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	if err := c.w.WriteBox(box); err != nil {
		c.close()
		return err
	}
	return nil
}

// ask writes a command with the next tag and returns the tag.
func (c *ampConn) ask(name string, args ...amp.Field) (uint64, error) {
	c.tags++
	return c.tags, c.write(amp.NewCommand(name, amp.AppendTag(nil, c.tags), args...))
}

// answer answers the command tagged tag (no answer if it wants none).
func (c *ampConn) answer(tag []byte, values ...amp.Field) {
	if tag != nil {
		_ = c.write(amp.NewAnswer(tag, values...))
	}
}

// fail answers the command tagged tag with an error of code.
func (c *ampConn) fail(tag []byte, code, description string) {
	if tag != nil {
		_ = c.write(amp.NewError(tag, code, description))
	}
}

// close closes the connection; its reader reports it gone.
func (c *ampConn) close() {
	if !c.closed {
		c.closed = true
		_ = c.nc.Close()
	}
}

// parseTag reads a tag this side wrote (lower-case hex); false for any
// other.
func parseTag(t []byte) (uint64, bool) {
	if len(t) == 0 || len(t) > 16 {
		return 0, false
	}
	var n uint64
	for _, ch := range t {
		switch {
		case ch >= '0' && ch <= '9':
			n = n<<4 | uint64(ch-'0')
		case ch >= 'a' && ch <= 'f':
			n = n<<4 | uint64(ch-'a'+10)
		default:
			return 0, false
		}
	}
	if !bytes.Equal(amp.AppendTag(nil, n), t) {
		return 0, false // leading zeros: not a tag of ours
	}
	return n, true
}
