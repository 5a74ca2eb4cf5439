package markup

import (
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestHTMLGolden: HTML for typical and hostile inputs. Where the wanted
// output differs from Evennia 5.0.1's parse_html, the comment gives
// Evennia's and why.
func TestHTMLGolden(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"room", "The |rHall|n\nA |550lamp|n burns.\tExits: |wnorth|n",
			`The <span class="color-009">Hall</span><br>A <span class="color-226">lamp</span> burns.    Exits: <span class="color-015">north</span>`},
		{"inverse swaps colours", "|[r|*inverse|n", `<span class="bgcolor-007 color-196">inverse</span>`},
		{"classes in Evennia's order", "|u|^|*|[B|Y|hX|nY", `<span class="underline blink bgcolor-011 color-004">X</span>Y`},
		// Evennia leaves " and ' unescaped.
		{"escaping", `<script>alert('x')</script> & "q"`,
			`&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;`},
		{"24-bit", "|#ff8000orange|[#003 on navy|n",
			`<span class="" style="color: #ff8000;">orange</span><span class="" style="color: #ff8000;background-color: #000033;"> on navy</span>`},
		{"indexed colour replaces 24-bit", "|#ff8000a|rb", // Evennia keeps style="color: #ff8000;" on b
			`<span class="" style="color: #ff8000;">a</span><span class="color-009">b</span>`},
		{"command link", "|lclook|ltLook|le here",
			`<a id="mxplink" href="#" onclick="Evennia.msg(&quot;text&quot;,[&quot;look&quot;],{});return false;">Look</a> here`},
		{"link inside a span stays inside", "|rgo |lcnorth|ltnorth|le!",
			`<span class="color-009">go <a id="mxplink" href="#" onclick="Evennia.msg(&quot;text&quot;,[&quot;north&quot;],{});return false;">north</a>!</span>`},
		// Evennia: ...>The <span class="color-009">hall</a>.</span> (crossed tags)
		{"styled link label", "|lclook here|ltThe |rhall|le.",
			`<a id="mxplink" href="#" onclick="Evennia.msg(&quot;text&quot;,[&quot;look here&quot;],{});return false;">The <span class="color-009">hall</span></a><span class="color-009">.</span>`},
		{"url link", "|luhttp://evennia.com|ltsite|le", `<a id="mxplink" href="http://evennia.com" target="_blank">site</a>`},
		// Evennia: <a id="mxplink" href="javascript:alert(1)" target="_blank">click</a>
		{"url link with a script scheme", "|lujavascript:alert(1)|ltclick|le", "click"},
		// Evennia writes [&quot;\\&quot;);alert(1);//&quot;]: the backslash
		// escapes Evennia's own escape and the script runs.
		{"command that tries to end the string", `|lc\");alert(1);//|ltx|le`,
			`<a id="mxplink" href="#" onclick="Evennia.msg(&quot;text&quot;,[&quot;\\\&quot;);alert(1);//&quot;],{});return false;">x</a>`},
		{"first address linked, with http", "see www.evennia.com. ok",
			`see <a href="http://www.evennia.com" target="_blank">www.evennia.com</a>. ok`},
		{"only the first address", "http://a.b/c, and http://d.e/f",
			`<a href="http://a.b/c" target="_blank">http://a.b/c</a>, and http://d.e/f`},
		{"an invalid first address links nothing", "www.nodomain and http://a.b", "www.nodomain and http://a.b"},
		{"address before a closing tag keeps its dot", "|rhttp://a.com/x.|n",
			`<span class="color-009"><a href="http://a.com/x." target="_blank">http://a.com/x.</a></span>`},
		{"bell and backspace", "a\ab\bc", "ac"},
		// Evennia leaves the escapes (ESC[3m …) in the page.
		{"codes without a class", "|iitalic|I |sstrike|S", "italic strike"},
		{"raw SGR Evennia knows", "\x1b[1;5;7mx\x1b[0m", `<span class="blink bgcolor-015 color-000">x</span>`},
		{"line ends", "a\r\nb\rc\nd|/e", "a<br>b<br>c<br>d<br>e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := HTML(tt.in)
			if got != tt.want {
				t.Fatalf("HTML(%q) =\n %s\nwant\n %s", tt.in, got, tt.want)
			}
			if err := wellFormed(got); err != "" {
				t.Fatalf("HTML(%q) = %q: %s", tt.in, got, err)
			}
		})
	}
}

// The tags HTML writes; anything else starting with < is a defect.
var (
	spanTag   = regexp.MustCompile(`^<span class="[a-z0-9 -]*"( style="(color: #[0-9a-f]{6};)?(background-color: #[0-9a-f]{6};)?")?>`)
	cmdTag    = regexp.MustCompile(`^<a id="mxplink" href="#" onclick="Evennia\.msg\(&quot;text&quot;,\[&quot;[^"<>]*&quot;\],\{\}\);return false;">`)
	urlTag    = regexp.MustCompile(`^<a id="mxplink" href="(https?|ftp|HTTPS?|FTP)://[^"<>]*" target="_blank">`)
	autoTag   = regexp.MustCompile(`^<a href="(https?|ftp)://[^"<>&']*" target="_blank">`)
	entityTag = regexp.MustCompile(`^&(amp|lt|gt|quot|#39);`)
)

// wellFormed returns what is wrong with h, or "": only our tags,
// balanced and properly nested, no anchor in an anchor, no raw > " ' in
// text, every & an entity.
func wellFormed(h string) string {
	var stack []string
	for i := 0; i < len(h); {
		rest := h[i:]
		switch h[i] {
		case '<':
			var n int
			switch {
			case strings.HasPrefix(rest, "<br>"):
				n = 4
			case strings.HasPrefix(rest, "</span>"), strings.HasPrefix(rest, "</a>"):
				want := "span"
				if rest[2] == 'a' {
					want = "a"
				}
				if len(stack) == 0 || stack[len(stack)-1] != want {
					return "</" + want + "> at " + itoa(i) + " closes nothing open"
				}
				stack = stack[:len(stack)-1]
				n = len(want) + 3
			case spanTag.MatchString(rest):
				n = len(spanTag.FindString(rest))
				stack = append(stack, "span")
			default:
				m := cmdTag.FindString(rest) + urlTag.FindString(rest) + autoTag.FindString(rest)
				if m == "" {
					return "unknown tag at " + itoa(i)
				}
				for _, s := range stack {
					if s == "a" {
						return "anchor inside an anchor at " + itoa(i)
					}
				}
				stack = append(stack, "a")
				n = len(m)
			}
			i += n
		case '&':
			if !entityTag.MatchString(rest) {
				return "bare & at " + itoa(i)
			}
			i++
		case '>', '"', '\'':
			return "raw " + string(h[i]) + " in text at " + itoa(i)
		default:
			i++
		}
	}
	if len(stack) > 0 {
		return "unclosed " + strings.Join(stack, ",")
	}
	return ""
}

func itoa(i int) string { return strconv.Itoa(i) }

// pieces of markup the random inputs are made of.
var pieces = []string{"|", "||", "|r", "|R", "|!G", "|h", "|H", "|n", "|[", "|[r", "|[B", "|500", "|[024",
	"|=a", "|[=q", "|#", "|#f80", "|[#00ff00", "|u", "|U", "|i", "|s", "|*", "|^", "|/", "|-", "|>", "|_",
	"|lc", "|lu", "|lt", "|le", "http://", "https://a.b/", "www.", "ftp.", ".com", "{{", "\\", "\x1b", "\x1b[",
	"\x1b[1;31m", "\x1b[0m", "\x1b[38;5;99m", "\x1b[48;2;1;2;3m", "<", ">", "&", "\"", "'", "&amp;",
	"<script>", "</span>", "<a href=", "javascript:", "\n", "\r", "\t", "\a", "\b", " ", "x", "é", "\xff"}

func randomMarkup(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(40); n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestHTMLOnlyOurTags: for random markup, every < in HTML's output
// starts a tag HTML writes, and the tags balance.
func TestHTMLOnlyOurTags(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 5))
	for range 20000 {
		in := randomMarkup(r)
		out := HTML(in)
		if err := wellFormed(out); err != "" {
			t.Fatalf("HTML(%q) = %q: %s", in, out, err)
		}
	}
}

// TestWellFormedCatches: the checker the property and fuzz tests rely
// on rejects what it must.
func TestWellFormedCatches(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		"<script>", `<span class="x">`, "</span>", `<span class="x"><a href="http://a" target="_blank"></span></a>`,
		"a > b", `"`, "&x", `<a href="javascript:x" target="_blank"></a>`,
		`<a href="http://a" target="_blank"><a href="http://b" target="_blank"></a></a>`,
	} {
		if wellFormed(bad) == "" {
			t.Errorf("wellFormed(%q) accepts it", bad)
		}
	}
	if err := wellFormed(`<span class="color-009">a<br>&lt;</span>`); err != "" {
		t.Errorf("wellFormed rejects good HTML: %s", err)
	}
}
