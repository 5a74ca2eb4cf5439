package testutil

import (
	"context"
	"time"

	"github.com/portalsim/portalsim/internal/embedded"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// stackWait bounds starting, awaiting and killing a stack's game server.
const stackWait = 10 * time.Second

// Stack is an embedded portal and game server on random loopback ports,
// the way "portalsim serve" runs them, with test defaults: cheap password
// hashing, every account a Developer (tests' players reload and shut the
// game down), the login screen at once, a fast redial.
type Stack struct {
	*embedded.Stack
}

// StackConfig configures [StartStack]. Zero values are usable; addresses
// are forced to random loopback ports unless set.
type StackConfig struct {
	Portal portal.Config
	Sim    sim.Config
	// NoServer starts only the portal; call [Stack.StartServer] later.
	NoServer bool
	// LinkProxy puts a faults.Proxy on the link (see embedded.Config.LinkProxy).
	LinkProxy bool
}

// embeddedConfig applies the test defaults.
func (cfg StackConfig) embeddedConfig() (embedded.Config, error) {
	scfg := cfg.Sim
	if scfg.World == nil {
		w, err := sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermDeveloper})
		if err != nil {
			return embedded.Config{}, err
		}
		scfg.World = w
	}
	if scfg.RedialMin == 0 {
		scfg.RedialMin = 10 * time.Millisecond
		scfg.RedialMax = 200 * time.Millisecond
	}
	if scfg.LoginScreenDelay == 0 {
		scfg.LoginScreenDelay = -1
	}
	return embedded.Config{Portal: cfg.Portal, Sim: scfg, NoServer: cfg.NoServer, LinkProxy: cfg.LinkProxy}, nil
}

// StartStack starts a portal and (unless NoServer) a game server linked
// to it, and waits until the server is synced.
func StartStack(cfg StackConfig) (*Stack, error) {
	ecfg, err := cfg.embeddedConfig()
	if err != nil {
		return nil, err
	}
	return startStack(ecfg)
}

func startStack(cfg embedded.Config) (*Stack, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stackWait)
	defer cancel()
	s, err := embedded.Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Stack{s}, nil
}

// StartServer starts a game server (restarting it after each in-game
// reload, like "portalsim serve") and waits until the portal is synced with it.
func (s *Stack) StartServer() error {
	ctx, cancel := context.WithTimeout(context.Background(), stackWait)
	defer cancel()
	return s.Stack.StartServer(ctx)
}

// AwaitServer waits until the portal is synced with a game server.
func (s *Stack) AwaitServer(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return s.Stack.AwaitServer(ctx)
}

// KillServer stops the game server abruptly, as SIGKILL would: the link
// drops with no goodbye and no session sync. It waits until the portal
// has noticed.
func (s *Stack) KillServer() error {
	ctx, cancel := context.WithTimeout(context.Background(), stackWait)
	defer cancel()
	return s.Stack.KillServer(ctx)
}

// Close kills the server, then shuts the portal down.
func (s *Stack) Close() {
	_ = s.KillServer()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.Shutdown(ctx)
}
