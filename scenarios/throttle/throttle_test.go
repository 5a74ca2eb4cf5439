package throttle_test

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sync/errgroup"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/telnet"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

var _ = Describe("The connect throttle, with a game server linked", Label("throttle"), func() {
	var (
		cfg  portal.Config
		p    *portal.Portal
		fake *testutil.FakeServer
		addr string
	)

	BeforeEach(func() {
		cfg = portal.Config{MaxConnectionRate: 10}
	})

	JustBeforeEach(func(ctx SpecContext) {
		p = testutil.StartPortal(cfg)
		fake = linkFake(ctx, p)
		addr = p.TelnetAddr().String()
	}, NodeTimeout(wait))

	throttle := func() portal.ThrottleStats { return p.Handler().Throttle().Stats() }

	// The exact schedule (first at once, then one per interval, to the
	// nanosecond) is tested with synctest in portal/throttle_test.go; here
	// the rate must hold on a real clock, so only the span is checked,
	// with bounds a loaded 2-core machine under -race stays well within.
	It("releases players who connect at once at the configured rate, in real time", func(ctx SpecContext) {
		const n = 20
		interval := p.Handler().Throttle().Interval()
		Expect(interval).To(Equal(100 * time.Millisecond))

		dialAtOnce(addr, n)

		got := awaitPCONNs(ctx, fake, n)
		Expect(throttle().Queued).To(BeNumerically(">=", n/2), "precondition: the players must have queued")
		span := got[n-1].At.Sub(got[0].At)
		nominal := time.Duration(n-1) * interval
		AddReportEntry("release span", fmt.Sprintf("%v for %v nominal; gaps %v", span, nominal, gaps(got)), ReportEntryVisibilityFailureOrVerbose)
		Expect(span).To(BeNumerically(">=", nominal*7/10),
			"%d releases in %v: faster than %v each (gaps %v)", n, span, interval, gaps(got))
		Expect(span).To(BeNumerically("<=", nominal*2),
			"%d releases in %v: much slower than %v each (gaps %v)", n, span, interval, gaps(got))
	}, SpecTimeout(time.Minute))

	Context("at 5 players a second", func() {
		BeforeEach(func() { cfg.MaxConnectionRate = 5 })

		It("releases players in the order they connected (FIFO)", func(ctx SpecContext) {
			const n = 10
			clients := dialInOrder(ctx, p, n)
			got := awaitPCONNs(ctx, fake, n)
			Expect(throttle().Queued).To(BeNumerically(">=", n/2), "precondition: the players must have queued")

			markAll(fake, got)
			byConnect := make([]uint64, n)
			for i, c := range clients {
				byConnect[i], _ = readMarker(c)
			}
			Expect(sessids(got)).To(Equal(byConnect),
				"the release order (PCONN sessids) must be the connect order (the sessid each player was told)")
		}, SpecTimeout(time.Minute))
	})

	Context("at 2 players a second", func() {
		BeforeEach(func() { cfg.MaxConnectionRate = 2 })

		It("tells only a player who joins a non-empty queue about the DoS protection, with its wait (5.4)", func(ctx SpecContext) {
			cs := dialInOrder(ctx, p, 4) // A is released at once; B waits behind nobody; C and D behind others
			Eventually(ctx, throttle).WithTimeout(wait).Should(HaveField("Waiting", 3), "precondition: B, C and D queued")

			markAll(fake, awaitPCONNs(ctx, fake, 4))
			var texts [4]string
			for i, c := range cs {
				_, texts[i] = readMarker(c)
			}
			Expect(texts[0]).NotTo(ContainSubstring("DoS"), "A was released at once")
			Expect(texts[1]).NotTo(ContainSubstring("DoS"), "B waited behind nobody")
			estimate := func(text string) float64 {
				m := dosMessage.FindAllStringSubmatch(text, -1)
				Expect(m).To(HaveLen(1), "exactly one DoS message in %q", text)
				Expect(text).To(ContainSubstring("portalsim DoS protection is active. You are queued to connect in "))
				v, err := strconv.ParseFloat(m[0][1], 64)
				Expect(err).NotTo(HaveOccurred())
				return v
			}
			// C waits for B's slot (at most one interval away) and its own: (0.5, 1.0] s; D one more.
			Expect(estimate(texts[2])).To(BeNumerically("~", 0.75, 0.25), "C's estimate in %q", texts[2])
			Expect(estimate(texts[3])).To(BeNumerically("~", 1.25, 0.25), "D's estimate in %q", texts[3])
		}, SpecTimeout(time.Minute))

		It("forgets a player who hangs up while queued: no PCONN, no PDISCONN, and later players are released on time (5.18)", func(ctx SpecContext) {
			cs := dialInOrder(ctx, p, 4) // A released; B, C, D queued
			Eventually(ctx, throttle).WithTimeout(wait).Should(HaveField("Waiting", 3), "precondition: B, C and D queued")
			Expect(cs[2].Close()).To(Succeed())

			got := awaitPCONNs(ctx, fake, 3)
			first := got[0].Sessid
			c := first + 2 // sessids follow the connect order
			Expect(sessids(got)).To(Equal([]uint64{first, first + 1, first + 3}))
			interval := p.Handler().Throttle().Interval()
			Expect(got[2].At.Sub(got[1].At)).To(BeNumerically("<", interval*3/2),
				"D was released %v after B: C's slot was not given back (gaps %v)", got[2].At.Sub(got[1].At), gaps(got))
			Consistently(ctx, func() []link.Message {
				var about []link.Message
				for _, m := range fake.Messages() {
					if m.Sessid == c {
						about = append(about, m.Message)
					}
				}
				return about
			}).WithTimeout(2*interval).Should(BeEmpty(), "the server must never hear of sessid %d", c)
			for _, i := range []int{0, 1, 3} {
				Expect(cs[i].Closed()).To(BeFalse(), "player %d", i)
			}
			Expect(throttle()).To(And(HaveField("Waiting", 0), HaveField("Released", uint64(3)), HaveField("Abandoned", uint64(1))))
		}, SpecTimeout(time.Minute))

		It("delivers a window size sent while queued in the PCONN, without a crash, even bundled with input or containing 0xFF (5.9)", func(ctx SpecContext) {
			cs := dialInOrder(ctx, p, 1)
			b := dial(addr)
			// The sizes are written by hand rather than with SetWindowSize:
			// the client answers DO NAWS whenever the portal's offer arrives,
			// which may be after the resize below, and would undo it. (The
			// client refuses NAWS itself; the portal takes sizes regardless.)
			// One size while queued ...
			Expect(b.Write(telnet.AppendNAWS(telnet.AppendNegotiation(nil, telnet.Verb(telnet.WILL), telnet.OptNAWS), 80, 24))).To(Succeed())
			Eventually(ctx, throttle).WithTimeout(wait).Should(HaveField("Waiting", 1), "precondition: B queued")

			// ... then a resize, 255 wide (0xFF, escaped as IAC IAC), in the same write as a line of input.
			resize := append(telnet.AppendNAWS(nil, 255, 50), "look\r\n"...)
			queuedIn := func() uint64 { return p.Handler().Stats().QueuedInput }
			before := queuedIn()
			Expect(b.Write(resize)).To(Succeed())
			// The line is decoded after the resize in the same read: once it
			// is queued, the new size is applied.
			Eventually(ctx, queuedIn).WithTimeout(wait).Should(Equal(before+1), "the look after the resize was not queued")
			Expect(throttle().Waiting).To(Equal(1), "precondition: B still queued after the resize")

			got := awaitPCONNs(ctx, fake, 2)
			d := got[1].Session
			Expect(d).NotTo(BeNil())
			Expect(d.ProtocolFlags).To(HaveKeyWithValue("SCREENWIDTH", BeNumerically("==", 255)), "flags %v", d.ProtocolFlags)
			Expect(d.ProtocolFlags).To(HaveKeyWithValue("SCREENHEIGHT", BeNumerically("==", 50)), "flags %v", d.ProtocolFlags)
			Eventually(ctx, func() []testutil.FakeMessage { return fake.Ops(link.OpDataIn) }).WithTimeout(wait).
				Should(ContainElement(And(
					HaveField("Sessid", got[1].Sessid),
					HaveField("Message.Data", HaveExactElements(HaveField("Args", Equal([]any{"look"})))))),
					"the input bundled with the resize reaches the server")

			for _, m := range fake.Messages() {
				if m.Sessid == got[1].Sessid && m.Op == link.OpPortalConnSync {
					Expect(m.At).NotTo(BeTemporally("<", got[1].At), "a PCONNSYNC before the PCONN")
				}
			}
			Expect(fake.SendText(got[1].Sessid, "still here")).To(Succeed())
			_, err := b.Expect(regexpFor("still here"), wait)
			Expect(err).NotTo(HaveOccurred(), "B must still be connected and answered")
			Expect(cs[0].Closed()).To(BeFalse())
		}, SpecTimeout(time.Minute))
	})

	It("does not starve under a steady stream of arrivals faster than the rate (5.4)", func(ctx SpecContext) {
		const (
			n     = 30
			every = 40 * time.Millisecond // 25 arrivals a second against 10 releases
		)
		interval := p.Handler().Throttle().Interval()
		var (
			mu      sync.Mutex
			clients []*testutil.TelnetClient
			g       errgroup.Group
		)
		DeferCleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			for _, c := range clients {
				c.Close()
			}
		})
		tick := time.NewTicker(every)
		for range n {
			<-tick.C
			g.Go(func() error {
				defer GinkgoRecover()
				c, err := testutil.DialTelnet(addr)
				if err == nil {
					mu.Lock()
					clients = append(clients, c)
					mu.Unlock()
				}
				return err
			})
		}
		tick.Stop()
		Expect(g.Wait()).To(Succeed())
		end := time.Now() // the last player has connected

		released := fake.Ops(link.OpPortalConnect)
		Expect(released).NotTo(BeEmpty(), "the first player is released at once")
		var during int
		for _, m := range released {
			if m.At.Before(end) {
				during++
			}
		}
		// Evennia releases the first and then nobody until arrivals stop.
		nominal := 1 + int(end.Sub(released[0].At)/interval)
		AddReportEntry("released during the stream", fmt.Sprintf("%d of about %d", during, nominal), ReportEntryVisibilityFailureOrVerbose)
		Expect(during).To(BeNumerically(">=", max(nominal/2, 2)),
			"only %d of %d players released while arrivals kept coming (about %d expected): the queue starves", during, n, nominal)

		got := awaitPCONNs(ctx, fake, n)
		Expect(slices.IsSorted(sessids(got))).To(BeTrue(), "released out of connect order: %v", sessids(got))
		Expect(throttle()).To(And(HaveField("Waiting", 0), HaveField("Released", uint64(n))))
	}, SpecTimeout(time.Minute))

	Context("with the throttle disabled (a negative rate)", func() {
		BeforeEach(func() { cfg.MaxConnectionRate = -1 })

		It("releases everyone at once, with no DoS message (5.27)", func(ctx SpecContext) {
			const n = 30
			clients := dialAtOnce(addr, n)

			// A throttle at Evennia's default 2/s would take 14.5 s for these.
			got := awaitPCONNs(ctx, fake, n)
			Expect(got[n-1].At.Sub(got[0].At)).To(BeNumerically("<", 3*time.Second), "gaps %v", gaps(got))
			markAll(fake, got)
			for i, c := range clients {
				_, before := readMarker(c)
				Expect(before).NotTo(ContainSubstring("DoS"), "player %d", i)
			}
			Expect(throttle()).To(And(HaveField("Queued", uint64(0)), HaveField("Released", uint64(n))))
			Expect(p.Handler().Throttle().Interval()).To(BeZero())
		}, SpecTimeout(time.Minute))
	})

	Context("with a rate of 0", func() {
		BeforeEach(func() { cfg.MaxConnectionRate = 0 })

		It("uses Evennia's default of 2 a second instead of dividing by zero (5.27)", func(ctx SpecContext) {
			dialInOrder(ctx, p, 2)
			got := awaitPCONNs(ctx, fake, 2)
			Expect(got[1].At.Sub(got[0].At)).To(BeNumerically(">=", 350*time.Millisecond), "gaps %v", gaps(got))
			Expect(p.Handler().Throttle().Interval()).To(Equal(500 * time.Millisecond))
		}, SpecTimeout(time.Minute))
	})
})
