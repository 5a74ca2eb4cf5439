package cli_test

import (
	"syscall"
	"time"

	"github.com/portalsim/portalsim/internal/testutil"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// metricsURL matches the line "portalsim run" prints on stderr for -metrics.
var metricsURL = testutil.MetricsAt

// scrape GETs a metrics endpoint's url and returns the body.
var scrape = testutil.Scrape

// sample is the value of series in a scrape, or -1 when it has none.
func sample(body, series string) float64 {
	if v, ok := testutil.MetricSample(body, series); ok {
		return v
	}
	return -1
}

var _ = Describe("portalsim run -metrics", Label("cli", "load", "metrics"), func() {
	var dir string
	BeforeEach(func() { dir = GinkgoT().TempDir() })

	// awaitURL returns the endpoint the run printed.
	awaitURL := func(s *gexec.Session) string {
		GinkgoHelper()
		var url string
		Eventually(func() bool {
			m := metricsURL.FindSubmatch(s.Err.Contents())
			if m != nil {
				url = string(m[1])
			}
			return m != nil
		}, 30*time.Second, 10*time.Millisecond).Should(BeTrue(), "no metrics address on stderr")
		return url
	}
	// latencySamples scrapes the endpoint for the looks histogram's count.
	latencySamples := func(url string) func() (float64, error) {
		return func() (float64, error) {
			body, err := scrape(url)
			return sample(body, `portalsim_command_latency_seconds_count{action="looks"}`), err
		}
	}

	It("serves the run's per-action histograms while the default run goes on", func(ctx SpecContext) {
		s := run(dir, "-metrics", "127.0.0.1:0", "-quiet", "-o", "out.json")
		DeferCleanup(func() { s.Kill() })
		url := awaitURL(s)
		Eventually(ctx, latencySamples(url)).WithPolling(20 * time.Millisecond).Should(BeNumerically(">", 0))
		body, err := scrape(url)
		Expect(err).NotTo(HaveOccurred())
		Expect(body).To(ContainSubstring(`portalsim_run_info{model="closed",protocol="telnet",run_id="`))
		Expect(sample(body, `portalsim_clients{state="logged_in"}`)).To(BeNumerically(">", 0))
		Expect(sample(body, `portalsim_generator_cpu_ratio{proc="0"}`)).To(BeNumerically(">=", 0))
		s.Signal(syscall.SIGINT)
		Eventually(s).WithContext(ctx).Should(gexec.Exit())
	}, SpecTimeout(2*time.Minute))

	It("serves the merged metrics of -procs children from the parent", func(ctx SpecContext) {
		long := `name: long
clients: 6
duration: 5m
profiles: {looker: 1}
pacing: {timestep: 100ms, chance_of_action: 1, chance_of_login: 1, login_concurrency: 100}
`
		s := run(dir, writeScenario(dir, long), "-procs", "2", "-metrics", "127.0.0.1:0", "-quiet", "-o", "out.json")
		DeferCleanup(func() { s.Kill() })
		url := awaitURL(s)
		Eventually(ctx, latencySamples(url)).WithPolling(20 * time.Millisecond).Should(BeNumerically(">", 0))
		// Both children's health, and all six players once both are in.
		Eventually(ctx, func() []float64 {
			body, _ := scrape(url)
			return []float64{
				sample(body, `portalsim_generator_cpu_ratio{proc="0"}`),
				sample(body, `portalsim_generator_cpu_ratio{proc="1"}`),
				sample(body, `portalsim_clients_started_total`),
				sample(body, `portalsim_run_processes`),
			}
		}).WithPolling(20 * time.Millisecond).Should(HaveExactElements(
			BeNumerically(">=", 0), BeNumerically(">=", 0), BeNumerically("==", 6), BeNumerically("==", 2)))
		s.Signal(syscall.SIGINT)
		Eventually(s).WithContext(ctx).Should(gexec.Exit(98))
	}, SpecTimeout(2*time.Minute))
})
