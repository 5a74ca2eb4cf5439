package testutil

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// ProxiedStack is an embedded portal and game server, like [Stack], whose
// game-server link runs through a [Proxy] (and, if asked, a [LinkTap]
// in front of it). Besides killing and restarting the server, a spec can
// cut the link while the server lives on and redials (Evennia bug 5.20),
// keep it cut for a while with Proxy.Refuse, and see, drop or delay the
// link's messages through the tap.
type ProxiedStack struct {
	Portal *portal.Portal
	World  *sim.World
	// Proxy relays the server's link to the portal.
	Proxy *Proxy
	// Tap, if asked for, is what the server dials; it relays to Proxy.
	Tap *LinkTap
	cfg sim.Config

	mu     sync.Mutex
	server *sim.Server
	cancel context.CancelFunc
	done   chan error
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
	p, err := portal.New(cfg.Portal)
	if err != nil {
		return nil, err
	}
	if err := p.Start(); err != nil {
		return nil, err
	}
	proxy, err := NewProxy(p.LinkAddr().String())
	if err != nil {
		p.Close()
		return nil, err
	}
	dial := proxy.Addr()
	var tap *LinkTap
	if cfg.Tap != nil {
		if tap, err = NewLinkTap(dial, *cfg.Tap); err != nil {
			proxy.Close()
			p.Close()
			return nil, err
		}
		dial = tap.Addr()
	}
	w := cfg.Sim.World
	if w == nil {
		w, err = sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), HashIterations: 1})
		if err != nil {
			if tap != nil {
				tap.Close()
			}
			proxy.Close()
			p.Close()
			return nil, err
		}
	}
	scfg := cfg.Sim
	scfg.World = w
	scfg.PortalAddr = dial
	if scfg.RedialMin == 0 {
		scfg.RedialMin = 10 * time.Millisecond
		scfg.RedialMax = 200 * time.Millisecond
	}
	if scfg.LoginScreenDelay == 0 {
		scfg.LoginScreenDelay = -1
	}
	s := &ProxiedStack{Portal: p, World: w, Proxy: proxy, Tap: tap, cfg: scfg}
	if !cfg.NoServer {
		if err := s.StartServer(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// TelnetAddr is the portal's telnet address as host:port.
func (s *ProxiedStack) TelnetAddr() string { return s.Portal.TelnetAddr().String() }

// Server returns the running game server, or nil. After an in-game
// reload it is the new one once that has been created.
func (s *ProxiedStack) Server() *sim.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.server
}

// StartServer starts a game server (restarting it after each in-game
// reload, like "portalsim serve") and waits until the portal is synced
// with it.
func (s *ProxiedStack) StartServer() error {
	s.mu.Lock()
	if s.cancel != nil {
		s.mu.Unlock()
		return errors.New("testutil: a server is already running")
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done = make(chan error, 1)
	done := s.done
	s.mu.Unlock()
	go func() {
		for {
			srv, err := sim.New(s.cfg)
			if err != nil {
				done <- err
				return
			}
			s.mu.Lock()
			if ctx.Err() != nil { // killed meanwhile: never publish a server that will not run
				s.mu.Unlock()
				done <- ctx.Err()
				return
			}
			s.server = srv
			s.mu.Unlock()
			err = srv.Run(ctx)
			if !errors.Is(err, sim.ErrReload) || ctx.Err() != nil {
				done <- err
				return
			}
		}
	}()
	return s.AwaitServer(10 * time.Second)
}

// AwaitServer waits until the portal is synced with a game server.
func (s *ProxiedStack) AwaitServer(timeout time.Duration) error {
	return Await(timeout, 5*time.Millisecond, func() error {
		if s.Portal.ServerConnected() {
			return nil
		}
		return errors.New("no game server synced with the portal")
	})
}

// KillServer stops the game server abruptly, as SIGKILL would: the link
// drops with no goodbye and no session sync. It waits until the portal
// has noticed.
func (s *ProxiedStack) KillServer() error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel, s.server = nil, nil
	s.mu.Unlock()
	if cancel == nil {
		return errors.New("testutil: no server running")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		return errors.New("testutil: server did not stop")
	}
	return Await(10*time.Second, 5*time.Millisecond, func() error {
		if s.Portal.ServerConnected() {
			return fmt.Errorf("portal still thinks a server is linked")
		}
		return nil
	})
}

// CutLink closes the link between the server and the portal without
// stopping either; the server redials at once.
func (s *ProxiedStack) CutLink() { s.Proxy.Cut() }

// TablesAgree is [SessionTablesAgree] for this stack's portal and current server.
func (s *ProxiedStack) TablesAgree(ctx context.Context) error {
	return SessionTablesAgree(ctx, s.Portal, s.Server())
}

// Close stops the server, the tap, the proxy and the portal.
func (s *ProxiedStack) Close() {
	_ = s.KillServer()
	if s.Tap != nil {
		s.Tap.Close()
	}
	s.Proxy.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.Portal.Shutdown(ctx)
}
