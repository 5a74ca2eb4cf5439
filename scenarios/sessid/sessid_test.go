package sessid_test

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sync/errgroup"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

var _ = Describe("Sessids under concurrent connects", Label("sessid"), func() {
	var (
		p    *portal.Portal
		fake *testutil.FakeServer
	)

	BeforeEach(func(ctx SpecContext) {
		p = testutil.StartPortal(portal.Config{MaxConnectionRate: -1})
		var err error
		fake, err = testutil.DialFakeServer(ctx, p.LinkAddr().String(), testutil.FakeServerConfig{AutoAck: true, Secret: p.LinkSecret()})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(fake.Close)
		Eventually(ctx, p.ServerConnected).WithTimeout(wait).Should(BeTrue())
	}, NodeTimeout(wait))

	It("gives each of 5,000 concurrent connections its own sessid", func(ctx SpecContext) {
		const (
			n        = 5000
			inFlight = 256  // connects at once
			held     = 2000 // connections kept open at once; with the portal's side, well under 9,000 sockets
		)
		addr := p.TelnetAddr().String()
		var (
			mu   sync.Mutex
			open []net.Conn // oldest first
		)
		DeferCleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range open {
				c.Close()
			}
		})
		var g errgroup.Group
		g.SetLimit(inFlight)
		for range n {
			g.Go(func() error {
				defer GinkgoRecover()
				nc, err := net.DialTimeout("tcp", addr, wait)
				if err != nil {
					return err
				}
				// The portal's telnet offer: it has accepted the connection.
				_ = nc.SetReadDeadline(time.Now().Add(wait))
				var b [64]byte
				if _, err := nc.Read(b[:]); err != nil {
					nc.Close()
					return fmt.Errorf("reading the telnet offer: %w", err)
				}
				mu.Lock()
				open = append(open, nc)
				var drop net.Conn
				if len(open) > held {
					drop, open = open[0], open[1:]
				}
				mu.Unlock()
				if drop != nil {
					drop.Close()
				}
				return nil
			})
		}
		Expect(g.Wait()).To(Succeed())

		pconns := func() []uint64 { return fake.Sessids(link.OpPortalConnect) }
		Eventually(ctx, pconns).WithTimeout(time.Minute).WithPolling(20 * time.Millisecond).Should(HaveLen(n))
		duplicates := func() []uint64 {
			seen := make(map[uint64]bool, n)
			var dup []uint64
			for _, id := range pconns() {
				if seen[id] {
					dup = append(dup, id)
				}
				seen[id] = true
			}
			return dup
		}
		Consistently(ctx, duplicates).WithTimeout(500 * time.Millisecond).Should(BeEmpty())
		Expect(pconns()).To(HaveLen(n))
		Expect(p.Handler().Stats().Connected).To(Equal(uint64(n)))
		// Each dropped connection leaves the table when its reader sees EOF.
		Eventually(ctx, func() int { return len(sessidSet(p)) }).WithTimeout(wait).Should(Equal(held), "the connections still open")
	}, SpecTimeout(3*time.Minute))
})

var _ = Describe("Sessids across game-server restarts", Label("sessid"), func() {
	var st *testutil.Stack

	BeforeEach(func() {
		var err error
		st, err = testutil.StartStack(testutil.StackConfig{Portal: portal.Config{MaxConnectionRate: -1, Keepalive: -1, WebsocketAddr: "127.0.0.1:0"}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
	})

	It("hands out larger sessids after a kill, a restart and an in-game reload, never a reused one", func(ctx SpecContext) {
		var (
			clients []*testutil.TelnetClient
			highest uint64
			every   = map[uint64]string{}
		)
		// batch connects n clients at once and checks their sessids are new and larger than any before.
		batch := func(phase string, n int) []*testutil.TelnetClient {
			before, connected := sessidSet(st.Portal), st.Portal.Handler().Stats().Connected
			cs := make([]*testutil.TelnetClient, n)
			var g errgroup.Group
			for i := range n {
				g.Go(func() error {
					defer GinkgoRecover()
					var err error
					cs[i], err = testutil.DialTelnet(st.TelnetAddr())
					return err
				})
			}
			err := g.Wait()
			DeferCleanup(func() {
				for _, c := range cs {
					if c != nil {
						c.Close()
					}
				}
			})
			Expect(err).NotTo(HaveOccurred(), "phase %q", phase)
			// Every connection has its session once the portal counted them all
			// (with the throttle off, a session is registered as it is counted).
			var fresh []uint64
			Eventually(ctx, func() uint64 { return st.Portal.Handler().Stats().Connected }).WithTimeout(wait).
				Should(BeNumerically(">=", connected+uint64(n)), "phase %q", phase)
			Eventually(ctx, func() []uint64 {
				fresh = fresh[:0]
				for id := range sessidSet(st.Portal) {
					if !before[id] {
						fresh = append(fresh, id)
					}
				}
				return fresh
			}).WithTimeout(2*time.Second).Should(HaveLen(n), func() string {
				return fmt.Sprintf("%d connections, %d new sessids: one replaced another; phase %q", n, len(fresh), phase)
			})
			slices.Sort(fresh)
			for _, id := range fresh {
				Expect(every).NotTo(HaveKey(id), "phase %q reused sessid %d, first given %s", phase, id, every[id])
				Expect(id).To(BeNumerically(">", highest), "phase %q: sessid %d after %d", phase, id, highest)
				every[id] = phase
			}
			highest = fresh[len(fresh)-1]
			clients = append(clients, cs...)
			return cs
		}

		first := batch("first server", 3)
		for _, c := range first {
			_, err := c.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred())
		}
		admin := first[0]
		login(admin, "admin")

		By("killing the game server, once it acknowledged the login, and connecting while none is linked")
		// A kill before the acknowledgement would replay the login to the
		// next server (at least once), and its "not available" answer would
		// come where the reload's is awaited below.
		Eventually(ctx, func() int { return st.Portal.Handler().Stats().Unacked }).WithTimeout(wait).Should(BeZero())
		Expect(st.KillServer()).To(Succeed())
		down := batch("no server", 3)
		Expect(st.StartServer()).To(Succeed())
		for _, c := range down {
			_, err := c.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred())
		}
		batch("restarted server", 3)

		By("reloading from inside the game")
		out, err := admin.Command("reload", wait)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("Server restart initiated"))
		_, err = admin.Expect(regexp.MustCompile(`Server restarted`), wait)
		Expect(err).NotTo(HaveOccurred())
		batch("reloaded server", 3)

		By("killing and restarting once more")
		Expect(st.KillServer()).To(Succeed())
		Expect(st.StartServer()).To(Succeed())
		batch("second restart", 3)

		Eventually(ctx, func() error { return tablesAgree(ctx, st.Portal, st.Server()) }).WithTimeout(wait).Should(Succeed())
		Expect(sessidSet(st.Portal)).To(HaveLen(len(clients)))
		for i, c := range clients {
			Expect(c.Closed()).To(BeFalse(), "client %d", i)
		}
		out, err = admin.Command("examine me", wait)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("admin"), "the admin is still the admin")
	}, SpecTimeout(2*time.Minute))

	// Evennia gives a reconnecting browser tab the sessid of its old
	// (ghost) session: PDISCONN for it at once, PCONN for the same id at
	// release. We keep no ghost (bug 5.11) and never reuse a sessid, so the
	// tab comes back as a new session that the browser's remembered login
	// logs in: the old session is gone on both sides before the new one
	// arrives, and the server holds one session of the account, never two.
	It("logs a websocket reconnect of the same browser back in, replacing its server session, never duplicating it (5.12)", Label("websocket"), func(ctx SpecContext) {
		const key = "sessid-spec-browser-key-0123456789"
		ws := st.Portal.DoorAddr(portal.DoorWebsocket).String()
		var old uint64
		for round := range 3 {
			c, err := testutil.DialWebsocket(ws, fmt.Sprintf("%s&page%d&spec", key, round))
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() { _ = c.Drop() })
			if round == 0 {
				_, err = c.Expect(loginScreen, wait)
				Expect(err).NotTo(HaveOccurred())
				Expect(c.Send("create tabby pw-tabby")).To(Succeed())
				Expect(c.Send("connect tabby pw-tabby")).To(Succeed())
			}
			_, err = c.Expect(regexp.MustCompile(`You become tabby`), wait)
			Expect(err).NotTo(HaveOccurred(), "round %d", round)
			Eventually(ctx, func() error { return testutil.SessionTablesAgree(ctx, st.Portal, st.Server()) }).WithTimeout(wait).Should(Succeed())
			var mine []uint64
			for _, d := range st.Server().Sessions(ctx) {
				if d.Uname == "tabby" {
					mine = append(mine, d.Sessid)
				}
			}
			Expect(mine).To(HaveLen(1), "round %d: the server's sessions of the account", round)
			Expect(mine[0]).To(BeNumerically(">", old), "round %d: a new, larger sessid", round)
			old = mine[0]
			Expect(c.Drop()).To(Succeed()) // the network goes: no close frame (1006)
			Eventually(ctx, func() map[uint64]bool { return sessidSet(st.Portal) }).WithTimeout(wait).ShouldNot(HaveKey(old))
		}
	}, SpecTimeout(time.Minute))
})
