package sync_test

import (
	"regexp"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
)

// The answers a game server that lives through a link cut sends again
// (bug 5.20) exist only in its memory until they reach the portal. These
// specs cut the link, lose that resend or part of it, and kill the
// server or cut again: the login's answer must still come, once. The
// randomized spec found the first: the portal took the server's word
// that it had processed the connect, dropped it, and the kill lost the
// answer with the server.
var _ = Describe("Answers resent after a link cut", Label("sync"), func() {
	// lossyStack starts a stack whose tap loses what the game server sends
	// while drop says so, and the rest of that link with it, as a cut would.
	lossyStack := func(drop func(m link.Message) bool) *testutil.ProxiedStack {
		return startStack(testutil.ProxiedStackConfig{Tap: &testutil.LinkTapConfig{
			Drop:     func(toServer bool, m link.Message) bool { return !toServer && drop(m) },
			LoseRest: true,
		}})
	}
	// dropped counts the server's messages with op that the tap lost.
	dropped := func(st *testutil.ProxiedStack, op link.Op) int {
		n := 0
		for _, m := range st.Tap.Messages() {
			if m.Dropped && !m.ToServer && m.Op == op {
				n++
			}
		}
		return n
	}
	// loginLost sends a login whose SLOGIN and answer the tap loses, then
	// cuts the link; the server keeps running and redials.
	loginLost := func(ctx SpecContext, st *testutil.ProxiedStack, lose *atomic.Bool) *testutil.TelnetClient {
		GinkgoHelper()
		c, err := newClients().dial(st.TelnetAddr())
		Expect(err).NotTo(HaveOccurred())
		_, err = c.Expect(loginScreen, wait)
		Expect(err).NotTo(HaveOccurred())
		_, err = st.World.CreateAccount("blip", "pw-blip")
		Expect(err).NotTo(HaveOccurred())
		lose.Store(true)
		Expect(c.Send("connect blip pw-blip")).To(Succeed())
		Eventually(ctx, func() bool {
			return dropped(st, link.OpServerLogin) == 1 && dropped(st, link.OpDataOut) >= 1
		}).WithTimeout(wait).Should(BeTrue(), "the login's answer was not sent into the cut")
		lose.Store(false)
		return c
	}
	// answer sends an echo probe and returns everything up to its answer.
	answer := func(c *testutil.TelnetClient) string {
		GinkgoHelper()
		Expect(c.Send(echo("probe"))).To(Succeed())
		out, err := c.Expect(echoAnswer("probe"), wait)
		Expect(err).NotTo(HaveOccurred())
		return out
	}

	for _, keepSLOGIN := range []bool{false, true} {
		what := "all of the resend"
		if keepSLOGIN {
			what = "the resend after its SLOGIN"
		}
		It("still answers a login when "+what+" is lost and the server is killed (bug 5.20)", func(ctx SpecContext) {
			var lose, loseResend atomic.Bool
			var slogins atomic.Int32
			st := lossyStack(func(m link.Message) bool {
				if loseResend.Load() && keepSLOGIN && m.Op == link.OpServerLogin && slogins.Add(1) == 1 {
					return false // the resent SLOGIN gets through, its answer does not
				}
				return lose.Load() || (loseResend.Load() && m.Op != link.OpHello && m.Op != link.OpPortalSync)
			})
			c := loginLost(ctx, st, &lose)
			srv := st.Server()

			By("relinking: the server's PSYNC names the lost link, its resend is lost")
			loseResend.Store(true)
			st.CutLink()
			Eventually(ctx, func() bool {
				if keepSLOGIN {
					return slogins.Load() == 1 && dropped(st, link.OpDataOut) >= 2
				}
				return dropped(st, link.OpServerLogin) == 2
			}).WithTimeout(wait).Should(BeTrue(), "the server did not resend")
			Expect(st.Server()).To(BeIdenticalTo(srv), "precondition: the same server relinked")

			By("killing the server, whose kept answers die with it, and starting another")
			Expect(st.KillServer()).To(Succeed())
			loseResend.Store(false)
			Expect(st.StartServer()).To(Succeed())
			// The connect is replayed to the new server (at least once, the
			// documented crash limit). With the SLOGIN through, the player is
			// logged in already as that account, and the replay is answered
			// as the login was: the answer of the first run died with the
			// server, and the player gets it from the second.
			Expect(answer(c)).To(ContainSubstring("You become blip"), "the login's answer")
			out, err := c.Command("look", wait)
			Expect(err).NotTo(HaveOccurred())
			Expect(out).To(ContainSubstring("Limbo"), "the player is logged in")
		}, SpecTimeout(time.Minute))
	}

	It("answers a login once, and runs it once, when its resend is cut again and the server lives (bug 5.20)", func(ctx SpecContext) {
		var lose, loseResend atomic.Bool
		st := lossyStack(func(m link.Message) bool {
			return lose.Load() || (loseResend.Load() && m.Op != link.OpHello && m.Op != link.OpPortalSync)
		})
		srv := st.Server()
		commands := srv.Stats().Commands
		c := loginLost(ctx, st, &lose)

		loseResend.Store(true)
		st.CutLink()
		Eventually(ctx, func() int { return dropped(st, link.OpServerLogin) }).WithTimeout(wait).Should(Equal(2), "the server did not resend")
		loseResend.Store(false)
		st.CutLink()
		Eventually(ctx, func() bool { return st.Portal.ServerConnected() && srv.Linked() }).WithTimeout(wait).Should(BeTrue())
		Expect(st.Server()).To(BeIdenticalTo(srv), "precondition: the same server relinked")
		out := answer(c)
		Expect(regexp.MustCompile("You become blip").FindAllString(out, -1)).To(HaveLen(1), out)
		Expect(srv.Stats().Commands-commands).To(BeEquivalentTo(2), "connect and the probe, once each")
	}, SpecTimeout(time.Minute))
})
