package markup

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// evenniaMXPRef is testdata/evennia_mxp_ref.json, written by
// testdata/evennia_mxp_ref.py from Evennia 5.0.1's own parse_ansi and
// mxp_parse, the way its telnet door calls them for an MXP client.
type evenniaMXPRef struct {
	Evennia string `json:"evennia"`
	MXP     []struct {
		In        string `json:"in"`
		None      string `json:"none"`
		ANSI16    string `json:"ansi16"`
		Truecolor string `json:"truecolor"`
	} `json:"mxp"`
}

// TestEvenniaReferenceMXP renders every input Evennia rendered for an MXP
// client and compares the bytes, but for the deviations MXP's doc lists.
func TestEvenniaReferenceMXP(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/evennia_mxp_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref evenniaMXPRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.MXP) < 1000 {
		t.Fatalf("reference has %d cases, want at least 1000", len(ref.MXP))
	}
	fails, skipped := 0, 0
	for _, c := range ref.MXP {
		if why := mxpDeviation(c.In); why != "" {
			skipped++
			continue
		}
		for _, d := range []struct {
			depth Depth
			want  string
		}{{None, c.None}, {ANSI16, c.ANSI16}, {Truecolor, c.Truecolor}} {
			if got := MXP(c.In, d.depth); got != d.want {
				fails++
				if fails <= 30 {
					t.Errorf("MXP(%q, %v) =\n %q, want (Evennia)\n %q", c.In, d.depth, got, d.want)
				}
			}
		}
	}
	if fails > 0 {
		t.Errorf("%d renderings differ from Evennia's", fails)
	}
	t.Logf("%d of %d cases compared, %d are deviations", len(ref.MXP)-skipped, len(ref.MXP), skipped)
	if skipped > len(ref.MXP)/2 {
		t.Errorf("%d of %d cases are deviations: the reference tests too little", skipped, len(ref.MXP))
	}
}

// mxpDeviation says why MXP's output for in differs from Evennia's on
// purpose (see MXP's and ANSI's docs), or "".
func mxpDeviation(in string) string {
	if strings.HasSuffix(in, "|") || strings.HasSuffix(in, "||n") {
		return "Evennia's trailing |n after an escaped pipe"
	}
	toks := Parse(in)
	for i, t := range toks {
		if t.Kind != KindLinkCommand && t.Kind != KindLinkURL {
			continue
		}
		for _, u := range toks[i+1:] {
			if u.Kind == KindLinkEnd {
				break
			}
			if t.Kind == KindLinkCommand && u.Kind == KindText && strings.Contains(u.Text, "|lu") {
				return "a URL link inside a command link (Evennia's tags cross)"
			}
		}
		var target strings.Builder
		for _, u := range toks[i+1:] {
			if u.Kind == KindLinkText {
				break
			}
			if u.Kind != KindText {
				return "a code in a link's target"
			}
			target.WriteString(u.Text)
		}
		if strings.ContainsFunc(target.String(), func(r rune) bool { return r < ' ' || r == 0x7f || r == '"' }) {
			return "a control character or quote in a link's target"
		}
		if t.Kind == KindLinkURL && !safeURL(target.String()) {
			return "a URL link that is not http, https or ftp"
		}
	}
	return ""
}

func TestMXP(t *testing.T) {
	t.Parallel()
	const (
		sec   = "\x1b[4z"
		reset = "\x1b[0m"
	)
	for _, c := range []struct {
		in    string
		depth Depth
		want  string
	}{
		// An exit as the game's look lists it (Evennia's bytes).
		{"Exits: |lcnorth|ltnorth|le", Truecolor, "Exits: " + sec + `<SEND HREF="north">north` + sec + "</SEND>" + reset},
		{"Exits: |lcnorth|ltnorth|le", None, "Exits: " + sec + `<SEND HREF="north">north` + sec + "</SEND>"},
		{"|luhttp://a.b/?c=1&d=2|ltsite|le", None, sec + `<A HREF="http://a.b/?c=1&amp;d=2">site` + sec + "</A>"},
		// A coloured label keeps its colour; the link ends in a reset.
		{"|lclook|ltThe |rhall|le.", ANSI16, sec + `<SEND HREF="look">The ` + "\x1b[1m\x1b[31mhall" + sec + "</SEND>." + reset},
		// Text never becomes a tag: < > & are entities, in labels too.
		{`<SEND HREF="x">a & b</SEND>`, None, `&lt;SEND HREF="x"&gt;a &amp; b&lt;/SEND&gt;`},
		{"|lcsay <hi>|lt<b>|le", None, sec + `<SEND HREF="say &lt;hi&gt;">&lt;b&gt;` + sec + "</SEND>"},
		// Deviations: a quote cannot end the attribute, control
		// characters and codes stay out of it, and an unsafe URL is
		// only its label.
		{`|lcsay "x" hint=|lty|le`, None, sec + `<SEND HREF="say &quot;x&quot; hint=">y` + sec + "</SEND>"},
		{"|lc|rno\nrth|lty|le", None, sec + `<SEND HREF="north">y` + sec + "</SEND>"},
		{"|lujavascript:alert(1)|ltclick|le", None, "click"},
		// Not a link: shown as text.
		{"|lcnorth", None, "|lcnorth"},
	} {
		if got := MXP(c.in, c.depth); got != c.want {
			t.Errorf("MXP(%q, %v) =\n %q, want\n %q", c.in, c.depth, got, c.want)
		}
	}
}

func TestEscapeMXP(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                      "",
		"plain":                 "plain",
		"<hp> & <mp>\x1b[0m":    "&lt;hp&gt; &amp; &lt;mp&gt;\x1b[0m",
		"&lt; stays an entity?": "&amp;lt; stays an entity?",
	} {
		if got := EscapeMXP(in); got != want {
			t.Errorf("EscapeMXP(%q) = %q, want %q", in, got, want)
		}
	}
}
