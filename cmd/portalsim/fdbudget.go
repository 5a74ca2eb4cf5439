package main

import (
	"fmt"
	"math"
	"syscall"

	"github.com/portalsim/portalsim/dummyrunner"
)

// fdHeadroom is the file descriptors a run keeps for everything but its
// players' connections: listeners, the link, the report and log files,
// the runtime's own.
const fdHeadroom = 200

// fdPlan is where a run's connections hold file descriptors.
type fdPlan struct {
	limit    int  // RLIMIT_NOFILE's soft limit of this process (and its children)
	players  int  // the most connections open at once, all processes together
	procs    int  // child processes the players are spread over (1: this process)
	embedded bool // the portal runs in this process, holding the server side of every connection
	faults   int  // descriptors the scenario's faults hold in this process: the client proxy's, the crowds'
}

// check refuses a plan that needs more file descriptors than the limit
// in any one process, saying why and what to do instead. A loopback
// connection costs two descriptors in one process (the player's and the
// embedded portal's side), one when the portal runs elsewhere or the
// players run in child processes.
func (p fdPlan) check() error {
	if p.limit <= 0 || p.players <= 0 {
		return nil
	}
	procs := max(p.procs, 1)
	perChild := (p.players + procs - 1) / procs // the biggest share
	here := 0                                   // connections' descriptors in this process
	switch {
	case p.embedded && procs == 1:
		here = 2 * p.players
	case p.embedded:
		here = p.players
	case procs == 1:
		here = p.players
	}
	here += p.faults
	room := p.limit - fdHeadroom
	// Children a run would need to hold its players at one descriptor each.
	need := (p.players + room - 1) / max(room, 1)
	switch {
	case here > room && p.faults > 0:
		return fmt.Errorf("%d players and the scenario's faults need %d file descriptors in this process (%d of them for the fault proxy's ends and the crowds' connections), but its limit (RLIMIT_NOFILE) is %d with %d kept for other files: fewer players or smaller crowds",
			p.players, here+fdHeadroom, p.faults, p.limit, fdHeadroom)
	case here > room && p.embedded && p.players > room:
		return fmt.Errorf("%d players need %d file descriptors in this process (the embedded portal holds the server side of every connection, -procs or not), but its limit (RLIMIT_NOFILE) is %d with %d kept for other files: run the portal in its own process (portalsim portal and portalsim server) and point -target at it, with -procs %d or more",
			p.players, here+fdHeadroom, p.limit, fdHeadroom, need)
	case here > room && p.embedded:
		return fmt.Errorf("%d players need %d file descriptors in this process (2 per connection: the player's side and the embedded portal's), but its limit (RLIMIT_NOFILE) is %d with %d kept for other files: use -procs 2 or more (the players then run in child processes and each connection costs 1 here), or a portal of its own with -target",
			p.players, here+fdHeadroom, p.limit, fdHeadroom)
	case here > room:
		return fmt.Errorf("%d players need %d file descriptors, but the limit (RLIMIT_NOFILE) is %d with %d kept for other files: use -procs %d or more to spread them over child processes",
			p.players, here+fdHeadroom, p.limit, fdHeadroom, need)
	case procs > 1 && perChild > room:
		return fmt.Errorf("%d players over %d processes need %d file descriptors in each, but the limit (RLIMIT_NOFILE) is %d with %d kept for other files: use -procs %d or more",
			p.players, procs, perChild+fdHeadroom, p.limit, fdHeadroom, need)
	}
	return nil
}

// nofileLimit returns the soft RLIMIT_NOFILE of this process (Go raises
// it to the hard limit at start-up), or 0 when there is none or it is
// unknown.
func nofileLimit() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > math.MaxInt32 {
		return 0
	}
	return int(lim.Cur)
}

// concurrentPlayers is the most connections count players of sc hold at
// once: all of them in the closed model; at most max_sessions per process
// in the open model.
func concurrentPlayers(sc *dummyrunner.Scenario, count, procs int) int {
	if sc.Model != dummyrunner.ModelOpen {
		return count
	}
	return min(count, max(procs, 1)*sc.MaxSessions)
}
