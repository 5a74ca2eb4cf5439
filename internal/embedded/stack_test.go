package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/embedded"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

const wait = 10 * time.Second

func fastWorld(t *testing.T) *sim.World {
	t.Helper()
	w, err := sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// A stack starts synced, survives a kill and a reload with a new server
// each time, and shuts down with both gone.
func TestStackLifecycle(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	relayed := false
	st, err := embedded.Start(ctx, embedded.Config{
		Portal: portal.Config{MaxConnectionRate: -1},
		Sim:    sim.Config{World: fastWorld(t), RedialMin: 5 * time.Millisecond},
		Via: func(linkAddr string) (string, func(), error) {
			return linkAddr, func() { relayed = true }, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Portal.ServerConnected() || st.Server() == nil {
		t.Fatal("Start returned before the server synced")
	}
	first := st.Server()
	if err := st.StartServer(ctx); err == nil {
		t.Fatal("a second StartServer while one runs succeeded")
	}
	if err := st.KillServer(ctx); err != nil {
		t.Fatal(err)
	}
	if st.Portal.ServerConnected() || st.Server() != nil {
		t.Fatal("the killed server is still linked or published")
	}
	if err := st.StartServer(ctx); err != nil {
		t.Fatal(err)
	}
	restarted := st.Server()
	if restarted == first {
		t.Fatal("StartServer after a kill reused the old server")
	}
	restarted.Reload("", "")
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if st.Server() == restarted || !st.Portal.ServerConnected() {
			return errors.New("no new server synced after the reload")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if !relayed {
		t.Fatal("Shutdown did not stop the relay")
	}
	if _, err := net.Dial("tcp", st.TelnetAddr()); err == nil {
		t.Fatal("the portal still listens after Shutdown")
	}
}

// A config the game server refuses fails Start at once, wrapping sim's error.
func TestStartRefusedServerConfig(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err := embedded.Start(ctx, embedded.Config{
		Sim: sim.Config{World: fastWorld(t), RedialMin: time.Second, RedialMax: time.Millisecond},
	})
	if !errors.Is(err, sim.ErrInvalidConfig) {
		t.Fatalf("Start = %v, want sim.ErrInvalidConfig", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Start waited for its context instead of failing at once")
	}
}

// A refused portal config is the portal's error.
func TestStartRefusedPortalConfig(t *testing.T) {
	t.Parallel()
	_, err := embedded.Start(context.Background(), embedded.Config{Portal: portal.Config{TelnetAddr: "not an address"}})
	if err == nil {
		t.Fatal("Start with a bad telnet address succeeded")
	}
}

// With LinkProxy the server reaches the portal through a proxy a test can
// cut; ReloadServer waits for the successor, StallServer needs a server.
func TestStackLinkProxyReloadAndStall(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	st, err := embedded.Start(ctx, embedded.Config{
		Portal:    portal.Config{MaxConnectionRate: -1},
		Sim:       sim.Config{World: fastWorld(t), RedialMin: 5 * time.Millisecond},
		LinkProxy: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Shutdown(context.Background())
	px := st.LinkProxy()
	if px == nil || px.Stats().Active != 1 {
		t.Fatalf("link proxy %v: want one relayed link", px)
	}
	if n := px.Cut(); n != 1 {
		t.Fatalf("Cut cut %d links, want 1", n)
	}
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if s := px.Stats(); s.Accepted < 2 || !st.Portal.ServerConnected() {
			return fmt.Errorf("after the cut: %+v, linked %v", s, st.Portal.ServerConnected())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	first := st.Server()
	if err := st.ReloadServer(ctx); err != nil {
		t.Fatal(err)
	}
	if next := st.Server(); next == first || !next.Linked() {
		t.Fatal("ReloadServer returned before a new server was synced")
	}
	if err := st.StallServer(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := st.KillServer(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.StallServer(time.Millisecond); err == nil {
		t.Error("StallServer with no server succeeded")
	}
	if err := st.ReloadServer(ctx); err == nil {
		t.Error("ReloadServer with no server succeeded")
	}
}
