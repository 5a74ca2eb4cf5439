package targets_test

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/portalsim/portalsim/internal/targets"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/reports"
)

var _ = Describe("a stock TinyMUX", Ordered, Label("targets", "slow"), func() {
	const players = 20
	var (
		mux *testutil.TinyMUX
		dir string
		rep *reports.Report // tinymux.yaml's run, as the file is
		s   *gexec.Session
	)
	BeforeAll(func(ctx SpecContext) {
		scripts := testutil.NeedTinyMUX(GinkgoT())
		dir = GinkgoT().TempDir()
		var err error
		mux, err = testutil.StartTinyMUX(ctx, scripts, filepath.Join(dir, "mux"))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) {
			Expect(mux.Stop(ctx)).To(Succeed())
		}, NodeTimeout(time.Minute))
		rep, s = run(ctx, dir, abs("tinymux.yaml"), mux.Addr)
	}, NodeTimeout(3*time.Minute))

	It("logs every player in with create, answers and checks every command, and exits 0", func() {
		Expect(s.ExitCode()).To(Equal(0), quoted(s))
		everyPlayerLoggedIn(rep, players)
		answeredAndChecked(rep)
		Expect(rep.Actions).To(HaveKey("dig_walk"), "players dug and walked")
	})

	It("measures the marker mode's latency as the time to first byte with tcp_quickack (p50 within 1 ms)", func() {
		// TinyMUX writes a command's answer, markers included, in one go:
		// its last byte comes with its first. The latency the marker mode
		// measures must then be the TTFB, not that plus a delayed ACK's
		// 40 ms (Nagle in netmux, which never sets TCP_NODELAY).
		Expect(rep.Meta.Completion).To(Equal("marker"))
		measured := 0
		for name, a := range rep.Actions {
			if name == "login" || name == "logout" || a.Latency.Count() == 0 {
				continue
			}
			measured++
			lat, ttfb := a.Latency.Quantile(0.5), a.TTFB.Quantile(0.5)
			Expect(lat-ttfb).To(BeNumerically("<", time.Millisecond), "%s: p50 latency %v, p50 TTFB %v", name, lat, ttfb)
			Expect(lat).To(BeNumerically(">=", ttfb), "%s: p50 latency %v below p50 TTFB %v", name, lat, ttfb)
		}
		Expect(measured).To(BeNumerically(">=", 4), "look, say, pose and dig_walk were measured")
	})

	It("reports a command the game does not know as a failed check", func(ctx SpecContext) {
		profile := withNonsense(dir, "profiles/tinymux.yaml", nil)
		rep, s := run(ctx, dir, abs("tinymux.yaml"), mux.Addr, "-profile", profile, "-clients", "5", "-duration", "8s")
		Expect(s.ExitCode()).To(Equal(99), "a threshold fails: %s", quoted(s))
		Expect(s.Out).To(gbytes.Say(`FAIL checks\(\*\) > 99%`))
		everyPlayerLoggedIn(rep, 5)
		answeredAndChecked(rep, "nonsense")
		reportedUnknown(rep, "Huh")
	}, SpecTimeout(3*time.Minute))
})

var _ = Describe("a stock Evennia", Ordered, Label("targets", "slow"), func() {
	const players = 20
	var ev *targets.Evennia
	BeforeAll(func(ctx SpecContext) {
		cfg := testutil.NeedEvennia(GinkgoT())
		cfg.Dir, cfg.Accounts = GinkgoT().TempDir(), players
		var err error
		ev, err = targets.StartEvennia(ctx, cfg)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) {
			Expect(ev.Stop(ctx)).To(Succeed())
		}, NodeTimeout(2*time.Minute))
	}, NodeTimeout(5*time.Minute))

	// scenario copies evennia.yaml and its profile into a directory of
	// the spec with the accounts StartEvennia made, where the scenario's
	// accounts.file finds them.
	scenario := func(dir string) string {
		GinkgoHelper()
		b, err := os.ReadFile(ev.AccountsFile)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, "evennia-accounts.csv"), b, 0o600)).To(Succeed())
		return copyFiles(dir, "evennia.yaml", "profiles/evennia.yaml")
	}

	It("logs every player in to its account, answers and checks every command, and exits 0", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		rep, s := run(ctx, dir, scenario(dir), ev.Addr)
		Expect(s.ExitCode()).To(Equal(0), quoted(s))
		everyPlayerLoggedIn(rep, players)
		answeredAndChecked(rep)
	}, SpecTimeout(3*time.Minute))

	It("reports a command the game does not know as a failed check", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		sc := scenario(dir)
		// Its own answer completes it, not another player's GA.
		profile := withNonsense(dir, "profiles/evennia.yaml", map[string]any{"mode": "regex", "pattern": "is not available"})
		rep, s := run(ctx, dir, sc, ev.Addr, "-profile", profile, "-clients", "4", "-duration", "20s")
		Expect(s.ExitCode()).To(Equal(99), "a threshold fails: %s", quoted(s))
		Expect(s.Out).To(gbytes.Say(`FAIL checks\(\*\) > 99%`))
		everyPlayerLoggedIn(rep, 4)
		answeredAndChecked(rep, "nonsense")
		reportedUnknown(rep, "not available")
	}, SpecTimeout(3*time.Minute))
})

// abs is the absolute path of a file of this directory.
func abs(name string) string {
	GinkgoHelper()
	p, err := filepath.Abs(name)
	Expect(err).NotTo(HaveOccurred())
	return p
}
