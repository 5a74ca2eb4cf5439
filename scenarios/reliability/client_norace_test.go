//go:build !race

package reliability_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/testutil"
)

// clientRun is how long a spec of the players' own connections runs: the
// logins of 200 players, the fault 4 s later, its window and the recovery.
const clientRun = "24s"

var _ = Describe("Faults of the players' connections, under 200 players", Label("reliability", "slow", "load"), Serial, func() {
	DescribeTable("shaped connections lose no session and no command",
		func(ctx SpecContext, label, fault string) {
			rep, f, _ := measure(ctx, label, scenario(label, clientPlayers, clientRun, "", fault), nil)
			everyoneSurvives(rep, f, clientPlayers)
			Expect(f.Affected).To(BeEquivalentTo(clientPlayers), "every player's connection was shaped")
		},
		Entry("every byte its own write, both ways, for 5 s", "fragment",
			"{at: 4s, after: logins, for: 5s, kind: fragment}", SpecTimeout(2*time.Minute)),
		Entry("200 ms ± 100 ms latency, both ways, for 5 s", "latency",
			"{at: 4s, after: logins, for: 5s, kind: latency, latency: 200ms, jitter: 100ms}", SpecTimeout(2*time.Minute)),
		Entry("2 KiB/s per connection, both ways, for 5 s", "bandwidth",
			"{at: 4s, after: logins, for: 5s, kind: bandwidth, bytes_per_second: 2048}", SpecTimeout(2*time.Minute)),
	)

	DescribeTable("crowds of bad clients cost the players no session and no command",
		func(ctx SpecContext, label, fault string, served int64) {
			rep, f, _ := measure(ctx, label, scenario(label, clientPlayers, clientRun, "", fault), nil)
			everyoneSurvives(rep, f, clientPlayers)
			Expect(f.Crowd).NotTo(BeNil())
			GinkgoWriter.Printf("reliability: %s crowd: %+v\n", label, *f.Crowd)
			AddReportEntry("crowd", *f.Crowd)
			Expect(f.Crowd.Served).To(BeEquivalentTo(served), "crowd %+v", *f.Crowd)
		},
		Entry("a reconnect storm: 500 clients at once, 3 rounds, each to its login screen", "reconnect-storm",
			"{at: 4s, after: logins, kind: reconnect-storm, clients: 500, rounds: 3}", int64(1500), SpecTimeout(2*time.Minute)),
		Entry("100 slowloris clients, a byte a second each for 6 s", "slowloris",
			"{at: 4s, after: logins, for: 6s, kind: slowloris, clients: 100, every: 1s}", int64(100), SpecTimeout(2*time.Minute)),
	)

	DescribeTable("the players cut off are the only ones lost, and the portal lets their sessions go",
		func(ctx SpecContext, label, fault, extra string) {
			var drained bool
			rep, f, _ := measure(ctx, label, scenario(label, clientPlayers, clientRun, extra, fault), func(st *testutil.Stack) {
				sessionsDrain(ctx, st)
				drained = true
			})
			Expect(drained).To(BeTrue())
			Expect(rep.Clients.LoggedIn).To(BeEquivalentTo(clientPlayers), "every player logged in")
			Expect(f.Affected).To(BeNumerically(">", 0), "the fault hit some players")
			Expect(rep.Clients.LostTotal()).To(Equal(f.Affected), "exactly the players hit are lost: %v", rep.Clients.Lost)
			Expect(rep.Clients.Finished).To(BeEquivalentTo(clientPlayers-f.Affected), "every other player finished")
			// A player hit loses at most the command it had in flight.
			tot := rep.Totals()
			Expect(tot.FailedTotal()).To(BeNumerically("<=", f.Affected), "failed %v", tot.Failed)
		},
		Entry("10% of the players reset (TCP RST)", "reset",
			"{at: 4s, after: logins, kind: reset, fraction: 0.1}", "", SpecTimeout(2*time.Minute)),
		Entry("10% of the players gone in the middle of a command", "vanish",
			"{at: 4s, after: logins, kind: vanish, fraction: 0.1, partial: true}", "", SpecTimeout(2*time.Minute)),
		Entry("5% of the players half-open for good: silent, never closed", "half-open",
			"{at: 4s, after: logins, kind: half-open, fraction: 0.05}", "command_timeout: 5s", SpecTimeout(2*time.Minute)),
	)
})
