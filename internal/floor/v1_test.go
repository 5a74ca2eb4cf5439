package floor

import (
	"encoding/json"
	"errors"
	"html"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseV1(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		msg      string
		wantLine string
		wantText bool
		wantErr  bool
	}{
		{"the dummyrunner's text", `["text",["look"],{}]`, "look", true, false},
		{"spaced, escaped", `[ "text", ["say \"hi\" \u003cb\u003e"], {"x": 1} ]`, `say "hi" <b>`, true, false},
		{"no kwargs", `["text",["look"]]`, "look", true, false},
		{"no args", `["text"]`, "", true, false},
		{"empty args", `["text",[]]`, "", true, false},
		{"out of band", `["get_value",[],{"name":"room_name"}]`, "", false, false},
		{"not JSON", `look`, "", false, true},
		{"empty array", `[]`, "", false, true},
		{"command not a string", `[1,["look"]]`, "", false, true},
		{"args not a list", `["text","look"]`, "", false, true},
		{"text not a string", `["text",[1]]`, "", false, true},
		{"an object", `{"text":"look"}`, "", false, true},
		{"raw control character", "[\"text\",[\"a\tb\"],{}]", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line, text, err := ParseV1([]byte(tt.msg))
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, ErrBadFrame)) {
				t.Fatalf("ParseV1(%q) error %v, want an ErrBadFrame: %v", tt.msg, err, tt.wantErr)
			}
			if string(line) != tt.wantLine || text != tt.wantText {
				t.Errorf("ParseV1(%q) = %q, %v; want %q, %v", tt.msg, line, text, tt.wantLine, tt.wantText)
			}
		})
	}
}

// decodeV1Text is what a browser (or the dummyrunner) makes of a v1 text
// message: the JSON string's HTML with its entities decoded.
func decodeV1Text(tb testing.TB, msg []byte) string {
	tb.Helper()
	var m []json.RawMessage
	if err := json.Unmarshal(msg, &m); err != nil || len(m) != 3 {
		tb.Fatalf("%q is not a [cmd, args, kwargs] array: %v", msg, err)
	}
	var cmd string
	var args []string
	if err := json.Unmarshal(m[0], &cmd); err != nil || cmd != "text" {
		tb.Fatalf("%q: command %q (%v), want text", msg, cmd, err)
	}
	if err := json.Unmarshal(m[1], &args); err != nil || len(args) != 1 {
		tb.Fatalf("%q: args %q (%v), want one string", msg, args, err)
	}
	return html.UnescapeString(args[0])
}

func TestAppendV1TextRoundTrip(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"", "look", `say "hi" \ & <b>bold</b> &amp;`, "tab\there, bell\a", "héllo ☃ 𝄞", "\u2028"} {
		msg := AppendV1Text([]byte("junk"), []byte(line))[len("junk"):]
		if got := decodeV1Text(t, msg); got != line {
			t.Errorf("AppendV1Text(%q) = %s, decodes to %q", line, msg, got)
		}
		if strings.ContainsAny(decodeRaw(t, msg), "<>") {
			t.Errorf("AppendV1Text(%q) = %s: a raw < or > in the HTML", line, msg)
		}
		back, text, err := ParseV1(append(append([]byte(`["text",[`), mustJSON(t, line)...), "],{}]"...))
		if err != nil || !text || string(back) != line {
			t.Errorf("ParseV1 of %q's encoding = %q, %v, %v", line, back, text, err)
		}
	}
	if got := decodeV1Text(t, AppendV1Text(nil, []byte("a\xffb"))); got != "a\uFFFDb" {
		t.Errorf("a byte that is not UTF-8 decodes to %q, want U+FFFD in its place", got)
	}
}

func decodeRaw(tb testing.TB, msg []byte) string {
	tb.Helper()
	var m []json.RawMessage
	var args []string
	if err := json.Unmarshal(msg, &m); err != nil || json.Unmarshal(m[1], &args) != nil {
		tb.Fatalf("%q: not v1", msg)
	}
	return args[0]
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// FuzzV1 checks that ParseV1 never panics and agrees with encoding/json
// on every text it accepts, and that AppendV1Text always makes a message
// that decodes back to the line (valid UTF-8).
func FuzzV1(f *testing.F) {
	for _, s := range []string{`["text",["look"],{}]`, `["text",["a\"b"],{}]`, `["get_value",[],{}]`, `["text",[1]]`, `[`, `["text",["\ud834\udd1e"],{}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		line, text, err := ParseV1(b)
		if err == nil && text {
			var m []any
			if json.Unmarshal(b, &m) != nil || len(m) == 0 {
				t.Fatalf("ParseV1 accepted %q, which is not a JSON array", b)
			}
			want := ""
			if len(m) > 1 {
				if args, _ := m[1].([]any); len(args) > 0 {
					want, _ = args[0].(string)
				}
			}
			if want != string(line) {
				t.Fatalf("ParseV1(%q) = %q, encoding/json says %q", b, line, want)
			}
		}
		if utf8.Valid(b) {
			if got := decodeV1Text(t, AppendV1Text(nil, b)); got != string(b) {
				t.Fatalf("AppendV1Text(%q) decodes to %q", b, got)
			}
		}
	})
}
