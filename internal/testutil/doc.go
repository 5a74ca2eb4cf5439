// Package testutil holds helpers shared by the project's tests: a
// scripted telnet client, polling helpers, starting an embedded portal
// and game server on random loopback ports, and starting the stock
// third-party servers the load generator is checked against (TinyMUX and
// Evennia, from the shared targets' scripts) on free loopback ports.
//
// Helpers return errors rather than failing a test, so that both
// standard tests and Ginkgo specs can use them; the Need* helpers decide
// whether a missing third-party server skips a test or, under CI, fails
// it (see internal/testenv).
package testutil
