package dummyrunner

import (
	"errors"
	"slices"
	"testing"

	"github.com/portalsim/portalsim/internal/telnet"
)

// TestTelnetMCCP2: the telnet+mccp2 client accepts MCCP2 and reads the
// compressed stream that follows the start sequence as text and prompts;
// the wire figures count the compressed bytes, and the inflating is
// decode time.
func TestTelnetMCCP2(t *testing.T) {
	t.Parallel()
	p := newTelnetPairWith(t, telnetOptions{mccp2: true})
	will := telnet.AppendNegotiation(nil, telnet.WILL, telnet.OptMCCP2)
	p.write(t, will...)
	if got, want := p.expect(t, 1), []string{negotiation(telnet.DO, telnet.OptMCCP2)}; !slices.Equal(got, want) {
		t.Fatalf("reply to WILL MCCP2 = %q, want %q", got, want)
	}
	var z telnet.Compressor
	out := telnet.AppendMCCP2Start(nil)
	z.Start()
	out = z.AppendCompressed(out, []byte("You see a room.\r\n> \xff\xf9"))
	p.write(t, out...)
	var text string
	for ev := p.next(t); ev.kind != evPrompt; ev = p.next(t) {
		text += ev.text
	}
	if text != "You see a room.\r\n> " {
		t.Errorf("text %q, want the inflated output", text)
	}
	w := p.c.wire()
	if w.bytesIn != int64(len(will)+len(out)) || w.decode <= 0 || w.malformed != 0 {
		t.Errorf("wire %+v: want %d bytes in (compressed), some decode time, none malformed", w, len(will)+len(out))
	}
}

// TestTelnetMCCP2Corrupt: a compressed stream that does not inflate ends
// the connection with ErrMCCP2Corrupt, counted as malformed, no panic.
func TestTelnetMCCP2Corrupt(t *testing.T) {
	t.Parallel()
	p := newTelnetPairWith(t, telnetOptions{mccp2: true})
	p.write(t, telnet.AppendNegotiation(nil, telnet.WILL, telnet.OptMCCP2)...)
	p.expect(t, 1)
	p.write(t, append(telnet.AppendMCCP2Start(nil), "not zlib at all"...)...)
	ev := p.next(t)
	for ev.kind != evClosed {
		ev = p.next(t)
	}
	if !errors.Is(ev.err, telnet.ErrMCCP2Corrupt) {
		t.Errorf("closed with %v, want ErrMCCP2Corrupt", ev.err)
	}
	if w := p.c.wire(); w.malformed != 1 {
		t.Errorf("malformed %d, want 1", w.malformed)
	}
}

// TestTelnetGMCP: the telnet+gmcp client accepts GMCP, greets and asks a
// first question, counts the GMCP messages it gets as out-of-band (not
// as text), and asks for its room once logged in.
func TestTelnetGMCP(t *testing.T) {
	t.Parallel()
	p := newTelnetPairWith(t, telnetOptions{gmcp: true})
	p.write(t, telnet.AppendNegotiation(nil, telnet.WILL, telnet.OptGMCP)...)
	gmcp := func(m string) string {
		return telnet.Event{Kind: telnet.EventSubneg, Opt: telnet.OptGMCP, Data: []byte(m)}.String()
	}
	want := []string{negotiation(telnet.DO, telnet.OptGMCP), gmcp("Core.Hello " + gmcpClient),
		gmcp(`Core.Supports.Set ["Char 1", "Char.Value 1"]`), gmcp(`Char.Value.Get {"name": "name"}`)}
	if got := p.expect(t, len(want)); !slices.Equal(got, want) {
		t.Fatalf("reply to WILL GMCP = %q, want %q", got, want)
	}
	b := telnet.AppendSubneg(nil, telnet.OptGMCP, []byte(`Char.Value.Get {"name": "name", "value": "Dummy"}`))
	p.write(t, append(b, "hi\r\n\xff\xf9"...)...)
	if ev := p.next(t); ev.kind != evText || ev.text != "hi\r\n" {
		t.Errorf("event %+v, want the text alone", ev)
	}
	if ev := p.next(t); ev.kind != evPrompt {
		t.Errorf("event %+v, want the prompt", ev)
	}
	if w := p.c.wire(); w.oob != 1 {
		t.Errorf("out-of-band %d, want 1", w.oob)
	}
	if err := p.c.loggedIn(); err != nil {
		t.Fatal(err)
	}
	if got := p.expect(t, 1); !slices.Equal(got, []string{gmcp(gmcpLoggedIn)}) {
		t.Errorf("after login the client sent %q, want %q", got, gmcpLoggedIn)
	}
}
