package dummyrunner

import (
	"context"
	"io"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
)

// The telnet transport variants: plain telnet on the telnet door, the
// dummy client accepting one more of the portal's options, so that the
// report shows what the option costs apart from plain telnet.
const (
	// TransportTelnetMCCP2 is telnet with MCCP2 accepted: the portal's
	// output comes compressed (zlib) and the dummy inflates it; the wire
	// figures count the compressed bytes and the decode time includes
	// the inflating.
	TransportTelnetMCCP2 = "telnet+mccp2"
	// TransportTelnetGMCP is telnet with GMCP accepted: the dummy greets
	// (Core.Hello, Core.Supports.Set) and asks for values (Char.Value.Get)
	// when GMCP is on and again once logged in; the wire figures count
	// the GMCP messages received as out-of-band.
	TransportTelnetGMCP = "telnet+gmcp"
)

// dialTelnetWith returns the dial of a telnet transport accepting opts.
func dialTelnetWith(opts telnetOptions) dialFunc {
	return func(ctx context.Context, d dialTarget) (conn, []step, error) {
		o := opts
		o.quickack = d.quickack
		c, err := dialTelnet(ctx, d.addr, d.timeout, o)
		if err != nil {
			return nil, nil, &dialError{phase: "connect", reason: ReasonDial, err: err}
		}
		return c, nil, nil
	}
}

// gmcpClient is how the dummy names itself in Core.Hello.
const gmcpClient = `{"client": "portalsim-dummyrunner", "version": "1"}`

// appendGMCPHello appends what a GMCP client sends once GMCP is on: its
// greeting, the packages it supports and a first question (the
// character's name, empty before login), so that every GMCP connection
// gets an answer.
func appendGMCPHello(dst []byte) []byte {
	for _, m := range []string{
		"Core.Hello " + gmcpClient,
		`Core.Supports.Set ["Char 1", "Char.Value 1"]`,
		`Char.Value.Get {"name": "name"}`,
	} {
		dst = telnet.AppendSubneg(dst, telnet.OptGMCP, []byte(m))
	}
	return dst
}

// gmcpLoggedIn is the question a GMCP client asks once logged in: the
// name of the room the character stands in.
const gmcpLoggedIn = `Char.Value.Get {"name": "room_name"}`

// loggedIn implements oobAsker: with GMCP on, it asks for the room's name.
func (c *telnetConn) loggedIn() error {
	if !c.opts.gmcp {
		return nil
	}
	return c.write(telnet.AppendSubneg(nil, telnet.OptGMCP, []byte(gmcpLoggedIn)))
}

// timedReader is the socket under an MCCP2Reader: it counts the bytes
// read and the time spent waiting for them, so that the inflating's own
// time can be told apart. Only the connection's reader goroutine uses it.
type timedReader struct {
	r      io.Reader
	bytes  int64
	waited time.Duration
}

// Read implements io.Reader.
func (t *timedReader) Read(p []byte) (int, error) {
	start := time.Now()
	n, err := t.r.Read(p)
	t.waited += time.Since(start)
	t.bytes += int64(n)
	return n, err
}

// take returns the bytes and wait counted since the last take.
func (t *timedReader) take() (int64, time.Duration) {
	b, w := t.bytes, t.waited
	t.bytes, t.waited = 0, 0
	return b, w
}
