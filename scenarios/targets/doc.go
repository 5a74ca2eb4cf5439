// Package targets proves the load generator against stock third-party
// MUD servers, as a user would run it: the built binary runs the scenario
// files of this directory (tinymux.yaml, evennia.yaml) against a stock
// TinyMUX 2.12 and a stock Evennia 5 started from the shared targets'
// scripts (see internal/testutil.StartTinyMUX and
// internal/targets.StartEvennia). Every player must log in, every
// command be answered and its answer checked; a command the game does
// not know must show as a failed check; and the marker mode's latency
// must agree with the time to first byte. evennia-capacity.yaml, the
// load of "portalsim capacity" against stock Evennia (its header has the
// commands of the measurement, far too long for a spec), is only compiled
// and compared with the embedded stack's capacity file.
//
// The specs are labelled "targets" and "slow" (.ci/run runs them in its
// pass for slow specs). Without the servers they skip on a developer
// machine and fail when CI is set (internal/testenv).
package targets
