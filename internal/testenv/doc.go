// Package testenv decides what a test does when a third-party program it
// drives (a MUD client, a browser) is missing: on a developer machine it
// skips with the install hint, and when the CI environment variable is
// set it fails with the same hint, so CI can never pass by skipping.
//
// It imports nothing of ours, so any package's tests, leaves included,
// may use it.
package testenv
