package portal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/telnet"
	"github.com/portalsim/portalsim/portal/sshdoor"
)

// The SSH door (Evennia's ssh.py), glued to the portal; its machinery is
// in package sshdoor.
//
// Authentication. The portal knows no accounts, so it cannot check a
// password; the game can. Every password is accepted at the SSH level
// and becomes the session's first input, `connect "<user>" <password>`
// (sshdoor.ConnectCommand), which the game checks like a typed one, its
// failed-login throttle included: a right password logs the player in
// at once, a wrong one leaves them on the login screen, where they may
// `connect` or `create` — Evennia's behaviour. The password is never
// logged, echoed or kept: it lives in the connection until the session
// starts and is sent over the authenticated link like any typed
// command. Only "password" is offered: a client with no password (the
// "none" method, a public key) is refused, so that OpenSSH asks for one.
//
// Goroutines. The set-up goroutine does the handshake, takes the one
// session channel and then serves that channel's requests (pty-req,
// shell, window-change) for the connection's life; once the shell is
// requested, a reader goroutine runs the line editor on what the player
// types and a writer goroutine drains the outbox into the channel, as
// for telnet. Set-up (key exchange, authentication, up to the shell
// request) is bounded by Config.DoorHandshakeTimeout.

// sshKey is the door's protocol key (Evennia's).
const sshKey = "ssh"

// sshServerVersion is what the door tells clients it is.
const sshServerVersion = "SSH-2.0-portalsim"

// errSSHSetupTimeout is why an SSH connection that authenticated but
// asked for no shell within Config.DoorHandshakeTimeout was closed.
var errSSHSetupTimeout = errors.New("no shell requested in time")

// sshConn is one SSH player connection: a [Protocol] on the session
// channel of an SSH connection.
type sshConn struct {
	p        *Portal
	nc       net.Conn
	out      *outbox
	sess     *Session      // set by Bind, inside Handler.Connect, before anything can use it
	finished chan struct{} // closed when the reader and writer have ended (see ended)
	stop     chan struct{} // closed to stop the writer
	wrDone   chan struct{} // closed when the writer has ended (the connection is closed)
	stopOnce sync.Once
	// leaveHandshake ends the connection's count among the doors'
	// handshakes (Portal.enterHandshake): at its session's start, or when
	// it ends without one.
	leaveHandshake func()

	// Set by the set-up goroutine before the session starts, then read-only.
	sc    *ssh.ServerConn
	ch    ssh.Channel
	pty   bool
	term  string
	login string // the connect command the password makes; dropped once sent

	// window is the last size the client reported; touched only by the
	// set-up goroutine, which serves the requests.
	window sshdoor.Window

	// Reader state: touched only by the reader goroutine.
	ed         sshdoor.LineEditor
	warnedUTF8 bool
	idle       *time.Timer
}

var (
	_ Protocol      = (*sshConn)(nil)
	_ SessionBinder = (*sshConn)(nil)
	_ playerConn    = (*sshConn)(nil)
)

// openSSH opens the SSH door, if Config.SSHAddr is set.
func (p *Portal) openSSH() error {
	if p.cfg.SSHAddr == "" {
		return nil
	}
	key, err := p.sshHostKey()
	if err != nil {
		return fmt.Errorf("%s: %w", DoorSSH, err)
	}
	failures := &refusalLog{every: handshakeLogEvery}
	return p.openDoor(DoorSSH, p.cfg.SSHAddr, p.acceptWith(DoorSSH, func(nc net.Conn) {
		leave, ok := p.enterHandshake(DoorSSH, nc.RemoteAddr())
		if !ok {
			_ = nc.Close()
			return
		}
		c := &sshConn{p: p, nc: nc, leaveHandshake: leave}
		if !p.goSafe(func() { c.setUp(key, failures) }) {
			leave()
			_ = nc.Close()
		}
	}), nil)
}

// sshHostKey returns the door's host key: Config.SSHHostKeyFile's, or
// a new one in memory.
func (p *Portal) sshHostKey() (ssh.Signer, error) {
	if p.cfg.SSHHostKeyFile == "" {
		p.log.Info("ssh.hostkey.ephemeral", "note", "a new host key for this run; set a host key file to keep it")
		return sshdoor.NewHostKey()
	}
	key, created, err := sshdoor.LoadOrCreateHostKey(p.cfg.SSHHostKeyFile)
	if err != nil {
		return nil, err
	}
	if created {
		p.log.Info("ssh.hostkey.created", "path", p.cfg.SSHHostKeyFile, "fingerprint", ssh.FingerprintSHA256(key.PublicKey()))
	}
	return key, nil
}

// serverConfig is the SSH configuration of one connection: its password
// callback keeps the login command for this connection only.
func (c *sshConn) serverConfig(key ssh.Signer) *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		ServerVersion: sshServerVersion,
		PasswordCallback: func(md ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			c.login, _ = sshdoor.ConnectCommand(md.User(), string(password), c.p.cfg.MaxLineLength)
			return nil, nil
		},
	}
	cfg.AddHostKey(key)
	return cfg
}

// setUp runs the connection until its session channel ends: handshake,
// the session channel, its requests.
func (c *sshConn) setUp(key ssh.Signer, failures *refusalLog) {
	p := c.p
	defer c.leaveHandshake() // if no session started: its start ends the handshake
	stop := context.AfterFunc(p.ctx, func() { _ = c.nc.Close() })
	defer stop()
	var expired atomic.Bool
	deadline := time.AfterFunc(p.cfg.DoorHandshakeTimeout, func() {
		expired.Store(true)
		_ = c.nc.Close()
	})
	defer deadline.Stop()
	failed := func(err error) {
		failures.log(p.log, "door.handshake.failed", c.nc.RemoteAddr().String(), fmt.Errorf("%s: %w", DoorSSH, err))
		p.h.stats.sshHandshakeFailed.Add(1) // after the log line: a test that sees the count finds the line
	}
	sc, chans, reqs, err := ssh.NewServerConn(c.nc, c.serverConfig(key))
	if err != nil {
		failed(err)
		_ = c.nc.Close()
		return
	}
	defer func() {
		if c.sess == nil && expired.Load() {
			failed(errSSHSetupTimeout)
		}
	}()
	c.sc = sc
	defer sc.Close() // a session, if it started, has closed it already
	if !p.goSafe(func() { ssh.DiscardRequests(reqs) }) {
		return
	}
	ch, chReqs, ok := acceptSession(chans)
	if !ok {
		return
	}
	c.ch = ch
	defer ch.Close()
	if !p.goSafe(func() { rejectChannels(chans) }) {
		return
	}
	for req := range chReqs {
		ok := c.request(req, deadline)
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
		if (req.Type == "exec" || req.Type == "subsystem") && c.sess == nil {
			_ = ch.Close() // after the refusal: a client that wanted a command has nothing more to do here
		}
	}
	if c.sess != nil {
		<-c.finished // the session closes the channel and the connection itself
	}
}

// acceptSession accepts the first session channel and refuses the
// others before it; false if the connection ended first.
func acceptSession(chans <-chan ssh.NewChannel) (ssh.Channel, <-chan *ssh.Request, bool) {
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.Prohibited, "only a session channel is served")
			continue
		}
		ch, reqs, err := nch.Accept()
		if err != nil {
			return nil, nil, false
		}
		return ch, reqs, true
	}
	return nil, nil, false
}

// rejectChannels refuses every further channel: a player has one
// session per connection, and nothing is forwarded.
func rejectChannels(chans <-chan ssh.NewChannel) {
	for nch := range chans {
		_ = nch.Reject(ssh.Prohibited, "one session per connection")
	}
}

// request handles one request of the session channel and reports
// whether it succeeded.
func (c *sshConn) request(req *ssh.Request, deadline *time.Timer) bool {
	switch req.Type {
	case "pty-req":
		pr, err := sshdoor.ParsePtyRequest(req.Payload)
		if err != nil {
			c.p.h.countProtocolErr()
			return false
		}
		if c.sess != nil {
			return false // too late: the session started without one
		}
		c.pty, c.term, c.window = true, pr.Term, pr.Window
		return true
	case "window-change":
		return c.windowChanged(req.Payload)
	case "shell":
		if c.sess != nil {
			return false
		}
		deadline.Stop()
		return c.start()
	case "exec", "subsystem":
		if c.sess == nil {
			_, _ = io.WriteString(c.ch.Stderr(), "This is a game: log in without a command.\r\n")
		}
		return false
	}
	return false // env, x11-req, agent forwarding, ...: not offered
}

// windowChanged applies a window-change request: the new size becomes
// the session's SCREENWIDTH and SCREENHEIGHT, told to the server, like
// telnet's NAWS (Evennia ignores window changes; we do not copy that).
func (c *sshConn) windowChanged(payload []byte) bool {
	w, err := sshdoor.ParseWindowChange(payload)
	if err != nil {
		c.p.h.countProtocolErr()
		return false
	}
	if w == c.window {
		return true // the same size again: nothing to tell the server
	}
	c.window = w
	if c.sess != nil {
		c.sess.SetFlags(map[string]any{"SCREENWIDTH": w.Width, "SCREENHEIGHT": w.Height})
		c.p.h.Sync(c.sess)
	}
	return true
}

// start creates the session (Evennia does so when the terminal is set
// up), sends the login command first, and starts the reader and writer.
func (c *sshConn) start() bool {
	p := c.p
	c.out = newOutbox(p.cfg.OutboundLimit)
	c.finished, c.stop, c.wrDone = make(chan struct{}), make(chan struct{}), make(chan struct{})
	c.ed = sshdoor.LineEditor{Max: p.cfg.MaxLineLength, Echo: c.pty}
	if !p.trackConn(c, true) {
		close(c.finished)
		return false
	}
	c.leaveHandshake() // a session from here: the per-address cap counts it as one
	p.h.Connect(c)     // binds c.sess; the sessid is fixed before any goroutine starts
	if c.login != "" {
		c.sess.DataIn(link.Text(c.login))
		c.login = ""
	}
	return p.runConn(c, c.sess, c.finished, c.writeLoop, c.readLoop, nil)
}

// nop implements playerConn: SSH has keepalives of its own (clients
// send them), so the portal sends none, as Evennia.
func (c *sshConn) nop() {}

// abort implements playerConn.
func (c *sshConn) abort() { _ = c.nc.Close() }

// ended implements playerConn.
func (c *sshConn) ended() <-chan struct{} { return c.finished }

// Bind implements [SessionBinder]: the session's first flags (Evennia's
// colour defaults, the terminal's size and type) go with its PCONN.
func (c *sshConn) Bind(s *Session) {
	c.sess = s
	flags := map[string]any{"ANSI": true, "XTERM256": true, "TRUECOLOR": true}
	if c.pty {
		flags["TERM"] = c.term
	}
	if c.window != (sshdoor.Window{}) {
		flags["SCREENWIDTH"], flags["SCREENHEIGHT"] = c.window.Width, c.window.Height
	}
	s.SetFlags(flags)
}

// Key implements [Protocol].
func (c *sshConn) Key() string { return sshKey }

// Address implements [Protocol].
func (c *sshConn) Address() string { return addrIP(c.nc.RemoteAddr()) }

// Output implements [Protocol]: "text" and "prompt".
func (c *sshConn) Output(cmd string) OutputFunc {
	switch cmd {
	case "text":
		return c.sendText
	case "prompt":
		return c.sendPrompt
	}
	return nil
}

// SendDefault implements [Protocol]: out-of-band data has no way to a
// terminal, so it is dropped, as in Evennia.
func (c *sshConn) SendDefault(link.Command) {}

// Close implements [Protocol]: the message, then the channel and the
// connection close (the writer closes them once it has written it).
func (c *sshConn) Close(message string) {
	if message != "" {
		c.sendText([]any{message}, nil)
	}
	c.out.closeAfterFlush()
}

// sendText writes text with terminal line ends, and a line end at its end.
func (c *sshConn) sendText(args []any, _ map[string]any) {
	c.queueText(argString(args), func(text string) []byte {
		b := appendTerminal(make([]byte, 0, len(text)+8), text)
		if !bytes.HasSuffix(b, []byte("\r\n")) {
			b = append(b, '\r', '\n')
		}
		return b
	})
}

// sendPrompt writes text without a line end after it.
func (c *sshConn) sendPrompt(args []any, _ map[string]any) {
	c.queueText(argString(args), func(text string) []byte {
		return appendTerminal(make([]byte, 0, len(text)+4), text)
	})
}

// appendTerminal appends text with each line end as a terminal needs it: "\r\n".
func appendTerminal(b []byte, text string) []byte {
	for {
		line, rest, found := strings.Cut(text, "\n")
		b = append(b, strings.TrimSuffix(line, "\r")...)
		if !found {
			return b
		}
		b = append(b, '\r', '\n')
		text = rest
	}
}

// queueText queues text, encoded by encode, cut to half the outbound
// buffer if it is longer (as telnet does; see output_cut.go).
func (c *sshConn) queueText(text string, encode func(string) []byte) {
	c.queue(c.p.h.fitOutput(c.out.limit, c.sess.renderTerminal(text, false), encode))
}

// queue writes b to the outbox; an overflowing client is a slow consumer.
func (c *sshConn) queue(b []byte) {
	if !c.out.write(b) && c.out.overflowed() && c.sess != nil {
		c.sess.Close(ReasonSlowConsumer, "")
		c.stopWriter()
	}
}

func (c *sshConn) stopWriter() { c.stopOnce.Do(func() { close(c.stop) }) }

// writeLoop drains the outbox into the channel. When it ends, the
// channel and the connection close, with exit status 0 after a close
// the portal asked for, so the client ends quietly.
func (c *sshConn) writeLoop() {
	defer close(c.wrDone)
	err := c.out.run(c.stop, c.flush)
	switch {
	case err == nil:
		_, _ = c.ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		c.sess.Close(ReasonClientQuit, "") // the client went away while output was in flight
	default:
		c.sess.Close(ReasonWriteError, "")
	}
	_ = c.ch.Close()
	_ = c.sc.Close()
}

// flush writes a batch to the channel in one write. A channel write
// waits for the client's flow-control window and has no deadline: a
// client that takes longer than writeTimeout is gone, and the
// connection closed.
func (c *sshConn) flush(batch []chunk, _ bool) error {
	t := time.AfterFunc(writeTimeout, func() { _ = c.nc.Close() })
	defer t.Stop()
	var b []byte
	for _, ch := range batch {
		b = append(b, ch.data...)
	}
	_, err := c.ch.Write(b)
	return err
}

// readLoop reads what the player types until the channel's input ends.
// The writer is stopped then, unless the session's output is still to
// be delivered (see readFailed).
func (c *sshConn) readLoop() {
	deliver := false
	defer func() {
		if !deliver {
			c.stopWriter()
		}
	}()
	if d := c.p.cfg.IdleTimeout; d > 0 {
		c.idle = time.AfterFunc(d, func() { c.sess.Close(ReasonIdleTimeout, "Idle timeout exceeded, disconnecting.") })
		defer c.idle.Stop()
	}
	buf := make([]byte, 4096)
	for {
		n, err := c.ch.Read(buf)
		if n > 0 {
			if c.idle != nil {
				c.idle.Reset(c.p.cfg.IdleTimeout)
			}
			c.ed.Feed(buf[:n], c.onEvent)
		}
		if err != nil {
			deliver = c.readFailed(err)
			return
		}
	}
}

// readFailed closes the session for the read error err and reports
// whether its output is still to be delivered, as telnet's does: a
// client that sent EOF (ssh -T with its input redirected, say) gets the
// answers to what it sent first (see Handler.awaitAnswered).
func (c *sshConn) readFailed(err error) (deliver bool) {
	switch {
	case c.sess.State() == StateClosed: // we closed it: the writer ends by itself
		return true
	case errors.Is(err, io.EOF):
		c.p.h.awaitAnswered(c.p.ctx, c.sess, c.wrDone)
		c.sess.Close(ReasonClientQuit, "")
		return true
	default:
		c.sess.Close(ReasonReadError, "")
		return false
	}
}

// onEvent handles what the line editor reports.
func (c *sshConn) onEvent(ev sshdoor.Event) {
	switch ev.Kind {
	case sshdoor.EventEcho:
		c.queue(bytes.Clone(ev.Line)) // the outbox keeps it; the editor reuses its buffer
	case sshdoor.EventLine:
		text, valid := telnet.DecodeText(ev.Line)
		if !valid {
			c.p.h.countInvalidUTF8()
			if !c.warnedUTF8 {
				c.warnedUTF8 = true
				c.sess.Msg(InvalidUTF8Warning)
			}
		}
		c.sess.DataIn(link.Text(text))
	case sshdoor.EventLongLine:
		c.p.h.countLongLine()
		c.sess.Msg(LineTooLongWarning)
	case sshdoor.EventQuit:
		c.sess.Close(ReasonClientQuit, "")
	}
}
