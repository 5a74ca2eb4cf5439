package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/portalsim/portalsim/reports"
)

// fast is a scenario paced for tests: ten ticks a second, every tick acts.
const fast = `name: fast
model: closed
clients: 30
duration: 3s
seed: 3
profiles: {heavy_builder: 1}
pacing: {timestep: 100ms, chance_of_action: 1, chance_of_login: 1, login_concurrency: 100}
thresholds: ["errors == 0", "lost_clients == 0"]
`

func writeScenario(dir, body string) string {
	path := filepath.Join(dir, "scenario.yaml")
	Expect(os.WriteFile(path, []byte(body), 0o644)).To(Succeed())
	return path
}

func run(dir string, args ...string) *gexec.Session {
	cmd := exec.Command(binary, append([]string{"run"}, args...)...)
	cmd.Dir = dir
	s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	return s
}

// accounted checks that every player and every command of a report is accounted for.
func accounted(r *reports.Report) {
	GinkgoHelper()
	for name, a := range r.Actions {
		Expect(a.Accounted()).To(BeTrue(), "action %s: sent %d, answered %d, failed %v", name, a.Sent, a.Answered, a.Failed)
	}
	Expect(r.Clients.Started).To(Equal(r.Clients.Finished + r.Clients.LostTotal()))
}

var _ = Describe("portalsim run", Label("cli", "load"), func() {
	var dir string
	BeforeEach(func() { dir = GinkgoT().TempDir() })

	It("runs a scenario file against the embedded portal, writes the report and exits 0", func() {
		s := run(dir, writeScenario(dir, fast), "-o", "out.json")
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		Expect(s.Out).To(gbytes.Say(`players: 30 planned, 30 started, 30 logged in, 30 finished, 0 lost`))
		r, err := reports.ReadFile(filepath.Join(dir, "out.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Meta.Valid).To(BeTrue(), "%v", r.Meta.InvalidReasons)
		Expect(r.Passed()).To(BeTrue())
		accounted(r)
		Expect(r.Phases["logged_in"].Reached).To(BeEquivalentTo(30))
	})

	It("spreads players over child processes and merges their results exactly", func() {
		s := run(dir, writeScenario(dir, fast), "-procs", "3", "-o", "out.json")
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		r, err := reports.ReadFile(filepath.Join(dir, "out.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Meta.Procs).To(Equal(3))
		Expect(r.Clients.Started).To(BeEquivalentTo(30))
		Expect(r.Clients.Finished).To(BeEquivalentTo(30))
		accounted(r)
	})

	It("runs each player once when -procs exceeds the players", func() {
		body := strings.Replace(fast, "clients: 30", "clients: 2", 1)
		s := run(dir, writeScenario(dir, body), "-procs", "4", "-o", "out.json", "-quiet")
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		r, err := reports.ReadFile(filepath.Join(dir, "out.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Meta.Procs).To(Equal(2), "a child per player, none without")
		Expect(r.Clients.Started).To(BeEquivalentTo(2), "a child given no players ran them all")
		accounted(r)
	})

	It("exits 99 when a threshold fails", func() {
		body := strings.Replace(fast, `thresholds: [`, `thresholds: ["p99(*) < 1ns", `, 1)
		s := run(dir, writeScenario(dir, body), "-o", "out.json", "-quiet")
		Eventually(s, time.Minute).Should(gexec.Exit(99))
		Expect(s.Out).To(gbytes.Say(`FAIL p99\(\*\) < 1ns`))
	})

	It("exits 104 for an invalid scenario, naming every problem", func() {
		s := run(dir, writeScenario(dir, "name: bad\nmodel: sideways\nprofiles: {nobody: 1}\n"))
		Eventually(s, 10*time.Second).Should(gexec.Exit(104))
		Expect(s.Err).To(gbytes.Say(`model: "sideways"`))
		Expect(s.Err).To(gbytes.Say(`nobody`))
	})

	It("stops cleanly on Ctrl-C: players log out and the report is still written", func() {
		long := `name: long
model: closed
clients: 20
duration: 5m
profiles: {looker: 1}
pacing: {timestep: 100ms, chance_of_action: 1, chance_of_login: 1, login_concurrency: 100}
`
		s := run(dir, writeScenario(dir, long), "-o", "out.json")
		Eventually(s.Out, 30*time.Second).Should(gbytes.Say(`logged in 20/20`))
		s.Signal(syscall.SIGINT)
		Eventually(s, 30*time.Second).Should(gexec.Exit())
		r, err := reports.ReadFile(filepath.Join(dir, "out.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Clients.Finished).To(BeEquivalentTo(20), "every player logged out")
		Expect(r.Actions["logout"].Answered).To(BeEquivalentTo(20))
		accounted(r)
		Expect(r.Meta.Duration).To(BeNumerically("<", time.Minute))
	})
})
