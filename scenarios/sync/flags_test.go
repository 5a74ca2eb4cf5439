package sync_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// What "converge" means for bug 5.15: once every message in flight has
// been applied on both sides (the link is quiet), the portal's protocol
// flags of the session equal the server's, key by key, numbers compared
// as the link carries them; and they stay equal. Which value wins when a
// server-side change crosses a window resize on the link is not
// prescribed: only that both sides end up holding the same one.

// rawClient is a telnet client that answers no negotiation, so the only
// protocol flags its session gets are those the spec sends (NAWS).
type rawClient struct {
	nc net.Conn

	mu  sync.Mutex
	buf bytes.Buffer
}

func dialRaw(addr string) *rawClient {
	GinkgoHelper()
	nc, err := net.Dial("tcp", addr)
	Expect(err).NotTo(HaveOccurred())
	c := &rawClient{nc: nc}
	DeferCleanup(func() { nc.Close() })
	go func() {
		defer GinkgoRecover()
		b := make([]byte, 4096)
		for {
			n, err := nc.Read(b)
			c.mu.Lock()
			c.buf.Write(b[:n])
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return c
}

func (c *rawClient) write(b []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(wait))
	_, err := c.nc.Write(b)
	return err
}

// saw reports whether the client has received text.
func (c *rawClient) saw(text string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Contains(c.buf.Bytes(), []byte(text))
}

// flagServer is a hand-driven game server on the link that keeps each
// session's data the way sim does: PCONN stores it, PCONNSYNC merges the
// portal's flags into it and records its SyncRev (sim's loadPortalFields),
// and the server changes a flag of its own by pushing an SSYNC
// (clean=false) that carries that SyncRev back. Its reader can be
// paused, so that a PCONNSYNC stays in flight: sent, not yet applied.
type flagServer struct {
	c *link.Conn

	mu       sync.Mutex
	sessions map[uint64]*link.SessionData
	inFlight map[uint64]link.SessionData // a PCONNSYNC received while paused, by sessid
	resume   chan struct{}               // non-nil while paused
	n        uint64
}

func dialFlagServer(ctx context.Context, p *portal.Portal) *flagServer {
	GinkgoHelper()
	nc, err := net.Dial("tcp", p.LinkAddr().String())
	Expect(err).NotTo(HaveOccurred())
	c := link.NewConn(nc, link.Config{})
	DeferCleanup(func() { c.Close() })
	_, err = c.ServerHandshake(ctx, p.LinkSecret(), link.Hello{})
	Expect(err).NotTo(HaveOccurred())
	Expect(c.Send(link.Message{Op: link.OpPortalSync})).To(Succeed())
	f := &flagServer{c: c, sessions: map[uint64]*link.SessionData{}, inFlight: map[uint64]link.SessionData{}}
	go f.read()
	Eventually(ctx, p.ServerConnected).WithTimeout(wait).Should(BeTrue())
	return f
}

func (f *flagServer) read() {
	defer GinkgoRecover()
	for {
		m, err := f.c.Recv()
		if err != nil {
			return
		}
		f.mu.Lock()
		resume := f.resume
		if m.Op == link.OpAck {
			resume = nil // the portal's acknowledgements are not held up
		}
		if resume != nil && m.Op == link.OpPortalConnSync && m.Session != nil {
			f.inFlight[m.Sessid] = *m.Session
		}
		f.mu.Unlock()
		if resume != nil {
			<-resume
		}
		f.apply(m)
	}
}

func (f *flagServer) apply(m link.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	switch m.Op {
	case link.OpPortalConnect:
		d := *m.Session
		d.ProtocolFlags = maps.Clone(d.ProtocolFlags)
		f.sessions[m.Sessid] = &d
	case link.OpPortalConnSync:
		if d := f.sessions[m.Sessid]; d != nil && m.Session != nil {
			if d.ProtocolFlags == nil {
				d.ProtocolFlags = map[string]any{}
			}
			maps.Copy(d.ProtocolFlags, m.Session.ProtocolFlags)
			d.SyncRev = m.Session.SyncRev // sent back in every SSYNC, as sim does
		}
		delete(f.inFlight, m.Sessid)
	case link.OpPortalDisconnect:
		delete(f.sessions, m.Sessid)
	case link.OpAck:
		return // acknowledging an acknowledgement would never end
	}
	_ = f.c.Send(link.Message{Op: link.OpAck, Seen: f.n})
}

// pause stops applying messages (they are still received); unpause applies them.
func (f *flagServer) pause() {
	f.mu.Lock()
	f.resume = make(chan struct{})
	f.mu.Unlock()
}

func (f *flagServer) unpause() {
	f.mu.Lock()
	if f.resume != nil {
		close(f.resume)
		f.resume = nil
	}
	f.mu.Unlock()
}

// inFlightSync returns the PCONNSYNC for sessid received while paused.
func (f *flagServer) inFlightSync(sessid uint64) (link.SessionData, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.inFlight[sessid]
	return d, ok
}

// session returns the server's copy of a session.
func (f *flagServer) session(sessid uint64) (link.SessionData, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.sessions[sessid]
	if d == nil {
		return link.SessionData{}, false
	}
	out := *d
	out.ProtocolFlags = maps.Clone(d.ProtocolFlags)
	return out, true
}

// newest returns the sessid of the session the server heard of last.
func (f *flagServer) newest() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var id uint64
	for k := range f.sessions {
		id = max(id, k)
	}
	return id
}

// setFlag changes a flag on the server side and pushes it to the portal
// with SSYNC (clean=false): the whole session as the server has it
// (full, as sim's snapshot does), or only the flag that changed
// (Evennia's session_portal_partial_sync). Then it sends marker as
// output to the session, a barrier: once the client has it, the portal
// has applied the SSYNC.
func (f *flagServer) setFlag(sessid uint64, key string, value any, full bool, marker string) error {
	f.mu.Lock()
	d := f.sessions[sessid]
	if d == nil {
		f.mu.Unlock()
		return fmt.Errorf("sessid %d unknown to the server", sessid)
	}
	if d.ProtocolFlags == nil {
		d.ProtocolFlags = map[string]any{}
	}
	d.ProtocolFlags[key] = value
	push := link.SessionData{Sessid: sessid, Uid: d.Uid, Uname: d.Uname, LoggedIn: d.LoggedIn, Puid: d.Puid,
		SyncRev: d.SyncRev, ProtocolFlags: map[string]any{key: value}}
	if full {
		push = *d
		push.ProtocolFlags = maps.Clone(d.ProtocolFlags)
	}
	f.mu.Unlock()
	if err := f.c.Send(link.Message{Op: link.OpServerSync, Sessions: []link.SessionData{push}}); err != nil {
		return err
	}
	return f.c.Send(link.Message{Op: link.OpDataOut, Sessid: sessid, Data: []link.Command{link.Text(marker)}})
}

var _ = Describe("PCONNSYNC racing a server-side flag change", Label("sync"), func() {
	var (
		p *portal.Portal
		f *flagServer
	)

	BeforeEach(func(ctx SpecContext) {
		var err error
		p, err = portal.New(portal.Config{MaxConnectionRate: -1})
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Start()).To(Succeed())
		DeferCleanup(func() { p.Close() })
		f = dialFlagServer(ctx, p)
	})

	// session connects a client that reports an 80x24 window, and returns
	// it with its sessid once the server has that window.
	session := func(ctx SpecContext) (*rawClient, uint64) {
		GinkgoHelper()
		before := f.newest()
		c := dialRaw(p.TelnetAddr().String())
		Eventually(ctx, f.newest).WithTimeout(wait).Should(BeNumerically(">", before))
		id := f.newest()
		Expect(c.write(willNAWS(80, 24))).To(Succeed())
		Eventually(ctx, func() any {
			d, _ := f.session(id)
			return d.ProtocolFlags["SCREENWIDTH"]
		}).WithTimeout(wait).Should(BeEquivalentTo(80))
		return c, id
	}

	// diff compares the portal's and the server's flags of the sessions.
	diff := func(ids ...uint64) string {
		var out []string
		for _, id := range ids {
			s := p.Handler().Get(id)
			d, ok := f.session(id)
			switch {
			case s == nil:
				out = append(out, fmt.Sprintf("sessid %d: the portal has no session", id))
			case !ok:
				out = append(out, fmt.Sprintf("sessid %d: the server has no session", id))
			default:
				if d := flagsDiff(s.Data().ProtocolFlags, d.ProtocolFlags); d != "" {
					out = append(out, fmt.Sprintf("sessid %d:\n%s", id, d))
				}
			}
		}
		return strings.Join(out, "\n")
	}

	// converged waits until the portal's and the server's flags of the
	// sessions agree, then checks that they stay so for longer than the
	// portal's sync interval (a deferred PCONNSYNC would have gone out).
	converged := func(ctx SpecContext, where string, ids ...uint64) {
		GinkgoHelper()
		Eventually(ctx, func() string { return diff(ids...) }).WithTimeout(2*time.Second).WithPolling(poll).Should(BeEmpty(),
			"%s: the portal's (-) and the server's (+) protocol flags never converged", where)
		Consistently(ctx, func() string { return diff(ids...) }).WithTimeout(150*time.Millisecond).WithPolling(poll).Should(BeEmpty(), where)
	}

	tablesAgree := func() {
		GinkgoHelper()
		By("the portal's and the server's session tables agree")
		for _, s := range p.Handler().Sessions() {
			d, ok := f.session(s.Sessid())
			Expect(ok).To(BeTrue(), "sessid %d missing on the server", s.Sessid())
			pd := s.Data()
			Expect([]any{pd.Uid, pd.Uname, pd.LoggedIn, pd.Puid}).To(Equal([]any{d.Uid, d.Uname, d.LoggedIn, d.Puid}), "sessid %d", s.Sessid())
		}
	}

	DescribeTable("both sides converge to the same flags when the server's SSYNC and the client's resize cross on the link (bug 5.15)",
		func(ctx SpecContext, key string, value any, full bool) {
			c, id := session(ctx)

			By("the client resizes; the portal sends PCONNSYNC, which the server has received but not yet applied")
			f.pause()
			DeferCleanup(f.unpause)
			Expect(c.write(nawsFrame(120, 40))).To(Succeed())
			Eventually(ctx, func() any {
				d, _ := f.inFlightSync(id)
				return d.ProtocolFlags["SCREENWIDTH"]
			}).WithTimeout(wait).Should(BeEquivalentTo(120))

			By("the server pushes its flag change, and the portal applies it")
			Expect(f.setFlag(id, key, value, full, "marker-1")).To(Succeed())
			Eventually(ctx, func() bool { return c.saw("marker-1") }).WithTimeout(wait).Should(BeTrue())

			By("the server applies the resize")
			f.unpause()
			Eventually(ctx, func() bool {
				_, inFlight := f.inFlightSync(id)
				return inFlight
			}).WithTimeout(wait).Should(BeFalse())
			converged(ctx, "crossing", id)
			tablesAgree()
			if key != "SCREENWIDTH" {
				By("each side's change survives: the client's new size and the server's flag")
				d, _ := f.session(id)
				Expect(d.ProtocolFlags["SCREENWIDTH"]).To(BeEquivalentTo(120), "the client's resize was undone")
				Expect(d.ProtocolFlags[key]).To(BeEquivalentTo(value), "the server's change was undone")
			}
		},
		Entry("the server pushes only the flag it changed, another one than the resize's", SpecTimeout(30*time.Second), "SCREENREADER", true, false),
		Entry("the server pushes its whole session, as sim's snapshot does", SpecTimeout(30*time.Second), "SCREENREADER", true, true),
		Entry("the server changes a flag the portal sent earlier, which the resize's PCONNSYNC carries with its old value", SpecTimeout(30*time.Second), "ENCODING", "latin-1", false),
		Entry("the server changes the very flag the resize changes (Evennia: each side keeps the other's value)", SpecTimeout(30*time.Second), "SCREENWIDTH", 100, false),
	)

	It("converges under randomized timings of the resize and a server push of another flag (bug 5.15)", Label("race"), func(ctx SpecContext) {
		const iterations = 20
		seed := reportSeed()
		rng := rand.New(rand.NewPCG(uint64(seed), 515))
		var ids []uint64
		for i := range iterations {
			where := fmt.Sprintf("seed %d (replay: ginkgo --seed %d), iteration %d", seed, seed, i)
			c, id := session(ctx)
			ids = append(ids, id)
			resizeAfter := time.Duration(rng.IntN(3000)) * time.Microsecond
			pushAfter := time.Duration(rng.IntN(3000)) * time.Microsecond
			w := 100 + rng.IntN(100)
			marker := fmt.Sprintf("marker-%d", i)
			errs := make(chan error, 2)
			go func() {
				defer GinkgoRecover()
				time.Sleep(resizeAfter) // the race: a randomized head start
				errs <- c.write(nawsFrame(w, 40))
			}()
			go func() {
				defer GinkgoRecover()
				time.Sleep(pushAfter)
				errs <- f.setFlag(id, "SCREENREADER", i%2 == 0, false, marker)
			}()
			Expect(<-errs).To(Succeed(), where)
			Expect(<-errs).To(Succeed(), where)
			Eventually(ctx, func() bool { return c.saw(marker) }).WithTimeout(wait).Should(BeTrue(), where)
			Eventually(ctx, func() any {
				d, _ := f.session(id)
				return d.ProtocolFlags["SCREENWIDTH"]
			}).WithTimeout(wait).Should(BeEquivalentTo(w), where)
			Eventually(ctx, func() string { return diff(id) }).WithTimeout(2*time.Second).WithPolling(poll).Should(BeEmpty(),
				"%s: the portal's (-) and the server's (+) protocol flags never converged", where)
		}
		converged(ctx, fmt.Sprintf("seed %d, all iterations", seed), ids...)
		tablesAgree()
		Expect(ids).To(HaveLen(iterations))
	}, SpecTimeout(time.Minute))
})

var _ = Describe("A window resize during a reload", Label("sync"), func() {
	var (
		st   *testutil.ProxiedStack
		gate *ssyncGate
	)

	BeforeEach(func() {
		gate = newSSYNCGate()
		st = startStack(testutil.ProxiedStackConfig{Tap: &testutil.LinkTapConfig{Drop: gate.hold}})
		DeferCleanup(gate.open)
	})

	It("leaves the portal and the new server with the same flags when the client resizes while the reload's SSYNC is in flight (bug 5.15)", func(ctx SpecContext) {
		c := dialRaw(st.TelnetAddr())
		Eventually(ctx, func() bool { return c.saw("connect <username>") }).WithTimeout(wait).Should(BeTrue())
		Expect(c.write(willNAWS(80, 24))).To(Succeed())
		var id uint64
		Eventually(ctx, func() any {
			for _, d := range st.Server().Sessions(ctx) {
				id = d.Sessid
				return d.ProtocolFlags["SCREENWIDTH"]
			}
			return nil
		}).WithTimeout(wait).Should(BeEquivalentTo(80))

		By("reloading; the clean SSYNC waits at the tap")
		gate.arm()
		old := st.Server()
		old.Reload(link.ModeReload, "")
		Eventually(ctx, gate.held).WithTimeout(wait).Should(BeClosed())

		By("the client resizes; its PCONNSYNC is held for the next server")
		Expect(c.write(nawsFrame(120, 40))).To(Succeed())
		Eventually(ctx, func() int { return st.Portal.Handler().Stats().Held }).WithTimeout(wait).Should(Equal(1))
		gate.open()
		Eventually(ctx, func() bool { return st.Portal.ServerConnected() && st.Server() != old }).WithTimeout(wait).Should(BeTrue())

		By("both sides hold the same flags, the client's newest size")
		diff := func() string {
			s := st.Portal.Handler().Get(id)
			if s == nil {
				return "the portal has no session"
			}
			for _, d := range st.Server().Sessions(ctx) {
				if d.Sessid == id {
					return flagsDiff(s.Data().ProtocolFlags, d.ProtocolFlags)
				}
			}
			return "the server has no session"
		}
		Eventually(ctx, diff).WithTimeout(2*time.Second).Should(BeEmpty(), "the portal's (-) and the server's (+) flags")
		w, _ := st.Portal.Handler().Get(id).Flag("SCREENWIDTH")
		Expect(w).To(BeEquivalentTo(120))
		expectTablesAgree(ctx, st)
	}, SpecTimeout(time.Minute))
})
