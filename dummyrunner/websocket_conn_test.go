package dummyrunner

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a<br>b<BR/>c<br />d", "a\nb\nc\nd"},
		{`<span class="red">Limbo</span>`, "Limbo"},
		{"&lt;b&gt; &amp; &quot;q&quot; &#x27;s", `<b> & "q" 's`},
		{"&lt;br&gt;", "<br>"}, // an escaped tag is text, not a break
		{"1 < 2", "1 < 2"},     // a "<" with no ">" after it
		{"<brr>x<b r>", "x"},   // not breaks
	} {
		if got := htmlToText(tc.in); got != tc.want {
			t.Errorf("htmlToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestDecodeWebsocket: what each message of each format makes of events.
func TestDecodeWebsocket(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name             string
		terminal, binary bool
		msg              string
		want             string // the events: T(text) P
		malformed        bool
	}{
		{name: "v1 text", msg: `["text", ["Welcome<br>back &amp; hi"], {}]`, want: "T(Welcome\nback & hi\n)"},
		{name: "v1 text ending in a break", msg: `["text", ["line<br>"], {}]`, want: "T(line\n)"},
		{name: "v1 prompt", msg: `["prompt", ["&gt; "], {}]`, want: "T(> ) P"},
		{name: "v1 empty prompt", msg: `["prompt", [], {}]`, want: "P"},
		{name: "v1 prompt without args", msg: `["prompt"]`, want: "P"},
		{name: "v1 out-of-band", msg: `["logged_in", [], {}]`, want: ""},
		{name: "v1 more args kept first", msg: `["text", ["a", "b"], {"type": "look"}]`, want: "T(a\n)"},
		{name: "v1 not JSON", msg: `text`, malformed: true},
		{name: "v1 empty array", msg: `[]`, malformed: true},
		{name: "v1 command not a string", msg: `[1, ["x"]]`, malformed: true},
		{name: "v1 args not a list", msg: `["text", "x"]`, malformed: true},
		{name: "v1 text not a string", msg: `["text", [{"a": 1}]]`, malformed: true},
		{name: "v1 binary", binary: true, msg: `["text", ["x"]]`, malformed: true},
		{name: "terminal text", terminal: true, binary: true, msg: "You see\r\n", want: "T(You see\r\n)"},
		{name: "terminal prompt", terminal: true, binary: true, msg: "> ", want: "T(> ) P"},
		{name: "terminal text message", terminal: true, msg: "hi\n", want: "T(hi\n)"},
		{name: "terminal empty", terminal: true, binary: true, msg: "", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			at := time.Unix(1, 0)
			evs, err := decodeWebsocket(nil, tc.terminal, tc.binary, []byte(tc.msg), at)
			if tc.malformed {
				if !errors.Is(err, ErrMalformedMessage) || len(evs) != 0 {
					t.Fatalf("events %v, error %v; want none and ErrMalformedMessage", evs, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeWebsocket: %v", err)
			}
			if got := eventString(evs); got != tc.want {
				t.Errorf("events %q, want %q", got, tc.want)
			}
			for _, ev := range evs {
				if !ev.at.Equal(at) {
					t.Errorf("event at %v, want the read's time %v", ev.at, at)
				}
			}
		})
	}
}

// eventString writes events as "T(text) P".
func eventString(evs []connEvent) string {
	var parts []string
	for _, ev := range evs {
		switch ev.kind {
		case evText:
			parts = append(parts, "T("+ev.text+")")
		case evPrompt:
			parts = append(parts, "P")
		default:
			parts = append(parts, "?")
		}
	}
	return strings.Join(parts, " ")
}

// portalHTML is how the portal renders text for a browser (its
// renderer: HTML-escaped, newlines as <br>), kept here because the
// dummyrunner meets the portal only on the wire.
var portalHTML = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;", "\n", "<br>")

// FuzzDummyWebsocketMessage feeds the dummy client's websocket message
// parsing any message in either format. Nothing may panic; a message is
// either refused as malformed (no events) or makes texts and at most one
// prompt, the prompt last; and any text the portal sends, rendered as it
// renders it, comes back as written (with a line end added to text).
func FuzzDummyWebsocketMessage(f *testing.F) {
	f.Add([]byte(`["text", ["Welcome<br>&lt;b&gt;"], {}]`), "look\nhere & <there>", false)
	f.Add([]byte(`["prompt", ["&gt; "], {}]`), "> ", false)
	f.Add([]byte("You see\r\n"), "x", true)
	f.Add([]byte("> "), "", true)
	f.Add([]byte(`["text", [{"x": [[[1]]]}]]`), "\x00\xff", false)
	f.Fuzz(func(t *testing.T, msg []byte, text string, terminal bool) {
		for _, binary := range []bool{false, true} {
			evs, err := decodeWebsocket(nil, terminal, binary, msg, time.Unix(1, 0))
			if err != nil {
				if !errors.Is(err, ErrMalformedMessage) || len(evs) != 0 || terminal {
					t.Fatalf("error %v with events %v (terminal %v): want ErrMalformedMessage and none, and never in terminal format", err, evs, terminal)
				}
				continue
			}
			for i, ev := range evs {
				if ev.kind == evPrompt && i != len(evs)-1 || ev.kind != evPrompt && ev.kind != evText {
					t.Fatalf("events %v: a prompt must come last, once", evs)
				}
			}
		}
		// The round trip of what a portal sends.
		text = strings.ToValidUTF8(text, "\uFFFD") // JSON carries UTF-8 only
		for _, cmd := range []string{"text", "prompt"} {
			b, err := json.Marshal([]any{cmd, []string{portalHTML.Replace(text)}, map[string]any{}})
			if err != nil {
				t.Fatal(err)
			}
			evs, err := decodeWebsocket(nil, false, false, b, time.Unix(1, 0))
			if err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			want := text
			if cmd == "text" && !strings.HasSuffix(want, "\n") {
				want += "\n"
			}
			got := ""
			for _, ev := range evs {
				got += ev.text
			}
			if got != want || !utf8.ValidString(got) {
				t.Fatalf("%s %q sent as %s came back as %q", cmd, text, b, got)
			}
		}
	})
}
