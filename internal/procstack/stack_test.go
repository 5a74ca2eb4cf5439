package procstack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeStack writes a fake portalsim into a directory of t: "portal"
// records the secret's path in dir/secret-path, creates the secret and
// prints its listener line; "server" runs server (a shell fragment).
func fakeStack(t *testing.T, server string) (exe, record string) {
	t.Helper()
	dir := t.TempDir()
	record = filepath.Join(dir, "secret-path")
	exe = script(t, dir, "portalsim", `case "$1" in
portal)
	while [ $# -gt 0 ]; do [ "$1" = -link-secret-file ] && secret=$2; shift; done
	echo "$secret" > `+record+`
	umask 077; echo secret > "$secret"
	echo "portalsim portal: telnet 127.0.0.1:4000, link 127.0.0.1:4006"
	exec sleep 60;;
server)
	`+server+`;;
esac
`)
	return exe, record
}

func secretDir(t *testing.T, record string) string {
	t.Helper()
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(b)))
}

func TestStackStartsBothAndRemovesTheSecret(t *testing.T) {
	t.Parallel()
	exe, record := fakeStack(t, `echo "portalsim server: pid $$"; exec sleep 60`)
	s, err := StartStack(t.Context(), StackConfig{Exe: exe, StopGrace: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if s.TelnetAddr != "127.0.0.1:4000" || s.LinkAddr != "127.0.0.1:4006" {
		t.Errorf("addresses %s, %s", s.TelnetAddr, s.LinkAddr)
	}
	if p, sv := s.PIDs(); p <= 0 || sv <= 0 || p == sv {
		t.Errorf("PIDs() = %d, %d", p, sv)
	}
	dir := secretDir(t, record)
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o700 {
		t.Errorf("the secret's directory has mode %v, want 0700", got)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the secret's directory is still there after Stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// A game server that fails to start: the error carries its stderr, the
// portal is stopped and the secret's directory removed.
func TestStackFailureRemovesTheSecret(t *testing.T) {
	t.Parallel()
	exe, record := fakeStack(t, `echo 'link secret refused' >&2; exit 2`)
	s, err := StartStack(t.Context(), StackConfig{Exe: exe, StopGrace: 5 * time.Second})
	if err == nil {
		_ = s.Stop()
		t.Fatal("StartStack succeeded with a failing game server")
	}
	if !strings.Contains(err.Error(), "link secret refused") {
		t.Errorf("error %q lacks the server's stderr", err)
	}
	if _, err := os.Stat(secretDir(t, record)); !os.IsNotExist(err) {
		t.Errorf("the secret's directory is still there after a failed start: %v", err)
	}
}

// The portal's listening line gives its telnet door, its link and, when
// open, its websocket door.
func TestPortalLine(t *testing.T) {
	t.Parallel()
	line := "portalsim portal: telnet 127.0.0.1:1, websocket 127.0.0.1:2, link 127.0.0.1:3"
	if m := portalLine.FindStringSubmatch(line); m == nil || m[1] != "127.0.0.1:1" || m[2] != "127.0.0.1:3" {
		t.Errorf("portal line: %q", m)
	}
	if w := portalWebsocket.FindStringSubmatch(line); w == nil || w[1] != "127.0.0.1:2" {
		t.Errorf("portal line's websocket door: %q", w)
	}
	if w := portalWebsocket.FindStringSubmatch("portalsim portal: telnet 127.0.0.1:1, link 127.0.0.1:3"); w != nil {
		t.Errorf("a websocket door in a line without one: %q", w)
	}
}
