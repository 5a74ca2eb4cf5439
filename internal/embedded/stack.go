package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/faults"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// Config configures [Start].
type Config struct {
	// Portal is the portal's config, used as given.
	Portal portal.Config
	// Sim is the game server's config. Start sets PortalAddr and, when
	// it is nil, LinkSecret (the portal's, which a nil Portal.LinkSecret
	// makes new for each run); a nil World gets a fresh in-memory one.
	Sim sim.Config
	// NoServer starts only the portal; [Stack.StartServer] starts the
	// game server later.
	NoServer bool
	// LinkProxy puts a [faults.Proxy] between the game server and the
	// portal, for link faults (latency, cuts, ...): [Stack.LinkProxy]
	// returns it, and [Stack.Shutdown] closes it once the server is stopped.
	LinkProxy bool
	// Via, if set, puts a relay between the game server and the portal
	// (or the link proxy): it is given the address the server would dial
	// and returns the address the
	// server dials instead, and a function that stops the relay (called
	// by [Stack.Shutdown] once the server is stopped).
	Via func(linkAddr string) (dial string, stop func(), err error)
}

// Stack is a running portal and its supervised game server.
type Stack struct {
	// Portal is the portal players connect to.
	Portal *portal.Portal
	// World is the game world every server of the stack plays.
	World *sim.World

	cfg       sim.Config
	log       *slog.Logger
	stopVia   func()
	linkProxy *faults.Proxy

	mu     sync.Mutex
	server *sim.Server
	cancel context.CancelFunc
	done   chan error // the supervisor's result; buffered, read by whoever stops it
	ended  chan struct{}
}

// Start starts the portal and, unless cfg.NoServer, a game server linked
// to it, and waits until they are synced or ctx ends.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	p, err := portal.New(cfg.Portal)
	if err != nil {
		return nil, err
	}
	if err := p.Start(); err != nil {
		return nil, err
	}
	s := &Stack{Portal: p, stopVia: func() {}}
	dial := p.LinkAddr().String()
	if cfg.LinkProxy {
		if s.linkProxy, err = faults.NewProxy(faults.ProxyConfig{Target: dial, Window: linkWindow}); err != nil {
			p.Close()
			return nil, fmt.Errorf("embedded: link proxy: %w", err)
		}
		dial = s.linkProxy.Addr()
		s.stopVia = func() { _ = s.linkProxy.Close() }
	}
	if cfg.Via != nil {
		d, stop, err := cfg.Via(dial)
		if err != nil {
			s.stopVia()
			p.Close()
			return nil, fmt.Errorf("embedded: relay: %w", err)
		}
		stopProxy := s.stopVia
		dial, s.stopVia = d, func() { stop(); stopProxy() }
	}
	s.World = cfg.Sim.World
	if s.World == nil {
		if s.World, err = sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder}); err != nil {
			s.stopVia()
			p.Close()
			return nil, err
		}
	}
	s.cfg = cfg.Sim
	s.cfg.World = s.World
	s.cfg.PortalAddr = dial
	if s.cfg.LinkSecret == nil {
		s.cfg.LinkSecret = p.LinkSecret()
	}
	s.log = s.cfg.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if !cfg.NoServer {
		if err := s.StartServer(ctx); err != nil {
			s.Shutdown(context.Background())
			return nil, err
		}
	}
	return s, nil
}

// linkWindow is what the link proxy keeps in flight per direction: the
// link carries every player's traffic, so a delayed link needs a wide window.
const linkWindow = 16 << 20

// LinkProxy is the relay between the game server and the portal, or nil
// without [Config.LinkProxy].
func (s *Stack) LinkProxy() *faults.Proxy { return s.linkProxy }

// TelnetAddr is the portal's telnet address as host:port.
func (s *Stack) TelnetAddr() string { return s.Portal.TelnetAddr().String() }

// WebsocketURL is the websocket door's URL, "ws://host:port/", or "" when
// the portal has no websocket door.
func (s *Stack) WebsocketURL() string {
	a := s.Portal.DoorAddr(portal.DoorWebsocket)
	if a == nil {
		return ""
	}
	return "ws://" + a.String() + "/"
}

// TLSAddr is the telnet-over-TLS door's address as host:port, or ""
// when the portal has no such door.
func (s *Stack) TLSAddr() string {
	a := s.Portal.DoorAddr(portal.DoorTelnetTLS)
	if a == nil {
		return ""
	}
	return a.String()
}

// SSHAddr is the SSH door's address as host:port, or "" when the portal
// has no SSH door.
func (s *Stack) SSHAddr() string {
	a := s.Portal.DoorAddr(portal.DoorSSH)
	if a == nil {
		return ""
	}
	return a.String()
}

// Server returns the running game server, or nil. After an in-game
// reload it is the new one once that has been created.
func (s *Stack) Server() *sim.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.server
}

// StartServer starts a game server, and a new one after each in-game
// reload, and waits until the portal is synced with it or ctx ends.
func (s *Stack) StartServer(ctx context.Context) error {
	s.mu.Lock()
	if s.cancel != nil {
		s.mu.Unlock()
		return errors.New("embedded: a game server is already running")
	}
	sctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	done, ended := make(chan error, 1), make(chan struct{})
	s.done, s.ended = done, ended
	s.mu.Unlock()
	go func() {
		err := s.supervise(sctx)
		done <- err
		close(ended)
	}()
	return s.AwaitServer(ctx)
}

// supervise runs game servers one after the other until one ends for
// another reason than a reload. Each successor presents the takeover
// token its predecessor was given, so the portal takes it at once.
func (s *Stack) supervise(ctx context.Context) error {
	cfg := s.cfg
	for {
		srv, err := sim.New(cfg)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if ctx.Err() != nil { // killed meanwhile: never publish a server that will not run
			s.mu.Unlock()
			return ctx.Err()
		}
		s.server = srv
		s.mu.Unlock()
		err = srv.Run(ctx)
		if !errors.Is(err, sim.ErrReload) || ctx.Err() != nil {
			return err
		}
		cfg.Takeover = srv.TakeoverToken()
		s.log.Info("embedded.server.restarting")
	}
}

// ServerEnded is closed when the game server stopped by itself (the game
// shut down, or its config was refused); [Stack.Err] then says why. It is
// nil while no server was started.
func (s *Stack) ServerEnded() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

// pollInterval is how often AwaitServer and KillServer look at the
// portal's link state, which offers no notification.
const pollInterval = 5 * time.Millisecond

// AwaitServer waits until the portal is synced with a game server, the
// server stopped, or ctx ends.
func (s *Stack) AwaitServer(ctx context.Context) error {
	ended := s.ServerEnded()
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for !s.Portal.ServerConnected() {
		select {
		case <-ended:
			return fmt.Errorf("embedded: the game server stopped: %w", s.takeErr())
		case <-ctx.Done():
			return fmt.Errorf("embedded: no game server synced with the portal: %w", ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// takeErr returns the supervisor's result and puts it back for the next reader.
func (s *Stack) takeErr() error {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	err := <-done
	done <- err
	return err
}

// KillServer stops the game server abruptly, as SIGKILL would: the link
// drops with no goodbye and no session sync. It waits until the portal
// has noticed, or ctx ends.
func (s *Stack) KillServer(ctx context.Context) error {
	running, ended, _ := s.stopSupervisor()
	if !running {
		return errors.New("embedded: no game server running")
	}
	select {
	case <-ended:
	case <-ctx.Done():
		return fmt.Errorf("embedded: the game server did not stop: %w", ctx.Err())
	}
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for s.Portal.ServerConnected() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("embedded: the portal still has a game server linked: %w", ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// StallServer freezes the running game server for d (see [sim.Server.Stall]).
func (s *Stack) StallServer(d time.Duration) error {
	srv := s.Server()
	if srv == nil {
		return errors.New("embedded: no game server running")
	}
	srv.Stall(d)
	return nil
}

// ReloadServer asks the running game server to reload, as the in-game
// reload does, and waits until its successor is synced with the portal,
// the server stopped, or ctx ends.
func (s *Stack) ReloadServer(ctx context.Context) error {
	old := s.Server()
	if old == nil {
		return errors.New("embedded: no game server running")
	}
	ended := s.ServerEnded()
	old.Reload("", "fault injection")
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		if srv := s.Server(); srv != nil && srv != old && srv.Linked() && s.Portal.ServerConnected() {
			return nil
		}
		select {
		case <-ended:
			return fmt.Errorf("embedded: the game server stopped: %w", s.takeErr())
		case <-ctx.Done():
			return fmt.Errorf("embedded: no new game server synced after the reload: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// stopSupervisor cancels the running supervisor, if any, and returns its
// channels. The cancel happens under the lock, so supervise never
// publishes another server after it.
func (s *Stack) stopSupervisor() (running bool, ended <-chan struct{}, done <-chan error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel == nil {
		return false, nil, nil
	}
	s.cancel()
	s.cancel, s.server = nil, nil
	return true, s.ended, s.done
}

// Shutdown stops the portal gracefully (every player is told, the server
// gets PDISCONNALL), then the game server and the relay. It returns the
// portal's shutdown error and the server's, if it failed.
func (s *Stack) Shutdown(ctx context.Context) error {
	perr := s.Portal.Shutdown(ctx)
	running, _, done := s.stopSupervisor()
	var serr error
	if running {
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			serr = err
		}
	}
	s.stopVia()
	return errors.Join(perr, serr)
}

// LoadTestPortal is the portal of "portalsim run"'s embedded game (and of
// the load specs): every door open on a random loopback port (with a
// self-signed certificate and an SSH host key in memory), no connect
// throttle, no command rate limit, no login timeout (players wait their
// turn to log in, however long that takes) and no keepalive. log may be nil.
func LoadTestPortal(log *slog.Logger) portal.Config {
	return portal.Config{
		TelnetAddr: "127.0.0.1:0", WebsocketAddr: "127.0.0.1:0", WebAddr: "127.0.0.1:0",
		TelnetTLSAddr: "127.0.0.1:0", SSHAddr: "127.0.0.1:0", // a self-signed certificate and an SSH host key, in memory
		MaxConnectionRate: -1, MaxCommandRate: -1, LoginTimeout: -1, Keepalive: -1, Logger: log,
	}
}
