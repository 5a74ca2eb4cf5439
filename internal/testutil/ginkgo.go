package testutil

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/portalsim/portalsim/portal"
)

// ReportDirEnv names the directory where [RunSuite] writes each suite's
// Ginkgo JSON report; .ci/run sets it to count specs.
const ReportDirEnv = "PORTALSIM_GINKGO_REPORT_DIR"

// LabelFilterEnv, when set, is the label filter of every suite run with
// [RunSuite] (unless one is given on the command line): .ci/run uses it to
// run the slow specs apart, since "go test ./..." cannot pass Ginkgo flags
// to some packages only.
const LabelFilterEnv = "PORTALSIM_GINKGO_LABEL_FILTER"

// RunSuite registers Gomega's fail handler and runs the Ginkgo suite,
// writing a JSON report to $PORTALSIM_GINKGO_REPORT_DIR when it is set.
func RunSuite(t *testing.T, name string) {
	gomega.RegisterFailHandler(ginkgo.Fail)
	suiteCfg, reporterCfg := ginkgo.GinkgoConfiguration()
	slug := strings.ToLower(strings.ReplaceAll(name, " ", "-"))
	if f := os.Getenv(LabelFilterEnv); f != "" && suiteCfg.LabelFilter == "" {
		suiteCfg.LabelFilter = f
		slug += "-" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, f)
	}
	if dir := os.Getenv(ReportDirEnv); dir != "" && reporterCfg.JSONReport == "" {
		reporterCfg.JSONReport = filepath.Join(dir, slug+".json")
	}
	ginkgo.RunSpecs(t, name, suiteCfg, reporterCfg)
}

// LoginScreen matches the end of sim's connection screen, through the
// prompt after it.
var LoginScreen = regexp.MustCompile(`connect <username> <password>(?s:.*?)` + PromptMark)

// StartPortal starts a portal on random loopback ports, without keepalive
// NOPs (they would show in the clients' text), and shuts it down when the
// spec ends. For Ginkgo specs.
func StartPortal(cfg portal.Config) *portal.Portal {
	ginkgo.GinkgoHelper()
	cfg.Keepalive = -1
	p, err := portal.New(cfg)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	gomega.Expect(p.Start()).To(gomega.Succeed())
	ginkgo.DeferCleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
	})
	return p
}
