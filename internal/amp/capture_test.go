package amp_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/internal/amp"
)

// captures returns the recorded AMP streams of testdata (see
// testdata/README.md), by file name.
func captures(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.amp"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no captures in testdata")
	}
	out := make(map[string][]byte, len(names))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(name)] = b
	}
	return out
}

// captureBoxes returns every box of every capture.
func captureBoxes(t testing.TB) []amp.Box {
	t.Helper()
	var all []amp.Box
	for name, stream := range captures(t) {
		boxes, err := readAll(t, bytes.NewReader(stream), amp.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		all = append(all, boxes...)
	}
	return all
}

// TestCaptureBoxesRoundTrip reads each recorded stream and writes its
// boxes again: the bytes are Evennia's exactly (a box keeps its fields'
// order, and Twisted's sorted order is one).
func TestCaptureBoxesRoundTrip(t *testing.T) {
	t.Parallel()
	for name, stream := range captures(t) {
		boxes, err := readAll(t, bytes.NewReader(stream), amp.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out []byte
		for _, b := range boxes {
			if out, err = amp.AppendBox(out, b); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if _, err := b.Kind(); err != nil {
				t.Fatalf("%s: box %q: %v", name, b, err)
			}
		}
		if !bytes.Equal(out, stream) {
			t.Fatalf("%s: %d bytes written again differ from the %d recorded", name, len(out), len(stream))
		}
	}
}

// payload is one decoded argument of a recorded box.
type payload struct {
	command string
	pickle  []byte
}

// capturePayloads returns the pickles of the recorded boxes: packed_data
// inflated, MsgStatus and MsgLauncher2Portal arguments as they are, and
// the answers to MsgStatus.
func capturePayloads(t testing.TB) []payload {
	t.Helper()
	var out []payload
	var d amp.Decompressor
	for _, b := range captureBoxes(t) {
		cmd := string(b.Command())
		spec, ok := amp.LookupCommand(b.Command())
		if kind, _ := b.Kind(); kind == amp.KindCommand && !ok {
			t.Fatalf("unknown command %q", cmd)
		}
		for _, arg := range spec.Arguments {
			v, ok := b.Get(arg.Name)
			switch {
			case arg.Type == amp.ArgCompressed:
				data, err := d.Argument(b, arg.Name)
				if err != nil {
					t.Fatalf("%s: %v", cmd, err)
				}
				out = append(out, payload{cmd, bytes.Clone(data)})
			case ok && arg.Name != amp.ArgOperation && len(v) > 0:
				out = append(out, payload{cmd + "." + arg.Name, bytes.Clone(v)})
			}
		}
		if kind, _ := b.Kind(); kind == amp.KindAnswer {
			if v, ok := b.Get(amp.ArgStatus); ok {
				out = append(out, payload{"MsgStatus.answer", bytes.Clone(v)})
			}
		}
	}
	return out
}

// TestCapturePayloads decodes every recorded pickle, as raw values and
// as typed payloads, and checks that encoding and decoding again gives
// the same value. (Our pickles differ from Python's in bytes: Python
// memoizes and we do not, and og-rek does not keep dict order.)
func TestCapturePayloads(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	for _, p := range capturePayloads(t) {
		v, err := amp.DecodePickle(p.pickle, amp.Limits{})
		if err != nil {
			t.Fatalf("%s: %v\n%q", p.command, err, p.pickle)
		}
		requirePickleRoundTrip(t, v)
		switch p.command {
		case amp.CommandAdminPortal2Server, amp.CommandAdminServer2Portal:
			a := requireAdminRoundTrip(t, p.pickle)
			seen[p.command+" "+a.Op.String()]++
		case amp.CommandMsgPortal2Server, amp.CommandMsgServer2Portal:
			m := requireMsgRoundTrip(t, p.pickle)
			for _, c := range m.Commands {
				seen[p.command+" "+c.Name]++
			}
			if len(m.Extra) > 0 {
				t.Errorf("%s: entries of another shape: %v", p.command, m.Extra)
			}
		case "MsgStatus.answer", amp.CommandMsgStatus + "." + amp.ArgStatus:
			if _, err := amp.DecodeStatus(p.pickle, amp.Limits{}); err == nil {
				seen["status"]++
			}
		default:
			seen[p.command]++
		}
	}
	for _, want := range []string{
		"AdminPortal2Server PCONN", "AdminPortal2Server PDISCONN", "AdminPortal2Server PSYNC",
		"AdminServer2Portal PSYNC", "AdminServer2Portal SLOGIN", "AdminServer2Portal SSYNC",
		"AdminPortal2Server SRELOAD", "MsgPortal2Server text", "MsgServer2Portal text",
		"MsgLauncher2Portal.arguments", "status",
	} {
		if seen[want] == 0 {
			t.Errorf("the captures have no %s", want)
		}
	}
	if t.Failed() {
		keys := make([]string, 0, len(seen))
		for k := range seen {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		t.Logf("seen: %v", keys)
	}
}

func requireAdminRoundTrip(t testing.TB, p []byte) amp.Admin {
	t.Helper()
	first, err := amp.DecodeAdmin(p, amp.Limits{})
	if err != nil {
		t.Fatalf("admin: %v", err)
	}
	out, err := amp.AppendAdmin(nil, &first)
	if err != nil {
		t.Fatalf("admin %v: %v", first.Op, err)
	}
	second, err := amp.DecodeAdmin(out, amp.Limits{})
	if err != nil {
		t.Fatalf("admin %v again: %v", first.Op, err)
	}
	if diff := cmp.Diff(first, second, valueOpts); diff != "" {
		t.Fatalf("admin %v (-first +second):\n%s", first.Op, diff)
	}
	// The typed value says what the raw one does.
	raw, _ := amp.DecodePickle(p, amp.Limits{})
	again, _ := amp.DecodePickle(out, amp.Limits{})
	if diff := cmp.Diff(raw, again, valueOpts); diff != "" {
		t.Fatalf("admin %v raw (-evennia +ours):\n%s", first.Op, diff)
	}
	return first
}

func requireMsgRoundTrip(t testing.TB, p []byte) amp.Msg {
	t.Helper()
	first, err := amp.DecodeMsg(p, amp.Limits{})
	if err != nil {
		t.Fatalf("msg: %v", err)
	}
	out, err := amp.AppendMsg(nil, &first)
	if err != nil {
		t.Fatalf("msg: %v", err)
	}
	second, err := amp.DecodeMsg(out, amp.Limits{})
	if err != nil {
		t.Fatalf("msg again: %v", err)
	}
	if diff := cmp.Diff(first, second, valueOpts); diff != "" {
		t.Fatalf("msg (-first +second):\n%s", diff)
	}
	raw, _ := amp.DecodePickle(p, amp.Limits{})
	again, _ := amp.DecodePickle(out, amp.Limits{})
	if diff := cmp.Diff(raw, again, valueOpts); diff != "" {
		t.Fatalf("msg raw (-evennia +ours):\n%s", diff)
	}
	return first
}

// TestCaptureCompressedRoundTrip compresses each recorded packed_data
// again: the zlib bytes differ from Python's (another deflate), the
// pieces and what they inflate to do not.
func TestCaptureCompressedRoundTrip(t *testing.T) {
	t.Parallel()
	var c amp.Compressor
	var d amp.Decompressor
	for _, p := range capturePayloads(t) {
		b, err := c.AppendArgument(nil, amp.ArgPackedData, p.pickle)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Argument(b, amp.ArgPackedData)
		if err != nil || !bytes.Equal(got, p.pickle) {
			t.Fatalf("%s: got %d bytes, %v", p.command, len(got), err)
		}
	}
}
