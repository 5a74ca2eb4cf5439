package cli_test

import (
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/portalsim/portalsim/reports"
)

// withFaults is the fast scenario with a fault on each side.
const withFaults = fast + `faults:
  - {at: 1s, for: 1s, kind: fragment}
  - {at: 1200ms, for: 500ms, kind: latency, latency: 50ms, side: link}
  - {at: 2s, for: 200ms, kind: server-crash}
`

var _ = Describe("portalsim run with faults", Label("cli", "load", "faults"), func() {
	var dir string
	BeforeEach(func() { dir = GinkgoT().TempDir() })

	It("injects them on schedule against the embedded game and puts their timeline in the report", func() {
		s := run(dir, writeScenario(dir, withFaults), "-o", "out.json", "-quiet")
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		Expect(s.Out).To(gbytes.Say(`faults:`))
		Expect(s.Out).To(gbytes.Say(`fragment\s+client`))
		r, err := reports.ReadFile(filepath.Join(dir, "out.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Faults).To(HaveLen(3))
		for _, f := range r.Faults {
			Expect(f.Error).To(BeEmpty(), "fault %d (%s)", f.Index, f.Kind)
			Expect(f.End).To(BeNumerically(">", f.Start), "fault %d (%s)", f.Index, f.Kind)
		}
		Expect([]string{r.Faults[0].Side, r.Faults[1].Side, r.Faults[2].Side}).To(Equal([]string{reports.SideClient, reports.SideLink, reports.SideServer}))
		Expect(r.Clients.LostTotal()).To(BeZero())
		accounted(r)
	})

	It("exits 104 for a fault behind the portal with -target, naming it", func() {
		s := run(dir, writeScenario(dir, withFaults), "-target", "127.0.0.1:1", "-quiet")
		Eventually(s, 10*time.Second).Should(gexec.Exit(104))
		Expect(s.Err).To(gbytes.Say(`faults\[1\]: kind latency acts on the link between the game server and the portal, which only the embedded game has`))
		Expect(s.Err).To(gbytes.Say(`faults\[2\]: kind server-crash acts on the game server`))
	})

	It("exits 104 for faults with -procs", func() {
		s := run(dir, writeScenario(dir, withFaults), "-procs", "2", "-quiet")
		Eventually(s, 10*time.Second).Should(gexec.Exit(104))
		Expect(s.Err).To(gbytes.Say(`leave out -procs`))
	})

	It("exits 104 for a fault out of bounds, naming its field", func() {
		s := run(dir, writeScenario(dir, fast+"faults:\n  - {at: 1s, kind: latency, latency: -5ms, side: moon}\n"), "-quiet")
		Eventually(s, 10*time.Second).Should(gexec.Exit(104))
		Expect(s.Err).To(gbytes.Say(`faults\[0\]\.side: "moon"`))
		Expect(s.Err).To(gbytes.Say(`faults\[0\]\.latency: -5ms`))
	})
})
