package disconnect_test

import (
	"regexp"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

var _ = Describe("A client that shuts down its sending side after its commands", Label("disconnect"), func() {
	var (
		st   *testutil.Stack
		hook *closeHook
	)

	BeforeEach(func() {
		hook = &closeHook{}
		var err error
		st, err = testutil.StartStack(testutil.StackConfig{Portal: portal.Config{MaxConnectionRate: -1, OnSessionClosed: hook.record}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
	})

	// The game server acknowledges each command with the last frame of
	// its answer; the portal closes once the last one is acknowledged.
	It("gets every answer from the game, in order, before the portal closes", func(ctx SpecContext) {
		c := newClients().dial(st.TelnetAddr())
		_, err := c.Expect(loginScreen, wait)
		Expect(err).NotTo(HaveOccurred())
		for _, line := range []string{"create alice pw-alice", "connect alice pw-alice", "look", "say hello"} {
			Expect(c.Send(line)).To(Succeed())
		}
		Expect(c.CloseWrite()).To(Succeed())

		Expect(c.WaitClosed(wait)).To(Succeed(), "the portal never closed the half-closed session")
		Expect(c.Pending()).To(MatchRegexp(`(?s)A new account 'alice' was created.*You become alice\..*Limbo.*You say, "hello"\s*> `+regexp.QuoteMeta(testutil.PromptMark)+`$`),
			"the answers after the half-close, in order")
		Eventually(ctx, func() []portal.CloseReason {
			var out []portal.CloseReason
			for _, c := range hook.all() {
				out = append(out, c.reason)
			}
			return out
		}).WithTimeout(wait).Should(Equal([]portal.CloseReason{portal.ReasonClientQuit}))
		Expect(st.Portal.Handler().Stats().HalfCloseTimeouts).To(BeZero(), "the server acknowledged every command: no need to wait for the grace")
		srv := st.Server()
		Eventually(ctx, func() int { return len(srv.Sessions(ctx)) }).WithTimeout(wait).Should(BeZero())
	}, SpecTimeout(time.Minute))
})
