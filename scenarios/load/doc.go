// Package load holds load specs: Ginkgo specs that run the scenario files
// of scenarios/ against an embedded portal and assert on their reports
// with the loadspec DSL. They double as examples for users writing their own.
package load
