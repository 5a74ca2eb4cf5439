package testutil

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
)

// PromptMark stands for the end-of-output marker (IAC GA or IAC EOR) in
// the text a [TelnetClient] has received.
const PromptMark = "\u241e"

// ErrTimeout is returned when the expected output did not arrive in time.
var ErrTimeout = errors.New("testutil: timed out waiting for output")

// TelnetClient is a scripted telnet MUD client for tests. It refuses
// every option except EOR (so prompts are marked) and, if asked, NAWS
// and MXP.
type TelnetClient struct {
	nc net.Conn
	// transcript is the received text, with PromptMark for GA/EOR; its
	// mutex also guards the fields below.
	transcript
	naws [2]int
	// nawsRefused is set once the client has written WONT NAWS (asked
	// before SetWindowSize); SetWindowSize then offers NAWS itself.
	nawsRefused bool
	// mxp: accept the server's MXP (DialTelnetMXP); set before reading.
	mxp bool
}

// DialTelnet connects to a telnet server.
func DialTelnet(addr string) (*TelnetClient, error) {
	return dialTelnet(net.Dialer{Timeout: 5 * time.Second}, addr)
}

// DialTelnetFrom connects to a telnet server from the local IP address
// local: "127.0.0.5", say, is this machine too (all of 127.0.0.0/8 is
// loopback), but another client address to the server.
func DialTelnetFrom(local, addr string) (*TelnetClient, error) {
	ip := net.ParseIP(local)
	if ip == nil {
		return nil, fmt.Errorf("testutil: local address %q is not an IP", local)
	}
	return dialTelnet(net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: ip}}, addr)
}

// DialTelnetMXP connects to a telnet server as a client that accepts
// MXP when the server offers it (WILL MXP answered with DO MXP); its
// transcript then holds the MXP tags the server sends.
func DialTelnetMXP(addr string) (*TelnetClient, error) {
	return dialTelnetWith(net.Dialer{Timeout: 5 * time.Second}, addr, true)
}

// DialTelnetTLS connects to a telnet-over-TLS door, trusting whatever
// certificate it shows (the portal's own is self-signed and new each run).
func DialTelnetTLS(addr string) (*TelnetClient, error) {
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // a test client of a self-signed door
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return newTelnetClient(nc, false), nil
}

func dialTelnet(d net.Dialer, addr string) (*TelnetClient, error) {
	return dialTelnetWith(d, addr, false)
}

func dialTelnetWith(d net.Dialer, addr string, mxp bool) (*TelnetClient, error) {
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return newTelnetClient(nc, mxp), nil
}

// newTelnetClient starts a client on the connection nc.
func newTelnetClient(nc net.Conn, mxp bool) *TelnetClient {
	c := &TelnetClient{nc: nc, mxp: mxp}
	c.transcript.init()
	go c.read()
	return c
}

// SetWindowSize makes the client accept NAWS and report w x h: when the
// server asks, or at once if the client already refused the server's ask.
func (c *TelnetClient) SetWindowSize(w, h int) {
	c.mu.Lock()
	c.naws = [2]int{w, h}
	refused := c.nawsRefused
	c.mu.Unlock()
	if refused {
		b := telnet.AppendNegotiation(nil, telnet.Verb(telnet.WILL), telnet.OptNAWS)
		_ = c.Write(telnet.AppendNAWS(b, w, h))
	}
}

func (c *TelnetClient) read() {
	var dec telnet.Decoder
	b := make([]byte, 4096)
	for {
		n, err := c.nc.Read(b)
		if n > 0 {
			var reply []byte
			c.mu.Lock()
			dec.Decode(b[:n], func(e telnet.Event) {
				switch e.Kind {
				case telnet.EventData:
					c.buf.Write(e.Data)
				case telnet.EventCommand:
					if e.Cmd == telnet.GA || e.Cmd == telnet.EOR {
						c.buf.WriteString(PromptMark)
					}
				case telnet.EventNegotiation:
					reply = append(reply, c.answer(e.Verb, e.Opt)...)
				}
			})
			refusedNAWS := c.naws[0] == 0 && bytes.Contains(reply, telnet.AppendNegotiation(nil, telnet.Verb(telnet.WONT), telnet.OptNAWS))
			c.cond.Broadcast()
			c.mu.Unlock()
			if len(reply) > 0 {
				_, _ = c.nc.Write(reply)
			}
			if refusedNAWS {
				c.mu.Lock()
				c.nawsRefused = true // after the WONT is written, so an offer comes after it
				naws := c.naws
				c.mu.Unlock()
				if naws[0] > 0 { // SetWindowSize came meanwhile and did not offer
					b := telnet.AppendNegotiation(nil, telnet.Verb(telnet.WILL), telnet.OptNAWS)
					_, _ = c.nc.Write(telnet.AppendNAWS(b, naws[0], naws[1]))
				}
			}
		}
		if err != nil {
			c.fail(err)
			return
		}
	}
}

// answer replies to a negotiation. c.mu is held.
func (c *TelnetClient) answer(v telnet.Verb, o telnet.Option) []byte {
	switch v {
	case telnet.Verb(telnet.WILL):
		if o == telnet.OptEOR || o == telnet.OptMXP && c.mxp {
			return telnet.AppendNegotiation(nil, telnet.Verb(telnet.DO), o)
		}
		return telnet.AppendNegotiation(nil, telnet.Verb(telnet.DONT), o)
	case telnet.Verb(telnet.DO):
		if o == telnet.OptNAWS && c.naws[0] > 0 {
			b := telnet.AppendNegotiation(nil, telnet.Verb(telnet.WILL), o)
			return telnet.AppendNAWS(b, c.naws[0], c.naws[1])
		}
		return telnet.AppendNegotiation(nil, telnet.Verb(telnet.WONT), o)
	}
	return nil
}

// Send writes one line (CRLF appended).
func (c *TelnetClient) Send(line string) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := c.nc.Write([]byte(line + "\r\n"))
	return err
}

// Write writes raw bytes.
func (c *TelnetClient) Write(b []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := c.nc.Write(b)
	return err
}

// Command sends line and returns the output up to the next prompt.
func (c *TelnetClient) Command(line string, timeout time.Duration) (string, error) {
	if err := c.Send(line); err != nil {
		return "", err
	}
	return c.ReadPrompt(timeout)
}

// Close closes the connection.
func (c *TelnetClient) Close() error { return c.nc.Close() }

// CloseWrite shuts down the client's sending side only, as a script
// that has sent its commands does (shutdown(SHUT_WR)): the server reads
// the end of the input, and the client still reads what comes.
func (c *TelnetClient) CloseWrite() error {
	tc, ok := c.nc.(*net.TCPConn)
	if !ok {
		return fmt.Errorf("testutil: CloseWrite on a %T", c.nc)
	}
	return tc.CloseWrite()
}

// LocalAddr is the client's side of the connection.
func (c *TelnetClient) LocalAddr() net.Addr { return c.nc.LocalAddr() }
