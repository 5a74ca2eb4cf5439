package targets_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/portalsim/portalsim/internal/bench"
	"github.com/portalsim/portalsim/internal/testutil"
)

var _ = Describe("portalsim bench against a stock Evennia", Label("targets", "slow"), func() {
	// The bench starts its own copy of the installed game (start.sh
	// --no-throttle --dummyrunner-mixin), its players create their
	// accounts and install the echo command with py, and it measures
	// their echo probes and Evennia's two processes' CPU. Structure only:
	// no figure is judged.
	It("logs every player in, measures the echo round trip and Evennia's CPU, and exits 0", func(ctx SpecContext) {
		cfg := testutil.NeedEvennia(GinkgoT())
		dir := GinkgoT().TempDir()
		out := filepath.Join(dir, "bench.json")
		cmd := exec.Command(binary, "bench", "-targets", "evennia", "-players", "2", "-rate", "2", "-duration", "6s", "-quiet", "-json", out)
		cmd.Env = append(os.Environ(), "PORTALSIM_TARGETS="+filepath.Dir(cfg.Scripts), "EVENNIA_VENV="+cfg.Venv, "EVENNIA_GAMEDIR="+cfg.Game)
		s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { s.Kill() })
		Eventually(s).WithContext(ctx).WithTimeout(90 * time.Second).Should(gexec.Exit())
		Expect(s.ExitCode()).To(Equal(0), quoted(s))
		b, err := os.ReadFile(out)
		Expect(err).NotTo(HaveOccurred())
		var res bench.Result
		Expect(json.Unmarshal(b, &res)).To(Succeed())
		Expect(res.Rows).To(HaveLen(1))
		row := res.Rows[0]
		Expect(row.Target).To(Equal("evennia"))
		Expect(row.LoggedIn).To(Equal(2), string(b))
		Expect(row.Lost()).To(BeFalse(), string(b))
		Expect(row.RoundTrips).To(BeNumerically(">", 0), string(b))
		Expect(row.Processes).To(HaveLen(2), "Evennia's portal and server")
		Expect(row.HasCPU).To(BeTrue(), string(b))
	}, SpecTimeout(2*time.Minute))
})
