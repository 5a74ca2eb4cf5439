package ircbot_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testenv"
	"github.com/portalsim/portalsim/internal/testutil"
)

// ngircd is a real IRC server (Debian's ngircd) for the end-to-end
// tests, on two free loopback ports: plain and TLS.
type ngircd struct {
	plain, tls int
	// client is the TLS client configuration that trusts the server's certificate.
	client *tls.Config
}

// startNgircd starts ngircd in the foreground (-n) with a config made in
// a temporary directory, and waits until it listens on both ports. A
// port taken meanwhile by someone else (ngircd then goes on without it)
// is a new try with two new ports.
func startNgircd(t *testing.T) *ngircd {
	t.Helper()
	bin := testenv.Need(t, "apt-get install ngircd (.ci/run does)", "/usr/sbin/ngircd", "ngircd")
	dir := t.TempDir()
	_, pool, certFile, keyFile := selfSigned(t, dir)
	for try := 1; ; try++ {
		plain, tlsPort := freePort(t), freePort(t)
		conf := filepath.Join(dir, "ngircd.conf")
		if err := os.WriteFile(conf, []byte(ngircdConf(dir, plain, tlsPort, certFile, keyFile)), 0o644); err != nil {
			t.Fatal(err)
		}
		if ok := runNgircd(t, bin, conf, plain, tlsPort); ok {
			return &ngircd{plain: plain, tls: tlsPort, client: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
		}
		if try == 3 {
			t.Fatal("ngircd did not listen on its ports in 3 tries")
		}
	}
}

// ngircdConf is ngircd's configuration: loopback only, no DNS, ident or
// PAM lookups, nicks up to 30 characters, a TLS port.
func ngircdConf(dir string, plain, tlsPort int, certFile, keyFile string) string {
	return fmt.Sprintf(`[Global]
	Name = irc.test
	Info = portalsim test server
	AdminInfo1 = portalsim tests
	AdminInfo2 = loopback
	AdminEMail = nobody@localhost
	Listen = 127.0.0.1
	Ports = %d
	PidFile = %s
	MotdPhrase = "portalsim test server"
[Limits]
	MaxNickLength = 30
	MaxConnectionsIP = 0
	PingTimeout = 120
[Options]
	DNS = no
	Ident = no
	PAM = no
[SSL]
	CertFile = %s
	KeyFile = %s
	Ports = %d
`, plain, filepath.Join(dir, "ngircd.pid"), certFile, keyFile, tlsPort)
}

// freePort returns a loopback port free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runNgircd starts ngircd and reports whether it listens on both ports
// (from its log); if not, it is stopped again. Its log is kept and shown
// if the test fails.
func runNgircd(t *testing.T, bin, conf string, ports ...int) bool {
	t.Helper()
	cmd := exec.Command(bin, "-n", "-f", conf)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logged []string
	ready := make(chan bool, 1)
	go func() {
		want := len(ports)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			logged = append(logged, line)
			mu.Unlock()
			switch {
			case strings.Contains(line, "Can't bind"):
				ready <- false
			case slices.ContainsFunc(ports, func(p int) bool { return strings.Contains(line, "Now listening on [127.0.0.1]:"+strconv.Itoa(p)) }):
				if want--; want == 0 {
					ready <- true
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
		ready <- false
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	ok := false
	select {
	case ok = <-ready:
	case <-time.After(wait):
	}
	if !ok {
		stop()
		return false
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			mu.Lock()
			t.Logf("ngircd log:\n%s", strings.Join(logged, "\n"))
			mu.Unlock()
		}
	})
	return true
}

// ircClient is a person on IRC, written by hand: a raw socket.
type ircClient struct {
	*ircConn
	nick string
}

// dialIRC connects a client to the server, registers nick and joins channel.
func dialIRC(t *testing.T, port int, nick, channel string) *ircClient {
	t.Helper()
	nc, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	c := &ircClient{ircConn: newIRCConn(nc), nick: nick}
	t.Cleanup(c.close)
	c.send(t, "NICK "+nick, "USER "+nick+" 0 * :"+nick)
	c.await(t, " 001 "+nick+" ")
	c.send(t, "JOIN "+channel)
	c.await(t, ":"+nick+"!")
	return c
}

// await reads the server's lines until one contains want (answering its
// PINGs), and returns it.
func (c *ircClient) await(t *testing.T, want string) string {
	t.Helper()
	for {
		l := c.next(t)
		if strings.HasPrefix(l, "PING ") {
			c.send(t, "PONG "+strings.TrimPrefix(l, "PING "))
		}
		if strings.Contains(l, want) {
			return l
		}
	}
}

// The bot against a real IRC server, plain and over TLS: a person in the
// channel talks to the game and the game to them, through the portal.
func TestNgircd(t *testing.T) {
	t.Parallel()
	srv := startNgircd(t)
	for _, tc := range []struct {
		name    string
		port    int
		ssl     any
		channel string
		nick    string
	}{
		{"plain", srv.plain, false, "#plain", "evbot"},
		{"tls", srv.tls, "True", "#secure", "evtls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.TLSConfig = srv.client
			s := startStack(t, cfg)
			alice := dialIRC(t, srv.plain, "alice"+tc.name, tc.channel)
			s.sconn(t, map[string]any{"uid": 7, "botname": tc.nick, "channel": tc.channel, "network": "127.0.0.1", "port": strconv.Itoa(tc.port), "ssl": tc.ssl})
			sessid := s.awaitPCONN(t, 1).Sessid
			alice.await(t, ":"+tc.nick+"!")
			checkNgircdTalk(t, s, alice, tc.nick, tc.channel, sessid)
		})
	}
}

// checkNgircdTalk has alice and the game talk through the bot.
func checkNgircdTalk(t *testing.T, s *stack, alice *ircClient, nick, channel string, sessid uint64) {
	t.Helper()
	alice.send(t, "PRIVMSG "+channel+" :hello \x02game", "PRIVMSG "+nick+" :who")
	checkInput(t, s.awaitInput(t, "msg"), "hello |hgame|n", map[string]any{"user": alice.nick, "channel": channel})
	checkInput(t, s.awaitInput(t, "privmsg"), "who", map[string]any{"user": alice.nick, "channel": nick})

	s.out(t, sessid,
		link.Command{Name: "channel", Args: []any{"|rHello|n from the game\r\nQUIT :not a command"}},
		link.Command{Name: "privmsg", Args: []any{"Who list: " + alice.nick}, Kwargs: map[string]any{"user": alice.nick}},
		link.Command{Name: "request_nicklist"})
	from := ":" + nick + "!"
	if l := alice.await(t, " PRIVMSG "+channel+" :"); !strings.HasPrefix(l, from) || !strings.HasSuffix(l, ":\x0304,99Hello\x0f from the game") {
		t.Fatalf("alice got %q", l)
	}
	if l := alice.await(t, " PRIVMSG "+channel+" :"); !strings.HasPrefix(l, from) || !strings.HasSuffix(l, " :QUIT :not a command") {
		t.Fatalf("alice got %q, want the second line as a message", l)
	}
	if l := alice.await(t, " PRIVMSG "+alice.nick+" :"); !strings.HasSuffix(l, ":Who list: "+alice.nick) {
		t.Fatalf("alice got %q in private", l)
	}
	names := anyStrings(s.awaitInput(t, "nicklist").Kwargs["nicklist"])
	if !slices.Contains(names, "@"+alice.nick) || !slices.Contains(names, nick) {
		t.Fatalf("nicklist %q, want @%s and %s", names, alice.nick, nick)
	}

	// The game disconnects the bot: it quits the network for good.
	if err := s.game.Send(link.Message{Op: link.OpServerDisconnect, Sessid: sessid}); err != nil {
		t.Fatal(err)
	}
	if l := alice.await(t, " QUIT "); !strings.HasPrefix(l, from) {
		t.Fatalf("alice saw %q", l)
	}
	s.await(t, "the PDISCONN", func(log []testutil.FakeMessage) bool { return slices.Contains(disconnects(log), sessid) })
	awaitCond(t, "the bot gone", func() bool { return s.f.Running() == 0 })
}
