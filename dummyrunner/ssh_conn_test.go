package dummyrunner

import (
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// screenText feeds the reads to a screen that expects the echo of sent,
// and returns its events as "T(text) P".
func screenText(echo bool, sent []string, reads ...string) (string, *sshScreen) {
	s := &sshScreen{echo: echo, prompt: []byte(DefaultSSHPrompt)}
	for _, l := range sent {
		s.expect(l)
	}
	var evs []connEvent
	for _, r := range reads {
		evs = s.feed(evs, []byte(r), time.Unix(1, 0))
	}
	return eventString(evs), s
}

// TestSSHScreen: the door's echo of what the dummy typed is removed, in
// one read or across reads, after another player's message, or when an
// earlier echo never came; text without a line end is a prompt.
func TestSSHScreen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		echo  bool
		sent  []string
		reads []string
		want  string
	}{
		{"login screen", true, nil, []string{"Welcome\r\n> "}, "T(Welcome\r\n> ) P"},
		{"text, no prompt", true, nil, []string{"You see\r\n"}, "T(You see\r\n)"},
		{"echo then answer", true, []string{"look"}, []string{"look\r\nA room.\r\n> "}, "T(A room.\r\n> ) P"},
		{"echo alone", true, []string{"look"}, []string{"look\r\n", "A room.\r\n", "> "}, "T(A room.\r\n) T(> ) P"},
		{"echo across reads", true, []string{"look"}, []string{"lo", "ok\r\nA room.\r\n> "}, "T(A room.\r\n> ) P"},
		{"a message first", true, []string{"look"}, []string{"Bob arrives.\r\nlook\r\nA room.\r\n> "}, "T(Bob arrives.\r\nA room.\r\n> ) P"},
		{"two lines (echo mode)", true, []string{"look", "dummyrunner_echo_response c1-1"},
			[]string{"look\r\ndummyrunner_echo_response c1-1\r\nA room.\r\n> dummyrunner_echo_response:c1-1,1.5\r\n> "},
			"T(A room.\r\n> ) P T(dummyrunner_echo_response:c1-1,1.5\r\n> ) P"},
		{"a missed echo passed over", true, []string{"aaaa", "look"}, []string{"look\r\nA room.\r\n> "}, "T(A room.\r\n> ) P"},
		{"not an echo held for good", true, []string{"look"}, []string{"Bob says lo", "ud.\r\n"}, "T(Bob says ) P T(loud.\r\n)"},
		{"no PTY: no echo", false, []string{"look"}, []string{"look\r\n> "}, "T(look\r\n> ) P"},
		{"a message after the prompt", true, []string{"look"}, []string{"look\r\nA room.\r\n> Bob arrives.\r\n"}, "T(A room.\r\n> ) P T(Bob arrives.\r\n)"},
		{"a prompt at a read's start", true, nil, []string{"A room.\r\n", "> Bob says hi.\r\n"}, "T(A room.\r\n) T(> ) P T(Bob says hi.\r\n)"},
		{"the prompt text inside a line", true, nil, []string{"a > b\r\n"}, "T(a > b\r\n)"},
		{"two prompts", true, nil, []string{"x\r\n> > y\r\n> "}, "T(x\r\n> ) P T(> y\r\n> ) P"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got, _ := screenText(tc.echo, tc.sent, tc.reads...); got != tc.want {
				t.Errorf("events %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzSSHScreen feeds the SSH screen any output, cut anywhere: nothing
// panics, a prompt only follows text, only expected echoes are removed,
// and output that starts with the echo of the line sent comes out as it
// was, without the echo.
func FuzzSSHScreen(f *testing.F) {
	f.Add("look", []byte("A room.\r\n> "), uint8(3))
	f.Add("say hi", []byte("You say, \"hi\"\r\n> "), uint8(0))
	f.Add("x", []byte("x\r\nx\r\n"), uint8(1))
	f.Fuzz(func(t *testing.T, line string, out []byte, cut uint8) {
		line = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, line)
		data := append([]byte(line+"\r\n"), out...)
		at := int(cut) % (len(data) + 1)
		s := &sshScreen{echo: true, prompt: []byte(DefaultSSHPrompt)}
		s.expect(line)
		evs := s.feed(nil, data[:at], time.Unix(1, 0))
		evs = s.feed(evs, data[at:], time.Unix(1, 0))
		var text string
		for i, ev := range evs {
			switch {
			case ev.kind == evText:
				text += ev.text
			case ev.kind == evPrompt && (i == 0 || evs[i-1].kind != evText):
				t.Fatalf("events %v: a prompt without text before it", evs)
			case ev.kind != evPrompt:
				t.Fatalf("events %v: kind %d", evs, ev.kind)
			}
		}
		if s.stripped != int64(len(line)+2) {
			t.Fatalf("stripped %d bytes, want the echo's %d", s.stripped, len(line)+2)
		}
		if text+string(s.held) != string(out) {
			t.Fatalf("output %q (held %q), want %q", text, s.held, out)
		}
	})
}

// TestSSHEchoNotOutput: on the real door (a PTY, the server echoing),
// the answer to a command holds no echo of it, and the echo was seen and
// removed.
func TestSSHEchoNotOutput(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	c, steps, err := dialSSH(t.Context(), dialTarget{addr: st.SSHAddr(), timeout: 5 * time.Second, user: "Dummy_echo"})
	if err != nil {
		t.Fatalf("dialSSH: %v", err)
	}
	defer c.close()
	if len(steps) != 2 || steps[1].phase != reports.PhaseSSHAuth {
		t.Errorf("steps %v, want connect and %s", steps, reports.PhaseSSHAuth)
	}
	untilPrompt := func() string {
		t.Helper()
		var text string
		for {
			select {
			case ev, ok := <-c.recv():
				if !ok || ev.kind == evClosed {
					t.Fatalf("closed after %q", text)
				}
				text += ev.text
				if ev.kind == evPrompt {
					return text
				}
			case <-t.Context().Done():
				t.Fatalf("no prompt after %q", text)
			}
		}
	}
	untilPrompt() // the login screen
	if err := c.send("look"); err != nil {
		t.Fatal(err)
	}
	if got := untilPrompt(); strings.Contains(got, "look\r\n") {
		t.Errorf("the answer %q holds the echo", got)
	}
	sc := &c.(*sshConn).screen
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if !sc.echo || sc.stripped != int64(len("look\r\n")) {
		t.Errorf("echo %v, %d bytes stripped; want the PTY's echo of the line removed", sc.echo, sc.stripped)
	}
}
