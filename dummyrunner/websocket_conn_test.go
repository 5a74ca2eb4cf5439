package dummyrunner

import (
	"cmp"
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
		name      string
		format    string // "": v1
		binary    bool
		msg       string
		want      string // the events: T(text) P O
		malformed bool
	}{
		{name: "v1 text", msg: `["text", ["Welcome<br>back &amp; hi"], {}]`, want: "T(Welcome\nback & hi\n)"},
		{name: "v1 text ending in a break", msg: `["text", ["line<br>"], {}]`, want: "T(line\n)"},
		{name: "v1 prompt", msg: `["prompt", ["&gt; "], {}]`, want: "T(> ) P"},
		{name: "v1 empty prompt", msg: `["prompt", [], {}]`, want: "P"},
		{name: "v1 prompt without args", msg: `["prompt"]`, want: "P"},
		{name: "v1 out-of-band", msg: `["logged_in", [], {}]`, want: "O"},
		{name: "v1 more args kept first", msg: `["text", ["a", "b"], {"type": "look"}]`, want: "T(a\n)"},
		{name: "v1 not JSON", msg: `text`, malformed: true},
		{name: "v1 empty array", msg: `[]`, malformed: true},
		{name: "v1 command not a string", msg: `[1, ["x"]]`, malformed: true},
		{name: "v1 args not a list", msg: `["text", "x"]`, malformed: true},
		{name: "v1 text not a string", msg: `["text", [{"a": 1}]]`, malformed: true},
		{name: "v1 binary", binary: true, msg: `["text", ["x"]]`, malformed: true},
		{name: "terminal text", format: SubprotocolTerminal, binary: true, msg: "You see\r\n", want: "T(You see\r\n)"},
		{name: "terminal prompt", format: SubprotocolTerminal, binary: true, msg: "> ", want: "T(> ) P"},
		{name: "terminal text message", format: SubprotocolTerminal, msg: "hi\n", want: "T(hi\n)"},
		{name: "terminal empty", format: SubprotocolTerminal, binary: true, msg: "", want: ""},
		{name: "json text", format: SubprotocolJSON, binary: true, msg: "You see\r\n", want: "T(You see\r\n)"},
		{name: "json prompt", format: SubprotocolJSON, msg: `{"proto": "prompt", "id": "", "data": "\u001b[1m> "}`, want: "T(\x1b[1m> ) P"},
		{name: "json empty prompt", format: SubprotocolJSON, msg: `{"proto": "prompt"}`, want: "P"},
		{name: "json text message", format: SubprotocolJSON, msg: `{"proto": "text", "data": "hi\n"}`, want: "T(hi\n)"},
		{name: "json gmcp", format: SubprotocolJSON, msg: `{"proto": "gmcp", "id": "Char.Value.Get", "data": "{\"name\": \"name\"}"}`, want: "O"},
		{name: "json not an object", format: SubprotocolJSON, msg: `["text", ["x"]]`, malformed: true},
		{name: "json no proto", format: SubprotocolJSON, msg: `{"data": "x"}`, malformed: true},
		{name: "gmcp text", format: SubprotocolGMCP, binary: true, msg: "You see\r\n", want: "T(You see\r\n)"},
		{name: "gmcp prompt", format: SubprotocolGMCP, binary: true, msg: "> ", want: "T(> ) P"},
		{name: "gmcp message", format: SubprotocolGMCP, msg: `Char.Value.Get {"name": "name", "value": "Dummy"}`, want: "O"},
		{name: "gmcp empty message", format: SubprotocolGMCP, msg: " ", malformed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			at := time.Unix(1, 0)
			evs, err := decodeWebsocket(nil, cmp.Or(tc.format, SubprotocolV1), tc.binary, []byte(tc.msg), at)
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
		case evOOB:
			parts = append(parts, "O")
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
// parsing any message in any format (Subprotocols[format]). Nothing may
// panic; a message is either refused as malformed (no events) or makes
// texts and at most one prompt, the prompt last, or one out-of-band
// event alone; a binary message of the MUD standards' formats is always
// text; and any text the portal sends, rendered as it renders it, comes
// back as written (with a line end added to v1 text).
func FuzzDummyWebsocketMessage(f *testing.F) {
	f.Add([]byte(`["text", ["Welcome<br>&lt;b&gt;"], {}]`), "look\nhere & <there>", uint8(0))
	f.Add([]byte(`["prompt", ["&gt; "], {}]`), "> ", uint8(0))
	f.Add([]byte("You see\r\n"), "x", uint8(1))
	f.Add([]byte("> "), "", uint8(1))
	f.Add([]byte(`["text", [{"x": [[[1]]]}]]`), "\x00\xff", uint8(0))
	f.Add([]byte(`{"proto": "prompt", "data": "> "}`), "", uint8(2))
	f.Add([]byte(`{"proto": "gmcp", "id": "Core.Ping", "data": ""}`), "", uint8(2))
	f.Add([]byte(`Char.Value.Get {"name": "name"}`), "", uint8(3))
	f.Fuzz(func(t *testing.T, msg []byte, text string, format uint8) {
		sub := Subprotocols[int(format)%len(Subprotocols)]
		for _, binary := range []bool{false, true} {
			evs, err := decodeWebsocket(nil, sub, binary, msg, time.Unix(1, 0))
			if err != nil {
				if !errors.Is(err, ErrMalformedMessage) || len(evs) != 0 || sub == SubprotocolTerminal || binary && sub != SubprotocolV1 {
					t.Fatalf("error %v with events %v (%s, binary %v): want ErrMalformedMessage and none, and never for text", err, evs, sub, binary)
				}
				continue
			}
			checkEvents(t, evs)
		}
		// The round trip of what a portal sends.
		text = strings.ToValidUTF8(text, "\uFFFD") // JSON carries UTF-8 only
		for _, cmd := range []string{"text", "prompt"} {
			b, err := json.Marshal([]any{cmd, []string{portalHTML.Replace(text)}, map[string]any{}})
			if err != nil {
				t.Fatal(err)
			}
			evs, err := decodeWebsocket(nil, SubprotocolV1, false, b, time.Unix(1, 0))
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

// checkEvents fails t unless evs are texts and at most one prompt, the
// prompt last, or one out-of-band event alone.
func checkEvents(t *testing.T, evs []connEvent) {
	t.Helper()
	for i, ev := range evs {
		switch {
		case ev.kind == evOOB && len(evs) != 1:
			t.Fatalf("events %v: an out-of-band message makes one event", evs)
		case ev.kind == evPrompt && i != len(evs)-1:
			t.Fatalf("events %v: a prompt must come last, once", evs)
		case ev.kind != evPrompt && ev.kind != evText && ev.kind != evOOB:
			t.Fatalf("events %v: an event of kind %d", evs, ev.kind)
		}
	}
}
