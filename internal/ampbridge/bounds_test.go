package ampbridge

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// within fails the test if f takes longer than d: a guard against
// quadratic work on peer-sized input (review-amp.md finding 5), generous
// for a loaded machine (5 s under -race), far below what the quadratic
// version takes (minutes).
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("not done within %v", d)
	}
}

// bigSession is a session dict with n keys of its own and n protocol
// flags, named from prefix.
func bigSession(sessid int64, prefix string, n int) *amp.SessionData {
	s := &amp.SessionData{Sessid: sessid, ProtocolKey: "telnet"}
	for i := range n {
		s.Extra = append(s.Extra, amp.Item{Key: fmt.Sprintf("%s%07d", prefix, i), Value: int64(i)})
		s.ProtocolFlags = append(s.ProtocolFlags, amp.Item{Key: fmt.Sprintf("%s%07d", prefix, i), Value: int64(i)})
	}
	return s
}

// TestLargeSessionDictsLinear: an SSYNC whose session dicts have 100k keys
// translates in linear time (the Extra lookup per key, the flags merge)
// and the store keeps at most MaxEntryKeys keys and flags per session,
// counting the rest.
func TestLargeSessionDictsLinear(t *testing.T) {
	t.Parallel()
	const n = 100_000
	tr := new(Translator)
	tr.Store.FromPortal(&link.SessionData{Sessid: 1, ProtocolKey: "telnet", ProtocolFlags: map[string]any{"ANSI": true}}, false)
	within(t, time.Minute, func() {
		for _, prefix := range []string{"a", "b"} {
			_, err := tr.FromServer(Payload{Admin: &amp.Admin{Op: amp.OpServerSync, Partial: true,
				Sessions: map[int64]*amp.SessionData{1: bigSession(1, prefix, n)}}})
			if err != nil {
				t.Errorf("SSYNC: %v", err)
			}
		}
	})
	d, ok := tr.Store.Evennia(1)
	if !ok {
		t.Fatal("session 1 lost")
	}
	if len(d.Keys) > MaxEntryKeys+len(amp.SessionKeys()) || len(d.ProtocolFlags) > MaxEntryKeys {
		t.Fatalf("stored %d keys, %d flags; want at most %d", len(d.Keys), len(d.ProtocolFlags), MaxEntryKeys)
	}
	if v, _ := d.ProtocolFlags.Get("ANSI"); v != true {
		t.Fatalf("the portal's flag ANSI lost: %v", d.ProtocolFlags)
	}
	if got := tr.Stats().StoreKeys; got == 0 {
		t.Fatalf("Stats().StoreKeys = 0, want the keys not kept counted")
	}
}

// TestStoreEntryCap: keys past MaxEntryKeys are not kept, and counted;
// keys the entry has, and Evennia's own, are still updated.
func TestStoreEntryCap(t *testing.T) {
	t.Parallel()
	var st Store
	st.FromServer(4, bigSession(4, "k", MaxEntryKeys+10))
	d, _ := st.Evennia(4)
	// sessid, protocol_key, protocol_flags, then the others
	if len(d.Keys) != 3+MaxEntryKeys || len(d.ProtocolFlags) != MaxEntryKeys {
		t.Fatalf("stored %d keys, %d flags; want %d, %d", len(d.Keys), len(d.ProtocolFlags), 3+MaxEntryKeys, MaxEntryKeys)
	}
	dropped := st.Dropped()
	if dropped != 20 {
		t.Fatalf("%d counted past the cap, want 20", dropped)
	}
	update := &amp.SessionData{Uname: "x", Extra: amp.Dict{{Key: "k0000000", Value: "new"}},
		ProtocolFlags: amp.Dict{{Key: "k0000001", Value: "new"}}}
	got := st.FromServer(4, update)
	if got.Uname != "x" {
		t.Fatalf("uname %q after the cap, want x", got.Uname)
	}
	d, _ = st.Evennia(4)
	want := amp.Dict{{Key: "k0000000", Value: "new"}}
	if v, _ := d.Extra.Get("k0000000"); !cmp.Equal(v, want[0].Value) {
		t.Fatalf("k0000000 = %v, want new", v)
	}
	if v, _ := d.ProtocolFlags.Get("k0000001"); v != "new" {
		t.Fatalf("flag k0000001 = %v, want new", v)
	}
	if st.Dropped() != dropped {
		t.Fatalf("an update of kept keys counted as dropped: %d, was %d", st.Dropped(), dropped)
	}
}

// TestFlagBeyondExactIntKept: an int flag the link cannot carry exactly
// is not sent on the link, and Evennia gets it back as it was.
func TestFlagBeyondExactIntKept(t *testing.T) {
	t.Parallel()
	var st Store
	st.FromPortal(&link.SessionData{Sessid: 9, ProtocolKey: "telnet"}, false)
	l := st.FromServer(9, &amp.SessionData{ProtocolFlags: amp.Dict{{Key: "BIG", Value: int64(1<<53 + 1)}}})
	if v, ok := l.ProtocolFlags["BIG"]; ok {
		t.Fatalf("BIG = %v on the link, want it left out", v)
	}
	d, _ := st.Evennia(9)
	if v, _ := d.ProtocolFlags.Get("BIG"); v != int64(1<<53+1) {
		t.Fatalf("BIG = %v for Evennia, want %d", v, int64(1<<53+1))
	}
}

// TestStoreNewSessionKeysOnce: a session the portal announces gets each
// of Evennia's keys once (they were listed twice).
func TestStoreNewSessionKeysOnce(t *testing.T) {
	t.Parallel()
	var st Store
	st.FromPortal(&link.SessionData{Sessid: 1, ProtocolKey: "telnet", ProtocolFlags: map[string]any{"ANSI": true}}, false)
	d, _ := st.Evennia(1)
	if diff := cmp.Diff(newSessionKeys, d.Keys); diff != "" {
		t.Fatalf("keys (-want +got):\n%s", diff)
	}
	if v, _ := d.ProtocolFlags.Get("ANSI"); v != true {
		t.Fatalf("ANSI = %v, want true", v)
	}
}

// TestFieldsAreSessionKeys: the bridge's table of session fields lists
// amp's SESSION_SYNC_ATTRS, in order (review-amp.md finding 16: the two
// lists are kept, each with its own accessors, and must not drift).
func TestFieldsAreSessionKeys(t *testing.T) {
	t.Parallel()
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	if diff := cmp.Diff(amp.SessionKeys(), keys); diff != "" {
		t.Fatalf("fields (-amp +bridge):\n%s", diff)
	}
}
