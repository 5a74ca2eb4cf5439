package portal

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// The telnet-TLS door (Evennia's telnet_ssl.py): the telnet protocol,
// unchanged, inside TLS, under the protocol key "telnet/ssl". Each
// connection's handshake runs in a goroutine of its own, bounded by
// Config.DoorHandshakeTimeout, so a slow or silent client never holds
// the accept loop; a failed handshake is counted and logged (a line
// every 10 s at most) and the connection closed.

// telnetTLSKey is the door's protocol key (Evennia's).
const telnetTLSKey = "telnet/ssl"

// handshakeLogEvery is how often a door logs failed handshakes at most.
const handshakeLogEvery = 10 * time.Second

// openTelnetTLS opens the telnet-TLS door, if Config.TelnetTLSAddr is set.
func (p *Portal) openTelnetTLS() error {
	if p.cfg.TelnetTLSAddr == "" {
		return nil
	}
	cert, err := doorCertificate(p.cfg.TLSCertFile, p.cfg.TLSKeyFile)
	if err != nil {
		return fmt.Errorf("%s: %w", DoorTelnetTLS, err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	failures := &refusalLog{every: handshakeLogEvery}
	return p.openDoor(DoorTelnetTLS, p.cfg.TelnetTLSAddr, p.acceptWith(DoorTelnetTLS, func(nc net.Conn) {
		leave, ok := p.enterHandshake(DoorTelnetTLS, nc.RemoteAddr())
		if !ok {
			_ = nc.Close()
			return
		}
		tc := tls.Server(nc, conf)
		if !p.goSafe(func() { p.handshakeTLS(tc, failures, leave) }) {
			leave()
			_ = nc.Close()
		}
	}), nil)
}

// handshakeTLS completes tc's handshake (leave ends its count in the
// doors' handshakes), then serves it as telnet.
func (p *Portal) handshakeTLS(tc *tls.Conn, failures *refusalLog, leave func()) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.DoorHandshakeTimeout)
	err := tc.HandshakeContext(ctx) // closes the connection when ctx ends
	cancel()
	leave()
	if err != nil {
		failures.log(p.log, "door.handshake.failed", tc.NetConn().RemoteAddr().String(),
			fmt.Errorf("%s: %w", DoorTelnetTLS, err))
		p.h.stats.tlsHandshakeFailed.Add(1) // after the log line: a test that sees the count finds the line
		_ = tc.NetConn().Close()
		return
	}
	p.serveTelnetAs(tc, telnetTLSKey)
}
