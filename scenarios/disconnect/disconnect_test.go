package disconnect_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// seeded returns a random source for a race spec, and the text that
// names its seed in failure messages.
func seeded(stream uint64) (*rand.Rand, string) {
	seed := GinkgoRandomSeed()
	AddReportEntry("seed", seed)
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			GinkgoWriter.Printf("This spec's randomization came from seed %d: replay it with ginkgo --seed %d\n", seed, seed)
		}
	})
	return rand.New(rand.NewPCG(uint64(seed), stream)), fmt.Sprintf("seed %d (replay: ginkgo --seed %d)", seed, seed)
}

// race runs a and b on their own goroutines, each after its own delay,
// and waits for both.
func race(da time.Duration, a func(), db time.Duration, b func()) {
	var wg sync.WaitGroup
	for _, f := range []struct {
		d  time.Duration
		fn func()
	}{{da, a}, {db, b}} {
		wg.Go(func() {
			defer GinkgoRecover()
			time.Sleep(f.d) // the race: a randomized head start
			f.fn()
		})
	}
	wg.Wait()
}

var _ = Describe("A client's close racing a server disconnect", Label("disconnect"), func() {
	Context("with a fake server on the link", func() {
		var (
			p    *portal.Portal
			hook *closeHook
			f    *testutil.FakeServer
			cs   *clients
		)

		BeforeEach(func(ctx SpecContext) {
			p, hook = startPortal(portal.Config{MaxConnectionRate: -1})
			f = dialLinkServer(ctx, p)
			cs = newClients()
		})

		It("sends exactly one PDISCONN per session and runs its close hook once, whichever side closes first (bug 5.7)", Label("race"), func(ctx SpecContext) {
			const batches, perBatch = 10, 15
			rng, where := seeded(57)
			var ids []uint64
			for b := range batches {
				type pair struct {
					c  *testutil.TelnetClient
					id uint64
				}
				var batch []pair
				for range perBatch {
					c, id := connect(ctx, f, cs, p.TelnetAddr().String())
					batch = append(batch, pair{c, id})
					ids = append(ids, id)
				}
				var wg sync.WaitGroup
				for _, s := range batch {
					dc, ds := randomDelay(rng, 2*time.Millisecond), randomDelay(rng, 2*time.Millisecond)
					wg.Go(func() {
						defer GinkgoRecover()
						race(dc, func() { s.c.Close() },
							ds, func() {
								err := f.Send(link.Message{Op: link.OpServerDisconnect, Sessid: s.id, Reason: "Kicked."})
								Expect(err).NotTo(HaveOccurred(), "%s, batch %d", where, b)
							})
					})
				}
				wg.Wait()
			}

			By("every session is gone on both sides, with one PDISCONN and one hook call each")
			Eventually(ctx, func() int { return len(hook.all()) }).WithTimeout(wait).Should(Equal(len(ids)), where)
			Eventually(ctx, func() error { return exactlyOnce(ids, count(f, link.OpPortalDisconnect)) }).WithTimeout(wait).Should(Succeed(), where)
			Consistently(ctx, func() error {
				if err := exactlyOnce(ids, count(f, link.OpPortalDisconnect)); err != nil {
					return fmt.Errorf("PDISCONN %w", err)
				}
				if err := exactlyOnce(ids, hook.perSessid()); err != nil {
					return fmt.Errorf("close hook %w", err)
				}
				return nil
			}).WithTimeout(300*time.Millisecond).Should(Succeed(), where)
			Expect(p.Handler().Sessions()).To(BeEmpty(), where)
			st := p.Handler().Stats()
			Expect(st.Closed).To(Equal(st.Connected), where)
			Expect(count(f, link.OpError)).To(BeEmpty(), "the portal answered an SDISCONN with an error; %s", where)

			By("the race went both ways")
			reasons := map[portal.CloseReason]int{}
			for _, c := range hook.all() {
				reasons[c.reason]++
			}
			AddReportEntry("close reasons", fmt.Sprint(reasons))
			Expect(reasons).To(HaveKey(portal.ReasonServerDisconnect), where)
			Expect(reasons).To(HaveKey(portal.ReasonClientQuit), where)
			Expect(reasons).To(HaveLen(2), where)
		}, SpecTimeout(time.Minute))

	})

	Context("with the real server behind a tap", func() {
		var (
			st   *testutil.ProxiedStack
			hook *closeHook
			cs   *clients
		)

		BeforeEach(func() {
			hook = &closeHook{}
			var err error
			st, err = testutil.StartProxiedStack(testutil.ProxiedStackConfig{
				StackConfig: testutil.StackConfig{Portal: portal.Config{MaxConnectionRate: -1, OnSessionClosed: hook.record}},
				Tap:         &testutil.LinkTapConfig{},
			})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(st.Close)
			cs = newClients()
		})

		It("delivers exactly one PDISCONN per session to the real server when quit races the client's close (bug 5.7)", Label("race"), func(ctx SpecContext) {
			const batches, perBatch = 4, 10
			rng, where := seeded(570)
			for range batches {
				var batch []*testutil.TelnetClient
				for range perBatch {
					c := cs.dial(st.TelnetAddr())
					_, err := c.Expect(loginScreen, wait)
					Expect(err).NotTo(HaveOccurred(), where)
					batch = append(batch, c)
				}
				var wg sync.WaitGroup
				for _, c := range batch {
					dq, dc := randomDelay(rng, 2*time.Millisecond), randomDelay(rng, 2*time.Millisecond)
					wg.Go(func() {
						defer GinkgoRecover()
						race(dq, func() { _ = c.Send("quit") }, dc, func() { c.Close() })
					})
				}
				wg.Wait()
			}
			ids := keys(st.Tap.Count(true, link.OpPortalConnect))
			Expect(ids).To(HaveLen(batches*perBatch), where)

			By("the server has no session left, and got one PDISCONN for each")
			srv := st.Server()
			Eventually(ctx, func() []link.SessionData { return srv.Sessions(ctx) }).WithTimeout(wait).Should(BeEmpty(), where)
			Eventually(ctx, func() error { return exactlyOnce(ids, st.Tap.Count(true, link.OpPortalDisconnect)) }).WithTimeout(wait).Should(Succeed(), where)
			// The hook runs after the PDISCONN is sent, so it may come a little later.
			Eventually(ctx, func() error { return exactlyOnce(ids, hook.perSessid()) }).WithTimeout(wait).Should(Succeed(), where)
			Consistently(ctx, func() error {
				if err := exactlyOnce(ids, st.Tap.Count(true, link.OpPortalDisconnect)); err != nil {
					return fmt.Errorf("PDISCONN %w", err)
				}
				if err := exactlyOnce(ids, hook.perSessid()); err != nil {
					return fmt.Errorf("close hook %w", err)
				}
				for id, n := range st.Tap.Count(false, link.OpServerDisconnect) {
					if n > 1 {
						return fmt.Errorf("sessid %d: %d SDISCONNs", id, n)
					}
				}
				return nil
			}).WithTimeout(300*time.Millisecond).Should(Succeed(), where)
			Expect(st.Tap.Count(false, link.OpError)).To(BeEmpty(), where)
			Expect(st.Tap.Count(true, link.OpError)).To(BeEmpty(), where)
			Expect(srv.Stats().Commands).To(BeNumerically("<=", batches*perBatch), "a quit ran twice; %s", where)
			Eventually(ctx, func() error { return st.TablesAgree(ctx) }).WithTimeout(wait).Should(Succeed(), where)
		}, SpecTimeout(time.Minute))
	})
})

var _ = Describe("A disconnect right after connect", Label("disconnect"), func() {
	const delay = sim.DefaultLoginScreenDelay // Evennia's 0.3 s
	var st *testutil.Stack

	BeforeEach(func() {
		var err error
		st, err = testutil.StartStack(testutil.StackConfig{
			Portal: portal.Config{MaxConnectionRate: -1},
			Sim:    sim.Config{LoginScreenDelay: delay},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
	})

	// nothingSent checks, over more than the login-screen delay, that no
	// login screen was shown and no output went to an unknown sessid.
	nothingSent := func(ctx SpecContext) {
		GinkgoHelper()
		srv := st.Server()
		Eventually(ctx, func() []link.SessionData { return srv.Sessions(ctx) }).WithTimeout(wait).Should(BeEmpty())
		Consistently(ctx, func() []uint64 {
			return []uint64{srv.Stats().LoginScreens, st.Portal.Handler().Stats().OutputUnknown}
		}).WithTimeout(2*delay).WithPolling(10*time.Millisecond).Should(Equal([]uint64{0, 0}),
			"[login screens shown, outputs for an unknown sessid]")
		Eventually(ctx, func() error { return testutil.SessionTablesAgree(ctx, st.Portal, srv) }).WithTimeout(wait).Should(Succeed())
	}

	It("cancels the login-screen timer and sends nothing to the dead session (bug 5.36)", func(ctx SpecContext) {
		cs := newClients()
		srv := st.Server()
		for i := range 10 {
			c := cs.dial(st.TelnetAddr())
			Eventually(ctx, func() int { return len(srv.Sessions(ctx)) }).WithTimeout(wait).WithPolling(time.Millisecond).Should(Equal(1), "client %d", i)
			c.Close()
			Eventually(ctx, func() int { return len(srv.Sessions(ctx)) }).WithTimeout(wait).WithPolling(time.Millisecond).Should(BeZero(), "client %d", i)
		}
		nothingSent(ctx)
	}, SpecTimeout(time.Minute))

	It("sends nothing when the PDISCONN follows the PCONN back to back (bug 5.36)", func(ctx SpecContext) {
		const n = 20
		cs := newClients()
		for range n {
			cs.dial(st.TelnetAddr()).Close()
		}
		Eventually(ctx, func() uint64 { return st.Portal.Handler().Stats().Closed }).WithTimeout(wait).Should(BeEquivalentTo(n))
		nothingSent(ctx)
	}, SpecTimeout(time.Minute))
})

var _ = Describe("SLOGIN for a session the portal has already dropped", Label("disconnect"), func() {
	var (
		p    *portal.Portal
		hook *closeHook
		f    *testutil.FakeServer
		cs   *clients
	)

	BeforeEach(func(ctx SpecContext) {
		p, hook = startPortal(portal.Config{MaxConnectionRate: -1})
		f = dialLinkServer(ctx, p)
		cs = newClients()
	})

	slogin := func(id uint64, name string) link.Message {
		return link.Message{Op: link.OpServerLogin, Sessid: id,
			Session: &link.SessionData{Sessid: id, Uid: 7, Uname: name, LoggedIn: true, Puid: 9}}
	}

	It("counts the SLOGIN, resurrects nothing and carries on (bug 5.37)", func(ctx SpecContext) {
		c, id := connect(ctx, f, cs, p.TelnetAddr().String())
		c.Close()
		Eventually(ctx, func() int { return count(f, link.OpPortalDisconnect)[id] }).WithTimeout(wait).Should(Equal(1))
		before := p.Handler().Stats().LoginUnknown
		Expect(f.Send(slogin(id, "ghost"))).To(Succeed())
		Eventually(ctx, func() uint64 { return p.Handler().Stats().LoginUnknown }).WithTimeout(wait).Should(Equal(before + 1))
		Expect(p.Handler().Get(id)).To(BeNil())
		Expect(p.Handler().CountLoggedIn(false)).To(BeZero())

		By("the link and the portal still work")
		c2, id2 := connect(ctx, f, cs, p.TelnetAddr().String())
		Expect(f.Send(slogin(id2, "alive"))).To(Succeed())
		Expect(f.Send(link.Message{Op: link.OpDataOut, Sessid: id2, Data: []link.Command{link.Text("still here")}})).To(Succeed())
		_, err := c2.Expect(regexp.MustCompile("still here"), wait)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Handler().Get(id2).State()).To(Equal(portal.StateLoggedIn))
		Expect(p.ServerConnected()).To(BeTrue())
		Consistently(ctx, func() map[uint64]int { return count(f, link.OpError) }).WithTimeout(100 * time.Millisecond).Should(BeEmpty())
		Eventually(ctx, hook.perSessid).WithTimeout(wait).Should(Equal(map[uint64]int{id: 1}))
		Expect(p.Handler().Stats().LoginUnknown).To(Equal(before + 1))
	}, SpecTimeout(time.Minute))

	It("never resurrects a session when SLOGIN races the client's close (bug 5.37)", Label("race"), func(ctx SpecContext) {
		const batches, perBatch = 8, 15
		rng, where := seeded(537)
		before := p.Handler().Stats().LoginUnknown
		var ids []uint64
		for b := range batches {
			type pair struct {
				c  *testutil.TelnetClient
				id uint64
			}
			var batch []pair
			for range perBatch {
				c, id := connect(ctx, f, cs, p.TelnetAddr().String())
				batch = append(batch, pair{c, id})
				ids = append(ids, id)
			}
			var wg sync.WaitGroup
			for _, s := range batch {
				dc, dl := randomDelay(rng, 2*time.Millisecond), randomDelay(rng, 2*time.Millisecond)
				wg.Go(func() {
					defer GinkgoRecover()
					race(dc, func() { s.c.Close() },
						dl, func() {
							Expect(f.Send(slogin(s.id, fmt.Sprintf("user%d", s.id)))).To(Succeed(), "%s, batch %d", where, b)
						})
				})
			}
			wg.Wait()
		}
		Eventually(ctx, func() int { return len(hook.all()) }).WithTimeout(wait).Should(Equal(len(ids)), where)
		Expect(exactlyOnce(ids, hook.perSessid())).To(Succeed(), where)

		By("each SLOGIN either logged its session in before the close, or was counted as unknown")
		var loggedIn, notLoggedIn int
		for _, c := range hook.all() {
			switch c.state {
			case portal.StateLoggedIn:
				loggedIn++
			case portal.StateConnected:
				notLoggedIn++
			default:
				Fail(fmt.Sprintf("sessid %d closed in state %v; %s", c.sessid, c.state, where))
			}
		}
		Eventually(ctx, func() uint64 { return p.Handler().Stats().LoginUnknown - before }).WithTimeout(wait).
			Should(BeEquivalentTo(notLoggedIn), "every SLOGIN that found its session gone is counted; %s", where)
		AddReportEntry("outcomes", fmt.Sprintf("%d logged in before the close, %d SLOGINs for a dropped session", loggedIn, notLoggedIn))
		Expect(loggedIn).To(BeNumerically(">", 0), "the race never went the SLOGIN's way; %s", where)
		Expect(notLoggedIn).To(BeNumerically(">", 0), "the race never went the close's way; %s", where)
		Expect(p.Handler().Sessions()).To(BeEmpty(), where)
		// The close hook runs once the PDISCONN is queued, not once it is read.
		Eventually(ctx, func() error { return exactlyOnce(ids, count(f, link.OpPortalDisconnect)) }).WithTimeout(wait).Should(Succeed(), where)
		Expect(count(f, link.OpError)).To(BeEmpty(), where)
	}, SpecTimeout(time.Minute))
})

var _ = Describe("A login racing the client's close on the real server", Label("disconnect"), func() {
	var (
		st *testutil.Stack
		cs *clients
	)

	BeforeEach(func() {
		var err error
		st, err = testutil.StartStack(testutil.StackConfig{Portal: portal.Config{MaxConnectionRate: -1}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
		cs = newClients()
	})

	It("leaves no session on either side when a client closes right after typing connect (bug 5.37)", Label("race"), func(ctx SpecContext) {
		const n = 30
		rng, where := seeded(5370)
		for i := range n {
			name := fmt.Sprintf("user%d", i)
			_, err := st.World.CreateAccount(name, "pw-"+name)
			Expect(err).NotTo(HaveOccurred())
			c := cs.dial(st.TelnetAddr())
			_, err = c.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred(), where)
			Expect(c.Send("connect " + name + " pw-" + name)).To(Succeed())
			time.Sleep(randomDelay(rng, 3*time.Millisecond)) // the race: how long the client lingers
			c.Close()
		}
		h := st.Portal.Handler()
		Eventually(ctx, func() uint64 { return h.Stats().Closed }).WithTimeout(wait).Should(BeEquivalentTo(n), where)
		srv := st.Server()
		Eventually(ctx, func() []link.SessionData { return srv.Sessions(ctx) }).WithTimeout(wait).Should(BeEmpty(), where)
		Eventually(ctx, func() error { return testutil.SessionTablesAgree(ctx, st.Portal, srv) }).WithTimeout(wait).Should(Succeed(), where)
		AddReportEntry("outcomes", fmt.Sprintf("%d logins on the server, %d SLOGINs for a dropped session", srv.Stats().Logins, h.Stats().LoginUnknown))
	}, SpecTimeout(time.Minute))
})

func keys(m map[uint64]int) []uint64 {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
