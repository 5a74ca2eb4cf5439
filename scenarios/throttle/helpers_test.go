package throttle_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/sync/errgroup"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// wait bounds every single wait for the portal; specs finish far sooner.
const wait = 15 * time.Second

var (
	// dosMessage is Evennia's DoS message, with the estimate captured.
	dosMessage = regexp.MustCompile(`DoS protection is active\. You are queued to connect in (\d+\.\d) seconds`)
	// marker is the text the fake server sends a released session, naming its sessid.
	marker = regexp.MustCompile(`marker-(\d+)`)
	// loginScreen is the end of the game server's connection screen.
	loginScreen = testutil.LoginScreen
)

// linkFake links a fake game server (acknowledging what it gets) to p.
func linkFake(ctx context.Context, p *portal.Portal) *testutil.FakeServer {
	f, err := testutil.DialFakeServer(ctx, p.LinkAddr().String(), testutil.FakeServerConfig{AutoAck: true, Secret: p.LinkSecret()})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(f.Close)
	Eventually(ctx, p.ServerConnected).WithTimeout(wait).Should(BeTrue())
	return f
}

// dial connects a telnet client, closed after the spec.
func dial(addr string) *testutil.TelnetClient {
	c, err := testutil.DialTelnet(addr)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { c.Close() }) // a spec may have closed it already
	return c
}

// regexpFor matches s literally.
func regexpFor(s string) *regexp.Regexp { return regexp.MustCompile(regexp.QuoteMeta(s)) }

// dialAtOnce connects n telnet clients concurrently, closed after the spec.
func dialAtOnce(addr string, n int) []*testutil.TelnetClient {
	clients := make([]*testutil.TelnetClient, n)
	var g errgroup.Group
	for i := range n {
		g.Go(func() error {
			defer GinkgoRecover()
			var err error
			clients[i], err = testutil.DialTelnet(addr)
			return err
		})
	}
	err := g.Wait()
	DeferCleanup(func() {
		for _, c := range clients {
			if c != nil {
				c.Close()
			}
		}
	})
	Expect(err).NotTo(HaveOccurred())
	return clients
}

// dialInOrder connects n clients one after the other, each admitted by
// the portal before the next dials, so the connect order is well defined.
func dialInOrder(ctx context.Context, p *portal.Portal, n int) []*testutil.TelnetClient {
	h := p.Handler()
	base := h.Stats().Connected
	out := make([]*testutil.TelnetClient, n)
	for i := range n {
		out[i] = dial(p.TelnetAddr().String())
		Eventually(ctx, func() uint64 { return h.Stats().Connected }).WithTimeout(wait).
			WithPolling(time.Millisecond).Should(BeNumerically(">=", base+uint64(i+1)))
	}
	return out
}

// awaitPCONNs waits until the fake server has n PCONNs and returns them in arrival order.
func awaitPCONNs(ctx context.Context, f *testutil.FakeServer, n int) []testutil.FakeMessage {
	Eventually(ctx, func() int { return len(f.Ops(link.OpPortalConnect)) }).WithTimeout(wait).
		WithPolling(5 * time.Millisecond).Should(BeNumerically(">=", n))
	got := f.Ops(link.OpPortalConnect)
	Expect(got).To(HaveLen(n), "more PCONNs than players released")
	return got
}

// sessids returns the sessids of ms, in order.
func sessids(ms []testutil.FakeMessage) []uint64 {
	out := make([]uint64, len(ms))
	for i, m := range ms {
		out[i] = m.Sessid
	}
	return out
}

// markAll has the fake server send every released session a marker naming its sessid.
func markAll(f *testutil.FakeServer, released []testutil.FakeMessage) {
	for _, m := range released {
		Expect(f.SendText(m.Sessid, fmt.Sprintf("marker-%d", m.Sessid))).To(Succeed())
	}
}

// readMarker waits for c's marker and returns its sessid and the text c
// received before it (the DoS message, if any).
func readMarker(c *testutil.TelnetClient) (sessid uint64, before string) {
	out, err := c.Expect(marker, wait)
	Expect(err).NotTo(HaveOccurred())
	m := marker.FindStringSubmatch(out)
	id, err := strconv.ParseUint(m[1], 10, 64)
	Expect(err).NotTo(HaveOccurred())
	return id, out[:len(out)-len(m[0])]
}

// gaps returns the time between consecutive messages, for failure messages.
func gaps(ms []testutil.FakeMessage) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(ms); i++ {
		out = append(out, ms[i].At.Sub(ms[i-1].At).Round(time.Millisecond))
	}
	return out
}
