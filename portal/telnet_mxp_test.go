package portal_test

import (
	"strings"
	"testing"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// With Config.MXP, a telnet client that accepts MXP gets the game's exit
// links as MXP SEND tags and the text's < > & as entities; one that
// refuses it gets the plain label and the text as it is.
func TestTelnetMXPLinks(t *testing.T) {
	t.Parallel()
	st, err := testutil.StartStack(testutil.StackConfig{Portal: portal.Config{MXP: true, MaxConnectionRate: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)

	mc, err := testutil.DialTelnetMXP(st.TelnetAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	mxp := &mudPlayer{t: t, c: mc}
	// The login screen's <username> and its prompt are escaped too.
	expect(t, mc, `connect &lt;username&gt; &lt;password&gt;(?s:.*)&gt; `+testutil.PromptMark)
	mxp.login("mxpa")
	mxp.see("dig/tel Garden = north, south", "Garden")
	mxp.see("south", "Limbo")
	out := mxp.see("look", "Exits: ")
	if want := "\x1b[4z<SEND HREF=\"north\">north\x1b[4z</SEND>"; !strings.Contains(out, want) {
		t.Fatalf("an MXP client's look = %q, want it to contain %q", out, want)
	}
	mxp.see("say <b>&", `You say, "&lt;b&gt;&amp;"`)

	plain := &mudPlayer{t: t, c: dial(t, st.TelnetAddr())}
	expect(t, plain.c, `connect <username> <password>(?s:.*)`+testutil.PromptMark)
	plain.login("plainb")
	out = plain.see("look", "Exits: north")
	if strings.Contains(out, "<SEND") || strings.Contains(out, "\x1b[4z") {
		t.Fatalf("a client that refused MXP got MXP: %q", out)
	}
	plain.see("say <b>&", `You say, "<b>&"`)
}

// mudPlayer is a telnet client of a stack's game.
type mudPlayer struct {
	t *testing.T
	c *testutil.TelnetClient
}

// login creates an account and connects to it, from the login screen.
func (p *mudPlayer) login(name string) {
	p.t.Helper()
	p.see("create "+name+" secret1", "created")
	p.see("connect "+name+" secret1", "Limbo")
}

// see sends cmd and returns its output up to the prompt, which must
// contain want.
func (p *mudPlayer) see(cmd, want string) string {
	p.t.Helper()
	out, err := p.c.Command(cmd, wait)
	if err != nil {
		p.t.Fatalf("%q: %v", cmd, err)
	}
	if !strings.Contains(out, want) {
		p.t.Fatalf("%q answered %q, want it to contain %q", cmd, out, want)
	}
	return out
}
