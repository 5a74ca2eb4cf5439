package throttle_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

var _ = Describe("The connect throttle under random connects and hang-ups", Label("throttle", "race"), func() {
	var (
		p    *portal.Portal
		fake *testutil.FakeServer
	)

	BeforeEach(func(ctx SpecContext) {
		p = testutil.StartPortal(portal.Config{MaxConnectionRate: 10})
		fake = linkFake(ctx, p)
	}, NodeTimeout(wait))

	It("keeps FIFO order and sends each player at most one PCONN and one PDISCONN, none for those who left the queue (5.18)", func(ctx SpecContext) {
		seed := GinkgoRandomSeed()
		rng := rand.New(rand.NewPCG(uint64(seed), 0x7468726f74746c65))
		const steps = 80
		h := p.Handler()
		interval := h.Throttle().Interval()

		var (
			clients []*testutil.TelnetClient // by connect order: client i has sessid first+i
			open    []int                    // indexes of clients still open
		)
		const first = 1 // a new portal's first sessid; the markers at the end check the mapping
		for range steps {
			if len(open) == 0 || rng.IntN(3) > 0 {
				clients = append(clients, dialInOrder(ctx, p, 1)...)
				open = append(open, len(clients)-1)
			} else {
				// Half the time the newest player, most likely still queued.
				j := len(open) - 1
				if rng.IntN(2) == 0 {
					j = rng.IntN(len(open))
				}
				Expect(clients[open[j]].Close()).To(Succeed())
				open = append(open[:j], open[j+1:]...)
			}
			// Random spacing, on average half the interval: the queue grows,
			// and players leave it, or leave just after their release.
			time.Sleep(time.Duration(rng.Int64N(int64(interval))))
		}
		n := len(clients)
		Eventually(ctx, h.Throttle().Stats).WithTimeout(wait).Should(HaveField("Waiting", 0), "seed %d", seed)
		Expect(h.Throttle().Stats()).To(And(HaveField("Queued", BeNumerically(">", 0)), HaveField("Abandoned", BeNumerically(">", 0))),
			"precondition: some players queued, and some left the queue (seed %d)", seed)

		isOpen := make([]bool, n)
		for _, i := range open {
			isOpen[i] = true
		}
		// Every closed player that was released gets its PDISCONN; wait for them.
		Eventually(ctx, func() error {
			pconn := map[uint64]bool{}
			for _, id := range fake.Sessids(link.OpPortalConnect) {
				pconn[id] = true
			}
			// The throttle counts a release before its PCONN is sent.
			if got, want := len(pconn), int(h.Throttle().Stats().Released); got != want {
				return fmt.Errorf("%d PCONNs received, %d released", got, want)
			}
			disc := map[uint64]bool{}
			for _, id := range fake.Sessids(link.OpPortalDisconnect) {
				disc[id] = true
			}
			for i := range n {
				id := first + uint64(i)
				switch {
				case isOpen[i] && !pconn[id]:
					return fmt.Errorf("open player %d (sessid %d) has no PCONN", i, id)
				case !isOpen[i] && pconn[id] && !disc[id]:
					return fmt.Errorf("closed player %d (sessid %d) was released but has no PDISCONN", i, id)
				}
			}
			return nil
		}).WithTimeout(wait).Should(Succeed(), "seed %d", seed)

		seen := map[uint64]link.Op{}
		var order []uint64
		for _, m := range fake.Ops(link.OpPortalConnect, link.OpPortalDisconnect, link.OpDataIn, link.OpPortalConnSync) {
			Expect(m.Sessid).To(BeNumerically(">=", first), "seed %d", seed)
			Expect(m.Sessid).To(BeNumerically("<", first+uint64(n)), "seed %d", seed)
			switch m.Op {
			case link.OpPortalConnect:
				Expect(seen).NotTo(HaveKey(m.Sessid), "second PCONN for sessid %d (seed %d)", m.Sessid, seed)
				order = append(order, m.Sessid)
			case link.OpPortalDisconnect:
				Expect(seen).To(HaveKeyWithValue(m.Sessid, link.OpPortalConnect),
					"PDISCONN for sessid %d without a PCONN before it, or twice (seed %d)", m.Sessid, seed)
			default:
				Expect(seen).To(HaveKeyWithValue(m.Sessid, link.OpPortalConnect), "%v for sessid %d outside its session (seed %d)", m.Op, m.Sessid, seed)
				continue
			}
			seen[m.Sessid] = m.Op
		}
		for i := 1; i < len(order); i++ {
			Expect(order[i]).To(BeNumerically(">", order[i-1]), "released out of connect order: %v (seed %d)", order, seed)
		}
		st := h.Throttle().Stats()
		Expect(st.Released).To(Equal(uint64(len(order))), "seed %d", seed)
		Expect(st.Released+st.Abandoned).To(Equal(uint64(n)), "every player was released or left the queue (seed %d)", seed)

		// The players still connected are who the server thinks they are.
		for _, i := range open {
			id := first + uint64(i)
			Expect(fake.SendText(id, fmt.Sprintf("marker-%d", id))).To(Succeed())
		}
		for _, i := range open {
			id, _ := readMarker(clients[i])
			Expect(id).To(Equal(first+uint64(i)), "player %d (seed %d)", i, seed)
		}
	}, SpecTimeout(time.Minute))
})
