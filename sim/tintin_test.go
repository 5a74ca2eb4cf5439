package sim_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testenv"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

const tintin = "/usr/games/tt++"

// TinTin++ (Debian's) negotiates NAWS, TTYPE with MTTS, MCCP2 and GMCP
// with the portal and plays: create, connect, look; the test checks the
// session's flags while it is logged in, then tells it to ask the game
// for its room over GMCP, and only the GMCP answer makes it quit.
func TestTinTinNegotiatesAndPlays(t *testing.T) {
	t.Parallel()
	testenv.Need(t, "apt-get install tintin++ (.ci/run does)", tintin)
	st := startStack(t, testutil.StackConfig{})
	host, port, _ := strings.Cut(st.TelnetAddr(), ":")
	dir := t.TempDir()
	logFile := filepath.Join(dir, "session.log")
	script := filepath.Join(dir, "play.tin")
	tin := strings.Join([]string{
		`#config {debug telnet} {on}`,
		`#event {SESSION CONNECTED} {#log {overwrite} {` + logFile + `}}`,
		// tt++ refuses GMCP by itself; the script accepts it.
		`#event {IAC WILL GMCP} {#send {\xFF\xFD\xC9\}}`,
		`#event {IAC SB GMCP Char.Value.Get IAC SE} {quit}`,
		`#action {Enter quit to disconnect.} {create tinoob tinpass1}`,
		`#action {A new account 'tinoob' was created} {connect tinoob tinpass1}`,
		`#action {You become tinoob.} {look}`,
		`#action {TT-ASK-GMCP} {#send {\xFF\xFA\xC9Char.Value.Get {"name":"location"}\xFF\xF0\}}`,
		`#event {SESSION DISCONNECTED} {#end}`,
		`#session mud ` + host + ` ` + port,
	}, "\n") + "\n"
	if err := os.WriteFile(script, []byte(tin), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tintin, "-H", "-G", script)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	var sess *portal.Session
	err := testutil.Await(20*time.Second, 10*time.Millisecond, func() error {
		for _, s := range st.Portal.Handler().Sessions() {
			if s.State() == portal.StateLoggedIn {
				sess = s
				return nil
			}
		}
		return errWaitingOOB
	})
	if err != nil {
		cancel()
		<-done
		t.Fatalf("tt++ never logged in: %v\n%s", err, out.String())
	}
	want := map[string]any{
		"TTYPE": true, "CLIENTNAME": "TINTIN++", "MCCP": true, "OOB": true,
		"AUTORESIZE": true, "NOGOAHEAD": true, "ANSI": true, "UTF-8": true,
	}
	for k, v := range want {
		if got, _ := sess.Flag(k); got != v {
			t.Errorf("flag %s = %v, want %v", k, got, v)
		}
	}
	if w, _ := sess.Flag("SCREENWIDTH"); w == nil || w == 0 {
		t.Errorf("SCREENWIDTH %v: no NAWS", w)
	}
	sess.Msg("TT-ASK-GMCP")
	if err := <-done; err != nil && ctx.Err() != nil {
		t.Fatalf("tt++ did not quit (no GMCP answer?): %v\n%s", err, out.String())
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("no session log: %v\n%s", err, out.String())
	}
	for _, want := range []string{"A new account 'tinoob' was created", "You become tinoob.", "Limbo", "Good bye!"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("session log lacks %q", want)
		}
	}
	for _, want := range []string{"INFO MCCP2 INITIALIZED", "MTTS", "SENT IAC SB NAWS", "RCVD IAC SB GMCP"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("tt++ output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("session log:\n%s\ntt++ output:\n%s", log, out.String())
	}
}
