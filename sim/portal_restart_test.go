package sim_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// Bug 5.2: a portal restarted while the server lives hands out sessids
// from 1 again. The server must drop the old portal's sessions, so a
// player of the new portal with a reused sessid is never matched to a
// session of the old one.
func TestPortalRestartDoesNotCrossWireSessions(t *testing.T) {
	t.Parallel()
	startPortal := func() *portal.Portal {
		p, err := portal.New(portal.Config{MaxConnectionRate: -1, LinkSecret: testutil.LinkSecret})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	w, err := sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder})
	if err != nil {
		t.Fatal(err)
	}
	runServer := func(addr string) context.CancelFunc {
		srv, err := sim.New(sim.Config{PortalAddr: addr, LinkSecret: testutil.LinkSecret, World: w, LoginScreenDelay: -1, RedialMin: 5 * time.Millisecond, RedialMax: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { srv.Run(ctx); close(done) }()
		stop := func() { cancel(); <-done }
		t.Cleanup(stop)
		return stop
	}
	linked := func(p *portal.Portal, want bool) {
		t.Helper()
		if err := testutil.Await(wait, 2*time.Millisecond, func() error {
			if p.ServerConnected() == want {
				return nil
			}
			return fmt.Errorf("server linked: %v, want %v", !want, want)
		}); err != nil {
			t.Fatal(err)
		}
	}

	// Portal A and the long-lived server S1 (through a proxy we can cut).
	a := startPortal()
	proxy, err := testutil.NewProxy(a.LinkAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	runServer(proxy.Addr())
	linked(a, true)
	victim := &player{t: t, c: connectTo(t, a.TelnetAddr().String()), name: "victim"}
	victim.mustSee("create victim pw123", "created")
	victim.mustSee("connect victim pw123", "Limbo")
	victim.mustSee("dig/tel VictimRoom = in, out", "VictimRoom")

	// S1 loses its portal; portal A dies; portal B starts and is served by S2.
	proxy.Refuse(true)
	proxy.Cut()
	a.Close()
	b := startPortal()
	stopS2 := runServer(b.LinkAddr().String())
	linked(b, true)
	newbie := &player{t: t, c: connectTo(t, b.TelnetAddr().String()), name: "newbie"}
	newbie.mustSee("create newbie pw123", "created")
	newbie.mustSee("connect newbie pw123", "Limbo")
	if got, want := b.Handler().Sessions()[0].Sessid(), uint64(1); got != want {
		t.Fatalf("newbie has sessid %d; the test needs the reused %d", got, want)
	}

	// S2 goes; S1, still holding the old portal's sessid 1, links to B.
	stopS2()
	linked(b, false)
	proxy.SetTarget(b.LinkAddr().String())
	proxy.Refuse(false)
	linked(b, true)
	out := newbie.mustSee("examine me", "newbie")
	if strings.Contains(out, "victim") || strings.Contains(newbie.do("look"), "VictimRoom") {
		t.Fatalf("newbie is wired to the old portal's session: %q", out)
	}
}

func connectTo(t *testing.T, addr string) *testutil.TelnetClient {
	t.Helper()
	c, err := testutil.DialTelnet(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Expect(regexp.MustCompile(`connect <username> <password>(?s:.*)`+testutil.PromptMark), wait); err != nil {
		t.Fatal(fmt.Errorf("login screen: %w", err))
	}
	return c
}
