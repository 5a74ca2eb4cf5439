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

// Stack is an embedded portal and game server on random loopback ports,
// the way "portalsim serve" runs them.
type Stack struct {
	Portal *portal.Portal
	World  *sim.World
	cfg    sim.Config

	mu     sync.Mutex
	server *sim.Server
	cancel context.CancelFunc
	done   chan error
}

// StackConfig configures [StartStack]. Zero values are usable; addresses
// are forced to random loopback ports unless set.
type StackConfig struct {
	Portal portal.Config
	Sim    sim.Config
	// NoServer starts only the portal; call [Stack.StartServer] later.
	NoServer bool
}

// StartStack starts a portal and (unless NoServer) a game server linked
// to it, and waits until the server is synced.
func StartStack(cfg StackConfig) (*Stack, error) {
	p, err := portal.New(cfg.Portal)
	if err != nil {
		return nil, err
	}
	if err := p.Start(); err != nil {
		return nil, err
	}
	w := cfg.Sim.World
	if w == nil {
		w, err = sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), HashIterations: 1})
		if err != nil {
			p.Close()
			return nil, err
		}
	}
	scfg := cfg.Sim
	scfg.World = w
	scfg.PortalAddr = p.LinkAddr().String()
	if scfg.RedialMin == 0 {
		scfg.RedialMin = 10 * time.Millisecond
		scfg.RedialMax = 200 * time.Millisecond
	}
	if scfg.LoginScreenDelay == 0 {
		scfg.LoginScreenDelay = -1
	}
	s := &Stack{Portal: p, World: w, cfg: scfg}
	if !cfg.NoServer {
		if err := s.StartServer(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// TelnetAddr is the portal's telnet address as host:port.
func (s *Stack) TelnetAddr() string { return s.Portal.TelnetAddr().String() }

// Server returns the running game server, or nil.
func (s *Stack) Server() *sim.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.server
}

// StartServer starts a game server (restarting it after each in-game
// reload, like "portalsim serve") and waits until the portal is synced with it.
func (s *Stack) StartServer() error {
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
			s.server = srv
			s.mu.Unlock()
			err = srv.Run(ctx)
			if !errors.Is(err, sim.ErrReload) {
				done <- err
				return
			}
		}
	}()
	return s.AwaitServer(10 * time.Second)
}

// AwaitServer waits until the portal is synced with a game server.
func (s *Stack) AwaitServer(timeout time.Duration) error {
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
func (s *Stack) KillServer() error {
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

// Close stops the server and the portal.
func (s *Stack) Close() {
	_ = s.KillServer()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.Portal.Shutdown(ctx)
}
