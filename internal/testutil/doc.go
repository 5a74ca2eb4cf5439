// Package testutil holds helpers shared by the project's tests: a
// scripted telnet client, polling helpers, starting an embedded portal
// and game server on random loopback ports, and the test side of the
// stock third-party servers the load generator is checked against: a
// stock TinyMUX started on free loopback ports, and finding (or
// skipping without) the Evennia that internal/targets starts.
//
// Helpers return errors rather than failing a test, so that both
// standard tests and Ginkgo specs can use them; the Need* helpers decide
// whether a missing third-party server skips a test or, under CI, fails
// it (see internal/testenv).
package testutil
