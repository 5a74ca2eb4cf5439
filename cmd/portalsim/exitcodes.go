package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// Exit codes of portalsim. Each has one meaning; scripts and CI rely on them.
const (
	// ExitOK: the command did what was asked.
	ExitOK = 0
	// ExitFailure: the command failed at run time (a listener could not bind, a file could not be written, ...).
	ExitFailure = 1
	// ExitUsage: the command line was wrong (unknown command or flag, bad value).
	ExitUsage = 2
	// ExitCapacityNeverHeld: "portalsim capacity" found no level that
	// held the SLO: the game broke it at -start already (or failed every
	// confirmation down to it).
	ExitCapacityNeverHeld = 95
	// ExitCapacityRefused: "portalsim capacity" refused its answer: a
	// trial's generator was unhealthy (its own bottleneck: late timers,
	// saturated CPU, no file descriptors left) twice in a row, so its
	// numbers describe the generator, not the game. The report says why.
	ExitCapacityRefused = 96
	// ExitInvalidRun: the load run failed to measure the server: it
	// measured nothing (no player logged in, or no command was answered:
	// a dead server, a wrong login_success, a run stopped before anyone
	// got in), or its numbers cannot be trusted (the generator itself was
	// the bottleneck: late timers, saturated CPU, no file descriptors
	// left; or its accounting did not add up). The report's
	// invalid_reasons say which; thresholds are not the question then.
	// "bench fanout" exits so when messages were lost, doubled or
	// misdelivered, and "bench storm -hold" when a held connection did
	// not answer the echo probe.
	ExitInvalidRun = 97
	// ExitInterrupted: the load run was stopped before its planned end
	// (Ctrl-C, SIGTERM, or a -procs child stopped so): its report is
	// written and flagged interrupted (meta.interrupted), but it covers
	// only part of the run, so neither its validity nor its thresholds
	// say how the whole run would have gone. "report compare" refuses to
	// compare it with a complete run unless -allow-interrupted.
	ExitInterrupted = 98
	// ExitThresholds: the load run completed but a threshold failed.
	ExitThresholds = 99
	// ExitInvalidConfig: a configuration or scenario was invalid, found
	// before anything ran: a number out of its bounds (named by its
	// field), a threshold on an action the scenario does not have, more
	// players than the file-descriptor limit can hold, an unreadable file.
	ExitInvalidConfig = 104
)

// usageError marks an error in the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCoder is an error that carries its own exit code.
type exitCoder interface{ ExitCode() int }

// exitCode maps err to an exit code, printing it to stderr.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	fmt.Fprintf(stderr, "portalsim: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, `Run "portalsim help" for usage.`)
		return ExitUsage
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return ExitFailure
}
