package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testenv"
)

// serveDoors runs "portalsim serve" with every door on a random port and
// returns the address of each, from its start line.
func serveDoors(t *testing.T) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lineWriter{}
	done := make(chan error, 1)
	args := append(append([]string{"serve"}, randomPorts...), "-log-level", "warn", "-load-test")
	go func() { done <- run(ctx, args, out, out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	line := out.await(t, regexp.MustCompile(`portalsim serve: (.*)\n`))[1]
	doors := map[string]string{}
	for _, m := range regexp.MustCompile(`(\S+) (\S+?),? `).FindAllStringSubmatch(line+" ", -1) {
		doors[m[1]] = m[2]
	}
	return doors
}

// randomPorts open every door of serve or portal on a random loopback
// port: tests never take fixed ports.
var randomPorts = []string{
	"-telnet", "127.0.0.1:0", "-web", "127.0.0.1:0", "-websocket", "127.0.0.1:0",
	"-telnet-tls", "127.0.0.1:0", "-ssh", "127.0.0.1:0",
}

// playScript drives an interactive client: each step writes a line (if
// any, ended by eol) and waits for the reply.
type playScript struct {
	t     *testing.T
	stdin io.Writer
	out   *lineWriter
	eol   string
}

func (p playScript) step(line, want string) {
	p.t.Helper()
	if line != "" {
		if _, err := io.WriteString(p.stdin, line+p.eol); err != nil {
			p.t.Fatal(err)
		}
	}
	p.out.await(p.t, regexp.MustCompile(regexp.QuoteMeta(want)))
}

// startClient starts cmd with a stdin pipe and its output collected.
func startClient(t *testing.T, cmd *exec.Cmd, eol string) playScript {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &lineWriter{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close() })
	return playScript{t: t, stdin: stdin, out: out, eol: eol}
}

// OpenSSL's TLS client plays on the telnet-TLS door: create, connect,
// look, quit; the portal's close ends the client.
func TestOpenSSLPlaysOverTLS(t *testing.T) {
	t.Parallel()
	openssl := testenv.Need(t, "apt-get install openssl (.ci/run does)", "openssl")
	addr := serveDoors(t)["telnet-tls"]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, openssl, "s_client", "-quiet", "-connect", addr)
	p := startClient(t, cmd, "\n")
	p.step("", "Enter quit to disconnect.")
	p.step("create tlsy tlspass1", "A new account 'tlsy' was created")
	p.step("connect tlsy tlspass1", "You become tlsy.")
	p.step("look", "Limbo")
	p.step("quit", "Good bye!")
	if err := cmd.Wait(); ctx.Err() != nil {
		t.Fatalf("openssl did not exit when the portal closed: %v", err)
	}
}

// sshCommand is OpenSSH logging in as user with the password in
// $SSHPASS (sshpass -e: not on the command line), on a PTY (-tt), with
// no host key kept and no user configuration.
func sshCommand(ctx context.Context, t *testing.T, addr, user, password string) *exec.Cmd {
	t.Helper()
	sshpass := testenv.Need(t, "apt-get install sshpass (.ci/run does)", "sshpass")
	sshPath := testenv.Need(t, "apt-get install openssh-client (.ci/run does)", "ssh")
	host, port, _ := strings.Cut(addr, ":")
	cmd := exec.CommandContext(ctx, sshpass, "-e", sshPath, "-tt", "-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
		"-p", port, user+"@"+host)
	cmd.Env = append(os.Environ(), "SSHPASS="+password)
	return cmd
}

// OpenSSH plays on the SSH door. A password that is no account's leaves
// the player on the login screen (Evennia's behaviour), where they
// create and connect; the account's password logs in at once.
func TestOpenSSHPlays(t *testing.T) {
	t.Parallel()
	addr := serveDoors(t)["ssh"]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	cmd := sshCommand(ctx, t, addr, "sshy", "not-yet")
	p := startClient(t, cmd, "\r")
	p.step("", "Username and/or password is incorrect.")
	p.step("create sshy sshpass1", "A new account 'sshy' was created")
	p.step("connect sshy sshpass1", "You become sshy.")
	p.step("look", "Limbo")
	p.step("quit", "Good bye!")
	if err := cmd.Wait(); err != nil || ctx.Err() != nil {
		t.Fatalf("ssh did not exit cleanly after quit: %v\n%s", err, p.out.String())
	}
	if strings.Contains(p.out.String(), "not-yet") {
		t.Errorf("the password was shown:\n%s", p.out.String())
	}

	cmd = sshCommand(ctx, t, addr, "sshy", "sshpass1")
	p = startClient(t, cmd, "\r")
	p.step("", "You become sshy.")
	p.step("look", "Limbo")
	if _, err := io.WriteString(p.stdin, "\x04"); err != nil { // Ctrl-D on an empty line
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil || ctx.Err() != nil {
		t.Fatalf("ssh did not exit cleanly after Ctrl-D: %v\n%s", err, p.out.String())
	}
	if strings.Contains(p.out.String(), "Enter quit to disconnect.") {
		t.Errorf("the right password showed the login screen:\n%s", p.out.String())
	}
}
