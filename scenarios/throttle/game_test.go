package throttle_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// These specs run the real game server behind the throttle: what matters
// is what the players see.
var _ = Describe("The connect throttle in front of the game", Label("throttle"), func() {
	var (
		cfg testutil.StackConfig
		st  *testutil.Stack
	)

	BeforeEach(func() {
		cfg = testutil.StackConfig{Portal: portal.Config{MaxConnectionRate: 10, Keepalive: -1}}
	})

	JustBeforeEach(func() {
		var err error
		st, err = testutil.StartStack(cfg)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
	})

	Context("at one player every 2 seconds", func() {
		BeforeEach(func() { cfg.Portal.MaxConnectionRate = 0.5 })

		It("answers input typed while queued after the release, in order (5.6)", func(ctx SpecContext) {
			a := dial(st.TelnetAddr())
			_, err := a.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred())
			b := dial(st.TelnetAddr())
			h := st.Portal.Handler()
			Eventually(ctx, h.Throttle().Stats).WithTimeout(wait).Should(HaveField("Waiting", 1), "precondition: B queued")

			words := []string{"one", "two", "three"}
			for _, w := range words {
				Expect(b.Send("dummyrunner_echo_response " + w)).To(Succeed())
			}
			Eventually(ctx, func() uint64 { return h.Stats().QueuedInput }).WithTimeout(wait).Should(Equal(uint64(len(words))),
				"precondition: the input must reach the portal while B is queued")
			Expect(h.Throttle().Stats().Waiting).To(Equal(1), "precondition: B still queued")

			_, err = b.Expect(loginScreen, wait)
			Expect(err).NotTo(HaveOccurred(), "the login screen comes first, at the release")
			for _, w := range words {
				out, err := b.ReadPrompt(wait)
				Expect(err).NotTo(HaveOccurred())
				Expect(out).To(ContainSubstring("dummyrunner_echo_response:"+w+","), "answers out of order or lost")
			}
			Expect(h.Stats().RateDropped).To(BeZero())
		}, SpecTimeout(time.Minute))
	})

	Context("with no game server linked yet", func() {
		BeforeEach(func() { cfg.NoServer = true })

		It("holds the players who connect and shows each the login screen once a server links", func(ctx SpecContext) {
			const n = 5
			clients := make([]*testutil.TelnetClient, n)
			for i := range clients {
				clients[i] = dial(st.TelnetAddr())
			}
			h := st.Portal.Handler()
			Eventually(ctx, func() int { return h.Stats().Held }).WithTimeout(wait).Should(BeNumerically(">=", n),
				"the PCONNs wait for a server")
			Consistently(ctx, func() []string {
				var got []string
				for _, c := range clients {
					got = append(got, c.Pending())
				}
				return got
			}).WithTimeout(300*time.Millisecond).ShouldNot(ContainElement(MatchRegexp(loginScreen.String())),
				"nobody shows a login screen without a server")

			Expect(st.StartServer()).To(Succeed())
			for i, c := range clients {
				_, err := c.Expect(loginScreen, wait)
				Expect(err).NotTo(HaveOccurred(), "player %d", i)
				out, err := c.Command("dummyrunner_echo_response "+fmt.Sprint(i), wait)
				Expect(err).NotTo(HaveOccurred(), "player %d", i)
				Expect(out).To(ContainSubstring(fmt.Sprintf("dummyrunner_echo_response:%d,", i)))
			}
			Expect(st.Server().Sessions(ctx)).To(HaveLen(n))
		}, SpecTimeout(time.Minute))
	})
})
