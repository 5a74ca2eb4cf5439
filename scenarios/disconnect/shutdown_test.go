package disconnect_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

var _ = Describe("Disconnect-all with sessions still queued in the connect throttle", Label("disconnect"), func() {
	const (
		n    = 8
		rate = 2.0 // sessions released per second: one every 500 ms
		// quiet is how long nothing may be released afterwards: more than two release intervals.
		quiet = 1200 * time.Millisecond
	)
	var (
		p    *portal.Portal
		hook *closeHook
		f    *testutil.FakeServer
		list []*testutil.TelnetClient
	)

	BeforeEach(func(ctx SpecContext) {
		p, hook = startPortal(portal.Config{MaxConnectionRate: rate})
		f = dialLinkServer(ctx, p)
		cs := newClients()
		list = nil
		for range n {
			list = append(list, cs.dial(p.TelnetAddr().String()))
		}
		Eventually(ctx, func() uint64 { return p.Handler().Stats().Connected }).WithTimeout(wait).Should(BeEquivalentTo(n))
		Expect(p.Handler().Stats().Throttle.Waiting).To(BeNumerically(">=", n/2), "the spec needs sessions queued")
	})

	// released is how many sessions the throttle has released.
	released := func() uint64 { return p.Handler().Stats().Throttle.Released }

	allClosed := func(ctx SpecContext, reason portal.CloseReason) {
		GinkgoHelper()
		for i, c := range list {
			Expect(c.WaitClosed(wait)).To(Succeed(), "client %d is still connected", i)
		}
		Eventually(ctx, func() int { return len(hook.all()) }).WithTimeout(wait).Should(Equal(n))
		queued := 0
		for _, c := range hook.all() {
			Expect(c.reason).To(Equal(reason), "sessid %d", c.sessid)
			if c.state == portal.StateQueued {
				queued++
			}
		}
		Expect(queued).To(BeNumerically(">", 0), "no session was still queued")
		AddReportEntry("queued sessions closed", queued)
	}

	It("Portal.Shutdown closes every socket, queued ones included, and releases none afterwards (bug 5.18)", func(ctx SpecContext) {
		// A session released while its telnet negotiation runs sends its
		// PCONN when negotiation ends, which a shutdown can pre-empt: the
		// server then rightly never hears of it. Await the PCONN of each
		// session released so far, so that only a release landing during
		// the shutdown itself can be one the server never heard of.
		Eventually(ctx, func() bool { return len(f.Sessids(link.OpPortalConnect)) == int(released()) }).
			WithTimeout(wait).Should(BeTrue(), "the server never heard of the sessions released before the shutdown")
		announced := len(f.Sessids(link.OpPortalConnect))
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		Expect(p.Shutdown(sctx)).To(Succeed(), "the graceful shutdown did not finish: a connection was left open")
		allClosed(ctx, portal.ReasonPortalShutdown)
		after := released()
		Consistently(ctx, released).WithTimeout(quiet).Should(Equal(after), "a queued session was released after the shutdown")

		By("the server heard of the released sessions only, then PDISCONNALL, and nothing after")
		// Shutdown returns once PDISCONNALL is written, not once it is read.
		Expect(f.Await(ctx, func(log []testutil.FakeMessage) bool {
			return slices.ContainsFunc(log, func(m testutil.FakeMessage) bool { return m.Op == link.OpPortalDisconnectAll })
		})).To(Succeed(), "no PDISCONNALL reached the server")
		var ops []string
		pdisconnall := -1
		for i, m := range f.Messages() {
			ops = append(ops, m.Op.String())
			if m.Op == link.OpPortalDisconnectAll && pdisconnall < 0 {
				pdisconnall = i
			}
		}
		Expect(pdisconnall).To(BeNumerically(">=", 0), "no PDISCONNALL in %v", ops)
		for _, op := range ops[pdisconnall+1:] {
			Expect(op).NotTo(Equal(link.OpPortalConnect.String()), "a PCONN after PDISCONNALL: %v", ops)
		}
		pconns := len(f.Sessids(link.OpPortalConnect))
		Expect(pconns).To(BeNumerically(">=", announced), "a PCONN vanished; ops: %v", ops)
		Expect(pconns).To(BeNumerically("<=", int(after)), "a PCONN for a session never released; ops: %v", ops)
		Expect(count(f, link.OpPortalDisconnect)).To(BeEmpty(), "PDISCONNALL stands for every PDISCONN; ops: %v", ops)
	}, SpecTimeout(time.Minute))

	It("SDISCONNALL closes every socket with its reason, queued ones included, and releases none afterwards (bug 5.18)", func(ctx SpecContext) {
		const reason = "The game is going down for maintenance."
		// As for the shutdown above: a session released while its telnet
		// negotiation runs is announced when negotiation ends, which
		// SDISCONNALL can pre-empt. Await the PCONNs of the sessions
		// released so far; only a release landing during SDISCONNALL can
		// be one the server never hears of.
		Eventually(ctx, func() bool { return len(f.Sessids(link.OpPortalConnect)) == int(released()) }).
			WithTimeout(wait).Should(BeTrue(), "the server never heard of the sessions released before SDISCONNALL")
		announced := len(f.Sessids(link.OpPortalConnect))
		Expect(f.Send(link.Message{Op: link.OpServerDisconnectAll, Reason: reason})).To(Succeed())
		allClosed(ctx, portal.ReasonServerDisconnectAll)
		for i, c := range list {
			Expect(c.Pending()).To(ContainSubstring(reason), "client %d", i)
		}
		after := released()
		pconns := func() int { return len(f.Sessids(link.OpPortalConnect)) }
		Consistently(ctx, func() []any {
			return []any{released(), pconns() >= announced && pconns() <= int(after), p.Handler().Stats().Throttle.Waiting}
		}).WithTimeout(quiet).Should(Equal([]any{after, true, 0}),
			"[released, announced <= PCONNs <= released, waiting]: a queued session was released after SDISCONNALL")
		Eventually(ctx, func() error { return exactlyOnce(f.Sessids(link.OpPortalConnect), count(f, link.OpPortalDisconnect)) }).
			WithTimeout(wait).Should(Succeed(), "one PDISCONN for each released session, none for a queued one")
		Expect(p.Handler().Sessions()).To(BeEmpty())

		By("the throttle still admits new connections")
		c, id := connect(ctx, f, newClients(), p.TelnetAddr().String())
		Expect(p.Handler().Get(id)).NotTo(BeNil())
		Expect(c.Closed()).To(BeFalse())
	}, SpecTimeout(time.Minute))
})

var _ = Describe("PDISCONNALL on the real server", Label("disconnect"), func() {
	var (
		st *testutil.ProxiedStack
		cs *clients
	)

	BeforeEach(func() {
		// The tap keeps SSHUTD from the server, and its link open after the
		// portal is gone, so the server is still there to be asked.
		var err error
		st, err = testutil.StartProxiedStack(testutil.ProxiedStackConfig{
			StackConfig: testutil.StackConfig{Portal: portal.Config{MaxConnectionRate: -1}},
			Tap: &testutil.LinkTapConfig{
				Drop:           func(toServer bool, m link.Message) bool { return toServer && m.Op == link.OpServerShutdown },
				KeepServerSide: true,
			},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
		cs = newClients()
	})

	It("empties the server's session table when the portal shuts down (bug 5.3)", func(ctx SpecContext) {
		var list []*testutil.TelnetClient
		for i := range 5 {
			c := cs.dial(st.TelnetAddr())
			_, err := c.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred())
			if i < 3 {
				name := fmt.Sprintf("user%d", i)
				_, err := st.World.CreateAccount(name, "pw-"+name)
				Expect(err).NotTo(HaveOccurred())
				out, err := c.Command("connect "+name+" pw-"+name, wait)
				Expect(err).NotTo(HaveOccurred())
				Expect(out).To(ContainSubstring("You become"))
			}
			list = append(list, c)
		}
		srv := st.Server()
		Eventually(ctx, func() error { return st.TablesAgree(ctx) }).WithTimeout(wait).Should(Succeed())
		Expect(srv.Sessions(ctx)).To(HaveLen(5))

		By("shutting the portal down")
		Expect(st.Portal.Shutdown(ctx)).To(Succeed())
		for i, c := range list {
			Expect(c.WaitClosed(wait)).To(Succeed(), "client %d", i)
		}
		Eventually(ctx, func() string {
			var seen []string
			for _, m := range st.Tap.Messages() {
				if m.ToServer && (m.Op == link.OpPortalDisconnectAll || m.Op == link.OpServerShutdown) {
					seen = append(seen, fmt.Sprintf("%v dropped=%v", m.Op, m.Dropped))
				}
			}
			return strings.Join(seen, ", ")
		}).WithTimeout(wait).Should(Equal("PDISCONNALL dropped=false, SSHUTD dropped=true"))

		By("the server, still running, has no session left")
		Eventually(ctx, func() []link.SessionData {
			if l := srv.Sessions(ctx); l != nil {
				return l
			}
			return []link.SessionData{{Uname: "<the server stopped serving its link>"}}
		}).WithTimeout(wait).Should(BeEmpty())
		Expect(srv.Linked()).To(BeTrue(), "the server should still serve its (kept) link")
	}, SpecTimeout(time.Minute))
})

var _ = Describe("Websocket ghost sessions", Label("disconnect"), func() {
	// Evennia keeps the session of a websocket closed abnormally (1006) on
	// both sides until the same browser comes back or output fails to
	// reach it, so the character stays online (issues #3442, #2734).
	It("removes the session of a websocket closed abnormally (1006) on both sides (bug 5.11)", Label("websocket"), func(ctx SpecContext) {
		st, err := testutil.StartStack(testutil.StackConfig{Portal: portal.Config{MaxConnectionRate: -1, WebsocketAddr: "127.0.0.1:0"}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
		ws := st.Portal.DoorAddr(portal.DoorWebsocket).String()
		c, err := testutil.DialWebsocket(ws, "")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { _ = c.Drop() })
		_, err = c.Expect(testutil.LoginScreen, wait)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Send("create wanderer pw-wanderer")).To(Succeed())
		Expect(c.Send("connect wanderer pw-wanderer")).To(Succeed())
		_, err = c.Expect(regexp.MustCompile(`You become wanderer`), wait)
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, func() int { return len(st.Portal.Handler().Sessions()) }).WithTimeout(wait).Should(Equal(1))

		By("dropping the connection without a close frame")
		Expect(c.Drop()).To(Succeed())
		Eventually(ctx, func() int { return len(st.Portal.Handler().Sessions()) }).WithTimeout(wait).Should(BeZero(), "the portal keeps a ghost")
		Eventually(ctx, func() error { return testutil.SessionTablesAgree(ctx, st.Portal, st.Server()) }).WithTimeout(wait).Should(Succeed())
		for _, d := range st.Server().Sessions(ctx) {
			Expect(d.Uname).NotTo(Equal("wanderer"), "the server keeps a ghost")
		}
	}, SpecTimeout(time.Minute))
})
