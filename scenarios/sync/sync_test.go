package sync_test

import (
	"fmt"
	"regexp"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sync/errgroup"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

var _ = Describe("A clean SSYNC while PCONNs are in flight", Label("sync"), func() {
	var (
		st   *testutil.ProxiedStack
		gate *ssyncGate
		cs   *clients
	)

	BeforeEach(func() {
		gate = newSSYNCGate()
		st = startStack(testutil.ProxiedStackConfig{Tap: &testutil.LinkTapConfig{Drop: gate.hold}})
		DeferCleanup(gate.open) // before the stack closes: the tap must not stay blocked
		cs = newClients()
	})

	It("keeps the sessions that connect while the reloading server's clean snapshot is on its way, and shows each its login screen (bug 5.1)", func(ctx SpecContext) {
		const before, during = 8, 8
		var early, late []*testutil.TelnetClient
		for range before {
			c, err := cs.dial(st.TelnetAddr())
			Expect(err).NotTo(HaveOccurred())
			_, err = c.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred())
			early = append(early, c)
		}

		By("reloading the server, and holding its clean SSYNC at the tap")
		gate.arm()
		old := st.Server()
		old.Reload(link.ModeReload, "")
		Eventually(ctx, gate.held).WithTimeout(wait).Should(BeClosed())
		Expect(st.Portal.ServerConnected()).To(BeFalse(), "the portal should hold everything for the next server")

		By("connecting clients whose PCONNs are newer than the snapshot")
		for range during {
			c, err := cs.dial(st.TelnetAddr())
			Expect(err).NotTo(HaveOccurred())
			late = append(late, c)
		}
		h := st.Portal.Handler()
		Eventually(ctx, func() int { return h.CountLoggedIn(true) }).WithTimeout(wait).Should(Equal(before + during))
		kept, cleaned := h.Stats().SyncKept, h.Stats().SyncCleaned

		By("letting the SSYNC through")
		gate.open()
		Eventually(ctx, func() uint64 { return h.Stats().SyncKept }).WithTimeout(wait).Should(Equal(kept+during),
			"every session connected after the snapshot must be spared by the clean SSYNC")
		Expect(h.Stats().SyncCleaned).To(Equal(cleaned), "no session may be cleaned: the server had every older one")
		Eventually(ctx, st.Portal.ServerConnected).WithTimeout(wait).Should(BeTrue())
		Expect(st.Server()).NotTo(BeIdenticalTo(old), "the server restarted")

		By("every late client gets its login screen from the new server, and everyone answers")
		for i, c := range late {
			_, err := c.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred(), "late client %d", i)
		}
		for i, c := range append(early, late...) {
			Expect(c.Closed()).To(BeFalse(), "client %d was disconnected", i)
			out, err := answer(c, "look", fmt.Sprintf("after-%d", i))
			Expect(err).NotTo(HaveOccurred(), "client %d", i)
			Expect(out).To(ContainSubstring("connect <username>"), "client %d: look before login shows the login screen", i)
		}
		Expect(h.CountLoggedIn(true)).To(Equal(before + during))
		expectTablesAgree(ctx, st)
	}, SpecTimeout(time.Minute))

	It("keeps every client that connects at a high rate through repeated in-game reloads (bug 5.1)", func(ctx SpecContext) {
		const nDialers, perDialer, minReloads = 4, 30, 3
		admin, err := cs.dial(st.TelnetAddr())
		Expect(err).NotTo(HaveOccurred())
		_, err = admin.Expect(loginScreen, wait)
		Expect(err).NotTo(HaveOccurred())
		loginNew(st, admin, "admin")

		By("connecting clients back to back while the admin reloads the server again and again")
		var (
			mu        sync.Mutex
			connected []*testutil.TelnetClient
			dialers   sync.WaitGroup
			dialErr   = make(chan error, nDialers)
		)
		for range nDialers {
			dialers.Go(func() {
				defer GinkgoRecover()
				for range perDialer {
					c, err := cs.dial(st.TelnetAddr())
					if err != nil {
						dialErr <- err
						return
					}
					mu.Lock()
					connected = append(connected, c)
					mu.Unlock()
				}
			})
		}
		done := make(chan struct{})
		go func() {
			defer GinkgoRecover()
			dialers.Wait()
			close(done)
		}()
		h := st.Portal.Handler()
		kept, cleaned := h.Stats().SyncKept, h.Stats().SyncCleaned
		reloads := 0
		for finished := false; !finished || reloads < minReloads; reloads++ {
			select {
			case <-done:
				finished = true
			default:
			}
			Expect(admin.Send("reload")).To(Succeed())
			_, err := admin.Expect(regexp.MustCompile(restartedText), wait)
			Expect(err).NotTo(HaveOccurred(), "reload %d", reloads)
		}
		Eventually(ctx, done).WithTimeout(wait).Should(BeClosed())
		Expect(dialErr).NotTo(Receive())
		AddReportEntry("clients connected during the reloads", len(connected))
		AddReportEntry("reloads", reloads)
		AddReportEntry("sessions spared by a clean SSYNC (bug 5.1 window hit)", h.Stats().SyncKept-kept)

		By("every client has its login screen and answers")
		var g errgroup.Group
		for i, c := range connected {
			g.Go(func() error {
				defer GinkgoRecover()
				if _, err := c.Expect(loginScreen, wait); err != nil {
					return fmt.Errorf("client %d: login screen: %w", i, err)
				}
				out, err := answer(c, "look", fmt.Sprintf("after-%d", i))
				if err != nil {
					return fmt.Errorf("client %d: %w", i, err)
				}
				if !loginScreen.MatchString(out) {
					return fmt.Errorf("client %d: look answered %q, want the login screen", i, out)
				}
				return nil
			})
		}
		Expect(g.Wait()).To(Succeed())
		Expect(h.Stats().SyncCleaned).To(Equal(cleaned), "a clean SSYNC closed a session")
		out, err := answer(admin, "look", "admin")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("Limbo"))
		Expect(h.CountLoggedIn(true)).To(Equal(len(connected) + 1))
		expectTablesAgree(ctx, st)
	}, SpecTimeout(2*time.Minute))
})

var _ = Describe("A server restart during a mass connect", Label("sync"), func() {
	const n = 40

	// Each entry connects n clients while the server restarts the way
	// restart says ("kill": killed, then started again; "reload": the
	// in-game reload); each client types a line at once, before any
	// login screen. loginDelay is sim's LoginScreenDelay.
	DescribeTable("every client gets its login screen and the answer to what it typed meanwhile (bug 5.5)",
		func(ctx SpecContext, restart string, loginDelay time.Duration) {
			st := startStack(testutil.ProxiedStackConfig{StackConfig: testutil.StackConfig{Sim: sim.Config{LoginScreenDelay: loginDelay}}})
			cs := newClients()
			var admin *testutil.TelnetClient
			if restart == "reload" {
				var err error
				admin, err = cs.dial(st.TelnetAddr())
				Expect(err).NotTo(HaveOccurred())
				_, err = admin.Expect(loginScreen, wait)
				Expect(err).NotTo(HaveOccurred())
				loginNew(st, admin, "admin")
			}

			var g errgroup.Group
			list := make([]*testutil.TelnetClient, n)
			connect := func(i int) {
				g.Go(func() error {
					defer GinkgoRecover()
					c, err := cs.dial(st.TelnetAddr())
					if err != nil {
						return err
					}
					list[i] = c
					tag := fmt.Sprintf("early-%d", i)
					if err := c.Send(echo(tag)); err != nil {
						return err
					}
					// With a login-screen delay the answer may come first (the
					// screen is due LoginScreenDelay after PCONN); without, the
					// screen comes before any input is processed.
					want := regexp.MustCompile(`(?s)connect <username> <password>.*` + echoAnswer(tag).String())
					if loginDelay > 0 {
						want = regexp.MustCompile(`(?s)(?:connect <username> <password>.*` + echoAnswer(tag).String() +
							`|` + echoAnswer(tag).String() + `.*` + loginScreen.String() + `)`)
					}
					if _, err := c.Expect(want, wait); err != nil {
						return fmt.Errorf("client %d: %w", i, err)
					}
					return nil
				})
			}
			old := st.Server()
			switch restart {
			case "kill":
				By("killing the server, connecting half the clients, then the rest while it starts again")
				Expect(st.KillServer()).To(Succeed())
				for i := range n / 2 {
					connect(i)
				}
				// Their PCONNs and input are surely typed while no server exists.
				Eventually(ctx, func() uint64 { return st.Portal.Handler().Stats().Inputs }).
					WithTimeout(wait).Should(BeNumerically(">=", n/2))
				Expect(st.Portal.ServerConnected()).To(BeFalse())
				started := make(chan error, 1)
				go func() {
					defer GinkgoRecover()
					started <- st.StartServer()
				}()
				for i := n / 2; i < n; i++ {
					connect(i)
				}
				Eventually(ctx, started).WithTimeout(wait).Should(Receive(BeNil()))
			case "reload":
				By("reloading in game while every client connects")
				Expect(admin.Send("reload")).To(Succeed())
				for i := range n {
					connect(i)
				}
				_, err := admin.Expect(regexp.MustCompile(restartedText), wait)
				Expect(err).NotTo(HaveOccurred())
			}
			Expect(g.Wait()).To(Succeed())
			Expect(st.Server()).NotTo(BeIdenticalTo(old), "the server restarted")

			By("no client is lost, and each still answers")
			want := n
			if admin != nil {
				want++
				out, err := answer(admin, "look", "admin")
				Expect(err).NotTo(HaveOccurred())
				Expect(out).To(ContainSubstring("Limbo"))
			}
			for i, c := range list {
				Expect(c.Closed()).To(BeFalse(), "client %d was disconnected", i)
				out, err := answer(c, "look", fmt.Sprintf("late-%d", i))
				Expect(err).NotTo(HaveOccurred(), "client %d", i)
				Expect(out).To(MatchRegexp(loginScreen.String()), "client %d", i)
			}
			Expect(st.Portal.Handler().CountLoggedIn(true)).To(Equal(want))
			expectTablesAgree(ctx, st)
		},
		Entry("the server killed and started again", SpecTimeout(time.Minute), "kill", time.Duration(-1)),
		Entry("an in-game reload", SpecTimeout(time.Minute), "reload", time.Duration(-1)),
		Entry("the server killed and started again, login screen after Evennia's 0.3 s", SpecTimeout(time.Minute), "kill", sim.DefaultLoginScreenDelay),
		Entry("an in-game reload, login screen after Evennia's 0.3 s", SpecTimeout(time.Minute), "reload", sim.DefaultLoginScreenDelay),
	)

	Context("with a login-screen delay longer than a reload takes", func() {
		const delay = time.Second // long enough that the reload surely comes first
		var (
			st *testutil.ProxiedStack
			cs *clients
		)

		BeforeEach(func() {
			st = startStack(testutil.ProxiedStackConfig{StackConfig: testutil.StackConfig{Sim: sim.Config{LoginScreenDelay: delay}}})
			cs = newClients()
		})

		It("shows the login screen to a client that connected within the login-screen delay before a reload (bug 5.5)", func(ctx SpecContext) {
			c, err := cs.dial(st.TelnetAddr())
			Expect(err).NotTo(HaveOccurred())
			old := st.Server()
			Eventually(ctx, func() int { return len(old.Sessions(ctx)) }).WithTimeout(wait).WithPolling(time.Millisecond).Should(Equal(1))
			old.Reload(link.ModeReload, "")
			Eventually(ctx, func() bool { return st.Portal.ServerConnected() && st.Server() != old }).WithTimeout(wait).Should(BeTrue())
			_, err = c.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred(), "the client connected less than %v (the login-screen delay) before the reload", delay)
			expectTablesAgree(ctx, st)
		}, SpecTimeout(time.Minute))
	})
})

var _ = Describe("A link reconnect without a server restart", Label("sync"), func() {
	const players = 5
	var (
		st   *testutil.ProxiedStack
		list []*testutil.TelnetClient
	)

	BeforeEach(func() {
		st = startStack(testutil.ProxiedStackConfig{})
		cs := newClients()
		list = nil
		for i := range players {
			c, err := cs.dial(st.TelnetAddr())
			Expect(err).NotTo(HaveOccurred())
			_, err = c.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred())
			loginNew(st, c, fmt.Sprintf("player%d", i))
			list = append(list, c)
		}
	})

	// stillLoggedIn checks that no client was told of a restart and that
	// each is still logged in where it was.
	stillLoggedIn := func(ctx SpecContext, tag string) {
		GinkgoHelper()
		for i, c := range list {
			Expect(c.Closed()).To(BeFalse(), "player %d was disconnected", i)
			out, err := answer(c, "look", fmt.Sprintf("%s-%d", tag, i))
			Expect(err).NotTo(HaveOccurred(), "player %d", i)
			Expect(out).To(ContainSubstring("Limbo"), "player %d is no longer logged in", i)
			Expect(out).NotTo(ContainSubstring(restartedText), "player %d was told of a restart", i)
		}
		Expect(st.Portal.Handler().CountLoggedIn(false)).To(Equal(players))
		for _, s := range st.Portal.Handler().Sessions() {
			Expect(s.State()).To(Equal(portal.StateLoggedIn), "sessid %d", s.Sessid())
		}
	}

	It("keeps sessions logged in, announces no restart, and answers what was typed during the cut (bug 5.20)", func(ctx SpecContext) {
		srv := st.Server()
		By("cutting the link and refusing the server's redials")
		st.Proxy.Refuse(true)
		st.CutLink()
		Eventually(ctx, st.Portal.ServerConnected).WithTimeout(wait).Should(BeFalse())
		Eventually(ctx, srv.Linked).WithTimeout(wait).Should(BeFalse())

		By("typing while the link is down")
		for i, c := range list {
			Expect(c.Send(echo(fmt.Sprintf("during-%d", i)))).To(Succeed())
			Expect(c.Send("look")).To(Succeed())
		}
		st.Proxy.Refuse(false)
		Eventually(ctx, st.Portal.ServerConnected).WithTimeout(wait).Should(BeTrue())
		Expect(st.Server()).To(BeIdenticalTo(srv), "the same server process must serve the relinked link")

		By("each player gets the answers in order, and no restart notice")
		for i, c := range list {
			out, err := c.Expect(echoAnswer(fmt.Sprintf("during-%d", i)), wait)
			Expect(err).NotTo(HaveOccurred(), "player %d", i)
			look, err := c.ReadPrompt(wait)
			Expect(err).NotTo(HaveOccurred(), "player %d", i)
			Expect(look).To(ContainSubstring("Limbo"), "player %d: the look typed during the cut", i)
			Expect(out+look).NotTo(ContainSubstring(restartedText), "player %d was told of a restart", i)
		}
		Consistently(ctx, func() []string {
			var told []string
			for i, c := range list {
				if regexp.MustCompile(restartedText).MatchString(c.Pending()) {
					told = append(told, fmt.Sprint(i))
				}
			}
			return told
		}).WithTimeout(300 * time.Millisecond).Should(BeEmpty())
		stillLoggedIn(ctx, "after")
		expectTablesAgree(ctx, st)
	}, SpecTimeout(time.Minute))

	It("keeps sessions logged in through several cuts in a row, redialled at once (bug 5.20)", func(ctx SpecContext) {
		srv := st.Server()
		for cut := range 5 {
			st.CutLink()
			Eventually(ctx, func() bool { return st.Portal.ServerConnected() && srv.Linked() }).WithTimeout(wait).Should(BeTrue(), "cut %d", cut)
			for i, c := range list {
				Expect(c.Send(echo(fmt.Sprintf("cut%d-%d", cut, i)))).To(Succeed())
			}
			for i, c := range list {
				out, err := c.Expect(echoAnswer(fmt.Sprintf("cut%d-%d", cut, i)), wait)
				Expect(err).NotTo(HaveOccurred(), "cut %d, player %d", cut, i)
				Expect(out).NotTo(ContainSubstring(restartedText), "cut %d: player %d was told of a restart", cut, i)
			}
		}
		Expect(st.Server()).To(BeIdenticalTo(srv))
		stillLoggedIn(ctx, "after")
		expectTablesAgree(ctx, st)
	}, SpecTimeout(time.Minute))
})
