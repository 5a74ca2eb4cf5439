package throttle_test

import (
	"net"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

var _ = Describe("The connect throttle under a flood from one address", Label("throttle", "hostile"), func() {
	const (
		flood = 100
		// slowlorisEvery is how often each flooding socket sends one byte:
		// alive, never a line, never a login.
		slowlorisEvery = 2 * time.Second
	)

	var st *testutil.ProxiedStack

	BeforeEach(func() {
		var err error
		st, err = testutil.StartProxiedStack(testutil.ProxiedStackConfig{
			StackConfig: testutil.StackConfig{Portal: portal.Config{MaxConnectionRate: 2, Keepalive: -1}}, // one release every 500ms
			Tap:         &testutil.LinkTapConfig{},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
	})

	// Evennia's FIFO, and this portal's before it was fair, made the
	// player wait behind all 100: 50 s for the login screen.
	It("releases a player from another address next, while 100 slowloris sockets from 127.0.0.1 wait", func(ctx SpecContext) {
		addr := st.Portal.TelnetAddr().String()
		h := st.Portal.Handler()
		from := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}}
		socks := make([]net.Conn, 0, flood)
		DeferCleanup(func() {
			for _, c := range socks {
				c.Close()
			}
		})
		for range flood {
			c, err := from.DialContext(ctx, "tcp", addr)
			Expect(err).NotTo(HaveOccurred())
			socks = append(socks, c)
			_, err = c.Write([]byte("x")) // a first byte at once, then one every slowlorisEvery
			Expect(err).NotTo(HaveOccurred())
		}
		stop := make(chan struct{})
		DeferCleanup(func() { close(stop) })
		go func() {
			defer GinkgoRecover()
			t := time.NewTicker(slowlorisEvery)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				for _, c := range socks {
					_ = c.SetWriteDeadline(time.Now().Add(time.Second))
					_, _ = c.Write([]byte("x"))
				}
			}
		}()
		Eventually(ctx, h.Throttle().Stats).WithTimeout(wait).Should(HaveField("Queued", BeNumerically("==", flood-1)),
			"precondition: the flood is queued behind its first socket")

		before := h.Throttle().Stats().Released
		player, err := testutil.DialTelnetFrom("127.0.0.5", addr)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(player.Close)
		_, err = player.Expect(loginScreen, wait)
		Expect(err).NotTo(HaveOccurred(), "the player from 127.0.0.5 never got the login screen")

		var pconns []link.Message
		for _, m := range st.Tap.Messages() {
			if m.ToServer && m.Op == link.OpPortalConnect {
				pconns = append(pconns, m.Message)
			}
		}
		at := slices.IndexFunc(pconns, func(m link.Message) bool { return m.Session != nil && m.Session.Address == "127.0.0.5" })
		Expect(at).To(BeNumerically(">=", 0), "no PCONN for the player")
		// The flood's releases before the player dialled, then one of the
		// flood's a round ahead of it (a new address joins the next round),
		// and at most one more: the one due while the player's connection
		// was being accepted.
		Expect(at).To(BeNumerically("<=", before+2),
			"the player was released after %d of the flood, %d of them after it connected", at, uint64(at)-min(before, uint64(at)))
		Expect(h.Throttle().Stats().Waiting).To(BeNumerically(">=", flood/2), "precondition: the flood was still waiting when the player got in")
		for _, m := range pconns[:at] {
			Expect(m.Session.Address).To(Equal("127.0.0.1"))
		}
	}, SpecTimeout(time.Minute))
})
