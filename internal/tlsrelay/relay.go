// Package tlsrelay is a TLS front for a plain TCP door: it accepts TLS
// with a fresh self-signed certificate and relays each connection's
// plaintext to a target. It stands in for the portal's TLS telnet door
// (built on another branch) so that the dummyrunner's tls transport can
// be run and tested against the embedded stack: "portalsim run" and the
// load specs put one in front of the embedded telnet door. The relay is
// one more hop, so its latency figures include a loopback copy.
package tlsrelay

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"time"
)

// handshakeTimeout bounds a client's TLS handshake.
const handshakeTimeout = 30 * time.Second

// Relay is a running TLS relay. Create one with Start.
type Relay struct {
	ln     net.Listener
	target string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex // guards conns
	conns map[net.Conn]struct{}
}

// Start listens for TLS on addr ("127.0.0.1:0" for a random loopback
// port) and relays every connection to target.
func Start(addr, target string) (*Relay, error) {
	cert, err := selfSigned()
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", addr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Relay{ln: ln, target: target, ctx: ctx, cancel: cancel, conns: map[net.Conn]struct{}{}}
	r.wg.Go(r.accept)
	return r, nil
}

// Addr is the relay's TLS address (host:port).
func (r *Relay) Addr() string { return r.ln.Addr().String() }

// Close stops accepting, ends every relayed connection and waits for them.
func (r *Relay) Close() error {
	r.cancel()
	err := r.ln.Close()
	r.mu.Lock()
	for c := range r.conns {
		_ = c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return err
}

func (r *Relay) accept() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a failed accept (out of descriptors) ends no other connection
		}
		r.wg.Go(func() { r.relay(c) })
	}
}

// track adds (or removes) c from the connections Close ends; false once closed.
func (r *Relay) track(c net.Conn, add bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !add {
		delete(r.conns, c)
		return true
	}
	if r.ctx.Err() != nil {
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

// relay copies both ways until either side ends, then closes both.
func (r *Relay) relay(c net.Conn) {
	defer func() { _ = c.Close() }()
	if !r.track(c, true) {
		return
	}
	defer r.track(c, false)
	hctx, cancel := context.WithTimeout(r.ctx, handshakeTimeout)
	err := c.(*tls.Conn).HandshakeContext(hctx)
	cancel()
	if err != nil {
		return // a client that fails the handshake never reaches the target
	}
	var d net.Dialer
	up, err := d.DialContext(r.ctx, "tcp", r.target)
	if err != nil {
		return
	}
	defer func() { _ = up.Close() }()
	if !r.track(up, true) {
		return
	}
	defer r.track(up, false)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done // either side ended: both end (the deferred closes end the other copy)
	_ = c.Close()
	_ = up.Close()
	<-done
}

// selfSigned makes a certificate for 127.0.0.1, ::1 and localhost, valid a day.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "portalsim tls relay"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
