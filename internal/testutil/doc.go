// Package testutil holds helpers shared by the project's tests: a
// scripted telnet client, polling helpers, and starting an embedded
// portal and game server on random loopback ports.
//
// Helpers return errors rather than failing a test, so that both
// standard tests and Ginkgo specs can use them.
package testutil
