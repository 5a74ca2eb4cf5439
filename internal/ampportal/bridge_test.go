package ampportal_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/ampportal"
	"github.com/portalsim/portalsim/internal/link"
)

func TestStatusBeforeAndAfterServer(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	info := ampportal.PortalInfo(ampportal.Info{ServerName: "game", Telnet: []string{"telnet: 127.0.0.1:4000"}})
	b := startBridge(t, p, ampportal.Config{PortalInfo: info})
	launcher := dialPeer(t, b)
	st := launcher.status()
	if !st.PortalRunning || st.ServerRunning || st.PortalPID != int64(os.Getpid()) || st.ServerPID != 0 {
		t.Fatalf("status without a Server: %+v", st)
	}
	if v, _ := st.PortalInfo.Get("telnet"); len(v.(amp.List)) != 1 {
		t.Fatalf("portal info: %v", st.PortalInfo)
	}
	for _, key := range []string{"servername", "version", "telnet", "telnet_ssl", "ssh", "webserver_proxy", "webclient", "webserver_internal", "amp"} {
		if _, ok := st.PortalInfo.Get(key); !ok {
			t.Errorf("portal info has no %q: Evennia's launcher formats it", key)
		}
	}
	connectServer(t, b, p, 4242, link.ModeShutdown)
	st = launcher.status()
	if !st.ServerRunning || st.ServerPID != 4242 {
		t.Fatalf("status with a Server: %+v", st)
	}
}

func TestPSYNCAnswerAfterReply(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	sessions := []link.SessionData{{Sessid: 3, ProtocolKey: "telnet", Uid: 7, LoggedIn: true, Puid: 9}}
	// connectServer checks the order: the PSYNC reply, then the answer.
	_, pl := connectServer(t, b, p, 10, link.ModeReload, sessions...)
	if pl.peer.PID != 10 {
		t.Fatalf("the link's hello says pid %d, want the Server's 10", pl.peer.PID)
	}
}

// The portal's messages count as processed only once Evennia answered
// them: what a Server did not answer is replayed to the next one.
func TestAckFollowsEvenniaAnswers(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	srv, pl := connectServer(t, b, p, 10, link.ModeShutdown)
	// The PSYNC reply was message 1, answered by connectServer.
	pl.ackedTo(t, 1)
	pl.send(t, link.Message{Op: link.OpPortalConnect, Sessid: 5, Session: &link.SessionData{Sessid: 5, ProtocolKey: "telnet", Seq: 1}})
	pl.send(t, link.Message{Op: link.OpDataIn, Sessid: 5, Data: link.TextData("look")})
	conn, connTag := srv.command(true)
	in, inTag := srv.command(true)
	if conn.Op != link.OpPortalConnect || in.Op != link.OpDataIn {
		t.Fatalf("the Server got %v, %v", conn.Op, in.Op)
	}
	if got, _ := in.Data[0].FirstString(); got != "look" {
		t.Fatalf("input %q", got)
	}
	// Nothing answered: no acknowledgement past 1 for a while, however
	// often the bridge beats.
	deadline := time.After(300 * time.Millisecond) // three of the bridge's ticks; a check of absence
	for done := false; !done; {
		select {
		case m := <-pl.msgs:
			if m.Seen > 1 || m.Ack > 1 {
				t.Fatalf("acknowledged %v before Evennia answered", m)
			}
		case <-deadline:
			done = true
		}
	}
	srv.answer(inTag) // out of order: the PCONN before it is not answered
	srv.answer(connTag)
	pl.ackedTo(t, 3)
	// The Server's output carries the acknowledgement too.
	srv.say(link.Message{Op: link.OpDataOut, Sessid: 5, Data: link.TextData("You see nothing.")})
	m := pl.recv(t)
	if m.Op != link.OpDataOut || m.Sessid != 5 || m.Ack != 3 {
		t.Fatalf("output on the link: %+v", m)
	}
}

// A Server that asks for a reload is acknowledged by the portal, told
// by the bridge as Evennia's Portal tells it, and started again once it
// has gone, with the command line the bridge has.
func TestServerReloadRestartsServer(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	cmd, starts := starter(t)
	b := startBridge(t, p, ampportal.Config{GameDir: gameDir(t), ServerCommand: cmd})
	started(t, starts) // ServerCommand starts one at once
	srv, pl := connectServer(t, b, p, 10, link.ModeShutdown)
	srv.answerOf(srv.say(link.Message{Op: link.OpServerReload}))
	if m := pl.recv(t); m.Op != link.OpServerReload || m.Mode != link.ModeReload {
		t.Fatalf("on the link: %v %q, want SRELOAD reload", m.Op, m.Mode)
	}
	pl.send(t, link.Message{Op: link.OpServerReload, Mode: link.ModeReload, Takeover: "token"})
	if m, _ := srv.command(false); m.Op != link.OpServerReload || m.Mode != link.ModeReload {
		t.Fatalf("the Server got %v %q, want SRELOAD reload", m.Op, m.Mode)
	}
	srv.answerOf(srv.say(link.Message{Op: link.OpServerSync, Clean: true}))
	if m := pl.recv(t); m.Op != link.OpServerSync || !m.Clean {
		t.Fatalf("on the link: %+v, want a clean SSYNC", m)
	}
	srv.nc.Close()
	pl.closed(t)
	started(t, starts)
	dialPeer(t, b).status() // the loop is past the start it counts
	if s := b.Stats(); s.Spawned != 2 || s.SpawnFailed != 0 {
		t.Fatalf("stats: %+v", s)
	}
}

// A reload the portal asks for is acknowledged by the bridge on the
// link, as any game server's, and passed to the Server.
func TestPortalReloadAcknowledged(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	srv, pl := connectServer(t, b, p, 10, link.ModeShutdown)
	pl.send(t, link.Message{Op: link.OpServerReset, Mode: link.ModeReset, Takeover: "t"})
	if m := pl.recv(t); m.Op != link.OpServerReset || m.Mode != link.ModeReset {
		t.Fatalf("on the link: %v %q, want the acknowledgement SRESET reset", m.Op, m.Mode)
	}
	if m, _ := srv.command(false); m.Op != link.OpServerReset || m.Mode != link.ModeReset {
		t.Fatalf("the Server got %v %q", m.Op, m.Mode)
	}
}

// "evennia reload": the launcher's SRELOAD goes to the portal as the
// Server's request; once the Server has gone, the launcher is told
// (it then sends SSTART, and is told again when the new Server synced).
func TestLauncherReload(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	cmd, starts := starter(t)
	b := startBridge(t, p, ampportal.Config{GameDir: gameDir(t)})
	srv, pl := connectServer(t, b, p, 10, link.ModeShutdown)
	launcher := dialPeer(t, b)
	launcher.answerOf(launcher.launch(amp.OpServerReload, amp.Dict{}))
	if m := pl.recv(t); m.Op != link.OpServerReload || m.Mode != link.ModeReload {
		t.Fatalf("on the link: %v %q, want SRELOAD reload", m.Op, m.Mode)
	}
	pl.send(t, link.Message{Op: link.OpServerReload, Mode: link.ModeReload})
	if m, _ := srv.command(false); m.Op != link.OpServerReload {
		t.Fatalf("the Server got %v", m.Op)
	}
	srv.nc.Close()
	push := launcher.next()
	if string(push.Command()) != amp.CommandMsgStatus {
		t.Fatalf("the launcher got %v, want a status push", push)
	}
	if st := decodeStatus(t, push); st.ServerRunning {
		t.Fatalf("pushed status %+v, want the Server down", st)
	}
	launcher.answer(push.Tag())
	// SSTART: started, answered once its twistd parent exited.
	tag := launcher.launch(amp.OpServerStart, toList(cmd))
	started(t, starts)
	launcher.answerOf(tag)
	connectServer(t, b, p, 11, link.ModeReload)
	push = launcher.next()
	if st := decodeStatus(t, push); string(push.Command()) != amp.CommandMsgStatus || !st.ServerRunning || st.ServerPID != 11 {
		t.Fatalf("after the new Server synced, the launcher got %v", push)
	}
	if s := b.Stats(); s.Spawned != 1 {
		t.Fatalf("stats: %+v (the launcher restarts the Server, not the bridge)", s)
	}
}

// An in-game reload, then "evennia stop" before the Server has gone:
// the launcher is told, and the Server is not started again (spec bug
// 5.19: Evennia's Portal keeps one of the two actions).
func TestServerReloadThenLauncherStop(t *testing.T) {
	t.Parallel()
	b, srv, pl, _ := startedServer(t)
	srv.answerOf(srv.say(link.Message{Op: link.OpServerReload}))
	if m := pl.recv(t); m.Op != link.OpServerReload {
		t.Fatalf("on the link: %v, want SRELOAD", m.Op)
	}
	launcher := dialPeer(t, b)
	launcher.answerOf(launcher.launch(amp.OpServerShutdown, amp.Dict{}))
	pl.send(t, link.Message{Op: link.OpServerReload, Mode: link.ModeReload})
	srv.command(false)
	srv.nc.Close()
	push := launcher.next()
	if st := decodeStatus(t, push); string(push.Command()) != amp.CommandMsgStatus || st.ServerRunning {
		t.Fatalf("the launcher got %v, want a status push with the Server down", push)
	}
	launcher.answer(push.Tag())
	launcher.status() // the bridge has handled the Server's going: no start came of it
	if s := b.Stats(); s.Spawned != 1 {
		t.Fatalf("stats: %+v, want only the first start", s)
	}
}

// "evennia stop": SSHUTD stops the Server, PSHUTD asks the owner to
// stop the portal.
func TestLauncherStop(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	srv, pl := connectServer(t, b, p, 10, link.ModeShutdown)
	launcher := dialPeer(t, b)
	launcher.answerOf(launcher.launch(amp.OpServerShutdown, amp.Dict{}))
	serverShutdown(t, srv, pl)
	// Only once: the portal's acknowledgement is not taken for a request.
	srv.nc.Close()
	pl.drain(t, func(m link.Message) {
		if m.Op == link.OpServerShutdown {
			t.Errorf("a second SSHUTD on the link")
		}
	})
	launcher.next() // the status push
	select {
	case <-b.ShutdownRequested():
		t.Fatal("shutdown requested before PSHUTD")
	default:
	}
	launcher.answerOf(launcher.launch(amp.OpPortalShutdown, amp.Dict{}))
	awaitShutdown(t, b, "PSHUTD did not ask for the shutdown")
}

// PSHUTD while a Server is linked stops the Server first (Evennia's
// Portal waits for it to go by itself, and the launcher hangs).
func TestLauncherPortalShutdownStopsServer(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	srv, pl := connectServer(t, b, p, 10, link.ModeShutdown)
	launcher := dialPeer(t, b)
	launcher.answerOf(launcher.launch(amp.OpPortalShutdown, amp.Dict{}))
	serverShutdown(t, srv, pl)
	srv.nc.Close()
	awaitShutdown(t, b, "no shutdown once the Server went")
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	t.Run("unknown command", func(t *testing.T) {
		c := dialPeer(t, b)
		e := c.answerOf(c.ask("FunctionCall", amp.StringField("module", "os")))
		if code, _ := e.Get(amp.KeyErrorCode); string(code) != amp.ErrorCodeUnhandled {
			t.Fatalf("got %v", e)
		}
		c.status() // the connection stays up
	})
	t.Run("unknown launcher operation", func(t *testing.T) {
		c := dialPeer(t, b)
		e := c.answerOf(c.launch(amp.Operation(0x42), amp.Dict{}))
		if code, _ := e.Get(amp.KeyErrorCode); string(code) != amp.ErrorCodeException {
			t.Fatalf("got %v", e)
		}
	})
	t.Run("bad packed data", func(t *testing.T) {
		c := dialPeer(t, b)
		e := c.answerOf(c.ask(amp.CommandAdminServer2Portal, amp.StringField(amp.ArgPackedData, "not zlib")))
		if code, _ := e.Get(amp.KeyErrorCode); string(code) != amp.ErrorCodeUnknown {
			t.Fatalf("got %v", e)
		}
		c.closedByBridge()
	})
	t.Run("no PSYNC first", func(t *testing.T) {
		c := dialPeer(t, b)
		e := c.answerOf(c.say(link.Message{Op: link.OpDataOut, Sessid: 1, Data: link.TextData("x")}))
		if code, _ := e.Get(amp.KeyErrorCode); string(code) != amp.ErrorCodeException {
			t.Fatalf("got %v", e)
		}
	})
	t.Run("large box before the role is known", func(t *testing.T) {
		c := dialPeer(t, b)
		var fields []amp.Field
		for i := range 40 {
			fields = append(fields, amp.StringField("k"+strconv.Itoa(i), "v"))
		}
		c.ask(amp.CommandMsgStatus, fields...)
		c.closedByBridge()
	})
	if s := b.Stats(); s.Refused < 4 {
		t.Fatalf("refusals counted: %+v", s)
	}
}

func TestPIDFile(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	dir := gameDir(t)
	pidFile := filepath.Join(dir, "server", "portal.pid")
	b := startBridge(t, p, ampportal.Config{GameDir: dir, PIDFile: pidFile})
	got, err := os.ReadFile(pidFile)
	if err != nil || string(got) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("portal.pid: %q, %v", got, err)
	}
	b.Close()
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatalf("portal.pid left behind: %v", err)
	}
}

func toList(ss []string) amp.List {
	l := make(amp.List, len(ss))
	for i, s := range ss {
		l[i] = s
	}
	return l
}
