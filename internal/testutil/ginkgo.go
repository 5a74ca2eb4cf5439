package testutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
)

// ReportDirEnv names the directory where [RunSuite] writes each suite's
// Ginkgo JSON report; .ci/run sets it to count specs.
const ReportDirEnv = "PORTALSIM_GINKGO_REPORT_DIR"

// RunSuite registers Gomega's fail handler and runs the Ginkgo suite,
// writing a JSON report to $PORTALSIM_GINKGO_REPORT_DIR when it is set.
func RunSuite(t *testing.T, name string) {
	gomega.RegisterFailHandler(ginkgo.Fail)
	suiteCfg, reporterCfg := ginkgo.GinkgoConfiguration()
	if dir := os.Getenv(ReportDirEnv); dir != "" && reporterCfg.JSONReport == "" {
		slug := strings.ToLower(strings.ReplaceAll(name, " ", "-"))
		reporterCfg.JSONReport = filepath.Join(dir, slug+".json")
	}
	ginkgo.RunSpecs(t, name, suiteCfg, reporterCfg)
}
