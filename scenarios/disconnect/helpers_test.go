package disconnect_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

const (
	// wait bounds every wait for an answer or a state; generous, since
	// specs run in parallel under the race detector on small machines.
	wait = 20 * time.Second
	poll = 2 * time.Millisecond
)

// loginScreen matches the connection screen up to its prompt.
var loginScreen = testutil.LoginScreen

// closed is one call of the portal's OnSessionClosed hook.
type closed struct {
	sessid uint64
	state  portal.SessionState // the state the session was in
	reason portal.CloseReason
}

// closeHook records the portal's OnSessionClosed calls.
type closeHook struct {
	mu   sync.Mutex
	list []closed
}

func (h *closeHook) record(sessid uint64, state portal.SessionState, reason portal.CloseReason) {
	h.mu.Lock()
	h.list = append(h.list, closed{sessid, state, reason})
	h.mu.Unlock()
}

func (h *closeHook) all() []closed {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.list)
}

// perSessid counts the hook's calls by sessid.
func (h *closeHook) perSessid() map[uint64]int {
	out := map[uint64]int{}
	for _, c := range h.all() {
		out[c.sessid]++
	}
	return out
}

// startPortal starts a portal whose close hook is recorded, closed when the spec ends.
func startPortal(cfg portal.Config) (*portal.Portal, *closeHook) {
	GinkgoHelper()
	h := &closeHook{}
	cfg.OnSessionClosed = h.record
	p, err := portal.New(cfg)
	Expect(err).NotTo(HaveOccurred())
	Expect(p.Start()).To(Succeed())
	DeferCleanup(func() { p.Close() })
	return p, h
}

// clients closes every client it was given when the spec ends; safe for
// concurrent use.
type clients struct {
	mu   sync.Mutex
	list []*testutil.TelnetClient
}

func newClients() *clients {
	cs := &clients{}
	DeferCleanup(func() {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		for _, c := range cs.list {
			c.Close()
		}
	})
	return cs
}

// dial connects a telnet client, closed when the spec ends.
func (cs *clients) dial(addr string) *testutil.TelnetClient {
	GinkgoHelper()
	c, err := testutil.DialTelnet(addr)
	Expect(err).NotTo(HaveOccurred())
	cs.mu.Lock()
	cs.list = append(cs.list, c)
	cs.mu.Unlock()
	return c
}

// dialLinkServer links a hand-driven game server (testutil.FakeServer,
// acknowledging what it gets) to p, synced when it returns.
func dialLinkServer(ctx context.Context, p *portal.Portal) *testutil.FakeServer {
	GinkgoHelper()
	f, err := testutil.DialFakeServer(ctx, p.LinkAddr().String(), testutil.FakeServerConfig{AutoAck: true, Secret: p.LinkSecret()})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { f.Close() })
	return f
}

// count returns how many messages with op f received, by sessid.
func count(f *testutil.FakeServer, op link.Op) map[uint64]int {
	out := map[uint64]int{}
	for _, id := range f.Sessids(op) {
		out[id]++
	}
	return out
}

// connect dials a client and returns it with the sessid of its PCONN.
func connect(ctx context.Context, f *testutil.FakeServer, cs *clients, addr string) (*testutil.TelnetClient, uint64) {
	GinkgoHelper()
	before := len(f.Sessids(link.OpPortalConnect))
	c := cs.dial(addr)
	Eventually(ctx, func() int { return len(f.Sessids(link.OpPortalConnect)) }).
		WithTimeout(wait).WithPolling(poll).Should(Equal(before + 1))
	return c, f.Sessids(link.OpPortalConnect)[before]
}

// exactlyOnce is nil if every sessid of want is counted exactly once in
// got, and got counts nothing else.
func exactlyOnce(want []uint64, got map[uint64]int) error {
	var bad []string
	for _, id := range want {
		if n := got[id]; n != 1 {
			bad = append(bad, fmt.Sprintf("sessid %d: %d", id, n))
		}
	}
	for id, n := range got {
		if !slices.Contains(want, id) {
			bad = append(bad, fmt.Sprintf("sessid %d (unexpected): %d", id, n))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("not exactly once: %v", bad)
	}
	return nil
}

// randomDelay returns a random delay below max, in microseconds.
func randomDelay(r interface{ IntN(int) int }, max time.Duration) time.Duration {
	return time.Duration(r.IntN(int(max/time.Microsecond))) * time.Microsecond
}
