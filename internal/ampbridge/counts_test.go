package ampbridge

import (
	"errors"
	"math"
	"testing"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// TestUnlinkedSessionValuesCounted: a server_data or a protocol flag the
// link cannot carry is left out of the session on the link, kept for
// Evennia, and counted (review-amp.md finding 10).
func TestUnlinkedSessionValuesCounted(t *testing.T) {
	t.Parallel()
	var tr Translator
	tr.Store.FromPortal(&link.SessionData{Sessid: 3, ProtocolKey: "telnet"}, false)
	m, err := tr.FromServer(Payload{Admin: &amp.Admin{Op: amp.OpServerSync, Partial: true, Sessions: map[int64]*amp.SessionData{
		3: session(amp.Item{Key: "server_data", Value: amp.Dict{{Key: "nan", Value: math.NaN()}}},
			amp.Item{Key: "protocol_flags", Value: amp.Dict{{Key: "X", Value: math.Inf(1)}, {Key: "ANSI", Value: true}}}),
	}}})
	if err != nil || len(m.Sessions) != 1 {
		t.Fatalf("got %v, %v", m, err)
	}
	if got := tr.Stats().SessionValues; got != 2 {
		t.Fatalf("SessionValues %d, want 2 (server_data, flag X)", got)
	}
	if _, ok := m.Sessions[0].ProtocolFlags["X"]; ok || m.Sessions[0].ProtocolFlags["ANSI"] != true {
		t.Fatalf("flags on the link: %v", m.Sessions[0].ProtocolFlags)
	}
}

// TestSessidBeyondInt64: a link sessid past 2^63-1 has no Python int of
// ours: ErrValue, not a negative sessid (review-amp.md finding 14).
func TestSessidBeyondInt64(t *testing.T) {
	t.Parallel()
	const big = uint64(math.MaxInt64) + 1
	msgs := []link.Message{
		{Op: link.OpPortalDisconnect, Sessid: big},
		{Op: link.OpPortalConnect, Session: &link.SessionData{Sessid: big}},
		{Op: link.OpDataIn, Sessid: big, Data: []link.Command{{Name: "text", Args: []any{"hi"}}}},
		{Op: link.OpPortalSync, Sessions: []link.SessionData{{Sessid: big}}},
	}
	for _, m := range msgs {
		var tr Translator
		if p, err := tr.ToServer(&m); !errors.Is(err, ErrValue) {
			t.Errorf("ToServer %v: got %v, %v; want ErrValue", m.Op, p, err)
		}
	}
	back := []link.Message{
		{Op: link.OpServerLogin, Sessid: big, Session: &link.SessionData{}},
		{Op: link.OpServerDisconnect, Sessid: big},
		{Op: link.OpServerSync, Sessions: []link.SessionData{{Sessid: big}}},
		{Op: link.OpDataOut, Sessid: big, Data: []link.Command{{Name: "text", Args: []any{"hi"}}}},
	}
	for _, m := range back {
		var tr Translator
		if p, err := tr.ToPortal(&m); !errors.Is(err, ErrValue) {
			t.Errorf("ToPortal %v: got %v, %v; want ErrValue", m.Op, p, err)
		}
	}
}
