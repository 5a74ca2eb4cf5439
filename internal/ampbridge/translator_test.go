package ampbridge

import (
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

func (r recorded) payload() Payload {
	if r.command == amp.CommandMsgPortal2Server || r.command == amp.CommandMsgServer2Portal {
		return Payload{Msg: &r.msg}
	}
	return Payload{Admin: &r.admin}
}

func (r recorded) name() string {
	if r.admin.Op != 0 {
		return r.command + " " + r.admin.Op.String()
	}
	return r.command
}

// pyPayload returns the Python value a payload pickles to.
func pyPayload(t testing.TB, p Payload) any {
	t.Helper()
	var b []byte
	var err error
	if p.Msg != nil {
		b, err = amp.AppendMsg(nil, p.Msg)
	} else {
		b, err = amp.AppendAdmin(nil, p.Admin)
	}
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return requirePickle(t, b)
}

// TestCaptureReplay replays every Msg* and Admin* box of the recorded
// start, login, reload and stop, in order, through a bridge between a
// fake Evennia Portal and a fake Evennia Server: each Portal box goes
// over the link as our portal would send it (FromPortal) and the bridge
// gives the Server the same Python value (ToServer); each Server box
// goes to the link (FromServer) and back (ToPortal) to the same value.
// The reload's PSYNC answer thus gives the new Server exactly the
// session the old one synced.
func TestCaptureReplay(t *testing.T) {
	t.Parallel()
	var bridge, fakePortal, fakeServer Translator
	seen := map[string]int{}
	for i, r := range captured(t) {
		var out []Payload
		var err error
		switch r.command {
		case amp.CommandAdminPortal2Server, amp.CommandMsgPortal2Server:
			m, ferr := fakePortal.FromPortal(r.payload())
			if ferr != nil {
				t.Fatalf("%d %s %s: from the portal: %v", i, r.file, r.name(), ferr)
			}
			m = overLink(t, m)
			bridge.PortalStart = fakePortal.PortalStart // the portal's Hello says it
			out, err = bridge.ToServer(&m)
		default:
			m, ferr := bridge.FromServer(r.payload())
			if ferr != nil {
				t.Fatalf("%d %s %s: from the server: %v", i, r.file, r.name(), ferr)
			}
			m = overLink(t, m)
			fakeServer.ServerPID, fakeServer.ServerInfo = bridge.ServerPID, bridge.ServerInfo
			out, err = fakeServer.ToPortal(&m)
		}
		if err != nil || len(out) != 1 {
			t.Fatalf("%d %s %s: %d payloads, %v", i, r.file, r.name(), len(out), err)
		}
		if diff := cmp.Diff(requirePickle(t, r.pickle), pyPayload(t, out[0]), valueOpts); diff != "" {
			t.Fatalf("%d %s %s (-evennia +through the link):\n%s", i, r.file, r.name(), diff)
		}
		seen[r.name()]++
	}
	t.Logf("replayed: %v", seen)
	for _, want := range []string{
		"AdminPortal2Server PCONN", "AdminPortal2Server PCONNSYNC", "AdminPortal2Server PDISCONN",
		"AdminPortal2Server PSYNC", "AdminPortal2Server SRELOAD", "AdminPortal2Server SSHUTD",
		"AdminPortal2Server PDISCONNALL", "AdminServer2Portal PSYNC", "AdminServer2Portal SLOGIN",
		"AdminServer2Portal SSYNC", "AdminServer2Portal SDISCONN", "MsgPortal2Server", "MsgServer2Portal",
	} {
		if seen[want] == 0 {
			t.Errorf("the replay had no %s (seen: %v)", want, seen)
		}
	}
}

func TestFromServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Payload
		want link.Message
		err  error
	}{
		{"SDISCONNALL", Payload{Admin: &amp.Admin{Op: amp.OpServerDisconnectAll, Reason: "bye"}},
			link.Message{Op: link.OpServerDisconnectAll, Reason: "bye"}, nil},
		{"SCONN", Payload{Admin: &amp.Admin{Op: amp.OpServerConnect, ProtocolPath: "evennia.server.portal.irc.IRCBotFactory",
			Config: amp.Dict{{Key: "port", Value: int64(6667)}, {Key: "uid", Value: int64(4)}}}},
			link.Message{Op: link.OpServerConnect, Protocol: "evennia.server.portal.irc.IRCBotFactory",
				Config: map[string]any{"port": int64(6667), "uid": int64(4)}}, nil},
		{"SRESET", Payload{Admin: &amp.Admin{Op: amp.OpServerReset}}, link.Message{Op: link.OpServerReset, Mode: link.ModeReset}, nil},
		{"SSHUTD", Payload{Admin: &amp.Admin{Op: amp.OpServerShutdown}}, link.Message{Op: link.OpServerShutdown, Mode: link.ModeShutdown}, nil},
		{"SSHUTD as 0x07", Payload{Admin: &amp.Admin{Op: amp.OpServerShutdownOld}}, link.Message{Op: link.OpServerShutdown, Mode: link.ModeShutdown}, nil},
		{"PSHUTD", Payload{Admin: &amp.Admin{Op: amp.OpPortalShutdown}}, link.Message{Op: link.OpPortalShutdown}, nil},
		{"OOB output", Payload{Msg: &amp.Msg{Sessid: 2, Commands: []amp.Command{
			{Name: "client_options", Kwargs: amp.Dict{{Key: "SCREENWIDTH", Value: amp.Dict{{Key: int64(0), Value: int64(78)}}}, {Key: "options", Value: amp.Dict(nil)}}},
			{Name: "prompt", Args: amp.List{"> "}, Kwargs: amp.Dict{{Key: "options", Value: amp.Dict(nil)}}},
		}}}, link.Message{Op: link.OpDataOut, Sessid: 2, Data: []link.Command{
			{Name: "client_options", Args: []any{}, Kwargs: map[string]any{"SCREENWIDTH": map[string]any{"0": int64(78)}, "options": map[string]any(nil)}},
			{Name: "prompt", Args: []any{"> "}, Kwargs: map[string]any{"options": map[string]any(nil)}},
		}}, nil},
		{"a big int", Payload{Msg: &amp.Msg{Sessid: 2, Commands: []amp.Command{{Name: "text", Args: amp.List{new(big.Int).Lsh(big.NewInt(1), 80)}}}}},
			link.Message{}, ErrValue},
		{"PCONN from the server", Payload{Admin: &amp.Admin{Op: amp.OpPortalConnect, Sessid: 1}}, link.Message{}, ErrUnexpected},
		{"SSTART", Payload{Admin: &amp.Admin{Op: amp.OpServerStart}}, link.Message{}, ErrUnexpected},
		{"an unknown operation", Payload{Admin: &amp.Admin{Op: 0x7e}}, link.Message{}, ErrUnexpected},
		{"empty", Payload{}, link.Message{}, ErrUnexpected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var tr Translator
			got, err := tr.FromServer(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); err == nil && diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromServerCountsOtherEntries(t *testing.T) {
	t.Parallel()
	var tr Translator
	m, err := tr.FromServer(Payload{Msg: &amp.Msg{Sessid: 2, Commands: []amp.Command{{Name: "text", Args: amp.List{"hi"}}},
		Extra: amp.Dict{{Key: "text2", Value: amp.Tuple{"x"}}, {Key: int64(3), Value: nil}}}})
	if err != nil || len(m.Data) != 1 {
		t.Fatalf("got %v, %v; want the text command", m, err)
	}
	if got := tr.Stats().MsgEntries; got != 2 {
		t.Fatalf("MsgEntries %d, want 2", got)
	}
}

// TestServerSyncPartial checks a client_options SSYNC: the session goes
// whole to the portal, with the ConnSeq the Server had applied.
func TestServerSyncPartial(t *testing.T) {
	t.Parallel()
	var tr Translator
	pconn := link.Message{Op: link.OpPortalConnect, Session: &link.SessionData{Sessid: 4, Seq: 9, ProtocolKey: "websocket",
		Address: "::1", Csessid: "k", ProtocolFlags: map[string]any{"ANSI": true}}}
	if _, err := tr.ToServer(&pconn); err != nil {
		t.Fatal(err)
	}
	tr.Store.Applied(pconn.Session)
	m, err := tr.FromServer(Payload{Admin: &amp.Admin{Op: amp.OpServerSync, Partial: true, Sessions: map[int64]*amp.SessionData{
		4: session(amp.Item{Key: "protocol_flags", Value: amp.Dict{{Key: "SCREENWIDTH", Value: amp.Dict{{Key: int64(0), Value: int64(100)}}}}}),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Clean || m.ConnSeq != 9 || len(m.Sessions) != 1 {
		t.Fatalf("clean %v, conn seq %d, %d sessions; want false, 9, 1", m.Clean, m.ConnSeq, len(m.Sessions))
	}
	d := m.Sessions[0]
	if d.ProtocolKey != "websocket" || d.Csessid != "k" || d.Seq != 9 ||
		!cmp.Equal(d.ProtocolFlags, map[string]any{"ANSI": true, "SCREENWIDTH": int64(100)}) {
		t.Fatalf("session %+v: not whole", d)
	}
}

func TestToServer(t *testing.T) {
	t.Parallel()
	start := time.Unix(1796657769, 838567700).UTC()
	tests := []struct {
		name string
		in   link.Message
		want []Payload
		err  error
	}{
		{"input, a name again in a second Msg", link.Message{Op: link.OpDataIn, Sessid: 3, Data: []link.Command{
			link.Text("look"), {Name: "Core.Hello", Kwargs: map[string]any{"client": "x"}}, link.Text("north"),
		}}, []Payload{
			{Msg: &amp.Msg{Sessid: 3, Commands: []amp.Command{
				{Name: "text", Args: amp.List{"look"}, Kwargs: amp.Dict{{Key: "options", Value: amp.Dict{}}}},
				{Name: "Core.Hello", Args: amp.List{}, Kwargs: amp.Dict{{Key: "client", Value: "x"}, {Key: "options", Value: amp.Dict{}}}},
			}}},
			{Msg: &amp.Msg{Sessid: 3, Commands: []amp.Command{
				{Name: "text", Args: amp.List{"north"}, Kwargs: amp.Dict{{Key: "options", Value: amp.Dict{}}}},
			}}},
		}, nil},
		{"the portal's reload", link.Message{Op: link.OpServerReload, Mode: link.ModeReload, Takeover: "t"},
			[]Payload{{Admin: &amp.Admin{Op: amp.OpServerReload, RestartMode: link.ModeReload}}}, nil},
		{"the portal's stop is 0x11", link.Message{Op: link.OpServerShutdown},
			[]Payload{{Admin: &amp.Admin{Op: amp.OpServerShutdown, RestartMode: link.ModeShutdown}}}, nil},
		{"PSYNC answer without a mode", link.Message{Op: link.OpPortalSync},
			[]Payload{{Admin: &amp.Admin{Op: amp.OpPortalSync, PortalStartTime: timeToPython(start),
				Sessions: map[int64]*amp.SessionData{}, Keys: psyncAnswerKeys,
				Extra: amp.Dict{{Key: "server_restart_mode", Value: nil}}}}}, nil},
		{"ACK", link.Message{Op: link.OpAck, Seen: 3}, nil, ErrNoCounterpart},
		{"ERROR", link.Message{Op: link.OpError, Err: "x"}, nil, ErrNoCounterpart},
		{"SLOGIN from the portal", link.Message{Op: link.OpServerLogin}, nil, ErrUnexpected},
		{"PCONN without session", link.Message{Op: link.OpPortalConnect, Sessid: 1}, nil, ErrUnexpected},
		{"input Python cannot hold", link.Message{Op: link.OpDataIn, Sessid: 1, Data: []link.Command{{Name: "x", Args: []any{struct{}{}}}}}, nil, ErrValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := Translator{PortalStart: start}
			got, err := tr.ToServer(&tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got, valueOpts); err == nil && diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestPortalSyncRetains checks that the PSYNC answer names every session
// the store keeps, and that PDISCONN and PDISCONNALL forget.
func TestPortalSyncRetains(t *testing.T) {
	t.Parallel()
	var tr Translator
	for _, id := range []uint64{1, 2, 3} {
		if _, err := tr.ToServer(&link.Message{Op: link.OpPortalConnect, Session: &link.SessionData{Sessid: id}}); err != nil {
			t.Fatal(err)
		}
	}
	mustToServer(t, &tr, link.Message{Op: link.OpPortalDisconnect, Sessid: 1})
	mustToServer(t, &tr, link.Message{Op: link.OpPortalSync, Mode: link.ModeReload, Sessions: []link.SessionData{{Sessid: 2}}})
	if _, ok := tr.Store.Link(3); ok || tr.Store.Len() != 1 {
		t.Fatalf("after PSYNC: %d sessions, session 3 kept: %v", tr.Store.Len(), ok)
	}
	mustToServer(t, &tr, link.Message{Op: link.OpPortalDisconnectAll})
	if tr.Store.Len() != 0 {
		t.Fatalf("after PDISCONNALL: %d sessions", tr.Store.Len())
	}
}

func mustToServer(t *testing.T, tr *Translator, m link.Message) {
	t.Helper()
	if _, err := tr.ToServer(&m); err != nil {
		t.Fatalf("%v: %v", m.Op, err)
	}
}

// TestServerSessionUnknown checks that the Server's word on a session
// the portal has closed is translated but not kept.
func TestServerSessionUnknown(t *testing.T) {
	t.Parallel()
	var tr Translator
	m, err := tr.FromServer(Payload{Admin: &amp.Admin{Sessid: 8, Op: amp.OpServerLogin,
		Session: session(amp.Item{Key: "logged_in", Value: true}, amp.Item{Key: "uid", Value: int64(3)})}})
	if err != nil || m.Session == nil || m.Session.Uid != 3 || !m.Session.LoggedIn {
		t.Fatalf("SLOGIN: %+v, %v", m, err)
	}
	if tr.Store.Len() != 0 {
		t.Fatalf("the store keeps %d sessions, want none", tr.Store.Len())
	}
}
