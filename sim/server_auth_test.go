package sim_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// runAgainst runs a server dialing addr and returns Run's result channel.
func runAgainst(t *testing.T, addr string, cfg sim.Config) (*sim.Server, <-chan error) {
	t.Helper()
	w, err := sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder})
	if err != nil {
		t.Fatal(err)
	}
	cfg.PortalAddr, cfg.World, cfg.LoginScreenDelay = addr, w, -1
	cfg.RedialMin, cfg.RedialMax = 5*time.Millisecond, 20*time.Millisecond
	srv, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, finished := make(chan error, 1), make(chan struct{})
	go func() { done <- srv.Run(ctx); close(finished) }()
	t.Cleanup(func() { cancel(); <-finished })
	return srv, done
}

// A fake portal that does not know the secret cannot log a session in:
// the server never takes a message from it, whatever it sends, and dials
// again (the real portal may answer next time).
func TestServerRefusesAFakePortal(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv, done := runAgainst(t, ln.Addr().String(), sim.Config{LinkSecret: testSecret})
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// The fake portal: a guess at the handshake, then the PCONN of a
	// logged-in superuser, all at once.
	frame := func(op link.Op, body any) []byte {
		b, _ := json.Marshal(body)
		return append(binary.BigEndian.AppendUint32(nil, uint32(1+len(b))), append([]byte{byte(op)}, b...)...)
	}
	var out []byte
	out = append(out, frame(link.OpHello, map[string]any{"hello": map[string]any{"version": link.Version, "nonce": make([]byte, 32)}})...)
	out = append(out, frame(link.OpHello, map[string]any{"hello": map[string]any{"version": link.Version, "mac": make([]byte, 32), "info": map[string]any{"run_id": "fake"}}})...)
	pconn, _ := link.AppendFrame(nil, link.Message{Op: link.OpPortalConnect, Sessid: 1, Session: &link.SessionData{Sessid: 1, LoggedIn: true, Uid: 1, Uname: "admin"}})
	out = append(out, pconn...)
	if _, err := nc.Write(out); err != nil {
		t.Fatal(err)
	}
	// The server closes the fake portal's link and dials again.
	if err := ln.(*net.TCPListener).SetDeadline(time.Now().Add(portalWait)); err != nil {
		t.Fatal(err)
	}
	again, err := ln.Accept()
	if err != nil {
		t.Fatalf("the server did not dial again: %v", err)
	}
	again.Close()
	select {
	case err := <-done:
		t.Fatalf("Run = %v: a fake portal stopped the server", err)
	default:
	}
	if srv.Linked() || srv.Stats().Logins != 0 || len(srv.Sessions(t.Context())) != 0 {
		t.Fatalf("linked %v, logins %d: the fake portal got in", srv.Linked(), srv.Stats().Logins)
	}
}

// A server whose secret differs from the portal's never links; it says
// why once, and keeps trying (the portal may be restarted with the right
// secret).
func TestServerWithTheWrongSecretNeverLinks(t *testing.T) {
	t.Parallel()
	logs := &testutil.SyncBuffer{}
	p, err := portal.New(portal.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	srv, done := runAgainst(t, p.LinkAddr().String(), sim.Config{LinkSecret: link.Secret("a different secret of enough length"),
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err := testutil.Await(portalWait, time.Millisecond, func() error {
		if p.Handler().Stats().LinkRefused < 3 {
			return errors.New("not refused three times yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("Run = %v, want it to keep trying", err)
	default:
	}
	if srv.Linked() || p.ServerConnected() {
		t.Fatal("a server with the wrong secret is linked")
	}
	if n := strings.Count(logs.String(), "link.refused"); n != 1 || !strings.Contains(logs.String(), "secrets differ") {
		t.Fatalf("%d refusal lines, want 1 saying the secrets differ:\n%s", n, logs.String())
	}
}

// A portal that says nothing for PortalTimeout (stopped, hung) is given
// up: the server drops the link and dials again, while the game goes on.
func TestServerGivesUpASilentPortal(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t, func(c *sim.Config) { c.PortalTimeout = 300 * time.Millisecond; c.Heartbeat = 50 * time.Millisecond })
	l1 := p.start()
	// The server's heartbeats arrive while the portal says nothing.
	if m := l1.waitFor(link.OpAck); m.Op != link.OpAck {
		t.Fatalf("no heartbeat, got %v", m.Op)
	}
	p.accept("run-1") // the server redialled
	if !p.running() {
		t.Fatal("the server stopped instead of redialling")
	}
}
