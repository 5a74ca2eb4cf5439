package testutil

import (
	"context"

	"github.com/portalsim/portalsim/internal/faults"
)

// ProxiedStack is an embedded portal and game server, like [Stack], whose
// game-server link runs through the stack's [faults.Proxy] (and, if asked, a [LinkTap]
// in front of it). Besides killing and restarting the server, a spec can
// cut the link while the server lives on and redials (Evennia bug 5.20),
// keep it cut for a while with Proxy.Refuse, and see, drop or delay the
// link's messages through the tap.
type ProxiedStack struct {
	*Stack
	// Proxy relays the server's link to the portal.
	Proxy *faults.Proxy
	// Tap, if asked for, is what the server dials; it relays to Proxy.
	Tap *LinkTap
}

// ProxiedStackConfig configures [StartProxiedStack].
type ProxiedStackConfig struct {
	StackConfig
	// Tap, if not nil, puts a [LinkTap] with this config between the
	// server and the proxy.
	Tap *LinkTapConfig
}

// StartProxiedStack starts a portal, a proxy to its link listener, a tap
// if asked for, and (unless cfg.NoServer) a game server dialling the tap
// or the proxy, and waits until the server is synced. The defaults are
// those of [StartStack].
func StartProxiedStack(cfg ProxiedStackConfig) (*ProxiedStack, error) {
	ecfg, err := cfg.embeddedConfig()
	if err != nil {
		return nil, err
	}
	ps := &ProxiedStack{}
	ecfg.LinkProxy = true
	if cfg.Tap != nil {
		ecfg.Via = func(proxyAddr string) (string, func(), error) {
			tap, err := NewLinkTap(proxyAddr, *cfg.Tap)
			if err != nil {
				return "", nil, err
			}
			ps.Tap = tap
			return tap.Addr(), tap.Close, nil
		}
	}
	if ps.Stack, err = startStack(ecfg); err != nil {
		return nil, err
	}
	ps.Proxy = ps.LinkProxy()
	return ps, nil
}

// CutLink closes the link between the server and the portal without
// stopping either; the server redials at once.
func (s *ProxiedStack) CutLink() { s.Proxy.Cut() }

// TablesAgree is [SessionTablesAgree] for this stack's portal and current server.
func (s *ProxiedStack) TablesAgree(ctx context.Context) error {
	return SessionTablesAgree(ctx, s.Portal, s.Server())
}
