package ampbridge

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// lastWithSessions returns the last recorded box of command and op whose
// sessiondata names sessid.
func lastWithSessions(t *testing.T, command string, op amp.Operation, sessid int64) *amp.SessionData {
	t.Helper()
	var out *amp.SessionData
	for _, r := range find(t, command, op) {
		if s := r.admin.Sessions[sessid]; s != nil {
			out = s
		}
	}
	if out == nil {
		t.Fatalf("no %s %v with session %d", command, op, sessid)
	}
	return out
}

// TestStoreReloadRoundTrip replays the recorded reload: the Server's
// last SSYNC goes to the portal over the link, and the portal's PSYNC
// answer comes back; Evennia gets exactly the dict it synced, the one
// Evennia's own Portal answered with, even from a store that began
// after the SSYNC (a restarted bridge).
func TestStoreReloadRoundTrip(t *testing.T) {
	t.Parallel()
	synced := lastWithSessions(t, amp.CommandAdminServer2Portal, amp.OpServerSync, 3)
	evennias := lastWithSessions(t, amp.CommandAdminPortal2Server, amp.OpPortalSync, 3)
	want := pySession(t, synced)
	if diff := cmp.Diff(want, pySession(t, evennias), valueOpts); diff != "" {
		t.Fatalf("the recording: SSYNC and Evennia's PSYNC answer differ (-ssync +psync):\n%s", diff)
	}

	var st Store
	toPortal := overLink(t, link.Message{Op: link.OpServerSync, Sessions: []link.SessionData{st.FromServer(3, synced)}})
	fromPortal := overLink(t, link.Message{Op: link.OpPortalSync, Sessions: toPortal.Sessions})
	got := st.FromPortal(&fromPortal.Sessions[0], false)
	if diff := cmp.Diff(want, pySession(t, got), valueOpts); diff != "" {
		t.Fatalf("PSYNC answer (-synced +ours):\n%s", diff)
	}

	var fresh Store
	got = fresh.FromPortal(&fromPortal.Sessions[0], false)
	if diff := cmp.Diff(want, pySession(t, got), valueOpts); diff != "" {
		t.Fatalf("PSYNC answer from a new store (-synced +ours):\n%s", diff)
	}
}

// TestStorePortalSessions sends the recorded PCONN and PCONNSYNC dicts
// as our portal would (over the link, into a new store): Evennia gets
// the dicts its own Portal sent.
func TestStorePortalSessions(t *testing.T) {
	t.Parallel()
	for _, r := range append(find(t, amp.CommandAdminPortal2Server, amp.OpPortalConnect),
		find(t, amp.CommandAdminPortal2Server, amp.OpPortalConnSync)...) {
		partial := r.admin.Op == amp.OpPortalConnSync
		// What our portal holds for the session, as the link carries it.
		var theirs Store
		d := overLink(t, link.Message{Op: link.OpPortalConnect, Session: ptr(theirs.FromServer(uint64(r.admin.Sessid), r.admin.Session))}).Session

		var st Store
		if partial { // the session is known by its PCONN first
			st.FromPortal(d, false)
		}
		got := st.FromPortal(d, partial)
		if diff := cmp.Diff(pySession(t, r.admin.Session), pySession(t, got), valueOpts); diff != "" {
			t.Fatalf("%s %v %d (-evennia +ours):\n%s", r.file, r.admin.Op, r.admin.Sessid, diff)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// session returns a decoded-like amp.SessionData of the given dict items.
func session(items ...amp.Item) *amp.SessionData {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Key.(string)
	}
	return ampSession(keys, func() map[string]any {
		m := make(map[string]any, len(items))
		for _, it := range items {
			m[it.Key.(string)] = it.Value
		}
		return m
	}())
}

func TestStoreWhoWins(t *testing.T) {
	t.Parallel()
	width := func(ws ...int64) amp.Dict {
		var d amp.Dict
		for i, w := range ws {
			d = append(d, amp.Item{Key: int64(i), Value: w})
		}
		return d
	}
	base := func() *amp.SessionData {
		return session(
			amp.Item{Key: "sessid", Value: int64(5)},
			amp.Item{Key: "address", Value: "10.0.0.1"},
			amp.Item{Key: "uname", Value: "ampcap"},
			amp.Item{Key: "uid", Value: int64(3)},
			amp.Item{Key: "csessid", Value: nil},
			amp.Item{Key: "cmd_total", Value: "odd"}, // a value of another type
			amp.Item{Key: "custom_attr", Value: amp.Tuple{int64(1), "x"}},
			amp.Item{Key: "protocol_flags", Value: amp.Dict{
				{Key: "ANSI", Value: true}, {Key: "SCREENWIDTH", Value: width(78, 100)},
			}},
		)
	}
	tests := []struct {
		name   string
		portal func(d *link.SessionData)
		key    string
		want   any
	}{
		{"an echoed server field keeps its form", func(*link.SessionData) {}, "csessid", nil},
		{"server-owned: the server's value wins", func(d *link.SessionData) { d.Uname = "other" }, "uname", "ampcap"},
		{"server-owned value of another type stays", func(d *link.SessionData) { d.CmdTotal = 9 }, "cmd_total", "odd"},
		{"portal-owned: the portal's change wins", func(d *link.SessionData) { d.Address = "10.0.0.2" }, "address", "10.0.0.2"},
		{"portal-owned csessid set by the portal", func(d *link.SessionData) { d.Csessid = "abc" }, "csessid", "abc"},
		{"an unknown key stays", func(*link.SessionData) {}, "custom_attr", amp.Tuple{int64(1), "x"}},
		{"an echoed width keeps every window", func(*link.SessionData) {}, "protocol_flags",
			amp.Dict{{Key: "ANSI", Value: true}, {Key: "SCREENWIDTH", Value: width(78, 100)}}},
		{"a new width replaces the dict", func(d *link.SessionData) { d.ProtocolFlags["SCREENWIDTH"] = 120.0 }, "protocol_flags",
			amp.Dict{{Key: "ANSI", Value: true}, {Key: "SCREENWIDTH", Value: width(120)}}},
		{"a new flag is added", func(d *link.SessionData) { d.ProtocolFlags["MXP"] = true }, "protocol_flags",
			amp.Dict{{Key: "ANSI", Value: true}, {Key: "MXP", Value: true}, {Key: "SCREENWIDTH", Value: width(78, 100)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var st Store
			l := st.FromServer(5, base())
			d := overLink(t, link.Message{Op: link.OpPortalConnSync, Session: &l}).Session
			tt.portal(d)
			got := st.FromPortal(d, false)
			v := pyValueOf(t, got, tt.key)
			if diff := cmp.Diff(tt.want, v, valueOpts); diff != "" {
				t.Fatalf("%s (-want +got):\n%s", tt.key, diff)
			}
		})
	}
}

// pyValueOf returns the Python value of key in s as it pickles.
func pyValueOf(t *testing.T, s *amp.SessionData, key string) any {
	t.Helper()
	d := pySession(t, s).(amp.Dict)
	v, ok := d.Get(key)
	if !ok {
		t.Fatalf("no %s in %v", key, d)
	}
	return v
}

// TestStorePartialServerSyncs checks that SLOGIN's and client_options'
// partial dicts reach the link as the whole session.
func TestStorePartialServerSyncs(t *testing.T) {
	t.Parallel()
	var st Store
	st.FromPortal(&link.SessionData{Sessid: 2, ProtocolKey: "telnet", Address: "127.0.0.1",
		ProtocolFlags: map[string]any{"SCREENWIDTH": 78.0, "ANSI": true}}, false)
	st.FromServer(2, session(amp.Item{Key: "uname", Value: "ampcap"}, amp.Item{Key: "puid", Value: int64(5)}))
	st.FromServer(2, session(amp.Item{Key: "logged_in", Value: true}, amp.Item{Key: "uid", Value: int64(3)}))
	got := st.FromServer(2, session(amp.Item{Key: "protocol_flags", Value: amp.Dict{{Key: "SCREENREADER", Value: true}}}))
	want := link.SessionData{Sessid: 2, ProtocolKey: "telnet", Address: "127.0.0.1", Uid: 3, Uname: "ampcap", LoggedIn: true, Puid: 5,
		ProtocolFlags: map[string]any{"SCREENWIDTH": int64(78), "ANSI": true, "SCREENREADER": true}, ServerData: map[string]any{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("link session (-want +got):\n%s", diff)
	}
}

func TestStoreApplied(t *testing.T) {
	t.Parallel()
	var st Store
	st.FromPortal(&link.SessionData{Sessid: 7, Seq: 4, SyncRev: 2}, false)
	if l, _ := st.Link(7); l.Seq != 4 || l.SyncRev != 0 {
		t.Fatalf("before Applied: seq %d, sync rev %d; want 4, 0", l.Seq, l.SyncRev)
	}
	st.Applied(&link.SessionData{Sessid: 7, Seq: 4, SyncRev: 2})
	st.Applied(&link.SessionData{Sessid: 7, SyncRev: 1}) // older: no effect
	if l, _ := st.Link(7); l.SyncRev != 2 || st.ConnSeq() != 4 {
		t.Fatalf("after Applied: sync rev %d, conn seq %d; want 2, 4", l.SyncRev, st.ConnSeq())
	}
	st.Retain(func(id uint64) bool { return id != 7 })
	if _, ok := st.Link(7); ok || st.Len() != 0 {
		t.Fatalf("session 7 kept after Retain")
	}
}
