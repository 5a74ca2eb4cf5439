package ampbridge

import (
	"bytes"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

// valueOpts compare Python values: big ints by value, NaNs as equal.
var valueOpts = cmp.Options{
	cmp.Comparer(func(a, b *big.Int) bool { return a.Cmp(b) == 0 }),
	cmpopts.EquateNaNs(),
}

// recorded is one Msg* or Admin* box of the captures of real Evennia
// traffic in ../amp/testdata (see its README.md), decoded.
type recorded struct {
	file    string // e.g. "reload.c5.portal2client.amp"
	command string // amp.CommandAdminServer2Portal, ...
	pickle  []byte // the inflated packed_data
	admin   amp.Admin
	msg     amp.Msg
}

// captureFiles are the recordings in the order they were made: the
// scenes, and in each the Portal's boxes and the other side's.
var captureFiles = []string{
	"start.c2.portal2client.amp", "start.c2.client2portal.amp",
	"login.c2.portal2client.amp", "login.c2.client2portal.amp",
	"reload.c2.portal2client.amp", "reload.c2.client2portal.amp",
	"reload.c5.portal2client.amp", "reload.c5.client2portal.amp",
	"stop.c5.portal2client.amp", "stop.c6.portal2client.amp",
}

// captured returns the Msg* and Admin* boxes of the captures.
func captured(t testing.TB) []recorded {
	t.Helper()
	var out []recorded
	var d amp.Decompressor
	for _, name := range captureFiles {
		stream, err := os.ReadFile(filepath.Join("..", "amp", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		rd := amp.NewReader(bytes.NewReader(stream), amp.Limits{})
		for {
			b, err := rd.ReadBox()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if r, ok := decodeRecorded(t, &d, name, b); ok {
				out = append(out, r)
			}
		}
	}
	return out
}

func decodeRecorded(t testing.TB, d *amp.Decompressor, name string, b amp.Box) (recorded, bool) {
	t.Helper()
	cmd := string(b.Command())
	r := recorded{file: name, command: cmd}
	switch cmd {
	case amp.CommandAdminPortal2Server, amp.CommandAdminServer2Portal, amp.CommandMsgPortal2Server, amp.CommandMsgServer2Portal:
	default:
		return r, false
	}
	p, err := d.Argument(b, amp.ArgPackedData)
	if err != nil {
		t.Fatalf("%s %s: %v", name, cmd, err)
	}
	r.pickle = bytes.Clone(p)
	if cmd == amp.CommandAdminPortal2Server || cmd == amp.CommandAdminServer2Portal {
		r.admin, err = amp.DecodeAdmin(r.pickle, amp.Limits{})
	} else {
		r.msg, err = amp.DecodeMsg(r.pickle, amp.Limits{})
	}
	if err != nil {
		t.Fatalf("%s %s: %v", name, cmd, err)
	}
	return r, true
}

// find returns the recorded boxes of command and operation op (0 for a
// Msg), in order.
func find(t testing.TB, command string, op amp.Operation) []recorded {
	t.Helper()
	var out []recorded
	for _, r := range captured(t) {
		if r.command == command && r.admin.Op == op {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s %v in the captures", command, op)
	}
	return out
}

// pyAdmin returns the Python value an Admin payload pickles to.
func pyAdmin(t testing.TB, a *amp.Admin) any {
	t.Helper()
	p, err := amp.AppendAdmin(nil, a)
	if err != nil {
		t.Fatalf("encode %v: %v", a.Op, err)
	}
	return requirePickle(t, p)
}

func requirePickle(t testing.TB, p []byte) any {
	t.Helper()
	v, err := amp.DecodePickle(p, amp.Limits{})
	if err != nil {
		t.Fatalf("decode pickle: %v", err)
	}
	return v
}

// pySession returns the Python dict a session's data pickles to.
func pySession(t testing.TB, s *amp.SessionData) any {
	t.Helper()
	a := amp.Admin{Op: amp.OpPortalConnect, Session: s}
	v := pyAdmin(t, &a).(amp.Tuple)[1].(amp.Dict)
	sd, _ := v.Get("sessiondata")
	return sd
}

// overLink returns m as the peer gets it: encoded and decoded by the
// link's codec (numbers become float64, ...).
func overLink(t testing.TB, m link.Message) link.Message {
	t.Helper()
	f, err := link.AppendFrame(nil, m)
	if err != nil {
		t.Fatalf("link encode %v: %v", m.Op, err)
	}
	out, err := link.DecodeFrame(f)
	if err != nil {
		t.Fatalf("link decode %v: %v", m.Op, err)
	}
	return out
}
