package sshdoor

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestParsePtyRequest(t *testing.T) {
	t.Parallel()
	good := ssh.Marshal(ptyReqMsg{Term: "xterm-256color", Columns: 132, Rows: 50, Modes: "\x00"})
	got, err := ParsePtyRequest(good)
	if err != nil {
		t.Fatalf("ParsePtyRequest: %v", err)
	}
	if want := (PtyRequest{Term: "xterm-256color", Window: Window{132, 50}}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	unknown, err := ParsePtyRequest(ssh.Marshal(ptyReqMsg{Term: "vt100"}))
	if err != nil || unknown != (PtyRequest{Term: "vt100"}) {
		t.Errorf("a size of 0x0 (not known; ssh -tt sends it): got %+v, %v; want no size, no error", unknown, err)
	}
	for name, payload := range map[string][]byte{
		"empty":     nil,
		"truncated": good[:len(good)-3],
		"too wide":  ssh.Marshal(ptyReqMsg{Term: "vt100", Columns: 1 << 20, Rows: 10}),
	} {
		if _, err := ParsePtyRequest(payload); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: got %v, want ErrBadRequest", name, err)
		}
	}
}

func TestParseWindowChange(t *testing.T) {
	t.Parallel()
	got, err := ParseWindowChange(MarshalWindowChange(Window{100, 40}))
	if err != nil || got != (Window{100, 40}) {
		t.Errorf("got %+v, %v; want {100 40}", got, err)
	}
	for name, payload := range map[string][]byte{
		"empty":     nil,
		"short":     []byte{0, 0, 0, 80},
		"zero rows": MarshalWindowChange(Window{80, 0}),
		"too high":  MarshalWindowChange(Window{80, MaxWindowSide + 1}),
	} {
		if _, err := ParseWindowChange(payload); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: got %v, want ErrBadRequest", name, err)
		}
	}
}

func TestConnectCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		user, password string
		want           string
		wantOK         bool
	}{
		{"anna", "s3cret", `connect "anna" s3cret`, true},
		{"anna maria", "two words", `connect "anna maria" two words`, true},
		{"", "pw", "", false},
		{"anna", "", "", false},
		{"anna", "  ", "", false},
		{`an"na`, "pw", "", false},
		{"anna", "pw\nquit", "", false},
		{"anna\r", "pw", "", false},
		{"anna", "pw\x1b[2J", "", false},
		{"anna", "pw\xff", "", false},
		{"anna", strings.Repeat("p", 90), "", false}, // longer than the line bound: 100
		{"anna", strings.Repeat("p", 60), `connect "anna" ` + strings.Repeat("p", 60), true},
	}
	for _, tt := range tests {
		got, ok := ConnectCommand(tt.user, tt.password, 100)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ConnectCommand(%q, %q): got %q, %v; want %q, %v", tt.user, tt.password, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestPtyRequestTermBounded(t *testing.T) {
	t.Parallel()
	for term, ok := range map[string]bool{
		"xterm-256color": true, "": true, strings.Repeat("x", MaxTermLen): true,
		strings.Repeat("x", MaxTermLen+1): false, "xterm\x1b]0;owned\x07": false, "x y": false,
	} {
		payload := ssh.Marshal(ptyReqMsg{Term: term, Columns: 80, Rows: 24})
		if _, err := ParsePtyRequest(payload); (err == nil) != ok {
			t.Errorf("term %.20q: err %v, want ok %v", term, err, ok)
		}
	}
}
