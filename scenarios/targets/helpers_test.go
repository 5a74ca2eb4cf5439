package targets_test

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	"go.yaml.in/yaml/v3"

	"github.com/portalsim/portalsim/reports"
)

// runTimeout bounds one run of the binary: the scenarios run 20-40 s,
// plus logins and logouts.
const runTimeout = 2 * time.Minute

// run runs "portalsim run scenario -target target -o DIR/report.json
// -quiet args..." in dir, waits for it to exit, and returns its report
// and session (for the exit code and output).
func run(ctx SpecContext, dir, scenario, target string, args ...string) (*reports.Report, *gexec.Session) {
	GinkgoHelper()
	out := filepath.Join(dir, "report.json")
	cmd := exec.Command(binary, append([]string{"run", scenario, "-target", target, "-o", out, "-quiet"}, args...)...)
	cmd.Dir = dir
	s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { s.Kill() })
	Eventually(s).WithContext(ctx).WithTimeout(runTimeout).Should(gexec.Exit())
	rep, err := reports.ReadFile(out)
	Expect(err).NotTo(HaveOccurred(), "the run wrote no report; its output:\n%s%s", s.Out.Contents(), s.Err.Contents())
	return rep, s
}

// copyFiles copies the named files (paths relative to this directory)
// into dir, at the same relative paths, and returns dir's copy of the
// first.
func copyFiles(dir string, names ...string) string {
	GinkgoHelper()
	for _, n := range names {
		b, err := os.ReadFile(n)
		Expect(err).NotTo(HaveOccurred())
		to := filepath.Join(dir, n)
		Expect(os.MkdirAll(filepath.Dir(to), 0o755)).To(Succeed())
		Expect(os.WriteFile(to, b, 0o644)).To(Succeed())
	}
	return filepath.Join(dir, names[0])
}

// withNonsense writes, in dir, the profile file profile of this directory
// with another name and one more action, "nonsense", that sends a command
// no game knows, completed as comp says; it returns the new file's path.
// Its other actions keep their names, so the scenario's thresholds on
// them still apply.
func withNonsense(dir, profile string, comp map[string]any) string {
	GinkgoHelper()
	b, err := os.ReadFile(profile)
	Expect(err).NotTo(HaveOccurred())
	var p map[string]any
	Expect(yaml.Unmarshal(b, &p)).To(Succeed())
	p["name"] = "confused"
	// Twice the others' weight together: every run sends some nonsense.
	var total float64
	for _, a := range p["actions"].([]any) {
		total += toFloat(a.(map[string]any)["weight"])
	}
	action := map[string]any{"action": "nonsense", "weight": 2 * total, "commands": []string{"xyzzy{n}"}}
	if comp != nil {
		action["completion"] = comp
	}
	p["actions"] = append(p["actions"].([]any), action)
	b, err = yaml.Marshal(p)
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(dir, "confused.yaml")
	Expect(os.WriteFile(path, b, 0o644)).To(Succeed())
	return path
}

// toFloat is a YAML number as a float64.
func toFloat(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case float64:
		return n
	}
	Fail(fmt.Sprintf("not a number: %v", v))
	return 0
}

// everyPlayerLoggedIn: every player planned logged in, played and logged out.
func everyPlayerLoggedIn(rep *reports.Report, players int64) {
	GinkgoHelper()
	Expect(rep.Meta.Valid).To(BeTrue(), "invalid run: %v", rep.Meta.InvalidReasons)
	Expect(rep.Clients.Started).To(Equal(players))
	Expect(rep.Clients.LoggedIn).To(Equal(players), "players logged in; lost: %v", rep.Clients.Lost)
	Expect(rep.Clients.LostTotal()).To(BeZero(), "lost players: %v", rep.Clients.Lost)
	Expect(rep.Clients.Finished).To(Equal(players))
}

// answeredAndChecked: every command of every action but skip was
// answered, and every answer was checked and passed.
func answeredAndChecked(rep *reports.Report, skip ...string) {
	GinkgoHelper()
	Expect(rep.Actions).NotTo(BeEmpty())
	for name, a := range rep.Actions {
		if slices.Contains(skip, name) {
			continue
		}
		Expect(a.Sent).To(BeNumerically(">", 0), name)
		Expect(a.Answered).To(Equal(a.Sent), "action %s: sent %d, answered %d, failed %v", name, a.Sent, a.Answered, a.Failed)
		if name == "login" || name == "logout" {
			continue
		}
		Expect(a.Checks).NotTo(BeNil(), "action %s was not checked", name)
		Expect(a.Checks.Failed).To(BeEmpty(), "action %s: failed checks", name)
		Expect(a.Checks.Passed).To(Equal(a.Answered), "action %s: every answer checked", name)
	}
}

// reportedUnknown: the nonsense action's every answer failed its check
// with a reason naming the game's answer, and counted as an error.
func reportedUnknown(rep *reports.Report, answer string) {
	GinkgoHelper()
	a := rep.Actions["nonsense"]
	Expect(a).NotTo(BeNil(), "no nonsense was sent; actions: %v", slices.Sorted(maps.Keys(rep.Actions)))
	Expect(a.Sent).To(BeNumerically(">", 0))
	Expect(a.Checks).NotTo(BeNil(), "the nonsense was not checked")
	Expect(a.Checks.Passed).To(BeZero())
	var failed int64
	for reason, n := range a.Checks.Failed {
		Expect(reason).To(ContainSubstring(answer), "the reason names the game's answer")
		failed += n
	}
	Expect(failed).To(Equal(a.Sent), "every nonsense command is a failed check")
	Expect(a.Failed["check"]).To(Equal(a.Sent), "a failed check is a failed command")
}

// quoted shortens a session's output for a failure message.
func quoted(s *gexec.Session) string {
	return strings.TrimSpace(string(s.Out.Contents()) + string(s.Err.Contents()))
}
