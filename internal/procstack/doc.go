// Package procstack starts and watches the child processes of the
// measurement commands: one [Process] (a child re-executing the
// portalsim binary, its stdout read for a readiness line, its stderr's
// tail kept for errors), a [Stack] ("portalsim portal" and "portalsim
// server" as two processes joined by a temporary link secret),
// [ReadStat], what /proc says of a process (CPU time, memory,
// descriptors), and [ReadMachine], what /proc/stat says of the whole
// machine (the CPU time of all cores, the runnable tasks).
//
// It is the one implementation shared by "portalsim bench" (its floor
// and portal targets), "bench floor" (its echo process), "bench
// storm", and the shards of "portalsim run -procs" (through [Command]). It is a package of its own rather than exported from
// internal/bench because storm and the floor are not benches of that
// package: each would otherwise import the whole bench (dummyrunner,
// reports, Evennia) to start two processes.
//
// Every child gets SIGKILL when the process that started it ends
// (Pdeathsig, on Linux; see [StartProcess]), so a bench killed outright
// leaves no portal or game server behind. A Stack's temporary directory
// (mode 0700, the secret in it mode 0600) is removed on every path out
// of [StartStack] that fails and by [Stack.Stop]; only a parent killed
// outright leaves it (its children die with it, so nothing reads it).
//
// Concurrency: a Process's and a Stack's methods are safe to call from
// several goroutines; Stop is idempotent.
package procstack
