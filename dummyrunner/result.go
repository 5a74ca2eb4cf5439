package dummyrunner

import (
	"time"

	"github.com/portalsim/portalsim/reports"
)

// ResultKind says what a [Result] reports.
type ResultKind uint8

// The kinds of results.
const (
	// KindSent: a command was written (Action, Intended when scheduled).
	KindSent ResultKind = iota + 1
	// KindCommand: a command finished: answered (Reason empty) or failed
	// (Reason says why; ReasonCheck: answered, but Check failed).
	KindCommand
	// KindState: a client moved to State; Phase, if set, is a connection phase it reached.
	KindState
	// KindLost: a client ended before finishing, at State, for Reason.
	KindLost
	// KindDone: a client finished its script and left.
	KindDone
	// KindLag: an echo probe came back (LagIn, LagOut, Latency = total).
	KindLag
	// KindLateness: the generator's timer probe woke late by Latency.
	KindLateness
	// KindFaultStart: a fault of the scenario's schedule began (Fault
	// says which).
	KindFaultStart
	// KindFaultEnd: a fault was lifted; Fault holds what it did.
	KindFaultEnd
	// KindWire: a client's connection ended; Wire holds what it moved.
	KindWire
)

// Client states, in order; the live progress counts clients per state.
const (
	StateConnecting  = "connecting"
	StateConnected   = "connected"
	StateLoginScreen = "login_screen"
	StateLoggingIn   = "logging_in"
	StateLoggedIn    = "logged_in"
	StateLoggingOut  = "logging_out"
)

// Failure reasons of commands and clients.
const (
	ReasonTimeout      = "timeout"
	ReasonDisconnected = "disconnected"
	ReasonAborted      = "aborted"
	ReasonDial         = "dial"
	ReasonTLS          = "tls_handshake" // the TLS handshake failed (a bad certificate, ...)
	ReasonUpgrade      = "ws_upgrade"    // the websocket upgrade was refused or failed
	ReasonSSH          = "ssh_auth"      // the SSH handshake, authentication or shell failed
	ReasonWrite        = "write"
	ReasonLoginFailed  = "login_failed"
	ReasonNoLogin      = "no_login_screen"
	ReasonMaxSessions  = "max_sessions"
	// ReasonCheck: the command was answered, but the answer failed a
	// response check (Result.Check says which).
	ReasonCheck = reports.ReasonCheck
)

// Result is one measurement. Results are data, never control flow: a
// failure is a Result with a Reason, and the run goes on.
type Result struct {
	Kind   ResultKind
	Client int
	At     time.Time
	// Transport is the transport of the client (see TransportNames);
	// empty for results of no client (the timer probe, faults).
	Transport string

	Action  string // KindSent, KindCommand
	Command string // KindSent: the command as written
	State   string // KindState, KindLost
	Phase   string // KindState: the report phase reached, if any; KindLost: the phase failed in, if known
	Reason  string // KindCommand (failed), KindLost
	// Detail says more about a KindLost's reason, when known: which login
	// step failed and why ("step 2 (connect {name} {password}): fail
	// \"incorrect\""). Bounded by the scenario (its steps and patterns).
	Detail string

	// Intended is when the command should have been sent (open model); zero otherwise.
	Intended time.Time
	// TTFB, Latency and Corrected are the command's time to first byte,
	// to completion from the actual send, and to completion from the
	// intended send; a failed command's Latency is the time from its send
	// to its failure. For KindState, Latency is the time since the
	// connection attempt began; for KindLag it is the total lag.
	TTFB, Latency, Corrected time.Duration
	LagIn, LagOut            time.Duration

	// Fault is the fault that began or was lifted (KindFaultStart,
	// KindFaultEnd); the aggregator fills in the times and what it caught.
	Fault *reports.Fault
	// Wire is what a connection moved (KindWire).
	Wire *reports.Wire
	// Check is the outcome of the response checks of an answered command
	// (KindCommand); nil when it was not checked. A failed check makes
	// the command failed, for ReasonCheck.
	Check *CheckOutcome
}
