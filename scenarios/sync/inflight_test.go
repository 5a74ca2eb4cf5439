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

var _ = Describe("Messages in flight when the link is cut without a server restart", Label("sync"), func() {
	var (
		st *testutil.ProxiedStack
		cs *clients
		// lose, while set, makes the tap lose everything the server sends:
		// what is on the wire when the link is cut.
		lose atomic.Bool
	)

	BeforeEach(func() {
		lose.Store(false)
		st = startStack(testutil.ProxiedStackConfig{Tap: &testutil.LinkTapConfig{
			Drop:     func(toServer bool, m link.Message) bool { return !toServer && lose.Load() },
			LoseRest: true,
		}})
		cs = newClients()
	})

	It("answers, and runs once, a login the server processed just before the cut, and both sides agree it is logged in (bug 5.20)", func(ctx SpecContext) {
		c, err := cs.dial(st.TelnetAddr())
		Expect(err).NotTo(HaveOccurred())
		_, err = c.Expect(loginScreen, wait)
		Expect(err).NotTo(HaveOccurred())
		_, err = st.World.CreateAccount("blip", "pw-blip")
		Expect(err).NotTo(HaveOccurred())
		srv := st.Server()
		commands := srv.Stats().Commands

		By("the server logs the session in, but its SLOGIN, answer and acknowledgement are still on the wire when the link is cut")
		lose.Store(true)
		Expect(c.Send("connect blip pw-blip")).To(Succeed())
		lost := func(op link.Op) bool {
			for _, m := range st.Tap.Messages() {
				if m.Dropped && m.Op == op {
					return true
				}
			}
			return false
		}
		// Its acknowledgement of the line goes with them (piggybacked, Message.Ack, or an ACK).
		Eventually(ctx, func() bool { return lost(link.OpServerLogin) && lost(link.OpDataOut) }).WithTimeout(wait).Should(BeTrue())
		lose.Store(false)
		st.CutLink()
		Eventually(ctx, func() bool { return st.Portal.ServerConnected() && srv.Linked() }).WithTimeout(wait).Should(BeTrue())
		Expect(st.Server()).To(BeIdenticalTo(srv), "the same server process")

		By("the client gets its answer, the command ran once, and both sides agree")
		_, err = c.Expect(regexp.MustCompile(`You become blip`), 2*time.Second)
		Expect(err).NotTo(HaveOccurred())
		Expect(srv.Stats().Commands-commands).To(BeEquivalentTo(1), "the one line typed was executed more than once")
		expectTablesAgree(ctx, st)
	}, SpecTimeout(time.Minute))
})
