package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testenv"
	"github.com/portalsim/portalsim/internal/testutil"
)

func TestRunUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"no command", nil, ExitUsage, "Usage: portalsim"},
		{"unknown command", []string{"frobnicate"}, ExitUsage, `unknown command "frobnicate"`},
		{"help", []string{"help"}, ExitOK, "serve"},
		{"version", []string{"version"}, ExitOK, "portalsim "},
		{"--version", []string{"--version"}, ExitOK, "portalsim "},
		{"serve -h", []string{"serve", "-h"}, ExitOK, "-max-connection-rate"},
		{"portal -h", []string{"portal", "-h"}, ExitOK, "-link"},
		{"server -h", []string{"server", "-h"}, ExitOK, "-portal"},
		{"bad flag", []string{"serve", "-nope"}, ExitUsage, "flag provided but not defined"},
		{"bad log level", []string{"portal", "-log-level", "loud"}, ExitUsage, "-log-level"},
		{"stray argument", []string{"version", "extra"}, ExitUsage, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := run(context.Background(), tt.args, &out, &out)
			code := exitCode(err, &out)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d; output:\n%s", code, tt.wantCode, out.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("output does not contain %q:\n%s", tt.wantOut, out.String())
			}
		})
	}
	if got := exitCode(flag.ErrHelp, io.Discard); got != ExitOK {
		t.Fatalf("exitCode(ErrHelp) = %d", got)
	}
	if got := exitCode(exitErr{ExitInvalidConfig, errors.New("x")}, io.Discard); got != ExitInvalidConfig {
		t.Fatalf("exitCode(invalid config) = %d", got)
	}
}

// lineWriter collects output and lets a test wait for a line.
type lineWriter struct{ testutil.SyncBuffer }

func (w *lineWriter) await(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(w.String()); m != nil {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("output never matched %v:\n%s", re, w.String())
	return nil
}

// serve runs "portalsim serve" in process on a random port and returns its telnet address.
func serve(t *testing.T, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lineWriter{}
	done := make(chan error, 1)
	args := append(append(append([]string{"serve"}, randomPorts...), "-log-level", "warn", "-load-test"), extra...)
	go func() { done <- run(ctx, args, out, out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return out.await(t, regexp.MustCompile(`telnet (\S+),`))[1]
}

const tintin = "/usr/games/tt++"

// An ordinary MUD client (TinTin++ from Debian) creates an account, logs
// in, digs a room, walks through the exit, says something and quits.
func TestTinTinPlays(t *testing.T) {
	t.Parallel()
	testenv.Need(t, "apt-get install tintin++ (.ci/run does)", tintin)
	host, port, _ := strings.Cut(serve(t), ":")
	dir := t.TempDir()
	logFile := filepath.Join(dir, "session.log")
	script := filepath.Join(dir, "play.tin")
	// Each action answers one server reply, so the script runs at the server's pace.
	tin := strings.Join([]string{
		`#event {SESSION CONNECTED} {#log {overwrite} {` + logFile + `}}`,
		`#action {Enter quit to disconnect.} {create tinuser tinpass1}`,
		`#action {A new account 'tinuser' was created} {connect tinuser tinpass1}`,
		`#action {You become tinuser.} {dig/tel Garden = north, south}`,
		`#action {Created exit south} {south}`,
		`#action {Exits: north} {north}`,
		`#action {Exits: south} {say hello from tintin}`,
		`#action {You say, "hello from tintin"} {quit}`,
		`#event {SESSION DISCONNECTED} {#end}`,
		`#delay {20} {#end}`,
		`#session mud ` + host + ` ` + port,
	}, "\n") + "\n"
	if err := os.WriteFile(script, []byte(tin), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tintin, "-H", "-G", script)
	cmd.Stdin = nil
	out, err := cmd.CombinedOutput()
	if err != nil && ctx.Err() != nil {
		t.Fatalf("tt++ timed out: %v\n%s", err, out)
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("no session log: %v\ntt++ output:\n%s", err, out)
	}
	text := string(log)
	for _, want := range []string{
		"Welcome to portalsim",
		"A new account 'tinuser' was created",
		"You become tinuser.",
		"Created room Garden",
		"Limbo",
		`You say, "hello from tintin"`,
		"Good bye!",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("session log lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("session log:\n%s", text)
	}
}

// The same conversation with the Debian telnet client.
func TestTelnetClientPlays(t *testing.T) {
	t.Parallel()
	telnetPath := testenv.Need(t, "apt-get install telnet (.ci/run does)", "telnet")
	host, port, _ := strings.Cut(serve(t), ":")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, telnetPath, host, port)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &lineWriter{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	step := func(line, want string) {
		t.Helper()
		if line != "" {
			if _, err := io.WriteString(stdin, line+"\n"); err != nil {
				t.Fatal(err)
			}
		}
		out.await(t, regexp.MustCompile(regexp.QuoteMeta(want)))
	}
	step("", "Enter quit to disconnect.")
	step("create telly tellpass", "A new account 'telly' was created")
	step("connect telly tellpass", "You become telly.")
	step("dig/tel Attic = up, down", "Created room Attic")
	step("down", "Exits: up")
	step("say hi from telnet", `You say, "hi from telnet"`)
	step("quit", "Good bye!")
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil && ctx.Err() != nil {
		t.Fatalf("telnet did not exit: %v", err)
	}
}

// The in-game "shutdown" stops the whole serve process cleanly.
func TestServeStopsOnGameShutdown(t *testing.T) {
	t.Parallel()
	out := &lineWriter{}
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), append(append([]string{"serve"}, randomPorts...), "-log-level", "warn", "-load-test"), out, out)
	}()
	addr := out.await(t, regexp.MustCompile(`telnet (\S+),`))[1]
	c, err := testutil.DialTelnet(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, cmd := range []string{"create boss pw123", "connect boss pw123"} {
		if _, err := c.Command(cmd, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Send("shutdown"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after the in-game shutdown")
	}
	if err := c.WaitClosed(10 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// -pprof serves the profiler while a command runs, and a port that
// cannot be listened on is a usage error.
func TestPprofFlag(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out bytes.Buffer
	err = run(context.Background(), []string{"portal", "-pprof", ln.Addr().String(), "-link-secret-file", filepath.Join(t.TempDir(), "secret")}, &out, &out)
	if code := exitCode(err, io.Discard); code != ExitUsage {
		t.Fatalf("portal -pprof on a busy port: exit %d (%v), want %d", code, err, ExitUsage)
	}
	err = run(context.Background(), []string{"server", "-pprof", "0.0.0.0:0"}, &out, &out)
	if code := exitCode(err, io.Discard); code != ExitUsage || !strings.Contains(err.Error(), "-allow-remote-link") {
		t.Fatalf("-pprof on every interface: exit %d (%v), want %d naming -allow-remote-link", code, err, ExitUsage)
	}
	// A free port: the one just held by ln, closed here.
	addr := ln.Addr().String()
	ln.Close()
	stop, err := servePprof(addr, false, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /debug/pprof/: %s", resp.Status)
	}
	stop()
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("the profiler still listens after stop")
	}
}

// "portalsim portal" alone generates a link secret into a 0600 file in
// the user's config directory and says where; "portalsim server" finds it
// there and links; a secret file others can read is refused.
func TestPortalAndServerShareTheDefaultSecret(t *testing.T) {
	conf := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", conf)
	t.Setenv("PORTALSIM_LINK_SECRET", "")
	os.Unsetenv("PORTALSIM_LINK_SECRET")
	path := filepath.Join(conf, "portalsim", "link-secret")

	var out bytes.Buffer
	err := run(context.Background(), []string{"server", "-portal", "127.0.0.1:1"}, &out, &out)
	if code := exitCode(err, io.Discard); code != ExitInvalidConfig || !strings.Contains(err.Error(), "portalsim portal") {
		t.Fatalf("server without a secret: exit %d (%v), want %d and a hint", code, err, ExitInvalidConfig)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pout := &lineWriter{}
	pdone := make(chan error, 1)
	go func() {
		pdone <- run(ctx, append(append([]string{"portal"}, randomPorts...), "-link", "127.0.0.1:0", "-log-level", "warn"), pout, pout)
	}()
	m := pout.await(t, regexp.MustCompile(`telnet (\S+), .*link (\S+)\n`))
	if !strings.Contains(pout.String(), "generated a link secret in "+path) {
		t.Fatalf("the portal did not say where the secret is:\n%s", pout.String())
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, mode %v; want 0600", path, err, st.Mode().Perm())
	}
	secret, _ := os.ReadFile(path)
	if strings.Contains(pout.String(), strings.TrimSpace(string(secret))) {
		t.Fatal("the portal printed the secret")
	}
	sout := &lineWriter{}
	sdone := make(chan error, 1)
	go func() {
		sdone <- run(ctx, []string{"server", "-portal", m[2], "-log-level", "warn", "-load-test"}, sout, sout)
	}()
	c, err := testutil.DialTelnet(m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Expect(testutil.LoginScreen, 10*time.Second); err != nil {
		t.Fatalf("no login screen: the server did not link: %v\nserver:\n%s", err, sout.String())
	}
	cancel()
	for _, ch := range []chan error{pdone, sdone} {
		if err := <-ch; err != nil {
			t.Errorf("stopping: %v", err)
		}
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"server", "-portal", "127.0.0.1:1"}, &out, &out)
	if code := exitCode(err, io.Discard); code != ExitInvalidConfig || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("server with a 0644 secret: exit %d (%v), want %d and the fix", code, err, ExitInvalidConfig)
	}
}

// A game server stopped with SIGSTOP is noticed: the players are told
// once, their commands are kept, and when it runs again (SIGCONT) each
// is answered once.
func TestStoppedServerIsNoticed(t *testing.T) {
	t.Parallel()
	secret := filepath.Join(t.TempDir(), "secret")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pout := &lineWriter{}
	pdone := make(chan error, 1)
	go func() {
		pdone <- run(ctx, append(append([]string{"portal"}, randomPorts...), "-link", "127.0.0.1:0", "-log-level", "warn",
			"-link-secret-file", secret, "-link-timeout", "2s"), pout, pout)
	}()
	defer func() {
		cancel()
		if err := <-pdone; err != nil {
			t.Errorf("portal: %v", err)
		}
	}()
	m := pout.await(t, regexp.MustCompile(`telnet (\S+), .*link (\S+)\n`))

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	srv := exec.Command(exe, "server", "-portal", m[2], "-link-secret-file", secret, "-log-level", "warn", "-load-test", "-login-delay", "0")
	srv.Env = append(os.Environ(), asMainEnv+"=1")
	var serr lineWriter
	srv.Stdout, srv.Stderr = &serr, &serr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGCONT)
		_ = srv.Process.Kill()
		_ = srv.Wait()
	}()

	c, err := testutil.DialTelnet(m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Expect(testutil.LoginScreen, 10*time.Second); err != nil {
		t.Fatalf("no login screen: %v\nserver:\n%s", err, serr.String())
	}
	if _, err := c.Command("create stopper pw-stop", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if out, err := c.Command("connect stopper pw-stop", 10*time.Second); err != nil || !strings.Contains(out, "You become") {
		t.Fatalf("login: %q, %v", out, err)
	}

	if err := srv.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// The signal is delivered when the kernel next gets to the process:
	// a command typed before then would be answered at once.
	if err := testutil.Await(10*time.Second, time.Millisecond, func() error {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", srv.Process.Pid))
		if err != nil {
			return err
		}
		if _, rest, ok := strings.Cut(string(stat), ") "); !ok || !strings.HasPrefix(rest, "T") {
			return errors.New("not stopped yet")
		}
		return nil
	}); err != nil {
		t.Fatalf("the server did not stop: %v", err)
	}
	if err := c.Send("say while you were stopped"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Expect(regexp.MustCompile(regexp.QuoteMeta("The game is not responding; your commands are kept.")), 10*time.Second); err != nil {
		t.Fatalf("the players were not told: %v\nportal:\n%s", err, pout.String())
	}
	if err := srv.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	out, err := c.Expect(regexp.MustCompile(`(?s)You say, "while you were stopped".*`+testutil.PromptMark), 10*time.Second)
	if err != nil {
		t.Fatalf("the kept command was not answered: %v\nportal:\n%s\nserver:\n%s", err, pout.String(), serr.String())
	}
	if err := c.Send("look"); err != nil {
		t.Fatal(err)
	}
	rest, err := c.Expect(regexp.MustCompile(`Limbo(?s:.*)`+testutil.PromptMark), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out+rest, "You say,"); n != 1 {
		t.Fatalf("the kept command ran %d times:\n%s%s", n, out, rest)
	}
	if strings.Count(out+rest, "not responding") != 0 {
		t.Fatalf("told more than once:\n%s%s", out, rest)
	}
}

// /dev/null is a character device but no terminal: the progress line is
// written plainly to it, not rewritten in place.
func TestTerminalWidthDevNull(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if w := terminalWidth(f); w != 0 {
		t.Errorf("terminalWidth(/dev/null) = %d, want 0 (not a terminal)", w)
	}
	if w := terminalWidth(&bytes.Buffer{}); w != 0 {
		t.Errorf("terminalWidth(a buffer) = %d, want 0", w)
	}
}
