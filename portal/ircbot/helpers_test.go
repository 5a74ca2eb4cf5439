package ircbot_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/portal/ircbot"
)

// wait bounds every wait of these tests; nothing sleeps for it.
const wait = 20 * time.Second

// stack is a portal with the IRC bot factory and a fake game server on its link.
type stack struct {
	p    *portal.Portal
	f    *ircbot.Factory
	game *testutil.FakeServer
}

// testConfig is a factory config for tests: quick retries, no pacing to speak of.
func testConfig() ircbot.Config {
	return ircbot.Config{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, LineInterval: time.Millisecond}
}

// startStack starts a portal whose Protocols has the factory made of
// cfg, and links a fake game server to it.
func startStack(t testing.TB, cfg ircbot.Config) *stack {
	t.Helper()
	f, err := ircbot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := portal.New(portal.Config{
		MaxConnectionRate: -1, MaxCommandRate: -1,
		Protocols: map[string]portal.ProtocolFactory{ircbot.Name: f.Start},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	game, err := testutil.DialFakeServer(ctx, p.LinkAddr().String(), testutil.FakeServerConfig{Secret: p.LinkSecret(), AutoAck: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { game.Close() })
	return &stack{p: p, f: f, game: game}
}

// sconn asks the portal for a bot, as Evennia's IRCBot.start does.
func (s *stack) sconn(t testing.TB, config map[string]any) {
	t.Helper()
	if err := s.game.Send(link.Message{Op: link.OpServerConnect, Protocol: ircbot.Name, Config: config}); err != nil {
		t.Fatal(err)
	}
}

// botConfig is an SCONN config for a bot on the IRC server at addr.
func botConfig(addr net.Addr, channel string, ssl any) map[string]any {
	host, port, _ := net.SplitHostPort(addr.String())
	return map[string]any{"uid": 7, "botname": "evbot", "channel": channel, "network": host, "port": port, "ssl": ssl}
}

// await waits until cond holds of what the game server received.
func (s *stack) await(t testing.TB, what string, cond func([]testutil.FakeMessage) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.game.Await(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// pconns returns the PCONNs of ircbot sessions the game received.
func pconns(log []testutil.FakeMessage) []link.SessionData {
	var out []link.SessionData
	for _, m := range log {
		if m.Op == link.OpPortalConnect && m.Session != nil && m.Session.ProtocolKey == ircbot.Key {
			out = append(out, *m.Session)
		}
	}
	return out
}

// awaitPCONN waits for the n-th ircbot PCONN (1-based) and returns it.
func (s *stack) awaitPCONN(t testing.TB, n int) link.SessionData {
	t.Helper()
	s.await(t, fmt.Sprintf("PCONN %d", n), func(log []testutil.FakeMessage) bool { return len(pconns(log)) >= n })
	return pconns(s.game.Messages())[n-1]
}

// inputs returns the bot_data_in inputs the game received.
func inputs(log []testutil.FakeMessage) []link.Command {
	var out []link.Command
	for _, m := range log {
		if m.Op != link.OpDataIn {
			continue
		}
		for _, c := range m.Data {
			if c.Name == "bot_data_in" {
				out = append(out, c)
			}
		}
	}
	return out
}

// awaitInput waits for a bot_data_in of the given type and returns it.
func (s *stack) awaitInput(t testing.TB, typ string) link.Command {
	t.Helper()
	find := func(log []testutil.FakeMessage) (link.Command, bool) {
		for _, c := range inputs(log) {
			if c.Kwargs["type"] == typ {
				return c, true
			}
		}
		return link.Command{}, false
	}
	s.await(t, "bot_data_in of type "+typ, func(log []testutil.FakeMessage) bool { _, ok := find(log); return ok })
	c, _ := find(s.game.Messages())
	return c
}

// out sends output commands to a session, as the game server does.
func (s *stack) out(t testing.TB, sessid uint64, cmds ...link.Command) {
	t.Helper()
	if err := s.game.Send(link.Message{Op: link.OpDataOut, Sessid: sessid, Data: cmds}); err != nil {
		t.Fatal(err)
	}
}

// disconnects returns the sessids of the PDISCONNs the game received.
func disconnects(log []testutil.FakeMessage) []uint64 {
	var out []uint64
	for _, m := range log {
		if m.Op == link.OpPortalDisconnect {
			out = append(out, m.Sessid)
		}
	}
	return out
}

// ircServer is a tiny IRC server for tests: it accepts connections and
// hands each to the test, which plays the server's side of the talk.
type ircServer struct {
	ln    net.Listener
	conns chan *ircConn
}

// startIRCServer listens on a random loopback port; with tlsCfg, over TLS.
func startIRCServer(t testing.TB, tlsCfg *tls.Config) *ircServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	s := &ircServer{ln: ln, conns: make(chan *ircConn, 16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns <- newIRCConn(nc)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for {
			select {
			case c := <-s.conns:
				c.close()
			default:
				return
			}
		}
	})
	return s
}

// accept returns the next connection the bot made.
func (s *ircServer) accept(t testing.TB) *ircConn {
	t.Helper()
	select {
	case c := <-s.conns:
		t.Cleanup(c.close)
		return c
	case <-time.After(wait):
		t.Fatal("no connection from the bot")
		return nil
	}
}

// ircConn is the server's end of one connection: the lines the bot
// sent, in order, and a way to answer. Like a real server, it closes the
// connection after the bot's QUIT.
type ircConn struct {
	nc    net.Conn
	lines chan string // closed when the bot's side ends
}

func newIRCConn(nc net.Conn) *ircConn {
	c := &ircConn{nc: nc, lines: make(chan string, 1024)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(nc)
		sc.Buffer(make([]byte, 4096), 4096)
		sc.Split(scanCRLF)
		for sc.Scan() {
			c.lines <- sc.Text()
			if strings.HasPrefix(sc.Text(), "QUIT") {
				nc.Close() // as IRC servers do
			}
		}
	}()
	return c
}

// scanCRLF splits at CR LF only, as IRC does: a lone CR or LF the bot
// sent would show inside a line, where the tests look for it.
func scanCRLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := strings.Index(string(data), "\r\n"); i >= 0 {
		return i + 2, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// send writes lines from the server, each ended by CR LF.
func (c *ircConn) send(t testing.TB, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if _, err := c.nc.Write([]byte(l + "\r\n")); err != nil {
			t.Fatalf("send %q: %v", l, err)
		}
	}
}

// next returns the next line from the bot.
func (c *ircConn) next(t testing.TB) string {
	t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			t.Fatal("the bot closed the connection")
		}
		return l
	case <-time.After(wait):
		t.Fatal("no line from the bot")
		return ""
	}
}

// expect reads lines from the bot until one equal to want, and returns
// the lines before it; it fails if the connection ends first.
func (c *ircConn) expect(t testing.TB, want string) []string {
	t.Helper()
	var before []string
	for {
		l := c.next(t)
		if l == want {
			return before
		}
		before = append(before, l)
	}
}

// closed waits until the bot closes its side, and returns what it sent before.
func (c *ircConn) closed(t testing.TB) []string {
	t.Helper()
	var got []string
	timeout := time.After(wait)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				return got
			}
			got = append(got, l)
		case <-timeout:
			t.Fatalf("the bot did not close the connection; it sent %q", got)
		}
	}
}

func (c *ircConn) close() { c.nc.Close() }

// register plays the server's side of registration and join: it returns
// once the bot's JOIN is answered.
func (c *ircConn) register(t testing.TB, nick, channel string) {
	t.Helper()
	if l := c.next(t); l != "NICK "+nick {
		t.Fatalf("first line %q, want NICK %s", l, nick)
	}
	if l := c.next(t); !strings.HasPrefix(l, "USER ") {
		t.Fatalf("second line %q, want USER", l)
	}
	c.send(t, ":irc.test 001 "+nick+" :Welcome "+nick, ":irc.test 376 "+nick+" :End of MOTD")
	c.expect(t, "JOIN "+channel)
	c.send(t, ":"+nick+"!~"+nick+"@127.0.0.1 JOIN :"+channel)
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and writes
// it and its key as PEM files in dir (for a server that reads files).
func selfSigned(t testing.TB, dir string) (cert tls.Certificate, pool *x509.CertPool, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	if cert, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return cert, pool, certFile, keyFile
}

// awaitCond polls cond until it holds (for state that no message announces).
func awaitCond(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if cond() {
			return nil
		}
		return fmt.Errorf("not yet: %s", what)
	}); err != nil {
		t.Fatal(err)
	}
}
