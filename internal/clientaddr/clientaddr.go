// Package clientaddr says which clients count as one for limits kept
// per address: the portal's fair connect queue and per-address cap, and
// the game server's account throttles. A leaf.
package clientaddr

import (
	"net"
	"net/netip"
)

// IPv6Prefix is how many leading bits of an IPv6 address name one
// client: a /64 is what one site or host is given, and any address in it
// is the owner's for the asking.
const IPv6Prefix = 64

// Key returns the key that addr's client is counted under: the IP
// without the port ("127.0.0.1"), an IPv4-mapped IPv6 address as IPv4,
// and an IPv6 address as its /64 ("2001:db8:1:2::/64"). What does not
// parse as an IP is its own key.
func Key(addr string) string {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.Prefix(IPv6Prefix)
	if err != nil {
		return ip.String()
	}
	return p.String()
}
