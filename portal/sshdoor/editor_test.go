package sshdoor

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// record feeds in to e in one piece and returns the echo and the other
// events, lines as "line:<text>", the others by kind.
func record(e *LineEditor, in string) (echo string, events []string) {
	e.Feed([]byte(in), func(ev Event) {
		switch ev.Kind {
		case EventEcho:
			echo += string(ev.Line)
		case EventLine:
			events = append(events, "line:"+string(ev.Line))
		default:
			events = append(events, ev.Kind.String())
		}
	})
	return echo, events
}

// transcript feeds the parts to a new editor and returns what it reported
// as one string: the echo as is, each other event as a «kind:line» mark,
// so that the order of echo and events shows.
func transcript(max int, parts ...[]byte) (string, []Event) {
	e := &LineEditor{Max: max, Echo: true}
	var b strings.Builder
	var evs []Event
	for _, p := range parts {
		e.Feed(p, func(ev Event) {
			if ev.Kind == EventEcho {
				b.Write(ev.Line)
				return
			}
			fmt.Fprintf(&b, "«%v:%s»", ev.Kind, ev.Line)
			evs = append(evs, Event{Kind: ev.Kind, Line: bytes.Clone(ev.Line)})
		})
	}
	return b.String(), evs
}

func TestLineEditorEchoBeforeEvents(t *testing.T) {
	t.Parallel()
	got, _ := transcript(3, []byte("ab\rabcd\rx\x04"))
	if want := "ab\r\n«line:ab»abc\a\r\n«long-line:»x\a"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLineEditor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		max        int
		in         string
		wantEcho   string
		wantEvents []string
	}{
		{name: "CR ends a line", in: "look\r", wantEcho: "look\r\n", wantEvents: []string{"line:look"}},
		{name: "LF ends a line", in: "look\n", wantEcho: "look\r\n", wantEvents: []string{"line:look"}},
		{name: "CR LF is one line end", in: "a\r\nb\r\n", wantEcho: "a\r\nb\r\n", wantEvents: []string{"line:a", "line:b"}},
		{name: "LF LF is two", in: "\n\n", wantEcho: "\r\n\r\n", wantEvents: []string{"line:", "line:"}},
		{name: "partial line waits", in: "loo", wantEcho: "loo"},
		{name: "backspace DEL", in: "lookx\x7f\r", wantEcho: "lookx\b \b\r\n", wantEvents: []string{"line:look"}},
		{name: "backspace BS", in: "ab\x08\r", wantEcho: "ab\b \b\r\n", wantEvents: []string{"line:a"}},
		{name: "backspace on empty line", in: "\x7f\r", wantEcho: "\r\n", wantEvents: []string{"line:"}},
		{name: "backspace removes a whole rune", in: "aé\x7f\r", wantEcho: "aé\b \b\r\n", wantEvents: []string{"line:a"}},
		{name: "Ctrl-C clears the line", in: "drop\x03look\r", wantEcho: "drop^C\r\nlook\r\n", wantEvents: []string{"line:look"}},
		{name: "Ctrl-D on empty line quits", in: "\x04", wantEvents: []string{"quit"}},
		{name: "Ctrl-D on a line beeps", in: "ab\x04\r", wantEcho: "ab\a\r\n", wantEvents: []string{"line:ab"}},
		{name: "Ctrl-backslash quits", in: "ab\x1c", wantEcho: "ab", wantEvents: []string{"quit"}},
		{name: "arrow keys are dropped", in: "a\x1b[A\x1b[1;5Cb\x1bOPc\r", wantEcho: "abc\r\n", wantEvents: []string{"line:abc"}},
		{name: "ESC and a letter is dropped", in: "a\x1bxb\r", wantEcho: "ab\r\n", wantEvents: []string{"line:ab"}},
		{name: "ESC before a control character", in: "a\x1b\x03b\r", wantEcho: "a^C\r\nb\r\n", wantEvents: []string{"line:b"}},
		{name: "ESC before UTF-8 keeps it", in: "a\x1bé\r", wantEcho: "aé\r\n", wantEvents: []string{"line:aé"}},
		{name: "control characters are dropped", in: "a\x00\x01\x07b\r", wantEcho: "ab\r\n", wantEvents: []string{"line:ab"}},
		{name: "tab is text", in: "a\tb\r", wantEcho: "a\tb\r\n", wantEvents: []string{"line:a\tb"}},
		{name: "UTF-8 is text", in: "café\r", wantEcho: "café\r\n", wantEvents: []string{"line:café"}},
		{name: "a line at the bound is kept", max: 4, in: "abcd\r", wantEcho: "abcd\r\n", wantEvents: []string{"line:abcd"}},
		{name: "a longer line is discarded", max: 4, in: "abcdef\rok\r", wantEcho: "abcd\a\r\nok\r\n", wantEvents: []string{"long-line", "line:ok"}},
		{name: "Ctrl-C ends an overflow", max: 2, in: "abc\x03x\r", wantEcho: "ab\a^C\r\nx\r\n", wantEvents: []string{"line:x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := &LineEditor{Max: tt.max, Echo: true}
			echo, events := record(e, tt.in)
			if echo != tt.wantEcho {
				t.Errorf("echo: got %q, want %q", echo, tt.wantEcho)
			}
			if diff := cmp.Diff(tt.wantEvents, events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLineEditorFloodKeepsEcho(t *testing.T) {
	t.Parallel()
	// Ctrl-C echoes without reporting an event: 2,000 of them in one read
	// grow the unreported echo past the size at which it is shrunk.
	echo, events := record(&LineEditor{Echo: true}, strings.Repeat("\x03", 2000)+"ok\r")
	if want := strings.Repeat("^C\r\n", 2000) + "ok\r\n"; echo != want {
		t.Errorf("echo: got %d bytes, want %d", len(echo), len(want))
	}
	if diff := cmp.Diff([]string{"line:ok"}, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestLineEditorNoEcho(t *testing.T) {
	t.Parallel()
	e := &LineEditor{}
	echo, events := record(e, "look\x7f\x03x\x04\n")
	if echo != "" {
		t.Errorf("echo without Echo: got %q, want none", echo)
	}
	if diff := cmp.Diff([]string{"line:x"}, events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// FuzzSSHLineEditor feeds arbitrary keys, in one piece and split at an
// arbitrary point, and checks the editor's promises: the same result
// however the input is split, no line over the bound, no control
// character or escape sequence in a line, UTF-8 in, UTF-8 out.
func FuzzSSHLineEditor(f *testing.F) {
	f.Add([]byte("look\r\n"), uint(2), uint(8))
	f.Add([]byte("ab\x7f\x7f\x7fc\x03d\x04\x1b[Ae\r"), uint(5), uint(0))
	f.Add([]byte("caf\xc3\xa9\x7f\xff\xfe\r\x1b"), uint(4), uint(3))
	f.Fuzz(func(t *testing.T, in []byte, split uint, max uint) {
		split %= uint(len(in) + 1)
		max %= 64
		whole, evs := transcript(int(max), in)
		if parts, _ := transcript(int(max), in[:split], in[split:]); parts != whole {
			t.Fatalf("the result depends on the split:\n whole %q\n split %q", whole, parts)
		}
		for _, ev := range evs {
			if max > 0 && len(ev.Line) > int(max) {
				t.Fatalf("line of %d bytes over the bound %d", len(ev.Line), max)
			}
			if i := bytes.IndexFunc(ev.Line, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }); i >= 0 {
				t.Fatalf("control character in line %q", ev.Line)
			}
			if utf8.Valid(in) && !utf8.Valid(ev.Line) {
				t.Fatalf("valid UTF-8 input gave the line %q", ev.Line)
			}
		}
	})
}
