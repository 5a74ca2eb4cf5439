package markup

import (
	"encoding/json"
	"os"
	"testing"
)

// evenniaRef is testdata/evennia_ref.json, written by
// testdata/evennia_ref.py from Evennia 5.0.1's own parse_ansi and
// parse_html.
type evenniaRef struct {
	Evennia string `json:"evennia"`
	ANSI    []struct {
		In        string `json:"in"`
		None      string `json:"none"`
		ANSI16    string `json:"ansi16"`
		Xterm256  string `json:"xterm256"`
		Truecolor string `json:"truecolor"`
	} `json:"ansi"`
	HTML []struct {
		In   string `json:"in"`
		HTML string `json:"html"`
	} `json:"html"`
}

func loadRef(t testing.TB) evenniaRef {
	t.Helper()
	b, err := os.ReadFile("testdata/evennia_ref.json")
	if err != nil {
		t.Fatalf("read reference: %v", err)
	}
	var ref evenniaRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatalf("decode reference: %v", err)
	}
	if len(ref.ANSI) < 1000 || len(ref.HTML) < 500 {
		t.Fatalf("reference has %d ANSI and %d HTML cases, want at least 1000 and 500", len(ref.ANSI), len(ref.HTML))
	}
	return ref
}

// TestEvenniaReference renders every input Evennia 5.0.1 rendered (random
// markup, and every xterm and greyscale colour in both layers) at every
// depth and compares the bytes.
func TestEvenniaReference(t *testing.T) {
	t.Parallel()
	ref := loadRef(t)
	fails := 0
	for _, c := range ref.ANSI {
		toks := Parse(c.In)
		for _, d := range []struct {
			depth Depth
			want  string
		}{{None, c.None}, {ANSI16, c.ANSI16}, {Xterm256, c.Xterm256}, {Truecolor, c.Truecolor}} {
			if d.depth == None && d.want == "" && c.None == "" && len(c.In) > 0 && c.In[0] == '|' {
				// The colour tables carry no stripped form.
				continue
			}
			if got := render(toks, d.depth); got != d.want {
				fails++
				if fails <= 20 {
					t.Errorf("render(Parse(%q), %v) = %q, want %q (Evennia)", c.In, d.depth, got, d.want)
				}
			}
		}
	}
	if fails > 0 {
		t.Errorf("%d renderings differ from Evennia's", fails)
	}
}

// TestEvenniaReferenceHTML compares HTML with Evennia's parse_html on
// random markup drawn from what HTML renders as Evennia does (no quotes,
// links, 24-bit colour or codes without a CSS class; see HTML's doc).
func TestEvenniaReferenceHTML(t *testing.T) {
	t.Parallel()
	ref := loadRef(t)
	// Inputs where Evennia's HTML is malformed and ours on purpose is not.
	deviations := map[string]string{
		"|lclook here|ltThe |rhall|le.": "Evennia's span crosses </a>",
	}
	fails := 0
	for _, c := range ref.HTML {
		if _, ok := deviations[c.In]; ok {
			continue
		}
		if got := HTML(c.In); got != c.HTML {
			fails++
			if fails <= 20 {
				t.Errorf("HTML(%q) =\n %q, want (Evennia)\n %q", c.In, got, c.HTML)
			}
		}
	}
	if fails > 0 {
		t.Errorf("%d of %d renderings differ from Evennia's", fails, len(ref.HTML))
	}
}
