// Package loopback tells whether a listen address stays on this machine.
// Every listener of ours binds loopback unless a flag says otherwise;
// this is the one check they all use. It imports nothing of ours.
package loopback

import (
	"errors"
	"fmt"
	"net"
)

// ErrNotLoopback is returned for an address that would accept
// connections from other machines.
var ErrNotLoopback = errors.New("not a loopback address")

// Check returns nil if addr (host:port, as net.Listen takes it) binds
// only loopback: an IP in 127.0.0.0/8 or ::1, or "localhost". An empty
// host (":4006", every interface) or any other name is refused.
func Check(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		return fmt.Errorf("%q listens on every interface: %w", addr, ErrNotLoopback)
	}
	return fmt.Errorf("%q: %w", addr, ErrNotLoopback)
}
