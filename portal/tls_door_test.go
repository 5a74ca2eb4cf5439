package portal_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// tlsSetup starts a portal with its telnet-TLS door open and a fake game server.
func tlsSetup(t *testing.T, cfg portal.Config) (*portal.Portal, *testutil.FakeServer) {
	t.Helper()
	cfg.TelnetTLSAddr = "127.0.0.1:0"
	return linkedPortal(t, cfg)
}

// dialTLS connects to the telnet-TLS door, trusting roots (nil: any certificate).
func dialTLS(t *testing.T, p *portal.Portal, roots *x509.CertPool) *tls.Conn {
	t.Helper()
	conf := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", InsecureSkipVerify: roots == nil} //nolint:gosec // the generated certificate is self-signed
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: wait}, "tcp", p.DoorAddr(portal.DoorTelnetTLS).String(), conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Telnet over TLS is the telnet protocol under the key "telnet/ssl", with
// a self-signed certificate for 127.0.0.1 when no files are given.
func TestTelnetTLS(t *testing.T) {
	t.Parallel()
	p, f := tlsSetup(t, portal.Config{})
	c := dialTLS(t, p, nil)
	leaf := c.ConnectionState().PeerCertificates[0]
	if err := leaf.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("generated certificate: %v", err)
	}
	if _, err := c.Write([]byte("look\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := inputs(t, f, 1); got[0] != "look" {
		t.Fatalf("input: got %q, want look", got)
	}
	s := onlySession(t, p)
	if k := s.Data().ProtocolKey; k != "telnet/ssl" {
		t.Errorf("protocol key: got %q, want telnet/ssl", k)
	}
	if err := f.SendText(s.Sessid(), "You see a room."); err != nil {
		t.Fatal(err)
	}
	buf := &testutil.SyncBuffer{}
	go func() { _, _ = io.Copy(buf, c) }()
	if err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if regexp.MustCompile(`You see a room\.\r\n> `).MatchString(buf.String()) {
			return nil
		}
		return errWaiting
	}); err != nil {
		t.Fatalf("output never came: %q", buf.String())
	}
	if !slices.ContainsFunc(p.Listeners(), func(l portal.Listener) bool { return l.Name == portal.DoorTelnetTLS }) {
		t.Errorf("Listeners() = %v: no %s door", p.Listeners(), portal.DoorTelnetTLS)
	}
}

// A failed handshake (plain text on the TLS port) and a silent client
// are closed and counted; the portal serves on.
func TestTelnetTLSHandshakeFailures(t *testing.T) {
	t.Parallel()
	p, _ := tlsSetup(t, portal.Config{DoorHandshakeTimeout: 100 * time.Millisecond})
	addr := p.DoorAddr(portal.DoorTelnetTLS).String()
	for _, hello := range []string{"GET / HTTP/1.0\r\n\r\n", ""} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = nc.Write([]byte(hello))
		_ = nc.SetReadDeadline(time.Now().Add(wait))
		if _, err := io.Copy(io.Discard, nc); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("client sending %q was not closed", hello)
			}
		}
		nc.Close()
	}
	if err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if p.Handler().Stats().TLSHandshakeFailures == 2 {
			return nil
		}
		return errWaiting
	}); err != nil {
		t.Fatalf("TLSHandshakeFailures = %d, want 2", p.Handler().Stats().TLSHandshakeFailures)
	}
	dialTLS(t, p, nil) // still serving
}

// Certificate files given are served; one without the other is refused.
func TestTelnetTLSCertificateFiles(t *testing.T) {
	t.Parallel()
	certFile, keyFile, roots := writeTestCertificate(t)
	p, _ := tlsSetup(t, portal.Config{TLSCertFile: certFile, TLSKeyFile: keyFile})
	dialTLS(t, p, roots) // verifies the chain against our certificate

	if _, err := portal.New(portal.Config{TelnetTLSAddr: "127.0.0.1:0", TLSCertFile: certFile}); !errors.Is(err, portal.ErrInvalidConfig) {
		t.Errorf("a certificate without its key: got %v, want ErrInvalidConfig", err)
	}
	bad, err := portal.New(portal.Config{TelnetTLSAddr: "127.0.0.1:0", TLSCertFile: keyFile, TLSKeyFile: certFile})
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Start(); err == nil {
		bad.Close()
		t.Error("Start with swapped certificate files succeeded")
	}
}

// writeTestCertificate writes a self-signed certificate for 127.0.0.1 and
// its key as PEM files, and returns a pool that trusts it.
func writeTestCertificate(t *testing.T) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

// With MaxSessionsPerAddress, connections still in their TLS handshake
// count for their address too: one address cannot hold the door's
// descriptors with handshakes it never finishes. The ones over the cap
// are closed at once and counted.
func TestTLSHandshakesCountPerAddress(t *testing.T) {
	t.Parallel()
	p, _ := tlsSetup(t, portal.Config{MaxSessionsPerAddress: 2, DoorHandshakeTimeout: time.Minute})
	addr := p.DoorAddr(portal.DoorTelnetTLS).String()
	var conns []net.Conn
	for range 10 {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		conns = append(conns, nc)
	}
	if err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if n := p.Handler().Stats().HandshakeRefused; n != 8 {
			return fmt.Errorf("HandshakeRefused %d, want 8", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	closed := 0
	for _, nc := range conns { // the refused ones read EOF; the two in their handshake wait for it
		_ = nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if _, err := nc.Read(make([]byte, 1)); errors.Is(err, io.EOF) {
			closed++
		}
	}
	if closed != 8 {
		t.Errorf("%d of the 8 connections over the cap were closed", closed)
	}
}
