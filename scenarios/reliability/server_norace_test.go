//go:build !race

package reliability_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// serverRun is how long a game-server or link spec runs: the logins of
// 1,000 players (about 12 s on the reference machine, more when it is
// busy), the fault 5 s later (once the logins' backlog has drained), and
// time to see everyone recover.
const serverRun = "32s"

var _ = Describe("Faults behind the portal, under 1,000 players", Label("reliability", "slow", "load"), Serial, func() {
	DescribeTable("every logged-in session survives and no command is lost",
		func(ctx SpecContext, label, fault string, atLeast time.Duration) {
			rep, f, _ := measure(ctx, label, scenario(label, serverPlayers, serverRun, "", fault), nil)
			everyoneSurvives(rep, f, serverPlayers)
			Expect(f.End-f.Start).To(BeNumerically(">=", atLeast), "the fault lasted its window")
		},
		Entry("a game-server crash, down for 1 s, then a new server", "server-crash",
			"{at: 5s, after: logins, for: 1s, kind: server-crash}", time.Second, SpecTimeout(3*time.Minute)),
		Entry("a game-server stall of 3 s", "server-stall",
			"{at: 5s, after: logins, for: 3s, kind: server-stall}", 3*time.Second, SpecTimeout(3*time.Minute)),
		Entry("a game-server reload", "server-reload",
			"{at: 5s, after: logins, kind: server-reload}", time.Duration(0), SpecTimeout(3*time.Minute)),
		Entry("a link cut, reconnections refused for 1 s", "link-cut",
			"{at: 5s, after: logins, for: 1s, kind: cut, side: link}", time.Second, SpecTimeout(3*time.Minute)),
		Entry("link latency of 100 ms ± 20 ms for 5 s", "link-latency",
			"{at: 5s, after: logins, for: 5s, kind: latency, latency: 100ms, jitter: 20ms, side: link}", 5*time.Second, SpecTimeout(3*time.Minute)),
	)
})
