// Package loadspec is a small Ginkgo/Gomega DSL for load specs: start an
// embedded portal and game server, run a scenario file against it, and
// assert on the report in a few readable lines:
//
//	rep := loadspec.MustRun(ctx, "../smoke.yaml")
//	Expect(rep).To(loadspec.HaveP99Below("looks", 50*time.Millisecond))
//	Expect(rep).To(loadspec.HaveNoLostCommands())
//
// See the specs in scenarios/load for complete examples.
package loadspec
