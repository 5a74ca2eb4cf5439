// Package targets starts the third-party servers the load generator is
// measured against, from the shared targets' scripts
// (../shared/targets beside the repository, or $PORTALSIM_TARGETS):
// finding the scripts ([Dir]), a free block of loopback ports
// ([FreePortBlock]), running a script ([RunScript]), and a stock Evennia
// running a copy of its installed game ([StartEvennia]).
//
// It is production code, used by "portalsim bench" (its evennia target)
// and by the tests through internal/testutil, which adds only the
// testing glue (skip or fail when a target is not installed, TinyMUX's
// harness). It imports nothing from the project.
//
// Concurrency: an [Evennia]'s Stop is safe to call from several
// goroutines and idempotent; separate [StartEvennia] calls run separate
// copies of the game and do not share state.
package targets
