package floor

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

func TestAppendAnswer(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 42000) // 42 µs
	tests := []struct{ line, want string }{
		{"dummyrunner_echo_response c1-5", "dummyrunner_echo_response:c1-5,1700000000.000042"},
		{"dummyrunner_echo_response   1.5  ", "dummyrunner_echo_response:1.5,1700000000.000042"},
		{"dummyrunner_echo_response", "dummyrunner_echo_response:,1700000000.000042"},
		{"dummyrunner_echo_responsex", "dummyrunner_echo_responsex"},
		{"connect bob pw", "connect bob pw"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(AppendAnswer(nil, []byte(tt.line), now)); got != tt.want {
			t.Errorf("AppendAnswer(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

// The echo answers what parses, drops what does not (counting it), and
// answers a new client with the greeting.
func TestEchoFramesAndBadInput(t *testing.T) {
	t.Parallel()
	e := startEcho(t, EchoConfig{MaxLine: 64, Now: func() time.Time { return time.Unix(5, 0) }})
	c, err := net.Dial("tcp", e.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	in := "garbage\n3+\n" + strings.Repeat("x", 200) + "\n3:dummyrunner_echo_response t\n4-\n\xff\xfb\x01\n3:hello\n"
	if _, err := c.Write([]byte(in)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for _, want := range []string{"3:" + Greeting, "3:dummyrunner_echo_response:t,5.000000", "3:hello"} {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading %q: %v", want, err)
		}
		if got != want+"\n" {
			t.Fatalf("got %q, want %q", got, want+"\n")
		}
	}
	st := e.Stats()
	if st.BadFrames != 3 || st.LongFrames != 1 || st.Lines != 2 || st.Backends != 1 {
		t.Errorf("stats %+v, want 3 bad frames (garbage, the long line, the IAC line), 1 long, 2 lines, 1 backend", st)
	}
}

func startEcho(t testing.TB, cfg EchoConfig) *Echo {
	t.Helper()
	e := NewEcho(cfg)
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}
