// Package throttle proves the portal's connect throttle end to end, over
// real sockets and in real time: players dial the telnet port, a fake game
// server on the link records when each PCONN arrives, and the specs check
// the release rate, the FIFO order of one address's players, the
// fairness across addresses (a flood from one address does not hold up
// a player from another), Evennia's DoS message and the queue's
// Evennia bugs (5.4 starvation, 5.6 input while queued, 5.9 NAWS while
// queued, 5.18 close while queued, 5.27 a disabled throttle).
//
// The exact release schedule is tested deterministically, with
// testing/synctest, in portal/throttle_test.go and portal/handler_test.go;
// these specs check that it holds on a real clock with real connections,
// with tolerances wide enough for a loaded machine.
package throttle
