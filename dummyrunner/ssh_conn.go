package dummyrunner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// TransportSSH is the SSH door: a terminal session (a PTY and a shell)
// over SSH, the way a player types into `ssh mud.example.org`.
//
// Login. The door turns an SSH password into the game's `connect "<user>"
// <password>` and sends it first; a player without one lands on the login
// screen. A dummy's account does not exist before its login action
// creates it (create, then connect), so the dummy authenticates with its
// own name and no password (an empty one) and then logs in by its script
// on the login screen, as on every other door: the same commands, the
// same login screen to wait for, and no failed login for the game to
// throttle. The ssh_auth phase is the SSH handshake and this
// authentication.
//
// Completion. The door sends no GA or EOR: its prompt is text without a
// line end, so the end of a read that does not end with a line end is
// the end of the output, as in the websocket terminal format, and so is
// the game's prompt text (SSHSettings.Prompt) at the start of a line
// when another player's message follows it in the same read (see
// sshScreen). Output cut across SSH packets (over 32 KiB) could end a
// command early, and a game line that starts with the prompt text too:
// use the echo mode against such output.
//
// Echo. With a PTY the door echoes what the player types (its line
// editor); the dummy strips its own echo from the output, so that it is
// not taken for the answer (see sshScreen).
const TransportSSH = "ssh"

// SSHSettings configure the ssh transport.
type SSHSettings struct {
	// Target is the host:port of the SSH door; empty: the embedded
	// portal's (or -ssh-target). Needed with a target when the transports
	// include ssh.
	Target string `yaml:"target,omitempty"`
	// Prompt is the text the game ends each output with (default
	// DefaultSSHPrompt), found at the start of a line: how a prompt is
	// told from text when more output follows it in the same read.
	Prompt string `yaml:"prompt,omitempty"`
	// HostKey is the door's host key fingerprint as ssh-keygen -l prints
	// it ("SHA256:..."). It may be left out only for a door on this
	// machine (a loopback target: a load test's portal may make a new key
	// each run), as TLS's verify: auto skips the check only there.
	HostKey string `yaml:"host_key,omitempty"`
}

// hostKeyCallback checks the door's key against HostKey; without one,
// any key of a door on this machine is taken, and none elsewhere.
func (s SSHSettings) hostKeyCallback() ssh.HostKeyCallback {
	if s.HostKey == "" {
		return func(hostname string, remote net.Addr, _ ssh.PublicKey) error {
			if a, ok := remote.(*net.TCPAddr); ok && a.IP.IsLoopback() {
				return nil
			}
			return fmt.Errorf("ssh: %s is not this machine and no ssh.host_key was given to check its key", hostname)
		}
	}
	return func(_ string, _ net.Addr, key ssh.PublicKey) error {
		if got := ssh.FingerprintSHA256(key); got != s.HostKey {
			return fmt.Errorf("host key %s, want %s", got, s.HostKey)
		}
		return nil
	}
}

// checkSSH checks the ssh settings (see checkTransports).
func (s *Scenario) checkSSH(p *problems) {
	if s.SSH.Target != "" {
		p.address("ssh.target", s.SSH.Target)
	} else if s.Target != "" {
		p.add("ssh.target", "missing: the transports include ssh and the target is not the embedded portal")
	}
	if s.SSH.HostKey != "" && !strings.HasPrefix(s.SSH.HostKey, "SHA256:") {
		p.add("ssh.host_key", "%q: want a fingerprint SHA256:... (ssh-keygen -l)", s.SSH.HostKey)
	}
	if host, _, err := net.SplitHostPort(s.SSH.Target); err == nil && s.SSH.HostKey == "" && !isLoopback(host) {
		p.add("ssh.host_key", "missing: %s is not this machine; give its key's fingerprint (ssh-keygen -l -f the host key)", host)
	}
}

// sshConn is a dummy player's SSH session: one reader goroutine turns
// the shell's output into events (see sshScreen); the player writes.
type sshConn struct {
	client *ssh.Client
	sess   *ssh.Session
	stdin  io.Writer
	stdout io.Reader
	screen sshScreen
	authed time.Time
	eventQueue

	bytesIn, bytesOut atomic.Int64
	reads             atomic.Int64
	decodeNs          atomic.Int64
}

var _ conn = (*sshConn)(nil)

// dialSSH is the ssh transport: a TCP connect, the SSH handshake and
// authentication (PhaseSSHAuth), then a session with a PTY and a shell.
func dialSSH(ctx context.Context, d dialTarget) (conn, []step, error) {
	nc, err := dialTCP(ctx, d.addr, d.timeout)
	if err != nil {
		return nil, nil, &dialError{phase: "connect", reason: ReasonDial, err: err}
	}
	connected := time.Now()
	reached := []step{{"connect", connected}}
	stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
	defer stop()
	_ = nc.SetDeadline(connected.Add(d.timeout)) // the handshake and the session's set-up
	cc, chans, reqs, err := ssh.NewClientConn(nc, d.addr, &ssh.ClientConfig{
		User:            d.user,
		Auth:            []ssh.AuthMethod{ssh.Password("")}, // no password: the login screen (see TransportSSH)
		HostKeyCallback: d.ssh.hostKeyCallback(),
	})
	if err != nil {
		_ = nc.Close()
		return nil, nil, &dialError{phase: PhaseSSHAuth, reason: ReasonSSH, reached: reached, err: err}
	}
	c := &sshConn{client: ssh.NewClient(cc, chans, reqs), authed: time.Now(), eventQueue: newEventQueue()}
	c.screen.prompt = []byte(cmp.Or(d.ssh.Prompt, DefaultSSHPrompt))
	reached = append(reached, step{PhaseSSHAuth, c.authed})
	if err := c.startShell(); err != nil {
		_ = c.client.Close()
		return nil, nil, &dialError{phase: "negotiation", reason: ReasonSSH, reached: reached, err: err}
	}
	_ = nc.SetDeadline(time.Time{})
	go c.read()
	return c, reached, nil
}

// startShell opens the session: a PTY (the door then echoes what is
// typed) and a shell.
func (c *sshConn) startShell() error {
	sess, err := c.client.NewSession()
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	c.sess = sess
	if c.stdin, err = sess.StdinPipe(); err != nil {
		return err
	}
	if c.stdout, err = sess.StdoutPipe(); err != nil {
		return err
	}
	// A refused PTY is no failure: the door then echoes nothing.
	c.screen.echo = sess.RequestPty(clientTermType, clientHeight, clientWidth, ssh.TerminalModes{ssh.ECHO: 1}) == nil
	if err := sess.Shell(); err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	return nil
}

func (c *sshConn) read() {
	buf := make([]byte, 64<<10) // two SSH packets: a read rarely ends inside the door's write
	var evs []connEvent
	for {
		n, err := c.stdout.Read(buf)
		if n > 0 {
			now := time.Now()
			c.bytesIn.Add(int64(n))
			c.reads.Add(1)
			evs = c.screen.feed(evs[:0], buf[:n], now)
			c.decodeNs.Add(int64(time.Since(now)))
			for _, ev := range evs {
				if !c.emit(ev) {
					return // the player hung up
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.EOF // the door closed the session (quit, or refused)
			}
			c.end(connEvent{kind: evClosed, err: err, at: time.Now()})
			return
		}
	}
}

// send implements conn: each line as typed, ended by Enter (CR), its
// echo expected back first.
func (c *sshConn) send(line string) error {
	var b []byte
	for l := range strings.Lines(line) {
		l = strings.TrimRight(l, "\r\n")
		c.screen.expect(l)
		b = append(append(b, l...), '\r')
	}
	n, err := c.stdin.Write(b)
	c.bytesOut.Add(int64(n))
	return err
}

// recv implements conn.
func (c *sshConn) recv() <-chan connEvent { return c.events }

// negotiatedAt implements conn: the session's terminal is set up with
// the authentication (the PTY and shell requests follow at once), so the
// negotiation phase is the authentication's time.
func (c *sshConn) negotiatedAt() time.Time { return c.authed }

// wire implements conn: the session's output and input bytes (inside
// SSH's encryption, as tls counts inside TLS), reads of the output, and
// the time stripping the echo and finding prompts took.
func (c *sshConn) wire() wireStats {
	return wireStats{bytesIn: c.bytesIn.Load(), bytesOut: c.bytesOut.Load(), messages: c.reads.Load(),
		decode: time.Duration(c.decodeNs.Load())}
}

// close implements conn: the connection ends at once.
func (c *sshConn) close() {
	c.hangUp()
	_ = c.client.Close()
}
