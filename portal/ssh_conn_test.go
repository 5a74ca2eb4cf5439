package portal_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// sshPlayer is an x/crypto/ssh client on a PTY session of the SSH door.
type sshPlayer struct {
	client *ssh.Client
	sess   *ssh.Session
	stdin  io.WriteCloser
	out    *testutil.SyncBuffer
	done   chan error // the session's end (Wait)
}

// sshSetup starts a portal with its SSH door open and a fake game server.
func sshSetup(t *testing.T, cfg portal.Config) (*portal.Portal, *testutil.FakeServer) {
	t.Helper()
	cfg.SSHAddr = "127.0.0.1:0"
	return linkedPortal(t, cfg)
}

// linkedPortal starts a portal and a fake game server linked to it, which
// acknowledges what it receives.
func linkedPortal(t *testing.T, cfg portal.Config) (*portal.Portal, *testutil.FakeServer) {
	t.Helper()
	p := startPortal(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	f, err := testutil.DialFakeServer(ctx, p.LinkAddr().String(), testutil.FakeServerConfig{Secret: p.LinkSecret(), AutoAck: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return p, f
}

func sshClientConfig(user string, auth ...ssh.AuthMethod) *ssh.ClientConfig {
	return &ssh.ClientConfig{User: user, Auth: auth, HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: wait}
}

// dialSSH logs in as user with password and starts a shell on a w x h PTY.
func dialSSH(t *testing.T, p *portal.Portal, user, password string, w, h int) *sshPlayer {
	t.Helper()
	client, err := ssh.Dial("tcp", p.DoorAddr(portal.DoorSSH).String(), sshClientConfig(user, ssh.Password(password)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	pl := &sshPlayer{client: client, sess: sess, out: &testutil.SyncBuffer{}, done: make(chan error, 1)}
	sess.Stdout = pl.out
	if pl.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { pl.done <- sess.Wait() }()
	return pl
}

func (pl *sshPlayer) send(t *testing.T, keys string) {
	t.Helper()
	if _, err := io.WriteString(pl.stdin, keys); err != nil {
		t.Fatal(err)
	}
}

// expect waits until the output so far matches re.
func (pl *sshPlayer) expect(t *testing.T, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	if err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if rx.MatchString(pl.out.String()) {
			return nil
		}
		return errWaiting
	}); err != nil {
		t.Fatalf("output never matched %q; got %q", re, pl.out.String())
	}
}

// awaitEnd waits for the session to end and returns Wait's error.
func (pl *sshPlayer) awaitEnd(t *testing.T) error {
	t.Helper()
	select {
	case err := <-pl.done:
		return err
	case <-time.After(wait):
		t.Fatalf("the SSH session did not end; output %q", pl.out.String())
		return nil
	}
}

// inputs waits until the fake server has n DATAIN texts and returns them.
func inputs(t *testing.T, f *testutil.FakeServer, n int) []string {
	t.Helper()
	var got []string
	collect := func(log []testutil.FakeMessage) bool {
		got = got[:0]
		for _, m := range log {
			if m.Op == link.OpDataIn {
				for _, c := range m.Data {
					if s, ok := c.FirstString(); ok && c.Name == "text" {
						got = append(got, s)
					}
				}
			}
		}
		return len(got) >= n
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := f.Await(ctx, collect); err != nil {
		t.Fatalf("the server never got %d inputs; got %q", n, got)
	}
	return got
}

// onlySession returns the portal's one session, once there is one.
func onlySession(t *testing.T, p *portal.Portal) *portal.Session {
	t.Helper()
	var s *portal.Session
	if err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if ss := p.Handler().Sessions(); len(ss) == 1 {
			s = ss[0]
			return nil
		}
		return errWaiting
	}); err != nil {
		t.Fatal("no session")
	}
	return s
}

// The password becomes the first input, a connect the game checks; then
// the line editor echoes, edits and sends whole lines; output gets
// terminal line ends and a prompt stays on its line.
func TestSSHLoginAndLineEditor(t *testing.T) {
	t.Parallel()
	p, f := sshSetup(t, portal.Config{})
	pl := dialSSH(t, p, "anna", "s3cret pw", 80, 24)
	pl.send(t, "loo\x7fok\r")
	pl.expect(t, `^loo\x08 \x08ok\r\n$`)
	pl.send(t, "drop\x03\x1b[A")
	pl.send(t, "say hi\r\n")
	got := inputs(t, f, 3)
	if want := []string{`connect "anna" s3cret pw`, "look", "say hi"}; !slices.Equal(got, want) {
		t.Fatalf("inputs: got %q, want %q", got, want)
	}
	s := onlySession(t, p)
	if k := s.Data().ProtocolKey; k != "ssh" {
		t.Errorf("protocol key: got %q, want ssh", k)
	}
	if w, _ := s.Flag("SCREENWIDTH"); w != 80 {
		t.Errorf("SCREENWIDTH from the pty-req: got %v, want 80", w)
	}
	if err := f.SendText(s.Sessid(), "one\ntwo"); err != nil {
		t.Fatal(err)
	}
	pl.expect(t, `one\r\ntwo\r\n> $`)
	if strings.Contains(pl.out.String(), "s3cret") {
		t.Errorf("the password was echoed: %q", pl.out.String())
	}
}

// A window-change request updates SCREENWIDTH and SCREENHEIGHT and
// tells the server (PCONNSYNC), as NAWS does.
func TestSSHWindowChangeUpdatesScreenSize(t *testing.T) {
	t.Parallel()
	p, f := sshSetup(t, portal.Config{})
	pl := dialSSH(t, p, "anna", "pw", 80, 24)
	s := onlySession(t, p)
	if err := pl.sess.WindowChange(50, 132); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := f.Await(ctx, func(log []testutil.FakeMessage) bool {
		return slices.ContainsFunc(log, func(m testutil.FakeMessage) bool {
			return m.Op == link.OpPortalConnSync && m.Session != nil &&
				m.Session.ProtocolFlags["SCREENWIDTH"] == float64(132) && m.Session.ProtocolFlags["SCREENHEIGHT"] == float64(50)
		})
	}); err != nil {
		t.Fatalf("no PCONNSYNC with the new size: %v", err)
	}
	if w, _ := s.Flag("SCREENWIDTH"); w != 132 {
		t.Errorf("SCREENWIDTH: got %v, want 132", w)
	}
}

// Ctrl-D on an empty line quits: the session closes as a client quit and
// the client's session ends cleanly.
func TestSSHCtrlDQuits(t *testing.T) {
	t.Parallel()
	reasons := make(chan portal.CloseReason, 1)
	p, _ := sshSetup(t, portal.Config{OnSessionClosed: func(_ uint64, _ portal.SessionState, r portal.CloseReason) { reasons <- r }})
	pl := dialSSH(t, p, "anna", "pw", 80, 24)
	onlySession(t, p)
	pl.send(t, "x\x04\x7f\x04")
	if err := pl.awaitEnd(t); err != nil {
		t.Errorf("session end: %v, want a clean exit", err)
	}
	if r := <-reasons; r != portal.ReasonClientQuit {
		t.Errorf("close reason: got %v, want %v", r, portal.ReasonClientQuit)
	}
	if got := pl.out.String(); got != "x\a\b \b" {
		t.Errorf("output: got %q, want the beep for Ctrl-D on a line, then the backspace", got)
	}
}

// A line longer than MaxLineLength is discarded with the warning, as on telnet.
func TestSSHLineTooLong(t *testing.T) {
	t.Parallel()
	p, _ := sshSetup(t, portal.Config{MaxLineLength: 100})
	pl := dialSSH(t, p, "anna", "pw", 80, 24)
	pl.send(t, strings.Repeat("x", 500)+"\r")
	pl.expect(t, regexp.QuoteMeta(portal.LineTooLongWarning))
	if st := p.Handler().Stats(); st.LongLines != 1 {
		t.Fatalf("LongLines = %d, want 1", st.LongLines)
	}
}

// A server-side disconnect shows its message, then closes the channel
// and the connection.
func TestSSHServerDisconnectSendsMessage(t *testing.T) {
	t.Parallel()
	p, _ := sshSetup(t, portal.Config{})
	pl := dialSSH(t, p, "anna", "pw", 80, 24)
	s := onlySession(t, p)
	if err := p.Handler().ServerDisconnect(s.Sessid(), "Goodbye for now."); err != nil {
		t.Fatal(err)
	}
	if err := pl.awaitEnd(t); err != nil {
		t.Errorf("session end: %v, want exit status 0", err)
	}
	pl.expect(t, `Goodbye for now\.\r\n$`)
	ended := make(chan struct{})
	go func() {
		_ = pl.client.Wait() // returns only once the connection is gone
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(wait):
		t.Error("the portal did not close the SSH connection after the session")
	}
}

// Without a password a client is refused (so OpenSSH asks for one), and
// counted; exec is refused without creating a session.
func TestSSHRefusesNoPasswordAndExec(t *testing.T) {
	t.Parallel()
	p, _ := sshSetup(t, portal.Config{})
	addr := p.DoorAddr(portal.DoorSSH).String()
	if _, err := ssh.Dial("tcp", addr, sshClientConfig("anna")); err == nil {
		t.Fatal("a client without a password got in")
	}
	if err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if p.Handler().Stats().SSHHandshakeFailures == 1 {
			return nil
		}
		return errWaiting
	}); err != nil {
		t.Fatalf("SSHHandshakeFailures = %d, want 1", p.Handler().Stats().SSHHandshakeFailures)
	}

	client, err := ssh.Dial("tcp", addr, sshClientConfig("anna", ssh.Password("pw")))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	if err := sess.Run("look"); err == nil {
		t.Fatal("exec succeeded")
	}
	if st := p.Handler().Stats(); st.Connected != 0 {
		t.Errorf("exec created %d sessions", st.Connected)
	}
}

// A client that authenticates nothing in time is closed and counted.
func TestSSHSetupTimeout(t *testing.T) {
	t.Parallel()
	p, _ := sshSetup(t, portal.Config{DoorHandshakeTimeout: 50 * time.Millisecond})
	nc, err := net.Dial("tcp", p.DoorAddr(portal.DoorSSH).String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetReadDeadline(time.Now().Add(wait))
	if _, err := io.Copy(io.Discard, nc); err != nil {
		t.Fatalf("the silent client was not closed: %v", err)
	}
	if err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if p.Handler().Stats().SSHHandshakeFailures == 1 {
			return nil
		}
		return errWaiting
	}); err != nil {
		t.Fatal("the timeout was not counted")
	}
}

// The host key file is created 0600 at the first start and the same key
// is served after a restart.
func TestSSHHostKeyKeptAcrossRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ssh-host.key")
	hostKey := func() []byte {
		p := startPortal(t, portal.Config{SSHAddr: "127.0.0.1:0", SSHHostKeyFile: path})
		defer p.Close()
		var key []byte
		cfg := sshClientConfig("anna", ssh.Password("pw"))
		cfg.HostKeyCallback = func(_ string, _ net.Addr, k ssh.PublicKey) error {
			key = k.Marshal()
			return nil
		}
		c, err := ssh.Dial("tcp", p.DoorAddr(portal.DoorSSH).String(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		return key
	}
	first, second := hostKey(), hostKey()
	if len(first) == 0 || !bytes.Equal(first, second) {
		t.Fatal("the host key changed across a restart")
	}
}
