package targets_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/dummyrunner"
)

// evennia-capacity.yaml measures stock Evennia (by hand: its header has
// the commands; a capacity search is far too long for a spec). This spec
// only keeps its workload the embedded capacity file's.
var _ = Describe("evennia-capacity.yaml", Label("targets", "slow"), func() {
	It("compiles and offers the load of the embedded capacity-looker.yaml", func() {
		compile := func(path string) *dummyrunner.Scenario {
			GinkgoHelper()
			sc, err := dummyrunner.LoadScenario(path)
			Expect(err).NotTo(HaveOccurred())
			plan, err := sc.Compile(".")
			Expect(err).NotTo(HaveOccurred())
			return plan.Scenario()
		}
		got := compile(abs("evennia-capacity.yaml"))
		want := compile(abs("../../cmd/portalsim/testdata/capacity-looker.yaml"))
		Expect(got.Model).To(Equal(want.Model))
		Expect(got.Seed).To(Equal(want.Seed))
		Expect(got.RampUp).To(Equal(want.RampUp))
		Expect(got.Pacing).To(Equal(want.Pacing))

		// The same actions at the same weights as the built-in looker,
		// each completing at its own answer.
		weights := func(p *dummyrunner.Profile) map[string]float64 {
			m := map[string]float64{}
			for _, a := range p.Actions {
				m[a.Action] += a.Weight
			}
			return m
		}
		Expect(want.Profiles).To(Equal(map[string]float64{"looker": 1}))
		looker, err := dummyrunner.LoadProfile("looker")
		Expect(err).NotTo(HaveOccurred())
		ev, err := dummyrunner.LoadProfile(abs("profiles/evennia-looker.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Profiles).To(Equal(map[string]float64{ev.Name: 1}))
		Expect(weights(ev)).To(Equal(weights(looker)))
		for _, a := range ev.Actions {
			Expect(a.Completion).NotTo(BeNil(), a.Action)
			Expect(a.Completion.Mode).To(Equal(dummyrunner.CompletionRegex), a.Action)
		}
	})
})
