package load_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/scenarios/loadspec"
)

var _ = Describe("Load scenarios", Label("load"), func() {
	It("answers every command of the smoke scenario", func(ctx SpecContext) {
		rep := loadspec.MustRun(ctx, "../smoke.yaml")
		Expect(rep).To(loadspec.BeValid())
		Expect(rep).To(loadspec.HaveNoLostCommands())
		Expect(rep).To(loadspec.HaveNoLostClients())
		// The file's latency thresholds are for a user's machine; on a
		// shared CI machine they are evaluated but do not gate (speed goals
		// live in BENCHMARKS.md).
		Expect(rep).To(loadspec.PassThresholdsIgnoringSpeed())
	}, SpecTimeout(time.Minute))

	It("keeps every player and every command through a game-server reload under load", func(ctx SpecContext) {
		rep := loadspec.MustRun(ctx, "../reload-under-load.yaml")
		Expect(rep.Actions["event"].Answered).To(BeEquivalentTo(1), "the reload was sent and answered")
		Expect(rep).To(loadspec.HaveNoLostCommands())
		Expect(rep).To(loadspec.HaveNoLostClients())
		Expect(rep.Clients.Finished).To(BeEquivalentTo(100))
	}, SpecTimeout(2*time.Minute))

	It("measures latency from the intended send time in the open model", Label("slow"), func(ctx SpecContext) {
		rep := loadspec.MustRun(ctx, "../open-ramp.yaml", loadspec.WithScenario(func(sc *dummyrunner.Scenario) {
			sc.Stages = []dummyrunner.Stage{{Duration: 4 * time.Second, Target: 10}, {Duration: 4 * time.Second, Target: 10}}
			sc.Session.Actions = 5
		}))
		Expect(rep).To(loadspec.HaveNoLostCommands())
		total := rep.Totals()
		// Every scripted command has an intended send time; the logout at the end does not.
		Expect(total.Corrected.Count()).To(Equal(total.Answered - rep.Actions["logout"].Answered))
		// Measured from the intended send time, a command can only be later
		// than measured from when it was sent.
		for name, a := range rep.Actions {
			if name == "logout" || a.Corrected.Count() == 0 {
				continue
			}
			Expect(a.Corrected.Count()).To(Equal(a.Latency.Count()), name)
			for _, q := range []float64{0.5, 0.9, 0.99} {
				Expect(a.Corrected.Quantile(q)).To(BeNumerically(">=", a.Latency.Quantile(q)), "%s, quantile %g", name, q)
			}
		}
	}, SpecTimeout(time.Minute))

	It("answers every command of players that come in through every door", func(ctx SpecContext) {
		rep := loadspec.MustRun(ctx, "../mixed-doors.yaml", loadspec.WithScenario(func(sc *dummyrunner.Scenario) {
			sc.Clients, sc.RampUp, sc.Duration = 60, time.Second, 5*time.Second
			sc.Pacing.Timestep = 200 * time.Millisecond
		}))
		Expect(rep).To(loadspec.BeValid())
		Expect(rep).To(loadspec.HaveNoLostCommands())
		Expect(rep).To(loadspec.HaveNoLostClients())
		Expect(rep.TransportNames()).To(Equal([]string{dummyrunner.TransportTelnet, dummyrunner.TransportTLS, dummyrunner.TransportWebsocket}))
		Expect(rep.Transports[dummyrunner.TransportWebsocket].Clients.Finished).To(BeNumerically("~", 30, 2), "half the players over the websocket door")
		var answered int64
		for name, tr := range rep.Transports {
			Expect(tr.Clients.Finished).To(BeNumerically(">", 0), name)
			tot := tr.Totals()
			Expect(tot.FailedTotal()).To(BeZero(), name)
			answered += tot.Answered
		}
		Expect(answered).To(Equal(rep.Totals().Answered), "the transports split the totals")
		Expect(rep.Transports[dummyrunner.TransportWebsocket].Phases).To(HaveKey(dummyrunner.PhaseWebsocketUpgrade))
		Expect(rep.Transports[dummyrunner.TransportTLS].Phases).To(HaveKey(dummyrunner.PhaseTLSHandshake))
	}, SpecTimeout(time.Minute))

	It("answers every command of players on all six transports, counting what each moved", func(ctx SpecContext) {
		rep := loadspec.MustRun(ctx, "../every-door.yaml", loadspec.WithScenario(func(sc *dummyrunner.Scenario) {
			sc.Clients, sc.RampUp, sc.Duration = 60, time.Second, 5*time.Second
			sc.Pacing.Timestep = 200 * time.Millisecond
		}))
		Expect(rep).To(loadspec.BeValid())
		Expect(rep).To(loadspec.HaveNoLostCommands())
		Expect(rep).To(loadspec.HaveNoLostClients())
		Expect(rep.TransportNames()).To(Equal([]string{dummyrunner.TransportSSH, dummyrunner.TransportTelnet, dummyrunner.TransportTelnetGMCP,
			dummyrunner.TransportTelnetMCCP2, dummyrunner.TransportTLS, dummyrunner.TransportWebsocket}))
		for name, tr := range rep.Transports {
			Expect(tr.Clients.Finished).To(BeNumerically(">", 0), name)
			tot := tr.Totals()
			Expect(tot.FailedTotal()).To(BeZero(), name)
		}
		Expect(rep.Transports[dummyrunner.TransportSSH].Phases).To(HaveKey(dummyrunner.PhaseSSHAuth))
		Expect(rep.Transports[dummyrunner.TransportTelnetGMCP].Wire.OOB).To(BeNumerically(">", 0), "GMCP answers")
		Expect(rep.Transports[dummyrunner.TransportTelnet].Wire.OOB).To(BeZero(), "no GMCP on plain telnet")
	}, SpecTimeout(time.Minute))

	It("is written in a few lines for an inline scenario", func(ctx SpecContext) {
		rep := loadspec.MustRun(ctx, `
name: inline
model: closed
clients: 5
duration: 3s
profiles: {idler: 1}
pacing: {timestep: 100ms, chance_of_action: 1, chance_of_login: 1, login_concurrency: 100}
`)
		Expect(rep).To(loadspec.HaveNoLostCommands())
		Expect(rep).NotTo(loadspec.HaveP99Below("*", time.Nanosecond))
	}, SpecTimeout(time.Minute))
})
