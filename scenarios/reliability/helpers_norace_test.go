//go:build !race

package reliability_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/render"
	"github.com/portalsim/portalsim/scenarios/loadspec"
)

// The sizes the promises are made for.
const (
	// serverPlayers play through the game-server and link faults.
	serverPlayers = 1000
	// clientPlayers play through the faults of the players' own connections.
	clientPlayers = 200
)

// scenario is a closed-model load of n players following Evennia's looker
// profile, acting once a second, with the given faults (YAML list items)
// and extra top-level lines.
func scenario(name string, n int, duration string, extra string, faults ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `name: reliability-%s
model: closed
clients: %d
duration: %s
seed: 21
profiles: {looker: 1}
pacing: {timestep: 1s, chance_of_action: 1, chance_of_login: 1, login_concurrency: %d}
%s
faults:
`, name, n, duration, n, extra)
	for _, f := range faults {
		b.WriteString("  - " + f + "\n")
	}
	return b.String()
}

// numbers is what a reliability spec measured, printed and kept as a
// report entry.
type numbers struct {
	Fault    string `json:"fault"`
	Players  int    `json:"players"`
	LoggedIn int64  `json:"logged_in"`
	// Survived is how many players ran to the end and logged out.
	Survived int64            `json:"survived"`
	LostBy   map[string]int64 `json:"lost_by,omitempty"`
	// Sent and Lost are all the run's commands, and those never answered.
	Sent int64 `json:"sent"`
	Lost int64 `json:"lost"`
	// Caught, Late and LostInFault are the commands in flight during the fault.
	Caught      int64 `json:"caught"`
	Late        int64 `json:"late"`
	LostInFault int64 `json:"lost_in_fault"`
	// Affected is how many connections the fault acted on.
	Affected int64 `json:"affected"`
	// Lifted is how long the fault lasted (until a new server synced, say).
	Lifted time.Duration `json:"lifted_ns"`
	// Recovered is from the fault's start until the last command it caught
	// was answered; AfterLift is the part of it after the fault was lifted.
	Recovered time.Duration `json:"recovered_ns"`
	AfterLift time.Duration `json:"after_lift_ns"`
	// P99Before is the p99 latency of the commands answered in the 3 s
	// before the fault; P99During and MaxDuring of those answered from
	// its start until it recovered (to the end of that second).
	P99Before time.Duration `json:"p99_before_ns"`
	P99During time.Duration `json:"p99_during_ns"`
	MaxDuring time.Duration `json:"max_during_ns"`
}

// String is the numbers in one line, as the README quotes them.
func (n numbers) String() string {
	s := fmt.Sprintf("%s, %d players: %d/%d sessions survived", n.Fault, n.Players, n.Survived, n.LoggedIn)
	if len(n.LostBy) > 0 {
		s += fmt.Sprintf(" (lost: %v)", n.LostBy)
	}
	return s + fmt.Sprintf("; %d of %d commands lost; %d caught by the fault, %d answered late (>1s), %d lost; "+
		"%d connections hit; lifted after %s, recovered %s after it began (%s after it was lifted); "+
		"p99 %s before, %s during (max %s)",
		n.Lost, n.Sent, n.Caught, n.Late, n.LostInFault, n.Affected, fmtDur(n.Lifted), fmtDur(n.Recovered), fmtDur(n.AfterLift),
		fmtDur(n.P99Before), fmtDur(n.P99During), fmtDur(n.MaxDuring))
}

func fmtDur(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return render.FormatDuration(d)
}

// measure runs a scenario whose first fault is the one under test, checks
// that it happened and the run's accounting adds up, prints and records
// the numbers, and returns them with the report. inspect, if set, sees the
// embedded game after the run.
func measure(ctx context.Context, label, yaml string, inspect func(*testutil.Stack)) (*reports.Report, reports.Fault, numbers) {
	GinkgoHelper()
	var opts []loadspec.Option
	if inspect != nil {
		opts = append(opts, loadspec.WithStack(inspect))
	}
	rep, err := loadspec.Run(ctx, yaml, opts...)
	Expect(err).NotTo(HaveOccurred())
	Expect(rep.Faults).NotTo(BeEmpty(), "the fault did not happen: the players' logins took longer than the run allows")
	f := rep.Faults[0]
	Expect(f.Error).To(BeEmpty(), "the fault could not be injected or lifted")
	tot := rep.Totals()
	n := numbers{
		Fault: label, Players: rep.Meta.Clients, LoggedIn: rep.Clients.LoggedIn, Survived: rep.Clients.Finished,
		LostBy: rep.Clients.Lost, Sent: tot.Sent, Lost: tot.FailedTotal(),
		Caught: f.Caught, Late: f.Late, LostInFault: f.Lost, Affected: f.Affected,
		Lifted: f.End - f.Start, Recovered: f.Recovery(), AfterLift: max(f.Settled, f.End) - f.End,
	}
	before, during := window(rep, f.Start-3*time.Second, f.Start-time.Second), window(rep, f.Start, f.Start+f.Recovery())
	n.P99Before, n.P99During, n.MaxDuring = before.Quantile(0.99), during.Quantile(0.99), during.Max()
	for k, v := range n.LostBy {
		if v == 0 {
			delete(n.LostBy, k)
		}
	}
	AddReportEntry("numbers", n)
	GinkgoWriter.Printf("reliability: %s\n", n)
	var text strings.Builder
	_ = render.Text(&text, rep)
	GinkgoWriter.Println(text.String())
	for name, a := range rep.Actions {
		Expect(a.Accounted()).To(BeTrue(), "action %s: sent %d, answered %d, failed %v", name, a.Sent, a.Answered, a.Failed)
	}
	Expect(rep.Clients.Started).To(Equal(rep.Clients.Finished+rep.Clients.LostTotal()), "every player is accounted for")
	return rep, f, n
}

// window merges the latency of the commands answered in the seconds of
// the timeline from the one holding from to the one holding to.
func window(rep *reports.Report, from, to time.Duration) *reports.Histogram {
	h := reports.NewHistogram()
	for _, iv := range rep.Timeline {
		if s := time.Duration(iv.Second) * time.Second; s+time.Second > from && s <= to {
			h.Merge(iv.Latency)
		}
	}
	return h
}

// everyoneSurvives is the promise of the faults behind the portal and of
// the harmless ones: every player logged in, none lost, no command lost,
// and the fault did catch commands in flight (it happened under load).
func everyoneSurvives(rep *reports.Report, f reports.Fault, players int) {
	GinkgoHelper()
	Expect(rep.Clients.LoggedIn).To(BeEquivalentTo(players), "every player logged in")
	Expect(rep.Clients.LostTotal()).To(BeZero(), "every session survives: lost %v", rep.Clients.Lost)
	Expect(rep.Clients.Finished).To(BeEquivalentTo(players))
	Expect(rep).To(loadspec.HaveNoLostCommands())
	Expect(f.Caught).To(BeNumerically(">", 0), "the fault caught commands in flight")
	Expect(f.Lost).To(BeZero())
}

// sessionsDrain waits until the portal and the game server hold no
// session at all: every player logged out, and nobody the fault cut off
// was left behind on either side.
func sessionsDrain(ctx context.Context, st *testutil.Stack) {
	GinkgoHelper()
	Eventually(ctx, func() int { return len(st.Portal.Handler().Sessions()) }).WithTimeout(30*time.Second).
		Should(BeZero(), "the portal still holds sessions")
	Eventually(ctx, func() error { return testutil.SessionTablesAgree(ctx, st.Portal, st.Server()) }).WithTimeout(30 * time.Second).
		Should(Succeed())
}
