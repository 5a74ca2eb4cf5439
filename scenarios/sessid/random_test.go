package sessid_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sync/errgroup"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// examined is the first line of "examine me": the character's name.
var examined = regexp.MustCompile(`Name/key: ([^(\s]+)\(`)

var _ = Describe("Sessids under random connects, hang-ups, logins, kills and reloads", Label("sessid", "race"), func() {
	var (
		st     *testutil.Stack
		closes *closeLog
	)

	BeforeEach(func() {
		closes = newCloseLog()
		var err error
		st, err = testutil.StartStack(testutil.StackConfig{Portal: portal.Config{
			MaxConnectionRate: -1, Keepalive: -1, OnSessionClosed: closes.record,
		}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
	})

	It("keeps sessids unique and increasing over the whole run, and the portal's and server's tables in agreement", func(ctx SpecContext) {
		seed := GinkgoRandomSeed()
		rng := rand.New(rand.NewPCG(uint64(seed), 0x73657373696473))
		const steps = 400

		type player struct {
			c      *testutil.TelnetClient
			name   string // set once a login was sent
			closed bool
		}
		var (
			players []*player
			every   = map[uint64]int{} // sessid -> step that saw it first
			highest uint64
			up      = true
			trace   []string // what the run did, for failure messages
		)
		DeferCleanup(func() {
			for _, pl := range players {
				pl.c.Close()
			}
		})
		openPlayers := func(pred func(*player) bool) []*player {
			var out []*player
			for _, pl := range players {
				if !pl.closed && pred(pl) {
					out = append(out, pl)
				}
			}
			return out
		}
		why := func() string {
			return fmt.Sprintf("seed %d; ops: %v", seed, trace)
		}

		for step := range steps {
			switch r := rng.IntN(100); {
			case r < 35: // a burst of connects; their sessids must be new and larger than any before
				n := 1 + rng.IntN(4)
				trace = append(trace, fmt.Sprintf("connect%d", n))
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
				for _, c := range cs {
					if c != nil {
						players = append(players, &player{c: c})
					}
				}
				Expect(err).NotTo(HaveOccurred(), why())
				// Every connection has its session once the portal counted them all
				// (with the throttle off, a session is registered as it is counted).
				var fresh []uint64
				Eventually(ctx, func() uint64 { return st.Portal.Handler().Stats().Connected }).WithTimeout(wait).
					Should(BeNumerically(">=", connected+uint64(n)), why())
				Eventually(ctx, func() []uint64 {
					fresh = fresh[:0]
					for id := range sessidSet(st.Portal) {
						if !before[id] {
							fresh = append(fresh, id)
						}
					}
					return fresh
				}).WithTimeout(2*time.Second).Should(HaveLen(n), func() string {
					return fmt.Sprintf("%d connections, %d new sessids: one replaced another; %s", n, len(fresh), why())
				})
				slices.Sort(fresh)
				for _, id := range fresh {
					Expect(every).NotTo(HaveKey(id), "sessid %d reused (first seen at step %d); %s", id, every[id], why())
					Expect(id).To(BeNumerically(">", highest), "sessid %d after %d; %s", id, highest, why())
					every[id] = step
				}
				highest = fresh[len(fresh)-1]
			case r < 55: // a hang-up
				open := openPlayers(func(*player) bool { return true })
				if len(open) == 0 {
					continue
				}
				pl := open[rng.IntN(len(open))]
				trace = append(trace, "close")
				pl.closed = true
				Expect(pl.c.Close()).To(Succeed())
			case r < 75: // a login, not waited for: it may be held, replayed or cut by a kill
				open := openPlayers(func(pl *player) bool { return pl.name == "" })
				if len(open) == 0 {
					continue
				}
				pl := open[rng.IntN(len(open))]
				pl.name = fmt.Sprintf("player%d", step)
				trace = append(trace, "login")
				Expect(pl.c.Send(fmt.Sprintf("create %s pw%s", pl.name, pl.name))).To(Succeed())
				Expect(pl.c.Send(fmt.Sprintf("connect %s pw%s", pl.name, pl.name))).To(Succeed())
			case r < 85: // kill the server, or start one
				if up {
					trace = append(trace, "kill")
					Expect(st.KillServer()).To(Succeed(), why())
				} else {
					trace = append(trace, "start")
					Expect(st.StartServer()).To(Succeed(), why())
				}
				up = !up
			case r < 95: // an in-game reload (what SIGHUP does), not waited for
				if !up {
					continue
				}
				trace = append(trace, "reload")
				st.Server().Reload(link.ModeReload, "")
			default: // let what is in flight move on a little
				trace = append(trace, "pause")
				time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
			}
		}
		if !up {
			trace = append(trace, "start")
			Expect(st.StartServer()).To(Succeed(), why())
		}

		By("checking nobody was disconnected but by hanging up")
		open := openPlayers(func(*player) bool { return true })
		for i, pl := range open {
			Expect(pl.c.Closed()).To(BeFalse(), "open player %d; %s", i, why())
		}
		Eventually(ctx, func() int { return len(sessidSet(st.Portal)) }).WithTimeout(wait).Should(Equal(len(open)), why())
		Eventually(ctx, func() int { return len(closes.snapshot()) }).WithTimeout(wait).
			Should(Equal(len(players)-len(open)), "every hang-up closed one session; %s", why())
		// A hang-up while output is on its way is a reset: the portal may
		// see it on write first (write-error) or, when its writer closed the
		// socket before recording why, as a read of a closed socket
		// (read-error; portal/telnet_conn.go writeLoop closes before Close).
		// Anything else (a clean SSYNC, a slow consumer) is a portal bug.
		hangUp := []portal.CloseReason{portal.ReasonClientQuit, portal.ReasonWriteError, portal.ReasonReadError}
		for id, reasons := range closes.snapshot() {
			Expect(every).To(HaveKey(id), "closed sessid %d was never seen; %s", id, why())
			Expect(reasons).To(HaveExactElements(BeElementOf(hangUp)), "sessid %d closed once, by its hang-up; %s", id, why())
		}
		Expect(st.Portal.Handler().Stats().Connected).To(Equal(uint64(len(players))), why())
		Expect(every).To(HaveLen(len(players)), why())

		// A kill may cut a login's answer ("You become ...") while its
		// SLOGIN got out, and the portal replays the unacknowledged input
		// to the next server: so the login is checked by its result.
		By("checking every login went through, each player as its own account")
		named := openPlayers(func(pl *player) bool { return pl.name != "" })
		loggedIn := func() int {
			n := 0
			for _, s := range st.Portal.Handler().Sessions() {
				if s.State() == portal.StateLoggedIn {
					n++
				}
			}
			return n
		}
		Eventually(ctx, loggedIn).WithTimeout(wait).Should(Equal(len(named)), why())
		for _, pl := range named {
			Expect(pl.c.Send("examine me")).To(Succeed())
			out, err := pl.c.Expect(examined, wait)
			Expect(err).NotTo(HaveOccurred(), "%s; %s", pl.name, why())
			Expect(examined.FindStringSubmatch(out)[1]).To(Equal(pl.name), why())
		}

		By("checking the portal's and the server's tables agree")
		Eventually(ctx, func() error { return tablesAgree(ctx, st.Portal, st.Server()) }).WithTimeout(wait).Should(Succeed(), why())
		Expect(loggedIn()).To(Equal(len(named)), why())
		Consistently(ctx, func() error { return tablesAgree(ctx, st.Portal, st.Server()) }).WithTimeout(300*time.Millisecond).Should(Succeed(), why())
	}, SpecTimeout(2*time.Minute))
})
