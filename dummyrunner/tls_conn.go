package dummyrunner

import (
	"context"
	"crypto/tls"
	"net"
	"time"
)

// Certificate checks of the TLS transport (TLSSettings.Verify).
const (
	// VerifyAuto checks the certificate unless the target is a loopback
	// address (an IP in 127.0.0.0/8 or ::1, or "localhost"), where a load
	// test's portal has a self-signed one.
	VerifyAuto = "auto"
	// VerifyAlways checks the certificate against the system's roots and
	// the target's host name.
	VerifyAlways = "always"
	// VerifyNever skips the check: the load is encrypted, not authenticated.
	VerifyNever = "never"
)

// TLSSettings configure the TLS transport: telnet inside TLS, the way a
// MUD client speaks to a portal's TLS telnet door.
type TLSSettings struct {
	// Target is the host:port of the TLS door; empty: the embedded
	// portal's (or -tls-target). Needed with a target when the
	// transports include tls.
	Target string `yaml:"target,omitempty"`
	// Verify is VerifyAuto (default), VerifyAlways or VerifyNever.
	Verify string `yaml:"verify,omitempty"`
}

// skipVerify says whether a dial to host skips the certificate check.
func (s TLSSettings) skipVerify(host string) bool {
	switch s.Verify {
	case VerifyNever:
		return true
	case VerifyAlways:
		return false
	}
	return isLoopback(host)
}

// isLoopback reports whether host names this machine: "localhost" or a
// loopback IP.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dialTLS is the TLS transport: a TCP connect, the TLS handshake (its
// own phase), then telnet inside, as on the telnet door.
func dialTLS(ctx context.Context, d dialTarget) (conn, []step, error) {
	host, _, err := net.SplitHostPort(d.addr)
	if err != nil {
		return nil, nil, &dialError{phase: "connect", reason: ReasonDial, err: err}
	}
	nc, err := dialTCP(ctx, d.addr, d.timeout)
	if err != nil {
		return nil, nil, &dialError{phase: "connect", reason: ReasonDial, err: err}
	}
	connected := time.Now()
	tc := tls.Client(nc, &tls.Config{
		ServerName:         host,
		InsecureSkipVerify: d.tls.skipVerify(host), //nolint:gosec // the scenario's choice; loopback only by default
		MinVersion:         tls.VersionTLS12,
	})
	hctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		_ = nc.Close()
		return nil, nil, &dialError{phase: PhaseTLSHandshake, reason: ReasonTLS, reached: []step{{"connect", connected}}, err: err}
	}
	return newTelnetConn(tc, nc, telnetOptions{quickack: d.quickack}), []step{{"connect", connected}, {PhaseTLSHandshake, time.Now()}}, nil
}
