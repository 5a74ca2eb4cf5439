package ampportal_test

import (
	"encoding/hex"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/ampportal"
	"github.com/portalsim/portalsim/internal/link"
)

// Regression tests of the hostile review's findings (review-ampportal).

// datetimeMsg is an Evennia Server's text with a kwarg Python pickles as
// a global (a datetime: Evennia's clean_senddata passes such values
// through): pickle.dumps((1, {"text": [["hi"], {"options": {}, "at":
// datetime.datetime(2026, 1, 1)}]}), 5). Our decoder refuses it.
const datetimeMsg = "80059559000000000000004b017d948c0474657874945d94285d948c02686994617d94288c076f7074696f6e73947d948c026174948c086461746574696d65948c086461746574696d65949394430a07ea0101000000000000948594529475657386942e"

// Input the bridge could not give the Server (its connection closed by
// the bridge) is never acknowledged: the portal gives it to the next
// Server.
func TestInputNotAcknowledgedWhenServerCut(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	srv, pl := connectServer(t, b, p, 10, link.ModeShutdown)
	pl.ackedTo(t, 1) // the PSYNC reply, answered
	// Arguments that do not inflate: Twisted's UNKNOWN error, and the end.
	e := srv.answerOf(srv.ask(amp.CommandMsgServer2Portal, amp.StringField(amp.ArgPackedData, "not zlib")))
	if code, _ := e.Get(amp.KeyErrorCode); string(code) != amp.ErrorCodeUnknown {
		t.Fatalf("got %v", e)
	}
	for i := range 5 { // what reaches the bridge before the link closes must not be acknowledged
		_ = pl.c.Send(link.Message{Op: link.OpDataIn, Sessid: 5, Data: link.TextData("say " + strconv.Itoa(i))})
	}
	most := pl.mostAcked(t)
	if most > 1 {
		t.Fatalf("acknowledged %d messages; the Server answered only the PSYNC reply", most)
	}
}

// A payload that inflates but does not unpickle is the responder's
// failure, as in Evennia: an EXCEPTION error, and the Server stays.
func TestUndecodablePickleKeepsServer(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	srv, _ := connectServer(t, b, p, 10, link.ModeShutdown)
	raw, _ := hex.DecodeString(datetimeMsg)
	args, err := srv.comp.AppendArgument(nil, amp.ArgPackedData, raw)
	if err != nil {
		t.Fatal(err)
	}
	e := srv.answerOf(srv.ask(amp.CommandMsgServer2Portal, args...))
	if code, _ := e.Get(amp.KeyErrorCode); string(code) != amp.ErrorCodeException {
		t.Errorf("error code %q, want %q", code, amp.ErrorCodeException)
	}
	srv.status() // still answered
}

// A local peer that asks and never reads cannot hold the bridge up: its
// answers wait for it apart, and past a bound it is closed.
func TestPeerThatDoesNotReadHoldsNothingUp(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	info := amp.Dict{{Key: "servername", Value: strings.Repeat("x", 60000)}} // large status answers
	b := startBridge(t, p, ampportal.Config{PortalInfo: info, WriteTimeout: time.Hour})
	srv, pl := connectServer(t, b, p, 10, link.ModeShutdown)
	nc, err := net.Dial("tcp", b.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		w := amp.NewWriter(nc)
		for i := range 2000 { // 120 MB of answers asked for
			if w.WriteBox(amp.NewCommand(amp.CommandMsgStatus, amp.AppendTag(nil, uint64(i+1)), amp.StringField(amp.ArgStatus, ""))) != nil {
				return // closed by the bridge
			}
		}
	}()
	select {
	case <-wrote: // every ask read (or the peer closed): the bridge kept reading
	case <-time.After(wait):
		t.Fatal("the bridge stopped reading a peer that does not read its answers")
	}
	pl.send(t, link.Message{Op: link.OpDataIn, Sessid: 5, Data: link.TextData("look")})
	if m, _ := srv.command(false); m.Op != link.OpDataIn {
		t.Fatalf("the Server got %v", m.Op)
	}
}

// SSTART while a Server runs starts nothing and keeps nothing: the next
// restart runs the command line of the Server's own start.
func TestSSTARTWhileServerRunsKeepsNothing(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	legit, legitStarts := starter(t)
	planted, plantedStarts := starter(t)
	b := startBridge(t, p, ampportal.Config{GameDir: gameDir(t), ServerCommand: legit})
	started(t, legitStarts)
	srv, pl := connectServer(t, b, p, 10, link.ModeShutdown)
	intruder := dialPeer(t, b)
	intruder.answerOf(intruder.launch(amp.OpServerStart, toList(planted)))
	inGameReload(t, srv, pl)
	srv.nc.Close()
	started(t, legitStarts)
	select {
	case <-plantedStarts:
		t.Fatal("the command line sent while the Server ran was run")
	default:
	}
}

// SSTART while a Server is starting (or linked, not yet synced) is told
// when it has synced: Evennia's launcher waits for that without end.
func TestSSTARTWhileStartingIsTold(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	cmd, starts := starter(t)
	b := startBridge(t, p, ampportal.Config{GameDir: gameDir(t), ServerCommand: cmd})
	started(t, starts)
	launcher := dialPeer(t, b)
	launcher.answerOf(launcher.launch(amp.OpServerStart, toList([]string{"/bin/true"})))
	connectServer(t, b, p, 11, link.ModeShutdown)
	push := launcher.next()
	if st := decodeStatus(t, push); string(push.Command()) != amp.CommandMsgStatus || !st.ServerRunning {
		t.Fatalf("the launcher got %v, want the status push", push)
	}
}

// "evennia reload" when the Server has just gone: told at once.
func TestLauncherReloadWithoutServerIsTold(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	launcher := dialPeer(t, b)
	launcher.answerOf(launcher.launch(amp.OpServerReload, amp.Dict{}))
	if push := launcher.next(); string(push.Command()) != amp.CommandMsgStatus {
		t.Fatalf("the launcher got %v, want the status push", push)
	}
}

// A PSYNC that asks for no answer gets none.
func TestPSYNCWithoutAskIsNotAnswered(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	srv := dialPeer(t, b)
	srv.tr.ServerPID = 12
	payloads, err := srv.tr.ToPortal(&link.Message{Op: link.OpPortalSync})
	if err != nil {
		t.Fatal(err)
	}
	data, err := amp.AppendAdmin(nil, payloads[0].Admin)
	if err != nil {
		t.Fatal(err)
	}
	args, err := srv.comp.AppendArgument(nil, amp.ArgPackedData, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.w.WriteBox(amp.NewCommand(amp.CommandAdminServer2Portal, nil, args...)); err != nil {
		t.Fatal(err)
	}
	pl := p.next()
	pl.recv(t)
	pl.send(t, link.Message{Op: link.OpPortalSync, Mode: link.ModeShutdown})
	srv.command(false) // the PSYNC reply
	tag := srv.ask(amp.CommandMsgStatus, amp.StringField(amp.ArgStatus, ""))
	if box := srv.next(); string(box.Tag()) != string(tag) {
		t.Fatalf("got %v before the status answer: an answer to a PSYNC that asked for none", box)
	}
}

// The portal going away while the Server reloads by its own request
// starts no Server: nobody would link it.
func TestPortalGoneDuringServerReloadStartsNothing(t *testing.T) {
	t.Parallel()
	b, srv, pl, _ := startedServer(t)
	inGameReload(t, srv, pl)
	pl.c.Close() // the portal stops: it closes the link
	srv.closedByBridge()
	dialPeer(t, b).status() // the bridge has handled the Server's going
	if s := b.Stats(); s.Spawned != 1 {
		t.Fatalf("stats: %+v, want only the first start", s)
	}
}

// Close does not wait for a Server being started.
func TestCloseDoesNotWaitForServerStart(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	cmd, starts := starter(t)
	cmd[len(cmd)-1] += "; sleep 60"
	b := startBridge(t, p, ampportal.Config{GameDir: gameDir(t), ServerCommand: cmd})
	started(t, starts)
	closed := make(chan struct{})
	go func() { b.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("Close waits for the Server's start command")
	}
}

// A connection that has not sent PSYNC keeps the small limits of a
// peer not yet known, even after a box named like the Server's.
func TestLimitsRiseOnlyWithPSYNC(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	c := dialPeer(t, b)
	e := c.answerOf(c.say(link.Message{Op: link.OpDataOut, Sessid: 1, Data: link.TextData("x")}))
	if _, err := e.RemoteError(); err != nil {
		t.Fatalf("got %v, want an error", e)
	}
	var fields []amp.Field
	for i := range 40 {
		fields = append(fields, amp.StringField("k"+strconv.Itoa(i), strings.Repeat("v", 30000)))
	}
	c.ask(amp.CommandMsgStatus, fields...)
	c.closedByBridge()
}

// Input the Server answered before it went is acknowledged when the
// link closes; the one it did not answer is not.
func TestFinalAcknowledgement(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	b := startBridge(t, p, ampportal.Config{})
	srv, pl := connectServer(t, b, p, 10, link.ModeShutdown)
	pl.ackedTo(t, 1)
	for i := range 3 {
		pl.send(t, link.Message{Op: link.OpDataIn, Sessid: 5, Data: link.TextData("x" + strconv.Itoa(i))})
	}
	srv.command(false)
	srv.command(false)
	srv.command(true) // the third is not answered
	srv.nc.Close()
	most := pl.mostAcked(t)
	if most != 3 {
		t.Fatalf("final acknowledgement %d, want 3 (the PSYNC reply and two answered inputs)", most)
	}
}

// The answer to SSTART, sent once the Server's start command has exited,
// carries SSTART's own tag, whatever the launcher sent meanwhile.
func TestSSTARTAnswerKeepsItsTag(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t)
	cmd, starts, release := gatedStarter(t)
	b := startBridge(t, p, ampportal.Config{GameDir: gameDir(t)})
	launcher := dialPeer(t, b)
	tag := launcher.launch(amp.OpServerStart, toList(cmd))
	started(t, starts)
	launcher.status() // a box read over SSTART's
	release()
	if box := launcher.answerOf(tag); box.Has(amp.KeyError) {
		t.Fatalf("got %v", box)
	}
}
