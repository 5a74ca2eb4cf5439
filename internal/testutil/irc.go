package testutil

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/targets"
	"github.com/portalsim/portalsim/internal/testenv"
)

// TB is what the IRC helpers need of a test: *testing.T, or Ginkgo's
// GinkgoT().
type TB interface {
	testenv.TB
	Fatal(args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	TempDir() string
	Failed() bool
}

// ircWait bounds every wait of the IRC helpers: a hang guard.
const ircWait = 20 * time.Second

// IRCConn is one end of an IRC connection in a test, written by hand: a
// raw socket that sends and reads CR LF lines (a fake IRC server's end,
// or a person's).
type IRCConn struct {
	nc    net.Conn
	lines chan string // closed when the other side ends
	// Nick is the nick a person registered with (DialIRC).
	Nick string
}

// NewIRCConn starts reading the lines of nc. A QUIT it reads closes nc,
// as IRC servers do.
func NewIRCConn(nc net.Conn) *IRCConn {
	c := &IRCConn{nc: nc, lines: make(chan string, 1024)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(nc)
		sc.Buffer(make([]byte, 4096), 4096)
		sc.Split(scanCRLF)
		for sc.Scan() {
			c.lines <- sc.Text()
			if strings.HasPrefix(sc.Text(), "QUIT") {
				nc.Close()
			}
		}
	}()
	return c
}

// scanCRLF splits at CR LF only, as IRC does: a lone CR or LF shows
// inside a line, where tests look for it.
func scanCRLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := strings.Index(string(data), "\r\n"); i >= 0 {
		return i + 2, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// Send writes lines, each ended by CR LF.
func (c *IRCConn) Send(t TB, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if _, err := c.nc.Write([]byte(l + "\r\n")); err != nil {
			t.Fatalf("send %q: %v", l, err)
		}
	}
}

// Next returns the next line.
func (c *IRCConn) Next(t TB) string {
	t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			t.Fatal("the IRC connection closed")
		}
		return l
	case <-time.After(ircWait):
		t.Fatal("no IRC line")
		return ""
	}
}

// Expect reads lines until one equal to want, and returns the lines
// before it; it fails if the connection ends first.
func (c *IRCConn) Expect(t TB, want string) []string {
	t.Helper()
	var before []string
	for {
		l := c.Next(t)
		if l == want {
			return before
		}
		before = append(before, l)
	}
}

// Await reads lines until one contains want (answering PINGs), and
// returns it.
func (c *IRCConn) Await(t TB, want string) string {
	t.Helper()
	for {
		l := c.Next(t)
		if strings.HasPrefix(l, "PING ") {
			c.Send(t, "PONG "+strings.TrimPrefix(l, "PING "))
		}
		if strings.Contains(l, want) {
			return l
		}
	}
}

// Closed waits until the other side closes, and returns what it sent before.
func (c *IRCConn) Closed(t TB) []string {
	t.Helper()
	var got []string
	timeout := time.After(ircWait)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				return got
			}
			got = append(got, l)
		case <-timeout:
			t.Fatalf("the IRC connection did not close; it sent %q", got)
		}
	}
}

// Close closes the connection.
func (c *IRCConn) Close() { c.nc.Close() }

// DialIRC connects a person to the IRC server at port, registers nick
// and joins channel.
func DialIRC(t TB, port int, nick, channel string) *IRCConn {
	t.Helper()
	nc, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	c := NewIRCConn(nc)
	c.Nick = nick
	t.Cleanup(c.Close)
	c.Send(t, "NICK "+nick, "USER "+nick+" 0 * :"+nick)
	c.Await(t, " 001 "+nick+" ")
	c.Send(t, "JOIN "+channel)
	c.Await(t, ":"+nick+"!")
	return c
}

// SelfSignedCert makes a certificate for 127.0.0.1 and localhost, and
// writes it and its key as PEM files in dir (for a server that reads
// files); pool trusts it.
func SelfSignedCert(t TB, dir string) (cert tls.Certificate, pool *x509.CertPool, certFile, keyFile string) {
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
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, pool, certFile, keyFile
}

// Ngircd is a real IRC server (Debian's ngircd) for end-to-end tests, on
// two free loopback ports: plain and TLS.
type Ngircd struct {
	Plain, TLS int
	// Client is the TLS client configuration that trusts its certificate.
	Client *tls.Config
}

// ngircdHint says how to install ngircd.
const ngircdHint = "apt-get install ngircd (.ci/run does)"

// StartNgircd starts ngircd in the foreground (-n) with a configuration
// made in a temporary directory, and waits until it listens on both
// ports; it stops when the test ends. A port taken meanwhile by someone
// else (ngircd goes on without it) is a new try with two new ports.
// Without ngircd the test skips, or fails when CI is set (testenv).
func StartNgircd(t TB) *Ngircd {
	t.Helper()
	bin := testenv.Need(t, ngircdHint, "/usr/sbin/ngircd", "ngircd")
	dir := t.TempDir()
	_, pool, certFile, keyFile := SelfSignedCert(t, dir)
	for try := 1; ; try++ {
		plain, err := targets.FreePortBlock(0, 1)
		if err != nil {
			t.Fatal(err)
		}
		tlsPort := plain + 1
		conf := filepath.Join(dir, "ngircd.conf")
		if err := os.WriteFile(conf, []byte(ngircdConf(dir, plain, tlsPort, certFile, keyFile)), 0o644); err != nil {
			t.Fatal(err)
		}
		if runNgircd(t, bin, conf, plain, tlsPort) {
			return &Ngircd{Plain: plain, TLS: tlsPort, Client: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
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

// runNgircd starts ngircd and reports whether it listens on both ports
// (from its log); if not, it is stopped again. Its log is shown if the
// test fails.
func runNgircd(t TB, bin, conf string, ports ...int) bool {
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
	// ready carries the first verdict only: the reader may reach several
	// (each "Can't bind", listening, its end) and never blocks on one.
	ready := make(chan bool, 1)
	report := func(ok bool) {
		select {
		case ready <- ok:
		default:
		}
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		want := len(ports)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			logged = append(logged, line)
			mu.Unlock()
			switch {
			case strings.Contains(line, "Can't bind"):
				report(false)
			case slices.ContainsFunc(ports, func(p int) bool { return strings.Contains(line, "Now listening on [127.0.0.1]:"+strconv.Itoa(p)) }):
				if want--; want == 0 {
					report(true)
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
		report(false)
	}()
	// stop kills ngircd and waits for it only once its output is read
	// (os/exec: Wait must not run before the reads from StdoutPipe end).
	stop := func() {
		_ = cmd.Process.Kill()
		<-readerDone
		_ = cmd.Wait()
	}
	ok := false
	select {
	case ok = <-ready:
	case <-time.After(ircWait):
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
