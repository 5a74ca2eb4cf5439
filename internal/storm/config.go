package storm

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Config says what to storm and how hard. The zero value of every field
// but Target is usable.
type Config struct {
	// Target is the portal's telnet door, host:port.
	Target string
	// Sources are the local addresses to dial from, in turn (each dial
	// takes the next). A loopback target is reached from any address of
	// 127.0.0.0/8, each with its own ephemeral ports: many sources keep
	// tens of thousands of connections from running out of them. Empty:
	// the system chooses.
	Sources []netip.Addr
	// Dialers is how many goroutines dial at once, each one connection
	// at a time; 0 means [DefaultDialers].
	Dialers int
	// Conns stops the storm after this many connections; 0: no limit
	// (Duration ends it). In [Hold], how many connections to hold.
	Conns int
	// Duration stops starting connections after this long; 0: no limit
	// (Conns ends it). Connections under way finish.
	Duration time.Duration
	// Probe sends the echo probe once the first byte came, and waits for
	// its answer (see the package doc: answered).
	Probe bool
	// Timeout bounds each connection from its dial to its first byte, and
	// from the probe to its answer; 0 means [DefaultTimeout].
	Timeout time.Duration
}

// Defaults of [Config].
const (
	DefaultDialers = 64
	DefaultTimeout = 30 * time.Second
)

// Validate reports every problem of c, each naming its field.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Target); err != nil {
		errs = append(errs, fmt.Errorf("target %q: want host:port: %w", c.Target, err))
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"dialers", c.Dialers}, {"conns", c.Conns}} {
		if f.v < 0 || f.v > 1_000_000 {
			errs = append(errs, fmt.Errorf("%s %d: want 0 to 1000000", f.name, f.v))
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"duration", c.Duration}, {"timeout", c.Timeout}} {
		if f.v < 0 || f.v > 24*time.Hour {
			errs = append(errs, fmt.Errorf("%s %v: want 0 to 24h", f.name, f.v))
		}
	}
	if c.Conns == 0 && c.Duration == 0 {
		errs = append(errs, errors.New("conns and duration both 0: the storm would never end"))
	}
	for i, a := range c.Sources {
		if !a.IsValid() {
			errs = append(errs, fmt.Errorf("sources[%d]: not an address", i))
		}
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Dialers == 0 {
		c.Dialers = DefaultDialers
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Conns > 0 {
		c.Dialers = min(c.Dialers, c.Conns)
	}
	return c
}

// LoopbackSources returns n source addresses in 127.0.0.0/8 for a
// loopback target: 127.0.0.1, then 127.0.1.1, 127.0.1.2, ... (1 to 254
// of them; n outside is clamped).
func LoopbackSources(n int) []netip.Addr {
	n = min(max(n, 1), 254)
	out := []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})}
	for i := 1; i < n; i++ {
		out = append(out, netip.AddrFrom4([4]byte{127, 0, 1, byte(i)}))
	}
	return out
}

// IsLoopbackTarget reports whether target (host:port) is a loopback IP,
// one that [LoopbackSources] can reach.
func IsLoopbackTarget(target string) bool {
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback() && a.Is4()
}
