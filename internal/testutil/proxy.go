package testutil

import "github.com/portalsim/portalsim/internal/faults"

// NewProxy starts a [faults.Proxy] to target on a random loopback port:
// the project's one relay, for tests that cut, refuse or redirect a
// link between two of our processes.
func NewProxy(target string) (*faults.Proxy, error) {
	return faults.NewProxy(faults.ProxyConfig{Target: target})
}
