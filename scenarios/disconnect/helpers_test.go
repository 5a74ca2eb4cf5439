package disconnect_test

import (
	"context"
	"fmt"
	"net"
	"regexp"
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
var loginScreen = regexp.MustCompile(`connect <username> <password>(?s:.*?)` + testutil.PromptMark)

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

// linkServer is a hand-driven game server on the link: it records every
// message from the portal and acknowledges it, and sends what the spec
// asks. (Not a full server: it answers no input.)
type linkServer struct {
	c *link.Conn

	mu   sync.Mutex
	msgs []link.Message
}

// dialLinkServer links a fake game server to p and waits until p is synced with it.
func dialLinkServer(ctx context.Context, p *portal.Portal) *linkServer {
	GinkgoHelper()
	nc, err := net.Dial("tcp", p.LinkAddr().String())
	Expect(err).NotTo(HaveOccurred())
	c := link.NewConn(nc, link.Config{})
	DeferCleanup(func() { c.Close() })
	_, err = c.Handshake(ctx, link.Hello{Role: link.RoleServer})
	Expect(err).NotTo(HaveOccurred())
	Expect(c.Send(link.Message{Op: link.OpPortalSync})).To(Succeed())
	f := &linkServer{c: c}
	go f.read()
	Eventually(ctx, p.ServerConnected).WithTimeout(wait).Should(BeTrue())
	return f
}

func (f *linkServer) read() {
	defer GinkgoRecover()
	for {
		m, err := f.c.Recv()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.msgs = append(f.msgs, m)
		n := uint64(len(f.msgs))
		f.mu.Unlock()
		_ = f.c.Send(link.Message{Op: link.OpAck, Seen: n})
	}
}

func (f *linkServer) send(m link.Message) error { return f.c.Send(m) }

// messages returns everything received so far, in order.
func (f *linkServer) messages() []link.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.msgs)
}

// count returns how many messages with op were received, by sessid.
func (f *linkServer) count(op link.Op) map[uint64]int {
	out := map[uint64]int{}
	for _, m := range f.messages() {
		if m.Op == op {
			out[m.Sessid]++
		}
	}
	return out
}

// sessids returns the sessids of the messages with op, in order.
func (f *linkServer) sessids(op link.Op) []uint64 {
	var out []uint64
	for _, m := range f.messages() {
		if m.Op == op {
			out = append(out, m.Sessid)
		}
	}
	return out
}

// connect dials a client and returns it with the sessid of its PCONN.
func (f *linkServer) connect(ctx context.Context, cs *clients, addr string) (*testutil.TelnetClient, uint64) {
	GinkgoHelper()
	before := len(f.sessids(link.OpPortalConnect))
	c := cs.dial(addr)
	Eventually(ctx, func() int { return len(f.sessids(link.OpPortalConnect)) }).
		WithTimeout(wait).WithPolling(poll).Should(Equal(before + 1))
	return c, f.sessids(link.OpPortalConnect)[before]
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
