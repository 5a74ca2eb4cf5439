package amp_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/internal/amp"
)

func TestAdminRoundTrip(t *testing.T) {
	t.Parallel()
	flags := amp.Dict{{Key: "ANSI", Value: true}, {Key: "SCREENWIDTH", Value: amp.Dict{{Key: int64(0), Value: int64(80)}}}}
	tests := []struct {
		name string
		in   amp.Admin
	}{
		{name: "pconn", in: amp.Admin{Sessid: 3, Op: amp.OpPortalConnect, Session: &amp.SessionData{
			ProtocolKey: "telnet", Address: "127.0.0.1", Sessid: 3, ConnTime: 1765100000.25,
			CmdLast: 1765100000.25, CmdLastVisible: 1765100000.25, ProtocolFlags: flags,
			Extra: amp.Dict{{Key: "uid", Value: nil}, {Key: "uname", Value: nil}},
		}}},
		{name: "pconnsync keys", in: amp.Admin{Sessid: 3, Op: amp.OpPortalConnSync, Session: &amp.SessionData{
			ProtocolKey: "telnet", Sessid: 3, Keys: amp.PortalConnSyncKeys(),
		}}},
		{name: "slogin", in: amp.Admin{Sessid: 3, Op: amp.OpServerLogin, Session: &amp.SessionData{LoggedIn: true, Uid: 2}}},
		{name: "sdisconn empty reason", in: amp.Admin{Sessid: 3, Op: amp.OpServerDisconnect, Keys: []string{"operation", "reason"}}},
		{name: "ssync partial", in: amp.Admin{Op: amp.OpServerSync, Partial: true, Sessions: map[int64]*amp.SessionData{
			1: {Sessid: 1, Uname: "ampcap"}, 2: {Sessid: 2},
		}}},
		{name: "ssync clean", in: amp.Admin{Op: amp.OpServerSync, Keys: []string{"operation", "sessiondata", "clean"}}},
		{name: "psync server", in: amp.Admin{Op: amp.OpPortalSync, ServerPID: 4242, ServerInfo: amp.Dict{{Key: "servername", Value: "mygame"}}}},
		{name: "psync portal", in: amp.Admin{Op: amp.OpPortalSync, PortalStartTime: 1.5, Keys: []string{"operation", "server_restart_mode", "sessiondata", "portal_start_time"},
			Extra: amp.Dict{{Key: "server_restart_mode", Value: nil}}}},
		{name: "sconn", in: amp.Admin{Op: amp.OpServerConnect, ProtocolPath: "evennia.bots.Irc", Config: amp.Dict{{Key: "port", Value: int64(6667)}}}},
		{name: "unknown op and key", in: amp.Admin{Op: 0x42, Extra: amp.Dict{{Key: "zzz", Value: amp.Tuple{int64(1)}}, {Key: int64(7), Value: "int key"}}}},
		{name: "operation of another type", in: amp.Admin{Extra: amp.Dict{{Key: "operation", Value: amp.Bytes("\x01")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := amp.AppendAdmin(nil, &tt.in)
			if err != nil {
				t.Fatal(err)
			}
			first, err := amp.DecodeAdmin(p, amp.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			p2, err := amp.AppendAdmin(nil, &first)
			if err != nil {
				t.Fatal(err)
			}
			second, err := amp.DecodeAdmin(p2, amp.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(first, second, valueOpts); diff != "" {
				t.Fatalf("decode, encode, decode (-first +second):\n%s", diff)
			}
			if first.Op != tt.in.Op || first.Sessid != tt.in.Sessid {
				t.Fatalf("got op %v sessid %d, want %v %d", first.Op, first.Sessid, tt.in.Op, tt.in.Sessid)
			}
		})
	}
}

func TestAdminFieldsAndExtra(t *testing.T) {
	t.Parallel()
	// uid None stays None; a uid set later is what gets written.
	in := amp.Admin{Sessid: 9, Op: amp.OpPortalConnect, Session: &amp.SessionData{
		Sessid: 9, Keys: []string{"sessid", "uid", "cmd_total"}, Extra: amp.Dict{{Key: "uid", Value: nil}},
	}}
	p, err := amp.AppendAdmin(nil, &in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := amp.DecodeAdmin(p, amp.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"sessid", "uid", "cmd_total"}
	if diff := cmp.Diff(wantKeys, got.Session.Keys); diff != "" {
		t.Fatalf("keys (-want +got):\n%s", diff)
	}
	if v, ok := got.Session.Extra.Get("uid"); !ok || v != nil {
		t.Fatalf("uid: got %v %v, want None", v, ok)
	}
	got.Session.Uid = 5
	p, err = amp.AppendAdmin(nil, &got)
	if err != nil {
		t.Fatal(err)
	}
	again, err := amp.DecodeAdmin(p, amp.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Session.Uid != 5 || len(again.Session.Extra) != 0 {
		t.Fatalf("uid: got %d, extra %v", again.Session.Uid, again.Session.Extra)
	}
}

func TestDecodeAdminShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
		err  error
	}{
		{name: "not a tuple", v: amp.List{int64(1), amp.Dict(nil)}, err: amp.ErrPayload},
		{name: "three", v: amp.Tuple{int64(1), amp.Dict(nil), nil}, err: amp.ErrPayload},
		{name: "sessid str", v: amp.Tuple{"1", amp.Dict(nil)}, err: amp.ErrPayload},
		{name: "kwargs None", v: amp.Tuple{int64(1), nil}, err: amp.ErrPayload},
		{name: "empty kwargs", v: amp.Tuple{int64(1), amp.Dict(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := amp.AppendPickle(nil, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := amp.DecodeAdmin(p, amp.Limits{}); !errors.Is(err, tt.err) {
				t.Fatalf("admin: got %v, want %v", err, tt.err)
			}
			if _, err := amp.DecodeMsg(p, amp.Limits{}); !errors.Is(err, tt.err) {
				t.Fatalf("msg: got %v, want %v", err, tt.err)
			}
		})
	}
}

func TestMsg(t *testing.T) {
	t.Parallel()
	opts := amp.Dict{{Key: "options", Value: amp.Dict(nil)}}
	raw := amp.Dict{
		{Key: "prompt", Value: amp.List{amp.List{"> "}, opts}},
		{Key: "text", Value: amp.List{amp.List{"Limbo"}, opts}},
		{Key: "logged_in", Value: amp.List{amp.List(nil), opts}},
		{Key: "odd", Value: amp.Tuple{amp.List(nil), opts}},
		{Key: "none", Value: nil},
	}
	p, err := amp.AppendPickle(nil, amp.Tuple{int64(4), raw})
	if err != nil {
		t.Fatal(err)
	}
	got, err := amp.DecodeMsg(p, amp.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := amp.Msg{
		Sessid: 4,
		Commands: []amp.Command{
			{Name: "logged_in", Kwargs: opts},
			{Name: "text", Args: amp.List{"Limbo"}, Kwargs: opts},
			{Name: "prompt", Args: amp.List{"> "}, Kwargs: opts},
		},
		Extra: amp.Dict{{Key: "none", Value: nil}, {Key: "odd", Value: amp.Tuple{amp.List(nil), opts}}},
	}
	if diff := cmp.Diff(want, got, valueOpts); diff != "" {
		t.Fatalf("msg (-want +got):\n%s", diff)
	}
	if s, ok := got.Commands[1].Text(); !ok || s != "Limbo" {
		t.Fatalf("text: got %q %v", s, ok)
	}
	// Ours encodes as the generic encoder would, and back.
	p2, err := amp.AppendMsg(nil, &got)
	if err != nil {
		t.Fatal(err)
	}
	again, err := amp.DecodeMsg(p2, amp.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, again, valueOpts); diff != "" {
		t.Fatalf("round trip (-first +second):\n%s", diff)
	}
}

func TestAppendMsgEdges(t *testing.T) {
	t.Parallel()
	for _, m := range []amp.Msg{
		{},
		{Sessid: 1 << 40, Commands: []amp.Command{{Name: "text", Args: amp.List{"x"}}}},
		{Sessid: -1, Extra: amp.Dict{{Key: "k", Value: int64(1)}}},
	} {
		p, err := amp.AppendMsg(nil, &m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := amp.DecodeMsg(p, amp.Limits{})
		if err != nil {
			t.Fatalf("%+v: %v", m, err)
		}
		if got.Sessid != m.Sessid || len(got.Commands) != len(m.Commands) || len(got.Extra) != len(m.Extra) {
			t.Fatalf("got %+v, want %+v", got, m)
		}
	}
	bad := amp.Msg{Extra: amp.Dict{{Key: amp.List{}, Value: nil}}}
	if _, err := amp.AppendMsg(nil, &bad); !errors.Is(err, amp.ErrPythonType) {
		t.Fatalf("list key: got %v", err)
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	for _, s := range []amp.Status{
		{PortalRunning: true, ServerRunning: true, PortalPID: 10, ServerPID: 11,
			PortalInfo: amp.Dict{{Key: "servername", Value: "mygame"}}, ServerInfo: amp.Dict{{Key: "x", Value: int64(1)}}},
		{PortalRunning: true, PortalPID: 10},
	} {
		p, err := amp.AppendStatus(nil, &s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := amp.DecodeStatus(p, amp.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(s, got, valueOpts); diff != "" {
			t.Fatalf("status (-want +got):\n%s", diff)
		}
	}
	for _, v := range []any{amp.Tuple{true}, amp.Tuple{true, true, int64(1), int64(0), amp.Dict(nil), amp.Dict(nil)},
		amp.Tuple{true, true, int64(1), nil, nil, amp.Dict(nil)}} {
		p, err := amp.AppendPickle(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := amp.DecodeStatus(p, amp.Limits{}); !errors.Is(err, amp.ErrPayload) {
			t.Fatalf("%v: got %v, want %v", v, err, amp.ErrPayload)
		}
	}
}

func TestLauncherOperation(t *testing.T) {
	t.Parallel()
	op, err := amp.LauncherOperation(box("_command", "MsgLauncher2Portal", "operation", "\x0e", "arguments", "\x80\x05N."))
	if err != nil || op != amp.OpServerReload {
		t.Fatalf("got %v, %v", op, err)
	}
	if _, err := amp.LauncherOperation(box("operation", "")); !errors.Is(err, amp.ErrPayload) {
		t.Fatalf("empty: got %v", err)
	}
	if _, err := amp.LauncherOperation(box()); !errors.Is(err, amp.ErrMissingArgument) {
		t.Fatalf("missing: got %v", err)
	}
}
