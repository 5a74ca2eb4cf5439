package portal_test

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

const wait = 5 * time.Second

// startPortal starts a portal with no game server on random loopback ports.
func startPortal(t *testing.T, cfg portal.Config) *portal.Portal {
	t.Helper()
	if cfg.MaxConnectionRate == 0 {
		cfg.MaxConnectionRate = -1
	}
	p, err := portal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func dial(t *testing.T, addr string) *testutil.TelnetClient {
	t.Helper()
	c, err := testutil.DialTelnet(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func expect(t *testing.T, c *testutil.TelnetClient, re string) string {
	t.Helper()
	got, err := c.Expect(regexp.MustCompile(re), wait)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// The portal offers Evennia's options in Evennia's order (LINEMODE
// first; EOR, ours, last; MXP only when enabled), accepts a client's
// LINEMODE with the MODE Evennia sends, and refuses what it does not
// support, once.
func TestTelnetOffersOptionsAndRefusesOthers(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	nc, err := net.Dial("tcp", p.TelnetAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var req []byte
	req = telnet.AppendNegotiation(req, telnet.Verb(telnet.DO), telnet.OptMXP)
	req = telnet.AppendNegotiation(req, telnet.Verb(telnet.WILL), telnet.OptNewEnviron)
	req = telnet.AppendNegotiation(req, telnet.Verb(telnet.WILL), telnet.OptLinemode)
	if _, err := nc.Write(req); err != nil {
		t.Fatal(err)
	}
	neg := func(v byte, o telnet.Option) []byte { return telnet.AppendNegotiation(nil, telnet.Verb(v), o) }
	var offers []byte
	for _, o := range [][]byte{
		neg(telnet.DO, telnet.OptLinemode), neg(telnet.WILL, telnet.OptSGA), neg(telnet.DO, telnet.OptNAWS),
		neg(telnet.DO, telnet.OptTTYPE), neg(telnet.WILL, telnet.OptMCCP2), neg(telnet.WILL, telnet.OptMSSP),
		neg(telnet.WILL, telnet.OptMSDP), neg(telnet.WILL, telnet.OptGMCP), neg(telnet.WILL, telnet.OptEOR),
	} {
		offers = append(offers, o...)
	}
	want := [][]byte{
		offers,
		neg(telnet.WONT, telnet.OptMXP),
		neg(telnet.DONT, telnet.OptNewEnviron),
		telnet.AppendLinemodeMode(nil, telnet.LinemodeEdit|telnet.LinemodeTrapSig),
	}
	var got []byte
	buf := make([]byte, 256)
	_ = nc.SetReadDeadline(time.Now().Add(wait))
	for !containsAll(got, want) {
		n, err := nc.Read(buf)
		if err != nil {
			t.Fatalf("read: %v; got %v", err, got)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.HasPrefix(got, offers) {
		t.Fatalf("the offers are not first, in Evennia's order: % x", got)
	}
	if bytes.Contains(got, neg(telnet.WILL, telnet.OptMXP)) {
		t.Fatal("MXP offered though Config.MXP is off")
	}
}

func containsAll(b []byte, parts [][]byte) bool {
	for _, p := range parts {
		if !bytes.Contains(b, p) {
			return false
		}
	}
	return true
}

func TestTelnetNAWSAndTTYPEReachSessionFlags(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	c := dial(t, p.TelnetAddr().String())
	c.SetWindowSize(132, 50)
	err := testutil.Await(wait, 5*time.Millisecond, func() error {
		for _, s := range p.Handler().Sessions() {
			if w, _ := s.Flag("SCREENWIDTH"); w == 132 {
				if h, _ := s.Flag("SCREENHEIGHT"); h == 50 {
					return nil
				}
			}
		}
		return errWaiting
	})
	if err != nil {
		t.Fatal(err)
	}
}

var errWaiting = &waitErr{}

type waitErr struct{}

func (*waitErr) Error() string { return "condition not met yet" }

func TestTelnetLineTooLong(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{MaxLineLength: 100})
	c := dial(t, p.TelnetAddr().String())
	if err := c.Write([]byte(strings.Repeat("x", 500))); err != nil {
		t.Fatal(err)
	}
	expect(t, c, regexp.QuoteMeta(portal.LineTooLongWarning))
	if st := p.Handler().Stats(); st.LongLines != 1 {
		t.Fatalf("LongLines = %d", st.LongLines)
	}
}

func TestTelnetCharLimitMeasuredInCharacters(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{MaxCharLimit: 10})
	c := dial(t, p.TelnetAddr().String())
	if err := c.Send("éééééééééé"); err != nil { // 10 characters, 20 bytes
		t.Fatal(err)
	}
	if err := c.Send("12345678901"); err != nil {
		t.Fatal(err)
	}
	expect(t, c, regexp.QuoteMeta(portal.CharLimitWarning))
	err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if st := p.Handler().Stats(); st.Inputs == 1 && st.CharDropped == 1 {
			return nil
		}
		return errWaiting
	})
	if err != nil {
		t.Fatalf("%v: %+v", err, p.Handler().Stats())
	}
}

func TestTelnetInvalidUTF8Warned(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	c := dial(t, p.TelnetAddr().String())
	if err := c.Write([]byte("caf\xe9\r\n")); err != nil {
		t.Fatal(err)
	}
	expect(t, c, regexp.QuoteMeta(portal.InvalidUTF8Warning))
}

func TestTelnetHTTPRequestRejected(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	c := dial(t, p.TelnetAddr().String())
	if err := c.Send("GET / HTTP/1.1"); err != nil {
		t.Fatal(err)
	}
	expect(t, c, "not a web server")
	if err := c.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
}

func TestTelnetIdleTimeout(t *testing.T) {
	t.Parallel()
	var reasons = make(chan portal.CloseReason, 1)
	p := startPortal(t, portal.Config{IdleTimeout: 200 * time.Millisecond, OnSessionClosed: func(_ uint64, _ portal.SessionState, r portal.CloseReason) { reasons <- r }})
	c := dial(t, p.TelnetAddr().String())
	expect(t, c, "Idle timeout")
	if err := c.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
	if r := <-reasons; r != portal.ReasonIdleTimeout {
		t.Fatalf("reason %v", r)
	}
}

// A client that does not log in is told and closed after the login
// timeout. (That a logged-in one stays is tested with synctest in
// login_timeout_test.go: here it would race the timeout on a loaded machine.)
func TestTelnetLoginTimeout(t *testing.T) {
	t.Parallel()
	reasons := make(chan portal.CloseReason, 1)
	p := startPortal(t, portal.Config{LoginTimeout: 300 * time.Millisecond, OnSessionClosed: func(_ uint64, _ portal.SessionState, r portal.CloseReason) { reasons <- r }})
	c := dial(t, p.TelnetAddr().String())
	expect(t, c, regexp.QuoteMeta("Timed out waiting for login after 300ms. Disconnecting."))
	if err := c.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
	if r := <-reasons; r != portal.ReasonLoginTimeout {
		t.Fatalf("reason %v, want login-timeout", r)
	}
	if st := p.Handler().Stats(); st.LoginTimeouts != 1 {
		t.Fatalf("LoginTimeouts = %d, want 1", st.LoginTimeouts)
	}
}

// A connection over the per-address cap is told and closed; one from
// another address gets in.
func TestTelnetAddressLimit(t *testing.T) {
	t.Parallel()
	reasons := make(chan portal.CloseReason, 4) // room for every session's: the hook must not block the cleanup
	p := startPortal(t, portal.Config{MaxSessionsPerAddress: 2, OnSessionClosed: func(_ uint64, _ portal.SessionState, r portal.CloseReason) { reasons <- r }})
	addr := p.TelnetAddr().String()
	h := p.Handler()
	for range 2 {
		dial(t, addr)
	}
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if h.CountLoggedIn(true) != 2 {
			return errWaiting
		}
		return nil
	}); err != nil {
		t.Fatalf("precondition: two sessions from 127.0.0.1: %v", err)
	}
	over := dial(t, addr)
	expect(t, over, regexp.QuoteMeta("Too many connections from your address (at most 2). Disconnecting."))
	if err := over.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
	if r := <-reasons; r != portal.ReasonAddressLimit {
		t.Fatalf("reason %v, want address-limit", r)
	}
	other, err := testutil.DialTelnetFrom("127.0.0.5", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if h.CountLoggedIn(true) != 3 {
			return errWaiting
		}
		return nil
	}); err != nil {
		t.Fatalf("the client from 127.0.0.5 did not get in: %v", err)
	}
	if st := h.Stats(); st.AddressRefused != 1 {
		t.Fatalf("AddressRefused = %d, want 1", st.AddressRefused)
	}
}

func TestTelnetKeepaliveNOP(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{Keepalive: 20 * time.Millisecond})
	nc, err := net.Dial("tcp", p.TelnetAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nop := []byte{telnet.IAC, telnet.NOP}
	var got []byte
	buf := make([]byte, 256)
	_ = nc.SetReadDeadline(time.Now().Add(wait))
	for !bytes.Contains(got, nop) {
		n, err := nc.Read(buf)
		if err != nil {
			t.Fatalf("no NOP: %v", err)
		}
		got = append(got, buf[:n]...)
	}
}

func TestTelnetClientCloseEndsSession(t *testing.T) {
	t.Parallel()
	reasons := make(chan portal.CloseReason, 1)
	p := startPortal(t, portal.Config{OnSessionClosed: func(_ uint64, _ portal.SessionState, r portal.CloseReason) { reasons <- r }})
	c := dial(t, p.TelnetAddr().String())
	err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if p.Handler().CountLoggedIn(true) == 1 {
			return nil
		}
		return errWaiting
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if r := <-reasons; r != portal.ReasonClientQuit {
		t.Fatalf("reason %v, want client-quit", r)
	}
}

func TestPortalShutdownClosesClients(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{MaxConnectionRate: 1})
	a := dial(t, p.TelnetAddr().String())
	b := dial(t, p.TelnetAddr().String())
	// a is released, b waits in the queue: Shutdown must close both.
	err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if p.Handler().CountLoggedIn(true) == 1 && p.Handler().Throttle().Stats().Waiting == 1 {
			return nil
		}
		return errWaiting
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*testutil.TelnetClient{a, b} {
		if err := c.WaitClosed(wait); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	<-p.Done()
}
