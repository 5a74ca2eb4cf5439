package sessid_test

import (
	"context"
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// The end-to-end version of sim/portal_restart_test.go: a new portal run
// starts its sessids at 1 again, while a game server that outlived the
// old portal still holds that portal's sessions under the same ids.
var _ = Describe("A portal restart while the game server lives", Label("sessid", "restart"), func() {
	var world *sim.World

	BeforeEach(func() {
		var err error
		world, err = sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder})
		Expect(err).NotTo(HaveOccurred())
	})

	// runServer runs a game server linked to addr until the returned stop is called (or the spec ends).
	runServer := func(addr string) (*sim.Server, func()) {
		srv, err := sim.New(sim.Config{PortalAddr: addr, LinkSecret: testutil.LinkSecret, World: world, LoginScreenDelay: -1,
			RedialMin: 5 * time.Millisecond, RedialMax: 20 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			defer GinkgoRecover()
			done <- srv.Run(ctx)
		}()
		stop := func() {
			cancel()
			Eventually(done).WithTimeout(wait).Should(Receive(Satisfy(func(err error) bool {
				return err == nil || errors.Is(err, context.Canceled)
			})))
		}
		DeferCleanup(func() { cancel() })
		return srv, stop
	}

	It("never wires a player of the new portal to a session of the old one (5.2)", func(ctx SpecContext) {
		linked := func(p *portal.Portal, want bool) {
			Eventually(ctx, p.ServerConnected).WithTimeout(wait).Should(Equal(want))
		}

		By("logging two victims in through portal A, linked to the long-lived server S1 through a proxy")
		a := testutil.StartPortal(portal.Config{MaxConnectionRate: -1, LinkSecret: testutil.LinkSecret})
		proxy, err := testutil.NewProxy(a.LinkAddr().String())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(proxy.Close)
		s1, _ := runServer(proxy.Addr())
		linked(a, true)
		for _, name := range []string{"victim1", "victim2"} {
			v := dial(a.TelnetAddr().String())
			_, err := v.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred())
			login(v, name)
			out, err := v.Command("dig/tel Room_"+name+" = in, out", wait)
			Expect(err).NotTo(HaveOccurred())
			Expect(out).To(ContainSubstring("Room_" + name))
		}
		Expect(sessidSet(a)).To(Equal(map[uint64]bool{1: true, 2: true}))

		By("cutting S1 off, closing portal A and starting portal B, served by S2")
		proxy.Refuse(true)
		proxy.Cut()
		linked(a, false)
		Expect(a.Close()).To(Succeed())
		b := testutil.StartPortal(portal.Config{MaxConnectionRate: -1, LinkSecret: testutil.LinkSecret})
		_, stopS2 := runServer(b.LinkAddr().String())
		linked(b, true)
		guest := dial(b.TelnetAddr().String()) // never logs in
		_, err = guest.Expect(loginScreen, wait)
		Expect(err).NotTo(HaveOccurred())
		newbie := dial(b.TelnetAddr().String())
		_, err = newbie.Expect(loginScreen, wait)
		Expect(err).NotTo(HaveOccurred())
		login(newbie, "newbie")
		Expect(sessidSet(b)).To(Equal(map[uint64]bool{1: true, 2: true}), "precondition: portal B reuses the old sessids")

		By("stopping S2, once it acknowledged the login, and letting S1, which still remembers portal A's sessions 1 and 2, link to portal B")
		// Stopped before its acknowledgement, S2's login would be replayed to
		// S1 (at least once), whose "not available" answer would come where
		// the answer to "examine me" is awaited below.
		Eventually(ctx, func() int { return b.Handler().Stats().Unacked }).WithTimeout(wait).Should(BeZero())
		stopS2()
		linked(b, false)
		proxy.SetTarget(b.LinkAddr().String())
		proxy.Refuse(false)
		linked(b, true)

		out, err := guest.Command("look", wait)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("connect <username> <password>"), "the guest must see the login screen")
		Expect(out).NotTo(ContainSubstring("Room_victim"))
		out, err = newbie.Command("examine me", wait)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("newbie"))
		Expect(out).NotTo(ContainSubstring("victim"))
		out, err = newbie.Command("look", wait)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).NotTo(ContainSubstring("Room_victim"))
		Eventually(ctx, func() error { return tablesAgree(ctx, b, s1) }).WithTimeout(wait).Should(Succeed())
	}, SpecTimeout(time.Minute))
})
